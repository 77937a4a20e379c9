// Review sources' connections (issue 14): an admin connects a Google Business Profile location
// (location, access token kept sealed, a connection test against a local server that answers as
// Google's reviews.list does, the connector's state) and sets the outbound webhook public
// replies go out through (a new endpoint by URL, its signing secret shown once). Screenshots at
// 390 and 1366 px in English and Finnish go to e2e/artifacts/screens/.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { expect } from './expect.mjs'
import { checkA11y, noSideways, PHONE } from './axe.mjs'
import { ARTIFACTS, staffApi, withPage, sharedBrowser } from './browser.mjs'

const LOCATION = 'accounts/1/locations/2'
const TOKEN = 'ya29.e2e-good-token'
const stamp = Date.now().toString(36)
const screens = join(ARTIFACTS, 'screens')
const DESKTOP = { viewport: { width: 1366, height: 900 } }
const e2e = sharedBrowser()
let google
const googleCalls = []

before(async () => {
  mkdirSync(screens, { recursive: true })
  // Google's reviews.list for one location, as documented; the server is pointed here
  // (KAIKU_GOOGLE_API_URL, set by e2e/run.mjs).
  google = createServer((req, res) => {
    googleCalls.push(req.url)
    res.setHeader('Content-Type', 'application/json')
    if (req.headers.authorization !== `Bearer ${TOKEN}`) {
      res.statusCode = 401
      res.end('{"error":{"code":401,"status":"UNAUTHENTICATED"}}')
      return
    }
    if (req.method !== 'GET' || !req.url.startsWith(`/v4/${LOCATION}/reviews?`)) {
      res.statusCode = 404
      res.end('{}')
      return
    }
    res.end(JSON.stringify({ reviews: [], averageRating: 4.4, totalReviewCount: 128 }))
  })
  await new Promise((resolve) => google.listen(Number(process.env.KAIKU_E2E_GOOGLE_PORT), '127.0.0.1', resolve))
})

/** The review sources as the API lists them. */
async function sources(page) {
  const { response } = await staffApi(page, 'GET', '/review-sources')
  return (await response.json()).data
}

after(async () => {
  await new Promise((resolve) => google?.close(resolve))
})

describe('review source connections', () => {
  test('an admin connects a Google location, tests it, and sets the reply webhook', () =>
    withPage(
      e2e.browser,
      'review-sources-connect',
      async (page) => {
        await page.goto('/admin/review-sources')
        await page.getByTestId('source-name').fill(`Google ${stamp}`)
        await page.getByTestId('source-kind').selectOption('google_business')
        await page.getByRole('button', { name: 'Add source' }).click()
        await expect(page.getByTestId('source-secret')).toBeVisible()
        const id = (await page.getByTestId('source-id').textContent()).trim()
        await page.getByTestId('source-secret').getByRole('button', { name: 'I have copied it' }).click()

        await page.getByTestId(`source-connect-${id}`).click()
        const panel = page.getByTestId('source-connect')
        await expect(panel.getByRole('heading', { name: `Connections of Google ${stamp}` })).toBeVisible()
        await page.waitForFunction(() => document.activeElement?.id === 'review-connect-heading')
        await expect(panel.getByTestId('google-status')).toContainText('Not connected')
        await expect(panel.getByTestId('google-test')).toHaveAttribute('disabled', '')

        // A location in the wrong shape is refused before anything is saved.
        await panel.getByTestId('google-location').fill('locations/2')
        await panel.getByRole('button', { name: 'Save connector' }).click()
        await expect(panel.getByText('Enter the location as accounts/123/locations/456.')).toBeVisible()

        // A wrong token: saved, and the test says what Google answered.
        await panel.getByTestId('google-location').fill(LOCATION)
        await panel.getByTestId('google-token').fill('ya29.wrong')
        await panel.getByRole('button', { name: 'Save connector' }).click()
        await expect(panel.getByText('Saved. The next pass uses these settings.')).toBeVisible()
        await expect(panel.getByTestId('google-status')).toContainText('Connected')
        await expect(panel.getByTestId('google-token')).toHaveValue('')
        await panel.getByTestId('google-test').click()
        await expect(panel.getByTestId('google-test-result')).toContainText('The connection failed')
        await expect(panel.getByTestId('google-test-result')).toContainText('401')

        // The right token: Google answers with the location's figures; nothing is filed.
        await panel.getByTestId('google-token').fill(TOKEN)
        await panel.getByRole('button', { name: 'Save connector' }).click()
        await expect(panel.getByText('Saved. The next pass uses these settings.')).toBeVisible()
        await panel.getByTestId('google-test').click()
        await expect(panel.getByTestId('google-test-result')).toHaveText('Google answered: 128 reviews, average 4.4 stars.')
        assert.ok(googleCalls.some((u) => u.startsWith(`/v4/${LOCATION}/reviews?`)), googleCalls.join(', '))
        const stored = (await sources(page)).find((s) => s.id === id)
        assert.equal(stored.google_location, LOCATION)
        assert.equal(stored.google_connected, true)
        assert.ok(!JSON.stringify(stored).includes(TOKEN), 'the token never comes back')

        // The reply webhook: a new endpoint by URL; its secret is shown once.
        await panel.getByTestId('reply-hook-choice').selectOption('new')
        await panel.getByRole('button', { name: 'Save reply webhook' }).click()
        await expect(panel.getByText('Enter the endpoint’s URL.')).toBeVisible()
        await panel.getByTestId('reply-hook-url').fill(`http://127.0.0.1:${process.env.KAIKU_E2E_GOOGLE_PORT}/replies-${stamp}`)
        await panel.getByRole('button', { name: 'Save reply webhook' }).click()
        await expect(panel.getByTestId('reply-hook-secret')).toBeVisible()
        const secret = (await panel.getByTestId('reply-hook-secret-value').textContent()).trim()
        assert.ok(secret.length >= 20, secret)
        await checkA11y(page, 'Review source connections')
        await page.screenshot({ path: join(screens, 'review-source-connect-secret-en-1366.png'), fullPage: true })
        const withHook = (await sources(page)).find((s) => s.id === id)
        assert.ok(withHook.reply_webhook_id, JSON.stringify(withHook))

        // After a reload the endpoint is chosen, and its secret is not shown again.
        await page.reload()
        await page.getByTestId(`source-connect-${id}`).click()
        await expect(panel.getByTestId('reply-hook-choice')).toHaveValue(withHook.reply_webhook_id)
        await expect(panel.getByTestId('reply-hook-secret')).toHaveCount(0)
        assert.ok(!(await page.content()).includes(secret), 'the secret is shown only once')
      },
      { storageState: e2e.adminState, ...DESKTOP },
    ))

  for (const [lang, size, options] of [
    ['en', 390, PHONE],
    ['en', 1366, DESKTOP],
    ['fi', 390, PHONE],
    ['fi', 1366, DESKTOP],
  ]) {
    test(`the connections at ${size} px in ${lang === 'en' ? 'English' : 'Finnish'}`, () =>
      withPage(
        e2e.browser,
        `review-source-connect-${lang}-${size}`,
        async (page) => {
          await page.goto('/admin/review-sources')
          if (lang === 'fi') await page.getByLabel('Language').selectOption('fi')
          const id = (await sources(page)).find((s) => s.name === `Google ${stamp}`).id
          await page.getByTestId(`source-connect-${id}`).click()
          const panel = page.getByTestId('source-connect')
          await panel.getByTestId('google-test').click()
          await expect(panel.getByTestId('google-test-result')).toContainText('128')
          await checkA11y(page, `Review source connections, ${lang} ${size}`)
          await noSideways(page, `Review source connections, ${lang} ${size}`)
          await panel.scrollIntoViewIfNeeded()
          await page.screenshot({ path: join(screens, `review-source-connect-${lang}-${size}.png`), fullPage: true })
          if (lang === 'fi') await page.getByLabel('Kieli').selectOption('en')
        },
        { storageState: e2e.adminState, ...options },
      ))
  }
})
