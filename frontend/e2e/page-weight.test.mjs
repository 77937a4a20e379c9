// Byte budgets of the customers' pages and the inbox on a phone (issue 19). Bytes over the wire
// are deterministic for a build, so a dependency or a change that bloats these pages fails here;
// timing is left to the benchmark (bench-pages.mjs).
import { before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { sharedBrowser } from './browser.mjs'
import { BUDGETS, kb, measurePage, PAGES, trackingPath } from './pageweight.mjs'

const e2e = sharedBrowser()
let track
const stamp = Date.now().toString(36)

before(async () => {
  await e2e.ready
  track = await trackingPath(e2e.browser, stamp)
})

// The staff app's own chunks; a customer's page must load none of them.
const STAFF_CHUNK = /\/assets\/(AppShell|NotificationBell|InboxView|CaseView|NewCaseView|LoginView|Admin|Rule|Sla|Canned|Outbox|Tokens|Categories)[^/]*\.js$/

function describeRequests(result) {
  return result.requests.map((r) => `  ${r.bytes} B ${r.encoding || '-'} ${r.type} ${r.url}`).join('\n')
}

// The build keeps no compressed copy of a file compression does not shrink (a chunk of a few
// dozen bytes), so only responses over 1 KB (headers included) must come compressed.
const TINY_BYTES = 1024

function assertCompressed(result) {
  for (const r of result.requests) {
    if (r.bytes >= TINY_BYTES && (/\/assets\/.*\.(js|css)$/.test(r.url) || r.type === 'Document')) {
      assert.equal(r.encoding, 'br', `${r.url} came ${r.encoding || 'uncompressed'}\n${describeRequests(result)}`)
    }
  }
}

describe('page weight on a phone', () => {
  test('the complaint form moves at most 100 KB, compressed, with none of the staff app', async () => {
    const result = await measurePage(e2e.browser, 'weight-complain', '/complain', { ready: PAGES.complain.ready })
    assert.ok(result.bytes <= BUDGETS.complain, `/complain moved ${kb(result.bytes)} (budget ${kb(BUDGETS.complain)}):\n${describeRequests(result)}`)
    assertCompressed(result)
    const staff = result.requests.filter((r) => STAFF_CHUNK.test(r.url))
    assert.deepEqual(staff.map((r) => r.url), [], 'the complaint form loaded staff code')
    // Only the language in use: the Finnish messages stay on the server.
    assert.equal(result.requests.filter((r) => /\/assets\/fi-[^/]*\.js$/.test(r.url)).length, 0, 'loaded the Finnish messages')
    assert.equal(result.requests.filter((r) => /\/assets\/en-[^/]*\.js$/.test(r.url)).length, 1, 'did not load the English messages')
  })

  test('the tracking page moves at most 100 KB, compressed, with none of the staff app', async () => {
    const result = await measurePage(e2e.browser, 'weight-track', track, { ready: PAGES.track.ready })
    assert.ok(result.bytes <= BUDGETS.track, `the tracking page moved ${kb(result.bytes)} (budget ${kb(BUDGETS.track)}):\n${describeRequests(result)}`)
    assertCompressed(result)
    assert.deepEqual(result.requests.filter((r) => STAFF_CHUNK.test(r.url)).map((r) => r.url), [], 'the tracking page loaded staff code')
  })

  test('the inbox after login moves at most 250 KB, compressed', async () => {
    const result = await measurePage(e2e.browser, 'weight-inbox', '/inbox', { ready: PAGES.inbox.ready, storageState: e2e.adminState })
    assert.equal(result.path, '/inbox')
    assert.ok(result.bytes <= BUDGETS.inbox, `/inbox moved ${kb(result.bytes)} (budget ${kb(BUDGETS.inbox)}):\n${describeRequests(result)}`)
    assertCompressed(result)
  })

  test('asking for no compression gets the plain files (the benchmark floor)', async () => {
    const plain = await measurePage(e2e.browser, 'weight-complain-identity', '/complain', { ready: PAGES.complain.ready, identity: true })
    const assets = plain.requests.filter((r) => /\/assets\/.*\.js$/.test(r.url))
    assert.ok(assets.length > 0)
    for (const r of assets) assert.equal(r.encoding, '', `${r.url} came ${r.encoding}`)
  })
})
