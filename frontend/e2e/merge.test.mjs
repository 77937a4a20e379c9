// Merging a duplicate: two complaints from one customer become one case.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { expect } from './expect.mjs'
import { checkA11y, noSideways, PHONE } from './axe.mjs'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { ARTIFACTS, sharedBrowser, withPage } from './browser.mjs'

const e2e = sharedBrowser()
const stamp = Date.now().toString(36)

function file(key, email, description) {
  return withPage(e2e.browser, `merge-file-${key}`, async (page) => {
    const response = await page.request.post('/api/v1/complaints', {
      headers: { 'Idempotency-Key': `merge-${key}-${stamp}` },
      data: { name: 'Mikko Merge', email, category: 'product', touchpoint: 'store', description, expected_outcome: 'replacement' },
    })
    assert.equal(response.status(), 201, await response.text())
    return (await response.json()).data
  })
}

describe('merging a duplicate', () => {
  test('the duplicate moves into the other case, which shows both texts; the duplicate says where it went', async () => {
    const email = `mikko.${stamp}@example.org`
    const first = await file('first', email, `The blender ${stamp} stopped after two days.`)
    const second = await file('second', email, `Writing again ${stamp}: the blender still does not work and nobody answered.`)

    await withPage(
      e2e.browser,
      'merge-flow',
      async (page) => {
        await page.goto(`/cases/${second.reference}`)
        await expect(page.getByTestId('case-description')).toContainText('Writing again')
        await page.getByTestId('merge-open').click()
        const dialog = page.getByRole('dialog', { name: 'Merge into another case' })
        await expect(dialog).toBeVisible()
        // Pre-filled with the customer's other cases.
        const results = dialog.getByTestId('merge-results')
        await expect(results).toContainText('Other cases from this customer')
        await expect(results).toContainText(first.reference)
        await expect(results.locator('label')).toHaveCount(1)
        await checkA11y(page, 'merge dialog')

        // Searching by reference finds the case too.
        await dialog.getByRole('searchbox', { name: 'Find the case to keep' }).fill(first.reference)
        await dialog.getByRole('button', { name: 'Search' }).click()
        await expect(results).toContainText(`Cases matching “${first.reference}”`)
        await results.getByRole('radio', { name: new RegExp(first.reference) }).check()
        await dialog.getByRole('button', { name: 'Continue' }).click()
        const confirm = dialog.getByTestId('merge-confirm')
        await expect(confirm).toContainText(`Merge ${second.reference} into ${first.reference}?`)
        await expect(confirm).toContainText('The customer will be told; this case will be closed.')
        await checkA11y(page, 'merge confirmation')

        const [response] = await Promise.all([
          page.waitForResponse((r) => r.url().endsWith(`/cases/${second.reference}/merge`)),
          confirm.getByRole('button', { name: 'Merge' }).click(),
        ])
        assert.equal(response.status(), 200, await response.text())
        assert.deepEqual(response.request().postDataJSON(), { into: first.reference, version: 1 })
        await page.waitForURL(new RegExp(`/cases/${first.reference}$`))
        await expect(page.getByTestId('merged-here')).toContainText(`Case ${second.reference} was merged into this case.`)
        const timeline = page.getByTestId('timeline')
        await expect(timeline).toContainText(`The blender ${stamp} stopped after two days.`)
        await expect(timeline).toContainText(`Writing again ${stamp}: the blender still does not work`)
        await expect(timeline.getByTestId('merged-from').first()).toHaveText(`From case ${second.reference}`)
        await expect(timeline).toContainText(`merged case ${second.reference} into this one`)

        // The duplicate: closed, with a notice linking to the case kept, and no merge action.
        await page.goto(`/cases/${second.reference}`)
        const notice = page.getByTestId('merged-notice')
        await expect(notice).toContainText('This duplicate was merged into')
        await expect(notice.getByRole('link', { name: first.reference })).toHaveAttribute('href', `/cases/${first.reference}`)
        await expect(page.locator('.case__badges')).toContainText('Closed')
        await expect(page.getByTestId('merge-open')).toHaveCount(0)
        await checkA11y(page, 'merged duplicate')
        await notice.getByRole('link', { name: first.reference }).click()
        await page.waitForURL(new RegExp(`/cases/${first.reference}$`))
      },
      { storageState: e2e.adminState },
    )

    // The customer's old tracking link now opens the case kept.
    await withPage(e2e.browser, 'merge-tracking', async (page) => {
      await page.goto(`/track/${second.tracking_token}`)
      await page.waitForURL(new RegExp(`/track/${first.reference}$`))
      await expect(page.getByTestId('track-reference')).toHaveText(first.reference)
      // So does the token route an API client uses.
      const response = await page.request.get(`/api/v1/track/${second.tracking_token}`)
      assert.equal(response.status(), 200)
      assert.equal((await response.json()).data.reference, first.reference)
    })
  })

  test('a stale case cannot be merged: 409 asks for a reload; the dialog fits a phone', async () => {
    const email = `mirja.${stamp}@example.org`
    const first = await file('stale-first', email, `Stale check ${stamp}: the first one.`)
    const second = await file('stale-second', email, `Stale check ${stamp}: the second one.`)
    await withPage(
      e2e.browser,
      'merge-stale',
      async (page) => {
        // Without live updates (the stream is down), the page does not learn of a change.
        await page.route('**/api/v1/events', (route) => route.abort())
        await page.goto(`/cases/${second.reference}`)
        await expect(page.getByTestId('case-description')).toContainText('the second one')
        // Someone else changes the duplicate meanwhile.
        const me = await (await page.request.get('/api/v1/me')).json()
        const patch = await page.request.patch(`/api/v1/cases/${second.reference}`, {
          headers: { 'X-CSRF-Token': me.data.csrf_token },
          data: { version: 1, priority: 'high' },
        })
        assert.equal(patch.status(), 200, await patch.text())

        await page.getByTestId('merge-open').click()
        const dialog = page.getByRole('dialog', { name: 'Merge into another case' })
        await dialog.getByRole('radio', { name: new RegExp(first.reference) }).check()
        await noSideways(page, 'merge dialog on a phone')
        await dialog.getByRole('button', { name: 'Continue' }).click()
        await dialog.getByRole('button', { name: 'Merge' }).click()
        await expect(dialog.getByTestId('merge-error')).toContainText('changed by someone else')
        await dialog.getByRole('button', { name: 'Reload the case' }).click()
        await expect(dialog).toBeHidden()
        await expect(page.locator('.case__badges')).toContainText('High')
        // Now it works.
        await page.getByTestId('merge-open').click()
        await dialog.getByRole('radio', { name: new RegExp(first.reference) }).check()
        await dialog.getByRole('button', { name: 'Continue' }).click()
        await dialog.getByRole('button', { name: 'Merge' }).click()
        await page.waitForURL(new RegExp(`/cases/${first.reference}$`))
      },
      { storageState: e2e.adminState, ...PHONE },
    )
  })

  test('another customer’s case is refused in words, in English and Finnish, on a phone and a desktop', async () => {
    const first = await file('other-first', `outi.${stamp}@example.org`, `Other customer ${stamp}: Outi's private complaint.`)
    const second = await file('other-second', `pasi.${stamp}@example.org`, `Other customer ${stamp}: Pasi's own complaint.`)
    const refusals = {
      en: 'That case belongs to another customer. Only one customer’s cases can be merged, so that nobody sees someone else’s messages.',
      fi: 'Se tapaus kuuluu toiselle asiakkaalle. Vain saman asiakkaan tapauksia voi yhdistää, jottei kukaan näe toisen viestejä.',
    }
    mkdirSync(join(ARTIFACTS, 'screens'), { recursive: true })
    for (const [locale, browserLocale] of [['en', 'en-US'], ['fi', 'fi-FI']]) {
      for (const width of [390, 1366]) {
        const size = width === 390 ? PHONE : { viewport: { width, height: 900 } }
        await withPage(
          e2e.browser,
          `merge-other-customer-${locale}-${width}`,
          async (page) => {
            await page.goto(`/cases/${second.reference}`)
            await expect(page.getByTestId('case-description')).toContainText('Pasi')
            await page.getByTestId('merge-open').click()
            const dialog = page.getByRole('dialog')
            await dialog.getByTestId('merge-search').fill(first.reference)
            await dialog.getByTestId('merge-search').press('Enter')
            await dialog.getByRole('radio', { name: new RegExp(first.reference) }).check()
            await dialog.getByTestId('merge-continue').click()
            await expect(dialog.getByTestId('merge-pick-error')).toHaveText(refusals[locale])
            await expect(dialog.getByTestId('merge-confirm')).toHaveCount(0)
            if (width === 390) await noSideways(page, 'merge refusal on a phone')
            await page.screenshot({ path: join(ARTIFACTS, 'screens', `merge-other-customer-${locale}-${width}.png`) })
          },
          { storageState: e2e.adminState, ...size, locale: browserLocale },
        )
      }
    }
    // The server refuses it too, whatever a client shows.
    await withPage(
      e2e.browser,
      'merge-other-customer-api',
      async (page) => {
        const me = await (await page.request.get('/api/v1/me')).json()
        const response = await page.request.post(`/api/v1/cases/${second.reference}/merge`, {
          headers: { 'X-CSRF-Token': me.data.csrf_token },
          data: { into: first.reference, version: 1 },
        })
        assert.equal(response.status(), 422, await response.text())
        assert.equal((await response.json()).error.code, 'different_customers')
      },
      { storageState: e2e.adminState },
    )
  })
})
