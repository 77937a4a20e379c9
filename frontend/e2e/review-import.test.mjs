// Reviews from a file to a published reply: a manager imports the Booking.com hotel review
// fixture (reviews/testdata, 25 rows, one with a broken score) into a Booking source, checks
// the recognised column mapping and the 20-row preview, watches the import run in windows to
// 25 of 25, downloads the per-row error report (its cells neutralised), filters the inbox to
// the worst ratings and opens a case the default rule made high priority. An agent drafts a
// public reply over the source's 120-character limit and sees it refused, shortens it and asks
// for approval; the manager approves; the agent marks it published after copying it. The same
// story runs in English at 1366 px and in Finnish at 390 px; axe checks every page on the way.
// Screenshots at 390 and 1366 px in both languages go to e2e/artifacts/screens/.
import { before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { mkdirSync, readFileSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect } from './expect.mjs'
import { checkA11y, noSideways, PHONE } from './axe.mjs'
import { ARTIFACTS, login, staffApi, withPage, sharedBrowser } from './browser.mjs'

const FIXTURE = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'reviews', 'testdata', 'booking_hotel_reviews.csv')
const DESKTOP = { viewport: { width: 1366, height: 900 } }
const PASSWORD = 'E2e-Review-Passphrase-2026!'
const stamp = Date.now().toString(36)
const screens = join(ARTIFACTS, 'screens')
const people = {
  agent: { name: `Aaro Agent ${stamp}`, email: `aaro.${stamp}@example.org`, role: 'agent' },
  manager: { name: `Minna Manager ${stamp}`, email: `minna.${stamp}@example.org`, role: 'manager' },
}
const e2e = sharedBrowser()
const states = {}
/** The cases of each story's import, by language. */
const imported = {}

before(async () => {
  await e2e.ready
  mkdirSync(screens, { recursive: true })
  await withPage(
    e2e.browser,
    'review-import-seed',
    async (page) => {
      await page.goto('/inbox')
      for (const person of Object.values(people)) {
        const { response } = await staffApi(page, 'POST', '/users', {
          email: person.email, name: person.name, role: person.role, password: PASSWORD, team_ids: [], authority_limit_cents: 0, locale: 'en',
        })
        assert.equal(response.status(), 201, await response.text())
      }
    },
    { storageState: e2e.adminState },
  )
  for (const [key, person] of Object.entries(people)) {
    states[key] = await withPage(e2e.browser, `login-${key}`, async (page, context) => {
      await login(page, person.email, PASSWORD)
      return context.storageState()
    })
  }
})

/** A Booking.com source with a short reply limit and approval, made by the admin. */
async function bookingSource(name) {
  return withPage(
    e2e.browser,
    'review-import-source',
    async (page) => {
      await page.goto('/inbox')
      const { response } = await staffApi(page, 'POST', '/review-sources', { name, kind: 'booking', reply_limit: 120, reply_approval: true })
      assert.equal(response.status(), 201, await response.text())
      return (await response.json()).data
    },
    { storageState: e2e.adminState },
  )
}

/** Speaks Finnish in this browser context when lang is fi (the choice lives in the browser). */
async function toFinnish(page, lang) {
  if (lang !== 'fi') return
  await page.getByTestId('language-switch').selectOption('fi')
  await expect(page.locator('html')).toHaveAttribute('lang', 'fi')
}

const WORDS = {
  en: { none: 'Not replied', high: 'High', tooLong: 'this source takes at most 120', pending: 'Waiting for approval', published: 'Published', byHand: 'published the public reply by hand' },
  fi: { none: 'Ei vastattu', high: 'Korkea', tooLong: 'tämä lähde ottaa enintään 120', pending: 'Odottaa hyväksyntää', published: 'Julkaistu', byHand: 'julkaisi julkisen vastauksen käsin' },
}

describe('review import and public replies', () => {
  for (const [lang, size, options] of [
    ['en', 1366, DESKTOP],
    ['fi', 390, PHONE],
  ]) {
    test(`import the hotel reviews, reply to the worst, approve and publish (${lang}, ${size} px)`, async () => {
      const source = await bookingSource(`Hotels ${lang} ${stamp}`)
      const words = WORDS[lang]

      // The manager imports the file.
      const caseId = await withPage(
        e2e.browser,
        `review-import-${lang}`,
        async (page) => {
          await page.goto('/inbox')
          await toFinnish(page, lang)
          if (size === 1366) {
            await page.getByTestId('admin-menu').click()
            await page.locator('a[href="/admin/review-import"]').click()
          } else {
            await page.goto('/admin/review-import')
          }
          await expect(page.getByTestId('review-import-page')).toBeVisible()
          await page.getByTestId('import-source').selectOption(source.id)
          await expect(page.getByTestId('import-file-name')).toHaveText(lang === 'en' ? 'No file chosen' : 'Ei valittua tiedostoa')
          await page.getByTestId('import-file').setInputFiles(FIXTURE)
          await expect(page.getByTestId('import-file-name')).toHaveText(basename(FIXTURE))

          // The Booking.com layout is recognised: score, both sides and the hotel mapped.
          await expect(page.getByTestId('import-preview').locator('tbody tr')).toHaveCount(20)
          await expect(page.getByTestId('map-rating')).toHaveValue('Reviewer_Score')
          await expect(page.getByTestId('map-positive')).toHaveValue('Positive_Review')
          await expect(page.getByTestId('map-negative')).toHaveValue('Negative_Review')
          await expect(page.getByTestId('map-place')).toHaveValue('Hotel_Name')
          await expect(page.getByTestId('map-external_id')).toHaveValue('')
          const first = page.getByTestId('import-preview').locator('tbody tr').first()
          await expect(first).toContainText('Hotel Arena')
          await expect(first).toContainText('I am so angry')
          await expect(first.getByRole('img')).toHaveAttribute('aria-label', /^2\D/)
          await checkA11y(page, `Review import preview, ${lang} ${size}`)
          await noSideways(page, `Review import preview, ${lang} ${size}`)
          await page.screenshot({ path: join(screens, `review-import-preview-${lang}-${size}.png`), fullPage: true })

          // The import runs in windows of 10 rows: three requests, the bar ends at 25 of 25.
          const windows = []
          page.on('request', (r) => {
            if (r.url().endsWith('/api/v1/reviews/import') && !(r.postData() ?? '').includes('name="dry_run"')) windows.push(r)
          })
          await page.getByTestId('import-run').click()
          await expect(page.getByTestId('import-result')).toBeVisible()
          assert.equal(windows.length, 3)
          await expect(page.getByTestId('import-progress')).toHaveAttribute('value', '25')
          await expect(page.getByTestId('import-progress-text')).toContainText('25')
          await expect(page.getByTestId('import-created')).toContainText('24')
          await expect(page.getByTestId('import-failed')).toContainText('1')
          await expect(page.getByTestId('import-errors').locator('tbody tr')).toHaveCount(1)
          await expect(page.getByTestId('import-errors')).toContainText('25')

          const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('import-report').click()])
          const report = readFileSync(await download.path(), 'utf8')
          const lines = report.trim().split('\r\n')
          assert.equal(lines.length, 2, report)
          assert.match(lines[1], /^25,row-[0-9a-f]+,rating,must be a number$/)
          await checkA11y(page, `Review import result, ${lang} ${size}`)
          await noSideways(page, `Review import result, ${lang} ${size}`)
          await page.screenshot({ path: join(screens, `review-import-result-${lang}-${size}.png`), fullPage: true })

          // The worst ratings: the six two-star reviews of this import (the other story's too).
          await page.getByTestId('import-to-inbox').click()
          await page.waitForURL(/view=reviews/)
          await page.locator('[data-facet="review_rating:2"]').click()
          const rows = page.locator('li.case-row')
          await expect(rows).toHaveCount(lang === 'en' ? 6 : 12)
          const row = rows.filter({ hasText: 'I am so angry' }).first()
          await row.locator('a.case-row__link').click()
          await expect(page.getByTestId('review-card')).toBeVisible()
          await expect(page.locator('.case__badges')).toContainText(words.high)
          await expect(page.getByTestId('review-negative')).toContainText('I am so angry')
          await expect(page.getByTestId('review-positive')).toContainText('Only the park')
          const url = new URL(page.url())
          return url.searchParams.get('case') ?? url.pathname.split('/').pop()
        },
        { storageState: states.manager, ...options },
      )
      imported[lang] = caseId

      // The agent drafts a reply: over the limit it is refused, shortened it is saved and
      // sent for approval.
      await withPage(
        e2e.browser,
        `review-reply-agent-${lang}`,
        async (page) => {
          await page.goto(`/cases/${caseId}`)
          await toFinnish(page, lang)
          const card = page.getByTestId('reply-card')
          await expect(card).toBeVisible()
          await page.getByTestId('reply-text').fill(`We are very sorry about the broken window, the smell in the fridge and the wait for your room. Our manager will call you today about a refund.`)
          await expect(page.getByTestId('reply-count')).toHaveAttribute('class', /is-over/)
          await page.getByTestId('reply-save').click()
          await expect(page.getByTestId('reply-error')).toContainText(words.tooLong)
          await expect(page.getByTestId('reply-step')).toHaveText(words.none)
          await checkA11y(page, `Review reply over the limit, ${lang} ${size}`)
          await page.getByTestId('reply-text').fill('We are sorry about the window and the room. Our manager will call you today.')
          await expect(page.getByTestId('reply-count')).toHaveAttribute('class', /^((?!is-over).)*$/)
          await page.getByTestId('reply-save').click()
          await page.getByTestId('reply-submit').click()
          await expect(page.getByTestId('reply-step')).toContainText(words.pending)
        },
        { storageState: states.agent, ...options },
      )

      // The manager approves.
      await withPage(
        e2e.browser,
        `review-reply-manager-${lang}`,
        async (page) => {
          await page.goto(`/cases/${caseId}`)
          await toFinnish(page, lang)
          await expect(page.getByTestId('reply-draft')).toContainText('Our manager will call you today.')
          await checkA11y(page, `Review reply waiting for approval, ${lang} ${size}`)
          await page.getByTestId('reply-approve').click()
          await expect(page.getByTestId('reply-mark-published')).toBeVisible()
        },
        { storageState: states.manager, ...options },
      )

      // The agent copies it onto the platform and marks it published.
      await withPage(
        e2e.browser,
        `review-reply-publish-${lang}`,
        async (page, context) => {
          await context.grantPermissions(['clipboard-read', 'clipboard-write'])
          await page.goto(`/cases/${caseId}`)
          await toFinnish(page, lang)
          await page.getByTestId('reply-copy').click()
          assert.equal(await page.evaluate(() => navigator.clipboard.readText()), 'We are sorry about the window and the room. Our manager will call you today.')
          await page.getByTestId('reply-mark-published').click()
          await expect(page.getByTestId('reply-step')).toContainText(words.published)
          await expect(page.getByTestId('reply-published')).toHaveText('We are sorry about the window and the room. Our manager will call you today.')
          await expect(page.locator('main')).toContainText(words.byHand)
          await checkA11y(page, `Review reply published, ${lang} ${size}`)
          await noSideways(page, `Review reply published, ${lang} ${size}`)
          await page.screenshot({ path: join(screens, `review-reply-${lang}-${size}.png`), fullPage: true })
        },
        { storageState: states.agent, ...options },
      )
    })
  }

  for (const [lang, size, options] of [
    ['en', 390, PHONE],
    ['fi', 1366, DESKTOP],
  ]) {
    test(`the import page and a replied review at ${size} px in ${lang === 'en' ? 'English' : 'Finnish'}`, () =>
      withPage(
        e2e.browser,
        `review-import-screens-${lang}-${size}`,
        async (page) => {
          await page.goto('/admin/review-import')
          await toFinnish(page, lang)
          await page.getByTestId('import-file').setInputFiles(FIXTURE)
          await expect(page.getByTestId('import-preview').locator('tbody tr')).toHaveCount(20)
          await checkA11y(page, `Review import preview, ${lang} ${size}`)
          await noSideways(page, `Review import preview, ${lang} ${size}`)
          await page.screenshot({ path: join(screens, `review-import-preview-${lang}-${size}.png`), fullPage: true })
          await page.goto(`/cases/${imported.en}`)
          await expect(page.getByTestId('reply-published')).toBeVisible()
          await checkA11y(page, `Review reply published, ${lang} ${size}`)
          await noSideways(page, `Review reply published, ${lang} ${size}`)
          await page.screenshot({ path: join(screens, `review-reply-${lang}-${size}.png`), fullPage: true })
        },
        { storageState: states.manager, ...options },
      ))
  }
})

describe('linking a review to the customer’s case', () => {
  test('a review suggests the complaint of the reviewer’s name; linked, each case shows the other', () =>
    withPage(
      e2e.browser,
      'review-link',
      async (page) => {
        const name = `Pia Virta ${stamp}`
        await page.goto('/inbox')
        const complaint = await staffApi(page, 'POST', '/cases', { subject: `Cold soup ${stamp}`, description: 'The soup was cold.', customer: { name, email: `pia.${stamp}@example.org` } })
        assert.equal(complaint.response.status(), 201, await complaint.response.text())
        const complaintId = (await complaint.response.json()).data.id
        const src = await staffApi(page, 'POST', '/review-sources', { name: `Web ${stamp}`, kind: 'generic' })
        const { id, secret } = (await src.response.json()).data
        const raw = JSON.stringify({ external_id: `link-${stamp}`, rating: 1, author: name, text: 'Cold soup again.' })
        const ts = Math.floor(Date.now() / 1000).toString()
        const signature = 'sha256=' + createHmac('sha256', secret).update(`${ts}.${raw}`).digest('hex')
        const res = await page.request.post('/api/v1/reviews/ingest', {
          headers: { 'Content-Type': 'application/json', 'X-Kaiku-Source': id, 'X-Kaiku-Timestamp': ts, 'X-Kaiku-Signature': signature },
          data: raw,
        })
        assert.equal(res.status(), 200, await res.text())
        const reviewId = (await res.json()).data[0].case_id

        await page.goto(`/cases/${reviewId}`)
        const suggestions = page.getByTestId('link-suggestions')
        await expect(suggestions).toContainText(complaintId)
        await expect(suggestions).toContainText('same name')
        await checkA11y(page, 'Review case with a link suggestion')
        await suggestions.getByRole('button', { name: `Link this review to ${complaintId}` }).click()
        await expect(page.getByTestId('linked-cases')).toContainText(complaintId)
        await page.getByTestId('linked-cases').getByRole('link', { name: complaintId }).click()
        await expect(page.getByTestId('linked-cases')).toContainText(reviewId)
        await expect(page.locator('main')).toContainText(`linked this case with ${reviewId}`)
      },
      { storageState: e2e.adminState, ...DESKTOP },
    ))
})
