#!/usr/bin/env node
// Takes screenshots of the main screens for a visual review (not a test):
//   KAIKU_URL=http://127.0.0.1:8080 KAIKU_ADMIN_EMAIL=... KAIKU_ADMIN_PASSWORD=... node e2e/screenshots.mjs
// Writes PNGs to e2e/artifacts/screens/ at desktop and phone widths.
import { mkdirSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ADMIN_EMAIL, ADMIN_PASSWORD, ARTIFACTS, launchBrowser, login, pngFile, withPage } from './browser.mjs'

const out = join(ARTIFACTS, 'screens')
mkdirSync(out, { recursive: true })
const sizes = {
  desktop: { viewport: { width: 1280, height: 860 } },
  phone: { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true },
}
const which = process.argv.slice(2)
const files = mkdtempSync(join(tmpdir(), 'kaiku-screens-'))

const browser = await launchBrowser()
try {
  for (const [size, options] of Object.entries(sizes)) {
    await withPage(
      browser,
      `screens-${size}`,
      async (page) => {
        const shot = async (name) => {
          if (which.length && !which.includes(name)) return
          await page.screenshot({ path: join(out, `${size}-${name}.png`), fullPage: true })
        }
        // The customer's side.
        await page.goto('/complain')
        await page.getByLabel('What does it concern?').locator('option').nth(1).waitFor({ state: 'attached' })
        await shot('complain')
        await page.getByTestId('complaint-submit').click()
        await page.getByTestId('error-summary').waitFor()
        await shot('complain-errors')
        await page.getByLabel('Your name').fill('Liisa Virtanen')
        await page.getByLabel('Email').fill(`liisa.${size}@example.org`)
        await page.getByLabel('What does it concern?').selectOption('product')
        await page.getByLabel('Where did it happen?').selectOption('delivery')
        await page.getByLabel('What happened?').fill('The kettle arrived with a cracked lid.\nThe box itself looked fine.')
        await page.getByLabel('Replacement').check()
        await page.getByTestId('file-input').setInputFiles(pngFile(files, 'lid.png'))
        await page.getByTestId('complaint-submit').click()
        await page.getByTestId('complaint-success').waitFor()
        await shot('complain-success')
        const trackPath = new URL(await page.getByTestId('tracking-link').inputValue()).pathname
        const reference = (await page.getByTestId('complaint-reference').innerText()).trim()
        await page.getByTestId('open-tracking').click()
        await page.getByTestId('track-page').waitFor()
        await shot('track')

        await page.goto('/login')
        await page.getByRole('heading', { name: 'Sign in' }).waitFor()
        await shot('login')
        await page.getByRole('button', { name: 'Sign in' }).click()
        await page.getByText('Enter your email address.').waitFor()
        await shot('login-errors')
        await login(page, ADMIN_EMAIL, ADMIN_PASSWORD)
        await page.locator('[data-testid=case-list], [data-testid=inbox-empty]').waitFor()
        await shot('inbox')
        await page.goto('/inbox?view=all_open')
        await page.locator('[data-testid=case-list], [data-testid=inbox-empty]').waitFor()
        await shot('inbox-all-open')
        const first = page.locator('a.case-row__link').first()
        if (await first.count()) {
          await first.click()
          await page.getByRole('link', { name: 'Back to inbox' }).waitFor()
          await page.locator('.case, .state').first().waitFor()
          await shot('case')
        }
        await page.goto(`/cases/${reference}`)
        await page.getByTestId('claim').click()
        await page.getByTestId('assigned-to').filter({ hasText: '(you)' }).waitFor()
        await page.getByTestId('composer-text').fill('Hello Liisa,\nsorry about the lid. A new kettle is on its way today.')
        await page.getByTestId('send-waiting').click()
        await page.locator('.message--reply').waitFor()
        await page.getByRole('radio', { name: 'Internal note' }).check()
        await page.getByTestId('composer-text').fill('Supplier batch 42 again: tell logistics.')
        await page.getByTestId('send').click()
        await page.locator('.message--note').waitFor()
        await shot('case-working')
        await page.goto(trackPath)
        await page.locator('.chat__item--support').waitFor()
        await shot('track-answered')
        await page.goto('/inbox?view=all&q=kettle')
        await page.getByTestId('results-line').waitFor()
        await shot('inbox-search')
        await page.goto('/cases/new')
        await page.getByRole('heading', { level: 1 }).waitFor()
        await shot('new-case')
        await page.goto('/admin/categories')
        await page.getByTestId('categories-form').waitFor()
        await shot('categories')
        await page.goto('/admin/outbox')
        await page.locator('[data-testid=outbox-table], .state').first().waitFor()
        await shot('outbox')
        await page.goto('/admin/canned-replies')
        await page.getByRole('heading', { level: 1 }).waitFor()
        await page.locator('[data-testid=canned-table], .state').first().waitFor()
        await shot('canned-replies')
        await page.getByTestId('canned-add').click()
        await page.getByRole('dialog').waitFor()
        await shot('canned-reply-form')
        await page.keyboard.press('Escape')
        await page.goto(`/cases/${reference}`)
        await page.getByTestId('canned-open').click()
        await page.getByRole('dialog').waitFor()
        await shot('canned-picker')
        await page.keyboard.press('Escape')
        await page.getByTestId('merge-open').click()
        await page.getByRole('dialog').locator('[data-testid=merge-results], [data-testid=merge-empty]').first().waitFor()
        await shot('merge-dialog')
        await page.keyboard.press('Escape')
        await page.goto('/inbox?view=all_open&sort=due')
        await page.locator('[data-testid=case-list], [data-testid=inbox-empty]').waitFor()
        await shot('inbox-due')
        await page.goto('/admin/sla-policies')
        await page.getByTestId('sla-table').waitFor()
        await shot('sla-policies')
        await page.goto('/admin/sla-policies/default')
        await page.getByTestId('sla-form').waitFor()
        await shot('sla-policy-form')

        await page.goto('/admin/users')
        await page.getByTestId('users-table').waitFor()
        await shot('users')
        await page.getByRole('button', { name: 'Add a user' }).click()
        await page.getByRole('dialog').waitFor()
        await shot('users-create')
        await page.getByRole('dialog').getByRole('button', { name: 'Create user' }).click()
        await page.getByRole('dialog').getByRole('alert').waitFor()
        await shot('users-create-errors')
        await page.keyboard.press('Escape')
        await page.goto('/account/tokens')
        await page.getByRole('heading', { level: 1 }).waitFor()
        await page.getByLabel('Name').fill('Zapier integration')
        await page.getByRole('button', { name: 'Create token' }).click()
        await page.getByTestId('token-secret').waitFor()
        await shot('tokens')
        await page.getByLabel('Language').selectOption('fi')
        await page.getByRole('heading', { level: 1, name: 'Omat API-avaimet' }).waitFor()
        await page.goto('/inbox')
        await page.locator('[data-testid=case-list], [data-testid=inbox-empty]').waitFor()
        await shot('inbox-fi')
        await page.getByLabel('Kieli').selectOption('en')
      },
      options,
    )
  }
} finally {
  await browser.close()
}
console.log(`screenshots in ${out}`)
