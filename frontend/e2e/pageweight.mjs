// What a page costs a phone: the bytes it moves over the wire and its first contentful paint,
// measured by Chromium itself (DevTools protocol). Shared by the byte-budget test
// (page-weight.test.mjs) and the benchmark (bench-pages.mjs).
import { withPage } from './browser.mjs'

/** A phone: 390 px wide, as the budgets are stated. */
export const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, locale: 'en-US' }

/** Slow 4G as the issue states it: 150 ms round trip, 1.6 Mbit/s down (750 kbit/s up). */
export const SLOW_4G = {
  offline: false,
  latency: 150,
  downloadThroughput: (1.6 * 1000 * 1000) / 8,
  uploadThroughput: (750 * 1000) / 8,
}

/** The byte budgets over the wire (headers included), from issue 19. */
export const BUDGETS = { complain: 100 * 1024, track: 100 * 1024, inbox: 250 * 1024 }

/** What each measured page waits for before it counts as shown. */
export const PAGES = {
  complain: { ready: (page) => page.locator('#complain-title') },
  track: { ready: (page) => page.getByTestId('track-status') },
  inbox: { ready: (page) => page.locator('[data-testid=case-list], [data-testid=inbox-empty]') },
}

/**
 * Opens `path` in a fresh phone-sized context (empty cache) and returns what it moved:
 * `bytes` (every response's encoded size with headers, as Chromium counts it; an event stream
 * still open counts what arrived so far), `requests` (url, type, bytes, content encoding) and
 * `fcp` (first contentful paint, ms after navigation start).
 *
 * options: `ready(page)` a locator to wait for; `storageState` (a signed-in user);
 * `identity` asks for uncompressed answers (Accept-Encoding: identity), the floor the
 * compressed build is compared with; `network` a Network.emulateNetworkConditions argument.
 */
export async function measurePage(browser, name, path, { ready, storageState, identity = false, network } = {}) {
  return withPage(
    browser,
    name,
    async (page, context) => {
      const cdp = await context.newCDPSession(page)
      await cdp.send('Network.enable')
      await cdp.send('Network.setCacheDisabled', { cacheDisabled: true })
      if (network) await cdp.send('Network.emulateNetworkConditions', network)
      if (identity) await cdp.send('Network.setExtraHTTPHeaders', { headers: { 'Accept-Encoding': 'identity' } })

      const requests = new Map()
      const inFlight = new Set()
      let settle = null
      const maybeSettled = () => {
        if (settle && inFlight.size === 0) settle()
      }
      cdp.on('Network.requestWillBeSent', ({ requestId, request, type }) => {
        requests.set(requestId, { url: request.url, type, bytes: 0, encoding: '', status: 0 })
        // A live event stream never finishes: it does not hold back "settled".
        if (type !== 'EventSource') inFlight.add(requestId)
      })
      cdp.on('Network.responseReceived', ({ requestId, response }) => {
        const entry = requests.get(requestId)
        if (!entry) return
        entry.status = response.status
        entry.bytes = Math.max(entry.bytes, response.encodedDataLength ?? 0)
        const headers = Object.fromEntries(Object.entries(response.headers).map(([k, v]) => [k.toLowerCase(), v]))
        entry.encoding = headers['content-encoding'] ?? ''
      })
      cdp.on('Network.dataReceived', ({ requestId, encodedDataLength }) => {
        const entry = requests.get(requestId)
        if (entry) entry.streamed = (entry.streamed ?? 0) + encodedDataLength
      })
      const done = ({ requestId, encodedDataLength }) => {
        const entry = requests.get(requestId)
        if (entry && encodedDataLength != null) entry.bytes = encodedDataLength
        inFlight.delete(requestId)
        maybeSettled()
      }
      cdp.on('Network.loadingFinished', done)
      cdp.on('Network.loadingFailed', (event) => done({ requestId: event.requestId }))

      await page.goto(path)
      if (ready) await ready(page).first().waitFor({ state: 'visible' })
      // Everything the page asked for by the time it shows has arrived.
      await new Promise((resolve) => {
        settle = resolve
        maybeSettled()
      })
      const fcp = await page.evaluate(
        () => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null,
      )
      await cdp.detach()

      const list = [...requests.values()].map((r) => ({
        ...r,
        // An open stream has no loadingFinished: count its headers and the data so far.
        bytes: r.type === 'EventSource' ? r.bytes + (r.streamed ?? 0) : r.bytes,
      }))
      return { path: new URL(page.url()).pathname, bytes: list.reduce((sum, r) => sum + r.bytes, 0), requests: list, fcp }
    },
    { ...PHONE, ...(storageState ? { storageState } : {}) },
  )
}

/** Files a complaint through the public API and returns its tracking link's path. */
export async function trackingPath(browser, stamp) {
  return withPage(browser, 'page-weight-file', async (page) => {
    const response = await page.request.post('/api/v1/complaints', {
      headers: { 'Idempotency-Key': `page-weight-${stamp}` },
      data: {
        name: 'Paula Phone',
        email: `paula.${stamp}@example.org`,
        category: 'product',
        touchpoint: 'delivery',
        description: 'The blender arrived with a cracked jug. I would like a new jug.',
        expected_outcome: 'replacement',
      },
    })
    if (response.status() !== 201) throw new Error(`filing a complaint answered ${response.status()}: ${await response.text()}`)
    return new URL((await response.json()).data.tracking_url).pathname
  })
}

export const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`
