// axe-core in a page (WCAG 2.1 A/AA rules), shared by the browser tests.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8')

/** Runs axe in the page (evaluated over the DevTools protocol, so the app's CSP does not block it). */
export async function checkA11y(page, label) {
  await page.evaluate(AXE_SOURCE)
  const violations = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const result = await window.axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
      resultTypes: ['violations'],
    })
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')),
    }))
  })
  assert.deepEqual(violations, [], `${label}: accessibility violations:\n${JSON.stringify(violations, null, 2)}`)
}

/** The page is no wider than the screen (nothing to scroll sideways on a phone). */
export async function noSideways(page, label) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)
  assert.ok(overflow <= 0, `${label}: the page is ${overflow}px wider than the screen`)
}

export const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true }
