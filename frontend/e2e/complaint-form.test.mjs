// The public complaint form: the server's field errors inline with a summary,
// attachment checks (in the browser and on the server), and a Finnish run.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect } from './expect.mjs'
import { withPage, sharedBrowser } from './browser.mjs'

const e2e = sharedBrowser()
let dir
const stamp = Date.now().toString(36)

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kaiku-e2e-files-'))
})

after(async () => {
  if (dir) rmSync(dir, { recursive: true, force: true })
})

async function fillValid(page, email) {
  await page.getByLabel('Your name').fill('Form Tester')
  await page.getByLabel('Email').fill(email)
  await page.getByLabel('What does it concern?').selectOption('delivery')
  await page.getByLabel('Where did it happen?').selectOption('web_shop')
  await page.getByLabel('What happened?').fill('The parcel never arrived, although tracking says delivered.')
  await page.getByLabel('Refund').check()
}

describe('complaint form', () => {
  test('an empty submit shows the server\'s field errors inline, with a summary that links to the fields', () =>
    withPage(e2e.browser, 'complaint-empty-submit', async (page) => {
      await page.goto('/complain')
      const [response] = await Promise.all([
        page.waitForResponse((r) => r.url().endsWith('/api/v1/complaints')),
        page.getByTestId('complaint-submit').click(),
      ])
      assert.equal(response.status(), 400)
      const fields = (await response.json()).error.fields
      for (const field of ['name', 'email', 'category', 'touchpoint', 'description', 'expected_outcome']) {
        assert.ok(fields[field], `the server names ${field}`)
      }

      const summary = page.getByTestId('error-summary')
      await expect(summary).toBeVisible()
      assert.equal(await summary.evaluate((el) => el === document.activeElement), true, 'the summary takes focus')
      await expect(summary.getByRole('link')).toHaveCount(6)

      const name = page.getByLabel('Your name')
      await expect(name).toHaveAttribute('aria-invalid', 'true')
      const describedBy = await name.getAttribute('aria-describedby')
      await expect(page.locator(`[id="${describedBy.split(' ').pop()}"]`)).toHaveText('Enter your name.')
      await expect(page.getByText('Choose what you would like us to do.').last()).toBeVisible()
      // Every field's error starts with the same "!" mark, the choice of outcome's too.
      const fieldErrors = page.getByTestId('field-error')
      await expect(fieldErrors).toHaveCount(6)
      await expect(fieldErrors.locator('svg.icon')).toHaveCount(6)

      // A summary entry moves focus to its field.
      await summary.getByRole('link', { name: 'Tell us what happened.' }).click()
      assert.equal(await page.getByLabel('What happened?').evaluate((el) => el === document.activeElement), true)

      // Fixing one field and submitting again clears its error.
      await page.getByLabel('Your name').fill('Form Tester')
      await page.getByTestId('complaint-submit').click()
      await expect(summary.getByRole('link')).toHaveCount(5)
      assert.equal(await name.getAttribute('aria-invalid'), null)
    }))

  test('a field\'s error goes as soon as the field is fixed, before the next submit', () =>
    withPage(e2e.browser, 'complaint-error-clears', async (page) => {
      await page.goto('/complain')
      await page.getByLabel('What does it concern?').locator('option').nth(1).waitFor({ state: 'attached' })
      await fillValid(page, 'not-an-address')
      await page.getByTestId('complaint-submit').click()
      const email = page.getByLabel('Email')
      await expect(email).toHaveAttribute('aria-invalid', 'true')
      await expect(page.getByTestId('error-summary').getByRole('link')).toHaveCount(1)
      await email.fill(`fixed.${stamp}@example.org`)
      await expect(page.getByTestId('field-error')).toHaveCount(0)
      assert.equal(await email.getAttribute('aria-invalid'), null)
      await expect(page.getByTestId('error-summary')).toHaveCount(0)
    }))

  test('"File another complaint" starts empty: nothing of the previous customer stays', () =>
    withPage(e2e.browser, 'complaint-another', async (page) => {
      await page.goto('/complain')
      await page.getByLabel('What does it concern?').locator('option').nth(1).waitFor({ state: 'attached' })
      await fillValid(page, `first.${stamp}@example.org`)
      await page.getByLabel('Phone').fill('+358 40 765 4321')
      await page.getByTestId('complaint-submit').click()
      await page.getByTestId('complaint-success').waitFor()
      await page.getByRole('button', { name: 'File another complaint' }).click()
      for (const label of ['Your name', 'Email', 'Phone', 'What happened?']) {
        await expect(page.getByLabel(label)).toHaveValue('')
      }
    }))

  test('"What is it about?" becomes the case subject', () =>
    withPage(e2e.browser, 'complaint-topic', async (page) => {
      await page.goto('/complain')
      await page.getByLabel('What does it concern?').locator('option').nth(1).waitFor({ state: 'attached' })
      await fillValid(page, `topic.${stamp}@example.org`)
      await page.getByLabel('What is it about?').fill(`Parcel lost ${stamp}`)
      await page.getByTestId('complaint-submit').click()
      await page.getByTestId('complaint-success').waitFor()
      await page.getByTestId('open-tracking').click()
      await expect(page.getByTestId('track-page')).toContainText(`Parcel lost ${stamp}`)
    }))

  test('files: a text file is refused in the browser; a text file renamed .png is refused by the server', () =>
    withPage(e2e.browser, 'complaint-attachments', async (page) => {
      await page.goto('/complain')
      const notes = join(dir, 'notes.txt')
      writeFileSync(notes, 'just some text, not a picture\n')
      await page.getByTestId('file-input').setInputFiles(notes)
      await expect(page.getByTestId('field-error').filter({ hasText: 'notes.txt is not an image or a PDF file.' })).toBeVisible()
      await expect(page.getByTestId('error-summary')).toHaveCount(0)
      await expect(page.locator('.file-list__item')).toHaveCount(0)

      await fillValid(page, `files.${stamp}@example.org`)
      const fake = join(dir, 'fake.png')
      writeFileSync(fake, 'this is text pretending to be a PNG\n')
      await page.getByTestId('file-input').setInputFiles(fake)
      await expect(page.locator('.file-list__item')).toContainText('fake.png')

      const [response] = await Promise.all([
        page.waitForResponse((r) => r.url().endsWith('/api/v1/complaints')),
        page.getByTestId('complaint-submit').click(),
      ])
      assert.equal(response.status(), 400)
      const body = await response.json()
      assert.ok(body.error.fields.attachments, JSON.stringify(body))
      const summary = page.getByTestId('error-summary')
      await expect(summary).toContainText('fake.png is not an image or a PDF file.')
      const input = page.getByTestId('file-input')
      await expect(input).toHaveAttribute('aria-invalid', 'true')
      await expect(page.locator('.field--invalid')).toContainText('fake.png is not an image or a PDF file.')
      await expect(page.getByTestId('complaint-success')).toHaveCount(0)
    }))

  test('in Finnish: the labels are Finnish, the complaint is filed with locale fi, the success page is Finnish', () =>
    withPage(e2e.browser, 'complaint-finnish', async (page) => {
      await page.goto('/complain')
      await page.getByLabel('Language').selectOption('fi')
      await expect(page.getByRole('heading', { level: 1, name: 'Tee reklamaatio' })).toBeVisible()
      assert.equal(await page.evaluate(() => document.documentElement.lang), 'fi')
      await page.getByLabel('Nimesi').fill('Matti Meikäläinen')
      await page.getByLabel('Sähköposti').fill(`matti.${stamp}@example.org`)
      // Category names come from the server in Finnish.
      await expect(page.getByLabel('Mitä asia koskee?').locator('option', { hasText: 'Toimitus' })).toHaveCount(1)
      await page.getByLabel('Mitä asia koskee?').selectOption('delivery')
      await page.getByLabel('Missä se tapahtui?').selectOption('store')
      await page.getByLabel('Mitä tapahtui?').fill('Myymälässä hinta oli eri kuin hyllyssä.')
      await page.getByLabel('Selitys').check()

      const [response] = await Promise.all([
        page.waitForResponse((r) => r.url().endsWith('/api/v1/complaints')),
        page.getByRole('button', { name: 'Lähetä reklamaatio' }).click(),
      ])
      assert.equal(response.status(), 201, await response.text())
      const sent = response.request().postDataBuffer()?.toString('utf8') ?? ''
      assert.match(sent, /name="locale"\r\n\r\nfi\r\n/)

      await expect(page.getByRole('heading', { level: 1, name: 'Kiitos! Olemme vastaanottaneet reklamaatiosi.' })).toBeVisible()
      // By when, in the SLA calendar's time: "viimeistään maanantaina klo 16.00".
      await expect(page.getByTestId('complaint-promise')).toContainText(/Vastaamme viimeistään (maanan|tiis|keskiviikko|tors|perjan|lauan|sunnun)\p{L}*na( \d+\.\d+\.)? klo \d{1,2}\.\d\d\./u)
      await expect(page.getByRole('button', { name: 'Kopioi linkki' })).toBeVisible()
      await expect(page.getByRole('link', { name: 'Avaa asiasi' })).toBeVisible()

      // The tracking page follows the language too.
      await page.getByRole('link', { name: 'Avaa asiasi' }).click()
      await expect(page.getByTestId('track-status')).toHaveText('Vastaanotettu')
      await expect(page.getByRole('heading', { name: 'Kirjoita meille' })).toBeVisible()
    }))

  test('the tracking page speaks the case\'s language, not the browser\'s', () =>
    withPage(e2e.browser, 'track-case-language', async (page) => {
      const response = await page.request.post('/api/v1/complaints', {
        headers: { 'Idempotency-Key': `track-lang-${stamp}` },
        data: {
          name: 'Liisa Kieli',
          email: `liisa.kieli.${stamp}@example.org`,
          category: 'delivery',
          touchpoint: 'delivery',
          description: 'Paketti ei tullut perille ajallaan.',
          expected_outcome: 'explanation',
          locale: 'fi',
        },
      })
      assert.equal(response.status(), 201, await response.text())
      // An English browser opens the link from the Finnish mail.
      await page.goto(new URL((await response.json()).data.tracking_url).pathname)
      await expect(page.getByTestId('track-status')).toHaveText('Vastaanotettu')
      await expect(page.getByRole('heading', { name: 'Kirjoita meille' })).toBeVisible()
      assert.equal(await page.evaluate(() => document.documentElement.lang), 'fi')
    }))

  test('a retry after a lost answer files the complaint once (same idempotency key)', () =>
    withPage(e2e.browser, 'complaint-retry', async (page) => {
      await page.goto('/complain')
      await fillValid(page, `retry.${stamp}@example.org`)
      // The server files the first attempt, but its answer never reaches the page.
      let lost = null
      await page.route('**/api/v1/complaints', async (route) => {
        if (lost) return route.continue()
        const response = await route.fetch()
        lost = { status: response.status(), body: await response.json(), key: route.request().headers()['idempotency-key'] }
        await route.abort('connectionreset')
      })
      await page.getByTestId('complaint-submit').click()
      await expect(page.getByTestId('complaint-banner')).toContainText('could not be reached')
      assert.equal(lost.status, 201)

      const [retry] = await Promise.all([
        page.waitForResponse((r) => r.url().endsWith('/api/v1/complaints')),
        page.getByTestId('complaint-submit').click(),
      ])
      assert.equal(retry.request().headers()['idempotency-key'], lost.key, 'the retry sends the same key')
      assert.equal(retry.status(), 201)
      await expect(page.getByTestId('complaint-reference')).toHaveText(lost.body.data.reference)
    }))

  test('a tracking link that does not exist says so', () =>
    withPage(e2e.browser, 'track-invalid', async (page) => {
      await page.goto(`/track/${'X'.repeat(64)}`)
      await expect(page.getByRole('heading', { level: 1, name: 'This link is not valid' })).toBeVisible()
      await expect(page.getByRole('link', { name: 'File a complaint' })).toBeVisible()
      // No token leaves the page as a referrer.
      assert.equal(await page.locator('meta[name=referrer]').getAttribute('content'), 'no-referrer')
    }))

  test('the login page links to the complaint form', () =>
    withPage(e2e.browser, 'login-complaint-link', async (page) => {
      await page.goto('/login')
      await page.getByRole('link', { name: 'File a complaint' }).click()
      await page.waitForURL(/\/complain$/)
      await expect(page.getByRole('heading', { level: 1, name: 'File a complaint' })).toBeVisible()
    }))
})
