// The inbox: view tabs with counts, the list sorted by last update, "load more",
// and opening a case.
import { before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { expect } from './expect.mjs'
import { withPage, sharedBrowser } from './browser.mjs'

const e2e = sharedBrowser()
const stamp = Date.now().toString(36)
const SEEDED = 53 // more than one page of 50

async function api(page, method, path, data) {
  const me = await page.request.get('/api/v1/me')
  const { csrf_token: csrf, user } = (await me.json()).data
  const response = await page.request.fetch(`/api/v1${path}`, {
    method,
    headers: { 'X-CSRF-Token': csrf },
    data,
  })
  return { response, user }
}

async function apiTotal(page, view) {
  const response = await page.request.get(`/api/v1/cases?view=${view}&limit=1`)
  assert.equal(response.status(), 200)
  return (await response.json()).meta.total
}

before(async () => {
  await e2e.ready
  await withPage(
    e2e.browser,
    'seed-inbox',
    async (page) => {
      await page.goto('/inbox')
      const { user } = await api(page, 'GET', '/me')
      for (let i = 0; i < SEEDED; i++) {
        const { response } = await api(page, 'POST', '/cases', {
          subject: `Seeded case ${i} ${stamp}`,
          description: `Description of seeded case ${i}.`,
          customer: { name: `Customer ${i}`, email: `customer${i}.${stamp}@example.org` },
          priority: ['low', 'normal', 'high', 'urgent'][i % 4],
          assignee_id: i % 10 === 0 ? user.id : '',
        })
        assert.equal(response.status(), 201, await response.text())
      }
    },
    { storageState: e2e.adminState },
  )
})

describe('inbox', () => {
  test('tab counts match the server and "load more" fetches the next page', () =>
    withPage(
      e2e.browser,
      'inbox-load-more',
      async (page) => {
        await page.goto('/inbox?view=all_open')
        const total = await apiTotal(page, 'all_open')
        assert.ok(total >= SEEDED && total <= 100, `all_open total ${total}`)

        for (const view of ['unassigned', 'mine', 'all_open', 'escalated', 'waiting', 'resolved']) {
          const expected = await apiTotal(page, view)
          await expect(page.locator(`[role=tab][data-view=${view}] [data-testid=tab-count]`)).toHaveText(String(expected))
        }

        const rows = page.getByTestId('case-list').locator('li')
        await expect(rows).toHaveCount(50)
        await expect(page.getByText(`Showing 50 of ${total}`)).toBeVisible()

        // Newest update first: the last seeded case heads the list.
        await expect(rows.first()).toContainText(`Seeded case ${SEEDED - 1} ${stamp}`)

        const [more] = await Promise.all([
          page.waitForResponse((r) => r.url().includes('/api/v1/cases?') && r.url().includes('cursor=')),
          page.getByRole('button', { name: 'Load more' }).click(),
        ])
        assert.equal(more.status(), 200)
        await expect(rows).toHaveCount(total)
        await expect(page.getByText(`Showing ${total} of ${total}`)).toBeVisible()
        await expect(page.getByRole('button', { name: 'Load more' })).toHaveCount(0)

        // Every case appears once, in the server's order.
        const ids = await rows.locator('.case-row__ref').allInnerTexts()
        assert.equal(new Set(ids).size, ids.length, 'no duplicates after load more')
      },
      { storageState: e2e.adminState },
    ))

  test('"Mine" shows the cases assigned to me, and a row opens the case', () =>
    withPage(
      e2e.browser,
      'inbox-mine',
      async (page) => {
        await page.goto('/inbox')
        await page.getByRole('tab', { name: /^Mine/ }).click()
        await page.waitForURL(/view=mine/)
        const mine = await apiTotal(page, 'mine')
        assert.ok(mine >= Math.ceil(SEEDED / 10))
        const rows = page.getByTestId('case-list').locator('li')
        await expect(rows).toHaveCount(mine)
        await expect(rows.first()).toContainText('Seeded case 50')

        await rows.first().getByRole('link').click()
        await page.waitForURL(/\/cases\/K-\d{4}-\d{6}$/)
        await expect(page.getByRole('heading', { level: 1, name: `Seeded case 50 ${stamp}` })).toBeVisible()
        await expect(page.getByTestId('case-description')).toHaveText('Description of seeded case 50.')
        await expect(page.getByTestId('customer-panel').getByText(`customer50.${stamp}@example.org`)).toBeVisible()

        await page.getByRole('link', { name: 'Back to inbox' }).click()
        await page.waitForURL(/\/inbox\?view=mine$/)
        await expect(page.getByRole('tab', { selected: true })).toHaveText(/^Mine/)
      },
      { storageState: e2e.adminState },
    ))

  test('an unknown case shows "not found", not an error', () =>
    withPage(
      e2e.browser,
      'case-not-found',
      async (page) => {
        await page.goto('/cases/K-1999-999999')
        await expect(page.getByRole('heading', { level: 1, name: 'Page not found' })).toBeVisible()
        await expect(page.getByText('This case does not exist, or you may not see it.')).toBeVisible()
      },
      { storageState: e2e.adminState },
    ))
})

describe('finding a case by what the customer reads out', () => {
  test('an exact reference opens the case; a partial one and the phone number in any form find it', () =>
    withPage(
      e2e.browser,
      'inbox-lookup',
      async (page) => {
        await page.goto('/inbox')
        // A phone number no other test uses: +358 40 followed by seven digits of this run.
        const seven = String(Date.now()).slice(-7)
        const { response } = await api(page, 'POST', '/cases', {
          subject: `Phoned in ${stamp}`,
          description: 'The customer called about a missing parcel.',
          customer: { name: 'Pirjo Puhelin', email: `pirjo.${stamp}@example.org`, phone: `+358 40 ${seven.slice(0, 3)} ${seven.slice(3)}` },
        })
        assert.equal(response.status(), 201, await response.text())
        const id = (await response.json()).data.id
        const [, year, number] = id.split('-')

        const search = async (text) => {
          await page.goto('/inbox?view=all')
          await page.getByTestId('search').fill(text)
          await page.getByTestId('search').press('Enter')
        }
        await search(id.toLowerCase())
        await page.waitForURL(new RegExp(`/cases/${id}$`))
        await expect(page.getByRole('link', { name: 'Back to inbox' })).toBeVisible()

        for (const text of [`${year}-${number}`, number, `+358 40 ${seven.slice(0, 3)} ${seven.slice(3)}`, `040${seven}`, `040-${seven.slice(0, 3)} ${seven.slice(3)}`]) {
          await search(text)
          await expect(page.getByTestId('results-line')).toContainText(text)
          await expect(page.locator(`[data-case="${id}"]`)).toBeVisible()
        }
      },
      { storageState: e2e.adminState },
    ))

  test("the views' counts from before a live change never land over the counts after it", () =>
    withPage(
      e2e.browser,
      'inbox-counts-order',
      async (page) => {
        // The first counts answer only after a case arrived live and the counts were asked
        // again and shown: it used to land last and put back the count from before the case.
        let release
        const held = new Promise((resolve) => (release = resolve))
        // The views' counts (a saved view's count is asked at the same path, with saved_view).
        const isCounts = (url) => url.pathname === '/api/v1/cases/counts' && !url.searchParams.has('saved_view')
        let first = true
        await page.route(isCounts, async (route) => {
          if (!first) return route.continue()
          first = false
          await held
          await route.continue().catch(() => undefined) // the page may have given it up
        })
        const asked = page.waitForRequest((request) => isCounts(new URL(request.url())))
        await page.goto('/inbox')
        const stale = await asked
        await expect(page.locator('.case-row').first()).toBeVisible()
        const { response } = await api(page, 'POST', '/cases', {
          subject: `Counted live ${stamp}`,
          description: 'Arrives while the counts load.',
          customer: { name: 'Kalle Laskettu', email: `kalle.${stamp}@example.org` },
        })
        assert.equal(response.status(), 201, await response.text())
        const after = await apiTotal(page, 'all_open')
        const allOpen = page.locator('[role=tab][data-view=all_open] [data-testid=tab-count]')
        await expect(allOpen).toHaveText(String(after))
        release()
        await stale.response()
        assert.equal(stale.failure()?.errorText, 'net::ERR_ABORTED', 'the counts from before are given up')
        await expect(allOpen).toHaveText(String(after))
      },
      { storageState: e2e.adminState },
    ))

  test('a page opened while a typed reference is looked up is not taken back to the case', () =>
    withPage(
      e2e.browser,
      'inbox-lookup-leave',
      async (page) => {
        await page.goto('/inbox')
        const { response } = await api(page, 'POST', '/cases', {
          subject: `Looked up ${stamp}`,
          description: 'The customer read out the reference.',
          customer: { name: 'Lauri Luku', email: `lauri.${stamp}@example.org` },
        })
        assert.equal(response.status(), 201, await response.text())
        const id = (await response.json()).data.id
        // The look-up answers only once Approvals, opened meanwhile, is on screen: it used to
        // open the case anyway and take the person back out of Approvals.
        const isLookup = (url) => url.pathname === `/api/v1/cases/${encodeURIComponent(id)}`
        let release
        const held = new Promise((resolve) => (release = resolve))
        await page.route(isLookup, async (route) => {
          await held
          await route.continue().catch(() => undefined) // the page may have given it up
        })
        await page.goto('/inbox?view=all')
        const asked = page.waitForRequest((request) => isLookup(new URL(request.url())))
        await page.getByTestId('search').fill(id)
        await page.getByTestId('search').press('Enter')
        const lookup = await asked
        await page.getByTestId('nav-approvals').click()
        await expect(page.getByRole('heading', { level: 1, name: 'Approvals' })).toBeVisible()
        release()
        await lookup.response()
        assert.equal(lookup.failure()?.errorText, 'net::ERR_ABORTED', 'the look-up is given up')
        await expect(page.getByRole('heading', { level: 1, name: 'Approvals' })).toBeVisible()
        assert.match(page.url(), /\/approvals$/)
      },
      { storageState: e2e.adminState },
    ))
})
