// Login, the app shell, language switch, logout, and creating a user who can then sign in.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { expect } from './expect.mjs'
import { ADMIN_EMAIL, ADMIN_PASSWORD, login, sharedBrowser, withPage } from './browser.mjs'

const e2e = sharedBrowser()

describe('login and the app shell', () => {
  test('a wrong password shows an error and stays on the login page', () =>
    withPage(e2e.browser, 'wrong-password', async (page) => {
      await page.goto('/login')
      await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible()
      await page.getByLabel('Email').fill(ADMIN_EMAIL)
      await page.getByLabel('Password').fill('definitely-not-the-password')
      const [response] = await Promise.all([
        page.waitForResponse((r) => r.url().endsWith('/api/v1/auth/login')),
        page.getByRole('button', { name: 'Sign in' }).click(),
      ])
      assert.equal(response.status(), 401)
      const body = await response.json()
      assert.equal(body.error?.code, 'invalid_credentials')
      await expect(page.getByRole('alert')).toHaveText('The email or password is incorrect.')
      assert.match(new URL(page.url()).pathname, /^\/login$/)
    }))

  test('the right password lands on the inbox with the name and the view tabs', () =>
    withPage(e2e.browser, 'right-password', async (page) => {
      const user = await login(page, ADMIN_EMAIL, ADMIN_PASSWORD)
      assert.equal(user.email, ADMIN_EMAIL)
      await expect(page.getByTestId('current-user')).toHaveText(user.name || user.email)
      await expect(page.getByRole('heading', { level: 1, name: 'Inbox' })).toBeVisible()
      const tabs = page.getByRole('tablist', { name: 'Inbox views' }).getByRole('tab')
      const views = ['Unassigned', 'Mine', 'All open', 'Escalated', 'Waiting on customer', 'Resolved', 'Reviews', 'Follow-ups due', 'Waiting for my approval', 'All cases']
      await expect(tabs).toHaveCount(views.length)
      for (const name of views) {
        await expect(page.getByRole('tab', { name: new RegExp(`^${name}`) })).toBeVisible()
      }
      await expect(page.getByRole('tab', { selected: true })).toHaveText(/^Unassigned/)
      // The list settles into cases or the empty state, not a spinner or an error.
      await expect(page.locator('[data-testid=case-list], [data-testid=inbox-empty]')).toBeVisible()
      // Another tab changes the view and the address.
      await page.getByRole('tab', { name: /^Resolved/ }).click()
      await page.waitForURL(/view=resolved/)
      await expect(page.getByRole('tab', { selected: true })).toHaveText(/^Resolved/)
      await expect(page.locator('[data-testid=case-list], [data-testid=inbox-empty]')).toBeVisible()
    }))

  test('switching to Finnish changes the texts and is remembered', () =>
    withPage(e2e.browser, 'finnish', async (page) => {
      await page.goto('/inbox')
      await page.getByLabel('Language').selectOption('fi')
      await expect(page.getByRole('heading', { level: 1, name: 'Saapuneet' })).toBeVisible()
      await expect(page.getByRole('tab', { name: /^Ei käsittelijää/ })).toBeVisible()
      await page.getByTestId('account-menu').click()
      await expect(page.getByRole('button', { name: 'Kirjaudu ulos' })).toBeVisible()
      assert.equal(await page.locator('html').getAttribute('lang'), 'fi')
      await page.reload()
      await expect(page.getByRole('heading', { level: 1, name: 'Saapuneet' })).toBeVisible()
      await page.getByTestId('account-menu').click()
      await expect(page.getByRole('link', { name: 'Omat API-avaimet' })).toBeVisible()
      await page.getByLabel('Kieli').selectOption('en')
      await expect(page.getByRole('heading', { level: 1, name: 'Inbox' })).toBeVisible()
      assert.equal(await page.locator('html').getAttribute('lang'), 'en')
    }, { storageState: e2e.adminState }))

  test('logging out returns to the login page and the inbox then asks to sign in', () =>
    withPage(e2e.browser, 'logout', async (page) => {
      await login(page, ADMIN_EMAIL, ADMIN_PASSWORD)
      await page.getByRole('button', { name: /^Your account/ }).click()
      const [response] = await Promise.all([
        page.waitForResponse((r) => r.url().endsWith('/api/v1/auth/logout')),
        page.getByRole('button', { name: 'Log out' }).click(),
      ])
      assert.equal(response.status(), 204)
      await page.waitForURL(/\/login(\?|$)/)
      await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible()

      const me = await page.request.get('/api/v1/me')
      assert.equal(me.status(), 401, 'the session cookie no longer works')

      await page.goto('/inbox')
      await page.waitForURL((u) => u.pathname === '/login' && u.searchParams.get('redirect') === '/inbox')
      await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible()
    }))

  test('signing in returns to the page that was asked for', () =>
    withPage(e2e.browser, 'redirect-after-login', async (page) => {
      await page.goto('/account/tokens')
      await page.waitForURL((u) => u.pathname === '/login' && u.searchParams.get('redirect') === '/account/tokens')
      await page.getByLabel('Email').fill(ADMIN_EMAIL)
      await page.getByLabel('Password').fill(ADMIN_PASSWORD)
      await page.getByRole('button', { name: 'Sign in' }).click()
      await page.waitForURL(/\/account\/tokens$/)
      await expect(page.getByRole('heading', { level: 1, name: 'My API tokens' })).toBeVisible()
    }))
})

describe('user administration', () => {
  const stamp = Date.now().toString(36)
  const newUser = {
    name: `Eve Agent ${stamp}`,
    email: `eve.${stamp}@example.com`,
    password: 'Agent-Passphrase-2718-long',
  }

  test('an admin creates a user who can then sign in in a fresh browser', async () => {
    await withPage(e2e.browser, 'admin-creates-user', async (page) => {
      await page.goto('/inbox')
      await page.getByRole('button', { name: 'Admin', exact: true }).click()
      await page.getByRole('link', { name: 'Users & teams' }).click()
      await page.waitForURL(/\/admin\/users$/)
      await expect(page.getByRole('heading', { level: 1, name: 'Users & teams' })).toBeVisible()
      await expect(page.getByTestId('users-table').getByText(ADMIN_EMAIL)).toBeVisible()

      await page.getByRole('button', { name: 'Add a user' }).click()
      const dialog = page.getByRole('dialog', { name: 'Add a user' })
      await expect(dialog).toBeVisible()
      await dialog.getByLabel('Name').fill(newUser.name)
      await dialog.getByLabel('Email').fill(newUser.email)
      await dialog.getByLabel('Role').selectOption('agent')
      await dialog.getByLabel('Authority limit').fill('150')
      await dialog.getByLabel('Password').fill(newUser.password)
      const [response] = await Promise.all([
        page.waitForResponse((r) => r.url().endsWith('/api/v1/users') && r.request().method() === 'POST'),
        dialog.getByRole('button', { name: 'Create user' }).click(),
      ])
      assert.equal(response.status(), 201, await response.text())
      const created = (await response.json()).data
      assert.equal(created.email, newUser.email)
      assert.equal(created.authority_limit_cents, 15000)
      await expect(dialog).toBeHidden()
      await expect(page.getByTestId('flash')).toContainText(newUser.name)
      const row = page.getByTestId('users-table').getByRole('row').filter({ hasText: newUser.email })
      await expect(row).toContainText('Agent')
      await expect(row).toContainText('Active')
    }, { storageState: e2e.adminState })

    await withPage(e2e.browser, 'new-user-signs-in', async (page) => {
      const user = await login(page, newUser.email, newUser.password)
      assert.equal(user.role, 'agent')
      await expect(page.getByTestId('current-user')).toHaveText(newUser.name)
      // Agents do not see the user administration.
      await expect(page.getByRole('button', { name: 'Admin', exact: true })).toHaveCount(0)
      await expect(page.getByRole('link', { name: 'Users & teams' })).toHaveCount(0)
    })
  })

  test('the server rejects a duplicate email and the form shows it', () =>
    withPage(e2e.browser, 'duplicate-email', async (page) => {
      await page.goto('/admin/users')
      await page.getByRole('button', { name: 'Add a user' }).click()
      const dialog = page.getByRole('dialog', { name: 'Add a user' })
      await dialog.getByLabel('Name').fill('Someone Else')
      await dialog.getByLabel('Email').fill(ADMIN_EMAIL)
      await dialog.getByLabel('Password').fill('Another-Long-Passphrase-99')
      const [response] = await Promise.all([
        page.waitForResponse((r) => r.url().endsWith('/api/v1/users') && r.request().method() === 'POST'),
        dialog.getByRole('button', { name: 'Create user' }).click(),
      ])
      assert.equal(response.status(), 409)
      await expect(dialog.getByLabel('Email')).toHaveAttribute('aria-invalid', 'true')
      await expect(dialog).toBeVisible()
    }, { storageState: e2e.adminState }))
})
