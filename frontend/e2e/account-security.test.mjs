// Account security (issue 18): a user changes their password, sets up two-factor sign-in with
// a QR code and signs in with a code computed here from the secret; an admin reads the audit
// log. In English and Finnish, checked with axe, at 390 and 1366 px.
import { before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { expect } from './expect.mjs'
import { ARTIFACTS, staffApi, withPage, sharedBrowser } from './browser.mjs'
import { checkA11y, noSideways, PHONE } from './axe.mjs'

const e2e = sharedBrowser()
const EMAIL = `sec-${Date.now()}@example.com`
const FIRST = 'first passphrase 1'
const SECOND = 'second passphrase 2'
const ERASED = `erase-${Date.now()}@example.com`
const SHOWN = `shown-${Date.now()}@example.com`

async function fileComplaint(page, email, key) {
  const response = await page.request.post('/api/v1/complaints', {
    headers: { 'Idempotency-Key': key },
    data: { name: 'Eero Erasable', email, category: 'product', touchpoint: 'store',
      description: 'The kettle leaks, says Eero Erasable.', expected_outcome: 'refund' },
  })
  assert.equal(response.status(), 201, await response.text())
  return (await response.json()).data
}

/** RFC 6238 TOTP (SHA-1, 6 digits, 30 s) of a base32 secret at time t (ms). */
function totp(secret, t) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'
  let bits = ''
  for (const c of secret.replace(/=+$/, '')) bits += alphabet.indexOf(c).toString(2).padStart(5, '0')
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)))
  const counter = Buffer.alloc(8)
  counter.writeBigUInt64BE(BigInt(Math.floor(t / 30000)))
  const h = createHmac('sha1', key).update(counter).digest()
  const o = h[h.length - 1] & 0xf
  return String((h.readUInt32BE(o) & 0x7fffffff) % 1_000_000).padStart(6, '0')
}

async function shoot(page, name) {
  mkdirSync(ARTIFACTS, { recursive: true })
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true })
}

before(async () => {
  await e2e.ready
  await withPage(e2e.browser, 'sec-user', async (page) => {
    const { response } = await staffApi(page, 'POST', '/users', { email: EMAIL, name: 'Sanna Security', role: 'admin', password: FIRST })
    assert.equal(response.status(), 201)
    await fileComplaint(page, SHOWN, `shown-${Date.now()}`)
  }, { storageState: e2e.adminState })
})

async function signIn(page, password) {
  await page.goto('/login')
  await page.getByLabel('Email').fill(EMAIL)
  await page.getByLabel('Password').fill(password)
  await page.getByRole('button', { name: 'Sign in' }).click()
}

describe('account security', () => {
  test('password change, two-factor set-up and a sign-in with a code, then the audit log', () =>
    withPage(e2e.browser, 'account-security', async (page) => {
      await signIn(page, FIRST)
      await page.waitForURL(/\/inbox/)
      await page.getByTestId('account-menu').click()
      await page.getByTestId('nav-account').click()
      await expect(page.getByRole('heading', { level: 1, name: 'Your account' })).toBeVisible()
      await checkA11y(page, 'account')

      await page.getByTestId('current-password').fill(FIRST)
      await page.getByTestId('new-password').fill(SECOND)
      await page.getByTestId('password-save').click()
      await expect(page.getByTestId('flash')).toHaveText('Password changed. Your other sessions have ended.')

      await page.getByTestId('totp-setup').click()
      await expect(page.getByRole('img', { name: 'QR code for your authenticator app' })).toBeVisible()
      const secret = (await page.getByTestId('totp-secret').textContent()).trim()
      await checkA11y(page, 'enrolment')
      await shoot(page, 'account-enrol-en-1366')
      await page.getByTestId('totp-code').fill(totp(secret, Date.now()))
      await page.getByTestId('totp-confirm').click()
      await expect(page.getByTestId('recovery-codes').locator('li')).toHaveCount(10)
      await checkA11y(page, 'recovery codes')
      await page.getByRole('button', { name: 'I have saved them' }).click()
      await expect(page.getByTestId('two-factor-on')).toContainText('10 recovery codes left')

      await page.getByTestId('account-menu').click()
      await page.getByRole('button', { name: 'Log out' }).click()
      await page.waitForURL(/\/login/)
      await signIn(page, SECOND)
      await expect(page.getByRole('heading', { name: 'Two-factor sign-in' })).toBeVisible()
      const me = await page.request.get('/api/v1/me')
      assert.equal(me.status(), 401, 'no session before the code')
      await checkA11y(page, 'code step')
      // The next step's code: the one used to confirm cannot be used twice.
      await page.getByTestId('login-code').fill(totp(secret, Date.now() + 30_000))
      await page.getByTestId('login-code-submit').click()
      await page.waitForURL(/\/inbox/)

      await page.goto('/admin/audit')
      await expect(page.getByRole('heading', { level: 1, name: 'Audit log' })).toBeVisible()
      await page.getByTestId('audit-kind').selectOption('user')
      await page.getByTestId('audit-filter').click()
      await expect(page.getByTestId('audit-list').locator('li').first()).toContainText('user.create')
      await checkA11y(page, 'audit log')
      await shoot(page, 'audit-en-1366')
    }, { viewport: { width: 1366, height: 900 } }))

  test('an admin downloads a customer\'s archive, and the export is audited', () =>
    withPage(e2e.browser, 'customer-data', async (page) => {
      await page.goto('/admin/customer-data')
      await page.getByTestId('privacy-email').fill('nobody-here@example.com')
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('privacy-download').click()])
      assert.equal(download.suggestedFilename(), 'kaiku-customer-data.zip')
      await page.goto('/admin/audit')
      await page.getByTestId('audit-kind').selectOption('customer')
      await page.getByTestId('audit-filter').click()
      await expect(page.getByTestId('audit-list').locator('li').first()).toContainText('customer.export')
    }, { storageState: e2e.adminState, acceptDownloads: true }))

  test('an admin looks a customer up and erases their data; the tracking link opens nothing after', () =>
    withPage(e2e.browser, 'customer-erase', async (page) => {
      const receipt = await fileComplaint(page, ERASED, `erase-${Date.now()}`)
      await page.goto('/admin/customer-data')
      await page.getByTestId('privacy-email').fill(ERASED)
      await page.getByTestId('privacy-lookup').click()
      await expect(page.getByTestId('privacy-found')).toContainText(receipt.reference)
      assert.equal(await page.getByTestId('privacy-erase').isDisabled(), true)
      await page.getByTestId('privacy-confirm').fill(ERASED.toUpperCase())
      await page.getByTestId('privacy-erase').click()
      await expect(page.getByTestId('privacy-erased')).toContainText('one case anonymised')
      await page.getByTestId('privacy-lookup').click()
      await expect(page.getByTestId('privacy-found')).toContainText('No cases found')
      const track = await page.request.get(`/api/v1/track/${receipt.tracking_token}`)
      assert.equal(track.status(), 404)
      await page.goto('/admin/audit')
      await page.getByTestId('audit-kind').selectOption('customer')
      await page.getByTestId('audit-filter').click()
      await expect(page.getByTestId('audit-list').locator('li').first()).toContainText('customer.erase')
      await page.goto('/admin/customer-data')
      await page.getByTestId('retention-months').fill('24')
      await page.getByTestId('retention-save').click()
      await expect(page.getByTestId('retention-saved')).toBeVisible()
      await page.reload()
      await expect(page.getByTestId('retention-months')).toHaveValue('24')
      await page.getByTestId('retention-months').fill('0')
      await page.getByTestId('retention-save').click()
      await expect(page.getByTestId('retention-saved')).toBeVisible()
    }, { storageState: e2e.adminState }))

  // A CI run once read 0 after saving 24 months: the page asked for the stored period as it
  // opened, the admin typed before the answer came, the answer replaced what was typed and Save
  // stored that. The answer is held here until the admin has typed, if the page lets them.
  test('a retention period typed while the stored one loads is the one saved', () =>
    withPage(e2e.browser, 'retention-loading', async (page) => {
      let release, asked
      const held = new Promise((resolve) => { release = resolve })
      const askedFor = new Promise((resolve) => { asked = resolve })
      await page.route('**/api/v1/settings/retention', async (route) => {
        if (route.request().method() === 'GET') {
          asked()
          await held
        }
        await route.continue()
      })
      await page.goto('/admin/customer-data')
      await askedFor
      const field = page.getByTestId('retention-months')
      const typed = field.fill('24')
      if (await field.isEditable()) await typed // typed before the stored period arrived
      const answered = page.waitForResponse((r) => r.url().endsWith('/api/v1/settings/retention') && r.request().method() === 'GET')
      release()
      await answered
      await typed
      await expect(field).toHaveValue('24')
      await page.getByTestId('retention-save').click()
      await expect(page.getByTestId('retention-saved')).toBeVisible()
      await page.reload()
      await expect(page.getByTestId('retention-months')).toHaveValue('24')
      const { response } = await staffApi(page, 'PUT', '/settings/retention', { months: 0 })
      assert.equal(response.status(), 200)
    }, { storageState: e2e.adminState }))

  for (const [lang, heading] of [['en', 'Audit log'], ['fi', 'Tapahtumaloki']]) {
    for (const [width, options] of [[390, PHONE], [1366, { viewport: { width: 1366, height: 900 } }]]) {
      test(`pages in ${lang} at ${width} px`, () =>
        withPage(e2e.browser, `account-${lang}-${width}`, async (page) => {
          await page.goto('/inbox')
          await page.evaluate((l) => localStorage.setItem('kaiku.locale', l), lang)
          await page.goto('/admin/audit')
          await page.getByLabel(lang === 'fi' ? 'Kieli' : 'Language').selectOption(lang)
          await expect(page.getByRole('heading', { level: 1, name: heading })).toBeVisible()
          await expect(page.getByTestId('audit-list').locator('li').first()).toBeVisible()
          await noSideways(page, `audit ${lang} ${width}`)
          await checkA11y(page, `audit ${lang} ${width}`)
          await shoot(page, `audit-${lang}-${width}`)
          await page.goto('/account')
          await expect(page.getByTestId('two-factor')).toBeVisible()
          await noSideways(page, `account ${lang} ${width}`)
          await checkA11y(page, `account ${lang} ${width}`)
          await shoot(page, `account-${lang}-${width}`)
          await page.goto('/admin/customer-data')
          await expect(page.getByTestId('privacy-download')).toBeVisible()
          await page.getByTestId('privacy-email').fill(SHOWN)
          await page.getByTestId('privacy-lookup').click()
          await expect(page.getByTestId('privacy-found')).toBeVisible()
          await page.getByTestId('privacy-confirm').fill(SHOWN)
          await noSideways(page, `customer data ${lang} ${width}`)
          await checkA11y(page, `customer data ${lang} ${width}`)
          await shoot(page, `customer-data-${lang}-${width}`)
          await page.context().clearCookies()
          await page.goto('/forgot-password')
          await expect(page.getByTestId('reset-send')).toBeVisible()
          await checkA11y(page, `forgot ${lang} ${width}`)
          await shoot(page, `forgot-${lang}-${width}`)
        }, { storageState: e2e.adminState, ...options }))
    }
  }
})
