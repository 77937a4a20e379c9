// Online reviews: an admin adds a review source in the browser and sees its secret once; the
// test then posts signed reviews to the webhook as a platform would (HMAC-SHA256 of
// "<timestamp>.<body>"), finds them in the inbox's Reviews view with their stars, filters to
// the worst ratings, and opens the low-rated one, which the default rule made high priority:
// its card shows stars, source, reviewer, link, and the review's markup as plain text.
// Screenshots at 390 and 1366 px in English and Finnish go to e2e/artifacts/screens/.
import { before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { expect } from './expect.mjs'
import { checkA11y, noSideways, PHONE } from './axe.mjs'
import { ARTIFACTS, BASE_URL, withPage, sharedBrowser } from './browser.mjs'

const e2e = sharedBrowser()
let source
const stamp = Date.now().toString(36)
const screens = join(ARTIFACTS, 'screens')
const DESKTOP = { viewport: { width: 1366, height: 900 } }

before(async () => {
  mkdirSync(screens, { recursive: true })
})

/** Posts reviews to the webhook signed with the source's secret, as a platform does. */
async function deliver(body) {
  const raw = JSON.stringify(body)
  const ts = Math.floor(Date.now() / 1000).toString()
  const signature = 'sha256=' + createHmac('sha256', source.secret).update(`${ts}.${raw}`).digest('hex')
  const res = await fetch(`${BASE_URL}/api/v1/reviews/ingest`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Kaiku-Source': source.id, 'X-Kaiku-Timestamp': ts, 'X-Kaiku-Signature': signature },
    body: raw,
  })
  return { status: res.status, body: await res.json() }
}

const reviews = [
  { external_id: `bad-${stamp}`, rating: 1, author: 'Pia Virta', title: `Cold soup ${stamp}`, text: '<b>Cold</b> soup and <script>alert(1)</script> nobody came.', url: `https://reviews.example.com/${stamp}/1` },
  { external_id: `ok-${stamp}`, rating: 3, author: 'Ola', title: `Fine ${stamp}`, text: 'Fine, a bit slow.' },
  { external_id: `good-${stamp}`, rating: 5, author: 'Liisa', title: `Lovely ${stamp}`, text: 'Lovely staff, great room.' },
]

describe('reviews', () => {
  test('an admin adds a source; signed reviews appear in the Reviews view with their stars', () =>
    withPage(
      e2e.browser,
      'reviews',
      async (page) => {
        await page.goto('/inbox')
        await page.getByTestId('admin-menu').click()
        await page.getByRole('link', { name: 'Review sources' }).click()
        await expect(page.getByRole('heading', { level: 1, name: 'Review sources' })).toBeVisible()
        await page.getByTestId('source-name').fill(`Reviews ${stamp}`)
        await page.getByTestId('source-kind').selectOption('generic')
        await page.getByRole('button', { name: 'Add source' }).click()
        await expect(page.getByTestId('source-secret')).toBeVisible()
        source = { id: (await page.getByTestId('source-id').textContent()).trim(), secret: (await page.getByTestId('source-secret-value').textContent()).trim() }
        assert.match(source.secret, /^rvsec_[0-9a-f]{64}$/)
        await page.screenshot({ path: join(screens, 'review-sources-secret-en-1366.png'), fullPage: true })

        // A platform delivers a batch, then redelivers it: three cases, not six.
        let res = await deliver({ reviews })
        assert.equal(res.status, 200, JSON.stringify(res.body))
        assert.deepEqual(res.body.data.map((r) => r.outcome), ['created', 'created', 'created'])
        res = await deliver({ reviews })
        assert.deepEqual(res.body.data.map((r) => r.outcome), ['unchanged', 'unchanged', 'unchanged'])

        await page.goto(`/inbox?view=reviews&q=${stamp}`)
        const rows = page.locator('li.case-row')
        await expect(rows).toHaveCount(3)
        const bad = rows.filter({ hasText: `Cold soup ${stamp}` })
        await expect(bad.getByTestId('row-review').getByRole('img')).toHaveAttribute('aria-label', '1 of 5 stars')

        // Filter to the worst ratings: 1 and 2 stars.
        await page.locator('[data-facet="review_rating:1"]').click()
        await page.locator('[data-facet="review_rating:2"]').click()
        await expect(rows).toHaveCount(1)
        await expect(rows.first()).toContainText(`Cold soup ${stamp}`)
        await page.screenshot({ path: join(screens, 'reviews-filtered-en-1366.png'), fullPage: true })

        // The case: high priority by the default rule, the review's markup shown as text.
        await rows.first().locator('a.case-row__link').click()
        const card = page.getByTestId('review-card')
        await expect(card).toBeVisible()
        await expect(card.getByRole('img').first()).toHaveAttribute('aria-label', '1 of 5 stars')
        await expect(page.getByTestId('review-text')).toHaveText('<b>Cold</b> soup and <script>alert(1)</script> nobody came.')
        assert.equal(await page.getByTestId('review-text').locator('b, script').count(), 0)
        await expect(page.getByTestId('review-link')).toHaveAttribute('href', reviews[0].url)
        await expect(page.getByTestId('review-source')).toContainText(`Reviews ${stamp}`)
        await expect(page.locator('.case__badges')).toContainText('High')
        await page.screenshot({ path: join(screens, 'review-case-en-1366.png'), fullPage: true })
      },
      { storageState: e2e.adminState, ...DESKTOP },
    ))

  for (const [lang, size, options] of [
    ['en', 390, PHONE],
    ['en', 1366, DESKTOP],
    ['fi', 390, PHONE],
    ['fi', 1366, DESKTOP],
  ]) {
    test(`the review pages at ${size} px in ${lang === 'en' ? 'English' : 'Finnish'}`, () =>
      withPage(
        e2e.browser,
        `reviews-${lang}-${size}`,
        async (page) => {
          await page.goto(`/inbox?view=reviews&q=${stamp}`)
          if (lang === 'fi') await page.getByLabel('Language').selectOption('fi')
          await expect(page.locator('li.case-row')).toHaveCount(3)
          await expect(page.getByTestId('review-filters')).toBeVisible()
          await checkA11y(page, `Reviews view, ${lang} ${size}`)
          await noSideways(page, `Reviews view, ${lang} ${size}`)
          await page.screenshot({ path: join(screens, `reviews-inbox-${lang}-${size}.png`), fullPage: true })
          await page.locator('li.case-row').filter({ hasText: `Cold soup ${stamp}` }).locator('a.case-row__link').click()
          await expect(page.getByTestId('review-card')).toBeVisible()
          await checkA11y(page, `Review case, ${lang} ${size}`)
          await noSideways(page, `Review case, ${lang} ${size}`)
          await page.screenshot({ path: join(screens, `review-case-${lang}-${size}.png`), fullPage: true })
          await page.goto('/admin/review-sources')
          await expect(page.getByTestId('sources-table')).toBeVisible()
          await checkA11y(page, `Review sources, ${lang} ${size}`)
          await noSideways(page, `Review sources, ${lang} ${size}`)
          await page.screenshot({ path: join(screens, `review-sources-${lang}-${size}.png`), fullPage: true })
          if (lang === 'fi') await page.getByLabel('Kieli').selectOption('en')
        },
        { storageState: e2e.adminState, ...options },
      ))
  }
})
