// Page weight and first paint on a phone over slow 4G (issue 19), each page beside the same
// page fetched uncompressed (Accept-Encoding: identity), measured in the same run.
//
//   cd frontend && npm run build && (cd .. && go build -o bin/kaiku .) &&
//   KAIKU_BIN=$PWD/../bin/kaiku npm run bench:pages
//
// Chromium at 390 px with Network.emulateNetworkConditions (150 ms round trip, 1.6 Mbit/s
// down, 750 kbit/s up), the CPU not throttled, an empty cache for every load. "bytes" is what
// went over the wire, headers included; "FCP" is the first contentful paint (the app shows
// nothing before its first page is ready, so this is when the page appears). Each figure is the
// median of -runs loads (default 5; KAIKU_BENCH_RUNS).
import { adminStorageState, launchBrowser } from './browser.mjs'
import { BUDGETS, kb, measurePage, PAGES, SLOW_4G, trackingPath } from './pageweight.mjs'

const RUNS = Number(process.env.KAIKU_BENCH_RUNS ?? 5)

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]
}

async function measure(browser, name, path, options) {
  const results = []
  for (let i = 0; i < RUNS; i++) {
    results.push(await measurePage(browser, `bench-${name}-${i}`, path, { ...options, network: SLOW_4G }))
  }
  return { bytes: median(results.map((r) => r.bytes)), fcp: median(results.map((r) => r.fcp ?? Infinity)), requests: results[0].requests.length }
}

const browser = await launchBrowser()
try {
  const adminState = await adminStorageState(browser)
  const track = await trackingPath(browser, Date.now().toString(36))
  const pages = [
    { name: 'complain', label: '/complain', path: '/complain', options: {} },
    { name: 'track', label: '/track/:key', path: track, options: {} },
    { name: 'inbox', label: '/inbox (signed in)', path: '/inbox', options: { storageState: adminState } },
  ]
  console.log(`slow 4G (150 ms RTT, 1.6 Mbit/s down), 390 px, median of ${RUNS} cold loads`)
  console.log('page                 compressed: bytes      FCP  requests | identity: bytes      FCP | budget')
  for (const p of pages) {
    const options = { ...p.options, ready: PAGES[p.name].ready }
    const packed = await measure(browser, p.name, p.path, options)
    const plain = await measure(browser, `${p.name}-identity`, p.path, { ...options, identity: true })
    console.log(
      `${p.label.padEnd(20)} ${kb(packed.bytes).padStart(18)} ${`${Math.round(packed.fcp)} ms`.padStart(8)} ${String(packed.requests).padStart(9)} |` +
        ` ${kb(plain.bytes).padStart(15)} ${`${Math.round(plain.fcp)} ms`.padStart(8)} | ≤ ${kb(BUDGETS[p.name])}${p.name === 'inbox' ? '' : ', FCP ≤ 1200 ms'}`,
    )
  }
} finally {
  await browser.close()
}
