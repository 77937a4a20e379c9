// Issue 15: similar cases on a case page open the right cases; a search for most words finds
// a query with a typo, "All of these words" narrows it; "Find cases like this" from a selected
// passage opens the inbox search. English and Finnish, 390 and 1366 px, axe clean.
// Screenshots go to e2e/artifacts/similar/.
import { before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { expect } from './expect.mjs'
import { checkA11y, noSideways } from './axe.mjs'
import { ARTIFACTS, withPage, sharedBrowser } from './browser.mjs'

const SHOTS = join(ARTIFACTS, 'similar')
const e2e = sharedBrowser()
const stamp = Date.now().toString(36)
// Words of this run only, so the cases of other tests never rank among these.
const chargeWord = `chargeref${stamp}`
const parcelWord = `parcelref${stamp}`

before(async () => {
  mkdirSync(SHOTS, { recursive: true })
})

function file(key, description) {
  return withPage(e2e.browser, `similar-file-${key}`, async (page) => {
    const response = await page.request.post('/api/v1/complaints', {
      headers: { 'Idempotency-Key': `similar-${key}-${stamp}` },
      data: { name: 'Sanna Similar', email: `sanna.${key}.${stamp}@example.org`, category: 'billing', touchpoint: 'web_shop', description, expected_outcome: 'refund' },
    })
    assert.equal(response.status(), 201, await response.text())
    return (await response.json()).data.reference
  })
}

describe('similar cases', () => {
  test('a case page lists the cases like it and opens them; a typo finds most words; a selection searches', async () => {
    const first = await file('charge-1', `My card was charged twice for one purchase (${chargeWord}). The duplicate charge is still on the statement.`)
    const second = await file('charge-2', `The web shop charged my card twice; I want the duplicate charge refunded. Order ${chargeWord}.`)
    const third = await file('charge-3', `A purchase was charged to my card two times and the duplicate is not refunded (${chargeWord}).`)
    const parcel = await file('parcel', `The courier left the parcel at the wrong door and it got wet (${parcelWord}).`)
    const charges = [second, third]

    await withPage(
      e2e.browser,
      'similar-en',
      async (page) => {
        await page.goto(`/cases/${first}`)
        const card = page.getByTestId('similar-cases')
        await expect(card.getByRole('heading', { name: 'Similar cases' })).toBeVisible()
        const rows = card.getByTestId('similar-case')
        // The two other charge cases come first, the parcel case after them if at all; the
        // case itself is not among them.
        for (const ref of charges) await expect(card).toContainText(ref)
        const order = await rows.allInnerTexts()
        assert.ok(
          charges.every((ref) => order.slice(0, 2).some((text) => text.includes(ref))),
          `the charge cases are not the first two: ${order.join(' | ')}`,
        )
        assert.ok(!order.some((text) => text.includes(first)), `the case lists itself: ${order.join(' | ')}`)
        await checkA11y(page, 'similar cases panel')

        // Opening one goes to that case.
        const target = (await rows.nth(0).innerText()).includes(second) ? second : third
        await rows.nth(0).getByRole('link').click()
        await page.waitForURL(new RegExp(`/cases/${target}$`))
        await expect(page.locator('.case__ref')).toContainText(target)
        // Its own similar cases hold the first one.
        await expect(page.getByTestId('similar-cases')).toContainText(first)

        // Find cases like a selected passage: the inbox searches its words (most of them).
        await page.goto(`/cases/${first}`)
        await page.getByTestId('case-description').click({ clickCount: 3 })
        const findLike = page.getByTestId('find-like')
        await expect(findLike).toHaveText('Find cases like this')
        await findLike.click()
        await page.waitForURL(/\/inbox\?/)
        const url = new URL(page.url())
        assert.equal(url.searchParams.get('view'), 'all')
        assert.match(url.searchParams.get('q') ?? '', new RegExp(chargeWord))
        assert.equal(url.searchParams.get('match'), null)
        const list = page.getByTestId('case-list')
        for (const ref of [first, second, third]) await expect(list).toContainText(ref)
        assert.equal(await page.getByTestId('search-all-words').getByRole('checkbox').isChecked(), false)

        // A typo and a word no case has: most of the words still find the charge cases.
        await page.getByTestId('search').fill(`${chargeWord} duplcate chrged elephant`)
        await page.getByTestId('search').press('Enter')
        await expect(list).toContainText(first)
        await expect(list).toContainText(second)
        assert.ok(!(await list.innerText()).includes(parcel), 'the parcel case matches a search about a charge')
        await checkA11y(page, 'inbox search, most words')
        // All of these words: no case has "elephant".
        await page.getByTestId('search-all-words').getByRole('checkbox').check()
        await page.waitForURL(/match=all/)
        await expect(page.getByTestId('inbox-empty')).toBeVisible()
        await page.getByTestId('search-all-words').getByRole('checkbox').uncheck()
        await expect(list).toContainText(first)
      },
      { storageState: e2e.adminState },
    )

    // Screenshots and checks at both widths in both languages.
    for (const [lang, locale] of [
      ['en', 'en-US'],
      ['fi', 'fi-FI'],
    ]) {
      for (const [size, viewport] of [
        ['390', { width: 390, height: 844 }],
        ['1366', { width: 1366, height: 900 }],
      ]) {
        await withPage(
          e2e.browser,
          `similar-${lang}-${size}`,
          async (page) => {
            await page.addInitScript((l) => localStorage.setItem('kaiku.locale', l), lang)
            await page.goto(`/cases/${first}`)
            const card = page.getByTestId('similar-cases')
            await expect(card.getByRole('heading', { name: lang === 'fi' ? 'Samankaltaiset tapaukset' : 'Similar cases' })).toBeVisible()
            await expect(card.getByTestId('similar-case').first()).toBeVisible()
            await page.getByTestId('case-description').click({ clickCount: 3 })
            await expect(page.getByTestId('find-like')).toHaveText(lang === 'fi' ? 'Etsi tämänkaltaisia tapauksia' : 'Find cases like this')
            await noSideways(page, `case page ${lang} ${size}`)
            await checkA11y(page, `case page ${lang} ${size}`)
            await page.screenshot({ path: join(SHOTS, `case-${lang}-${size}.png`), fullPage: true })
            await card.scrollIntoViewIfNeeded()
            await page.screenshot({ path: join(SHOTS, `case-similar-${lang}-${size}.png`) })

            await page.goto(`/inbox?view=all&q=${encodeURIComponent(`${chargeWord} chrged`)}`)
            await expect(page.getByTestId('case-list')).toContainText(first)
            await expect(page.getByTestId('search-all-words')).toContainText(lang === 'fi' ? 'Kaikki nämä sanat' : 'All of these words')
            await noSideways(page, `inbox search ${lang} ${size}`)
            await checkA11y(page, `inbox search ${lang} ${size}`)
            await page.screenshot({ path: join(SHOTS, `inbox-search-${lang}-${size}.png`) })
          },
          { storageState: e2e.adminState, locale, viewport },
        )
      }
    }
  })
})
