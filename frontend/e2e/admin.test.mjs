// Users & teams administration and personal API tokens, end to end.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { expect } from './expect.mjs'
import { login, sharedBrowser, withPage } from './browser.mjs'

const e2e = sharedBrowser()

const exactly = (text) => new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`)
const teamNames = (page) => page.getByTestId('team-list').locator('.team-list__name')
const stamp = Date.now().toString(36)

async function csrfToken(page) {
  const me = await page.request.get('/api/v1/me')
  assert.equal(me.status(), 200)
  return (await me.json()).data.csrf_token
}

/** Creates a user through the API (as the signed-in admin of `page`). */
async function createUserViaApi(page, user) {
  const response = await page.request.post('/api/v1/users', {
    headers: { 'X-CSRF-Token': await csrfToken(page) },
    data: { team_ids: [], authority_limit_cents: 0, locale: 'en', ...user },
  })
  assert.equal(response.status(), 201, await response.text())
  return (await response.json()).data
}

describe('users and teams', () => {
  const teamName = `Returns ${stamp}`
  const renamed = `Returns & refunds ${stamp}`
  const agent = { name: `Ari Agent ${stamp}`, email: `ari.${stamp}@example.com`, password: 'Ari-Original-Passphrase-1', role: 'agent' }
  const newPassword = 'Ari-Changed-Passphrase-22'

  test('an admin creates and renames a team', () =>
    withPage(
      e2e.browser,
      'team-create-rename',
      async (page) => {
        await page.goto('/admin/users')
        const form = page.getByTestId('team-create')
        await form.getByLabel('Team name').fill(teamName)
        await form.getByLabel('Description').fill('Refunds and returns')
        const [created] = await Promise.all([
          page.waitForResponse((r) => r.url().endsWith('/api/v1/teams') && r.request().method() === 'POST'),
          form.getByRole('button', { name: 'Create team' }).click(),
        ])
        assert.equal(created.status(), 201, await created.text())
        const list = page.getByTestId('team-list')
        await expect(teamNames(page).filter({ hasText: exactly(teamName) })).toBeVisible()

        await list.getByRole('button', { name: `Rename ${teamName}` }).click()
        const editor = page.getByRole('form', { name: `Rename ${teamName}` })
        await editor.getByLabel('Team name').fill(renamed)
        const [patched] = await Promise.all([
          page.waitForResponse((r) => /\/api\/v1\/teams\/[^/]+$/.test(r.url()) && r.request().method() === 'PATCH'),
          editor.getByRole('button', { name: 'Save' }).click(),
        ])
        assert.equal(patched.status(), 200, await patched.text())
        await expect(teamNames(page).filter({ hasText: exactly(renamed) })).toBeVisible()
        await expect(teamNames(page).filter({ hasText: exactly(teamName) })).toHaveCount(0)

        // The rename survives a reload (it was stored, not only shown).
        await page.reload()
        await expect(teamNames(page).filter({ hasText: exactly(renamed) })).toBeVisible()
      },
      { storageState: e2e.adminState },
    ))

  test('an admin edits a user: role, team, authority limit and password', async () => {
    await withPage(
      e2e.browser,
      'user-edit',
      async (page) => {
        await page.goto('/admin/users')
        await createUserViaApi(page, agent)
        await page.reload()
        const row = page.getByTestId('users-table').getByRole('row').filter({ hasText: agent.email })
        await row.getByRole('button', { name: `Edit ${agent.name}` }).click()
        const dialog = page.getByRole('dialog', { name: `Edit ${agent.name}` })
        await expect(dialog).toBeVisible()
        await dialog.getByLabel('Role').selectOption('manager')
        await dialog.getByLabel('Authority limit').fill('1 250,50')
        await dialog.getByLabel(renamed).check()
        await dialog.getByLabel('New password').fill(newPassword)
        const [response] = await Promise.all([
          page.waitForResponse((r) => /\/api\/v1\/users\/[^/]+$/.test(r.url()) && r.request().method() === 'PATCH'),
          dialog.getByRole('button', { name: 'Save' }).click(),
        ])
        assert.equal(response.status(), 200, await response.text())
        const sent = response.request().postDataJSON()
        assert.equal(sent.role, 'manager')
        assert.equal(sent.authority_limit_cents, 125050)
        assert.equal(sent.password, newPassword)
        assert.equal(sent.team_ids.length, 1)
        assert.equal('email' in sent, false, 'only changed fields are sent')
        await expect(dialog).toBeHidden()
        await expect(row).toContainText('Manager')
        await expect(row).toContainText('€1,250.50')
        await expect(row).toContainText(renamed)
      },
      { storageState: e2e.adminState },
    )

    // The new password works; the user is now a manager and sees users read-only.
    await withPage(e2e.browser, 'edited-user-signs-in', async (page) => {
      const user = await login(page, agent.email, newPassword)
      assert.equal(user.role, 'manager')
      await page.getByRole('button', { name: 'Admin', exact: true }).click()
      await page.getByRole('link', { name: 'Users & teams' }).click()
      await expect(page.getByTestId('read-only-note')).toBeVisible()
      await expect(page.getByTestId('users-table')).toBeVisible()
      await expect(page.getByRole('button', { name: 'Add a user' })).toHaveCount(0)
      await expect(page.getByRole('button', { name: /^Edit / })).toHaveCount(0)
      await expect(page.getByTestId('team-create')).toHaveCount(0)
    })
  })

  test('a deactivated user can no longer sign in', async () => {
    const user = { name: `Dina Departed ${stamp}`, email: `dina.${stamp}@example.com`, password: 'Dina-Passphrase-333', role: 'agent' }
    await withPage(
      e2e.browser,
      'user-deactivate',
      async (page) => {
        await page.goto('/admin/users')
        await createUserViaApi(page, user)
        await page.reload()
        const row = page.getByTestId('users-table').getByRole('row').filter({ hasText: user.email })
        await expect(row).toContainText('Active')
        await row.getByRole('button', { name: `Edit ${user.name}` }).click()
        const dialog = page.getByRole('dialog')
        await dialog.getByLabel('Active').uncheck()
        const [response] = await Promise.all([
          page.waitForResponse((r) => /\/api\/v1\/users\/[^/]+$/.test(r.url()) && r.request().method() === 'PATCH'),
          dialog.getByRole('button', { name: 'Save' }).click(),
        ])
        assert.equal(response.status(), 200, await response.text())
        assert.deepEqual(response.request().postDataJSON(), { active: false })
        await expect(row).toContainText('Inactive')
      },
      { storageState: e2e.adminState },
    )
    await withPage(e2e.browser, 'deactivated-login', async (page) => {
      await page.goto('/login')
      await page.getByLabel('Email').fill(user.email)
      await page.getByLabel('Password').fill(user.password)
      const [response] = await Promise.all([
        page.waitForResponse((r) => r.url().endsWith('/api/v1/auth/login')),
        page.getByRole('button', { name: 'Sign in' }).click(),
      ])
      assert.notEqual(response.status(), 200)
      await expect(page.getByRole('alert')).toBeVisible()
      assert.equal(new URL(page.url()).pathname, '/login')
    })
  })

  test('server field errors appear next to the fields of the user form', () =>
    withPage(
      e2e.browser,
      'user-form-server-errors',
      async (page) => {
        await page.goto('/admin/users')
        await page.getByRole('button', { name: 'Add a user' }).click()
        const dialog = page.getByRole('dialog', { name: 'Add a user' })
        await dialog.getByLabel('Name').fill('Shorty')
        await dialog.getByLabel('Email').fill('not-an-email')
        await dialog.getByLabel('Password').fill('short')
        const [response] = await Promise.all([
          page.waitForResponse((r) => r.url().endsWith('/api/v1/users') && r.request().method() === 'POST'),
          dialog.getByRole('button', { name: 'Create user' }).click(),
        ])
        assert.ok([400, 422].includes(response.status()), `status ${response.status()}`)
        const fields = (await response.json()).error.fields
        assert.ok(fields.email && fields.password, JSON.stringify(fields))
        await expect(dialog.getByLabel('Email')).toHaveAttribute('aria-invalid', 'true')
        await expect(dialog.getByLabel('Password')).toHaveAttribute('aria-invalid', 'true')
        // Shown in the app's words, chosen by each field's reason, not the server's English.
        const issues = (await response.json()).error.field_issues
        assert.equal(issues.email.code, 'invalid_email', JSON.stringify(issues))
        await expect(dialog).toContainText('Enter a valid e-mail address.')
        await expect(dialog).toContainText(`Too short: at least ${issues.password.limit} characters.`)
        assert.ok(!(await dialog.innerText()).includes(fields.email), `the server's "${fields.email}" is shown`)
      },
      { storageState: e2e.adminState },
    ))
})

describe('API tokens', () => {
  test('create a token, see the secret once, use it, revoke it', () =>
    withPage(
      e2e.browser,
      'api-tokens',
      async (page, context) => {
        await context.grantPermissions(['clipboard-read', 'clipboard-write'])
        await page.goto('/inbox')
        await page.getByTestId('account-menu').click()
        await page.getByRole('link', { name: 'My API tokens' }).click()
        await expect(page.getByRole('heading', { level: 1, name: 'My API tokens' })).toBeVisible()
        const name = `CI export ${stamp}`
        await page.getByLabel('Name').fill(name)
        const [response] = await Promise.all([
          page.waitForResponse((r) => r.url().endsWith('/api/v1/api-tokens') && r.request().method() === 'POST'),
          page.getByRole('button', { name: 'Create token' }).click(),
        ])
        assert.equal(response.status(), 201, await response.text())
        const panel = page.getByTestId('token-secret')
        const secret = await panel.getByLabel('Token secret').inputValue()
        assert.match(secret, /^kaiku_/)
        await panel.getByRole('button', { name: 'Copy' }).click()
        await expect(panel).toContainText('Copied to the clipboard')
        assert.equal(await page.evaluate(() => navigator.clipboard.readText()), secret)

        // The secret is a working bearer token.
        const api = await page.request.get('/api/v1/me', { headers: { Authorization: `Bearer ${secret}` } })
        assert.equal(api.status(), 200)

        await panel.getByRole('button', { name: 'I have copied it' }).click()
        await expect(panel).toBeHidden()
        await page.reload()
        await expect(page.getByTestId('token-secret')).toHaveCount(0) // shown only once
        const row = page.getByTestId('tokens-table').getByRole('row').filter({ hasText: name })
        await expect(row).toBeVisible()

        await row.getByRole('button', { name: `Revoke ${name}` }).click()
        const dialog = page.getByRole('dialog', { name: 'Revoke token?' })
        await expect(dialog).toContainText(name)
        const [deleted] = await Promise.all([
          page.waitForResponse((r) => /\/api\/v1\/api-tokens\/[^/]+$/.test(r.url()) && r.request().method() === 'DELETE'),
          dialog.getByRole('button', { name: 'Revoke' }).click(),
        ])
        assert.equal(deleted.status(), 204)
        await expect(dialog).toBeHidden()
        await expect(row).toHaveCount(0)
        await expect(page.getByTestId('flash')).toContainText(name)

        const after = await page.request.get('/api/v1/me', {
          headers: { Authorization: `Bearer ${secret}`, Cookie: '' },
        })
        assert.equal(after.status(), 401)
      },
      { storageState: e2e.adminState },
    ))
})
