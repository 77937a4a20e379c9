// Shared helpers of the browser tests: Debian's Chromium through playwright-core.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { after, before } from 'node:test'
import { chromium } from 'playwright-core'

export const BASE_URL = requiredEnv('KAIKU_URL')
export const ADMIN_EMAIL = requiredEnv('KAIKU_ADMIN_EMAIL')
export const ADMIN_PASSWORD = requiredEnv('KAIKU_ADMIN_PASSWORD')
export const ARTIFACTS = join(dirname(fileURLToPath(import.meta.url)), 'artifacts')

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium'
const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
]

function requiredEnv(name) {
  const value = process.env[name]
  if (!value) throw new Error(`${name} is not set: run the browser tests with "npm run e2e" (e2e/run.mjs)`)
  return value
}

export function launchBrowser() {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS })
}

/**
 * The set-up most test files share: one browser for the file and the admin's session, ready
 * in `before` and closed in `after`; read them as `e2e.browser` and `e2e.adminState`. A file's
 * own `before` that uses them awaits `e2e.ready` first (node runs top-level hooks as they are
 * registered, without waiting for this one). cleanup, if given, runs in `after` while the
 * browser is still open (a file's own `after` hooks run once it is closed).
 */
export function sharedBrowser({ cleanup } = {}) {
  let settle
  const shared = {
    browser: undefined,
    adminState: undefined,
    ready: new Promise((resolve, reject) => (settle = { resolve, reject })),
  }
  shared.ready.catch(() => undefined) // its failure is reported by the hook below
  before(async () => {
    try {
      shared.browser = await launchBrowser()
      shared.adminState = await adminStorageState(shared.browser)
      settle.resolve()
    } catch (error) {
      settle.reject(error)
      throw error
    }
  })
  after(async () => {
    try {
      if (shared.browser) await cleanup?.(shared)
    } finally {
      await shared.browser?.close()
    }
  })
  return shared
}

/**
 * Runs `fn` with a page in a fresh browser context (own cookies and storage).
 * On failure a full-page screenshot goes to e2e/artifacts/<name>.png.
 */
export async function withPage(browser, name, fn, options = {}) {
  const context = await browser.newContext({
    baseURL: BASE_URL,
    locale: 'en-US',
    // Just under the inbox's split view (1200 px): the tests written for the one-column
    // inbox keep it; e2e/workspace.test.mjs covers the split view at 1366 and 1920 px.
    viewport: { width: 1180, height: 860 },
    ...options,
  })
  context.setDefaultTimeout(15_000)
  const page = await context.newPage()
  const pageErrors = []
  page.on('pageerror', (error) => pageErrors.push(error))
  try {
    const result = await fn(page, context)
    if (pageErrors.length) {
      throw new Error(`uncaught errors in the page:\n${pageErrors.map((e) => e.stack || e.message).join('\n')}`)
    }
    return result
  } catch (error) {
    mkdirSync(ARTIFACTS, { recursive: true })
    const file = join(ARTIFACTS, `${name.replace(/[^a-z0-9-]+/gi, '-').toLowerCase()}.png`)
    await page.screenshot({ path: file, fullPage: true }).catch(() => undefined)
    console.error(`[e2e] screenshot of the failure: ${file} (at ${page.url()})`)
    throw error
  } finally {
    await context.close()
  }
}

/** Signs in through the login form and waits for the inbox; returns the signed-in user. */
export async function login(page, email, password) {
  await page.goto('/login')
  await page.getByLabel('Email').fill(email)
  await page.getByLabel('Password').fill(password)
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith('/api/v1/auth/login') && r.request().method() === 'POST'),
    page.getByRole('button', { name: 'Sign in' }).click(),
  ])
  if (response.status() !== 200) throw new Error(`login of ${email} answered ${response.status()}: ${await response.text()}`)
  const body = await response.json()
  await page.waitForURL(/\/inbox(\?|$)/)
  return body.data.user
}

/**
 * Signs the admin in once and returns the browser storage (the session cookie)
 * for reuse in fresh contexts: the server rate-limits login attempts per
 * account (successful ones included), so tests that only need a signed-in
 * admin should not each go through the form.
 */
export async function adminStorageState(browser) {
  // e2e/run.mjs names a file in the run's data directory where the first test
  // file leaves the admin session for the others (each file is its own process).
  const cache = process.env.KAIKU_E2E_SESSION_CACHE
  if (cache && existsSync(cache)) {
    const state = JSON.parse(readFileSync(cache, 'utf8'))
    const valid = await withPage(
      browser,
      'admin-session-check',
      async (page) => (await page.request.get('/api/v1/me')).status() === 200,
      { storageState: state },
    )
    if (valid) return state
  }
  const state = await withPage(browser, 'admin-session', async (page, context) => {
    await login(page, ADMIN_EMAIL, ADMIN_PASSWORD)
    return context.storageState()
  })
  if (cache) writeFileSync(cache, JSON.stringify(state))
  return state
}

/** Calls the staff API with a signed-in page's session (and its CSRF token). */
export async function staffApi(page, method, path, data) {
  const me = await page.request.get('/api/v1/me')
  if (me.status() !== 200) throw new Error(`GET /api/v1/me answered ${me.status()}`)
  const { csrf_token: csrf, user } = (await me.json()).data
  const response = await page.request.fetch(`/api/v1${path}`, { method, headers: { 'X-CSRF-Token': csrf }, data })
  return { response, user }
}

/** A tiny valid PNG (1×1 pixel) written to a temporary file; returns its path. */
export function pngFile(dir, name = 'photo.png') {
  const path = `${dir}/${name}`
  writeFileSync(
    path,
    Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64'),
  )
  return path
}
