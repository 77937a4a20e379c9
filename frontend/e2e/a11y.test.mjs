// Accessibility checks: axe-core on every screen (WCAG 2.1 A/AA rules), plus
// keyboard basics (skip link, tabs with arrow keys, dialogs closing on Escape).
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { expect } from './expect.mjs'
import { adminStorageState, launchBrowser, withPage } from './browser.mjs'

const require = createRequire(import.meta.url)
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8')

let browser
let adminState
let caseId

/** Runs axe in the page (evaluated over the DevTools protocol, so the app's CSP does not block it). */
async function checkA11y(page, label) {
  await page.evaluate(AXE_SOURCE)
  const violations = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const result = await window.axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
      resultTypes: ['violations'],
    })
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')),
    }))
  })
  assert.deepEqual(violations, [], `${label}: accessibility violations:\n${JSON.stringify(violations, null, 2)}`)
}

async function csrfToken(page) {
  const me = await page.request.get('/api/v1/me')
  assert.equal(me.status(), 200)
  return (await me.json()).data.csrf_token
}

before(async () => {
  browser = await launchBrowser()
  adminState = await adminStorageState(browser)
  // One case so that the inbox has a row and the case page has content.
  caseId = await withPage(
    browser,
    'seed-case',
    async (page) => {
      await page.goto('/inbox')
      const response = await page.request.post('/api/v1/cases', {
        headers: { 'X-CSRF-Token': await csrfToken(page) },
        data: {
          subject: 'Kettle arrived with a cracked lid',
          description: 'The lid was cracked when I opened the box.\nPlease send a replacement.',
          customer: { name: 'Liisa Virtanen', email: 'liisa@example.org' },
          priority: 'high',
          expected_outcome: 'replacement',
          tags: ['delivery'],
        },
      })
      assert.equal(response.status(), 201, await response.text())
      return (await response.json()).data.id
    },
    { storageState: adminState },
  )
})

after(async () => {
  await browser?.close()
})

describe('accessibility (axe-core)', () => {
  test('login page, empty and with errors', () =>
    withPage(browser, 'a11y-login', async (page) => {
      await page.goto('/login')
      await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible()
      await checkA11y(page, 'login')
      await page.getByRole('button', { name: 'Sign in' }).click()
      await expect(page.getByText('Enter your email address.')).toBeVisible()
      await checkA11y(page, 'login with errors')
    }))

  test('inbox, case page, users and teams, API tokens', () =>
    withPage(
      browser,
      'a11y-app',
      async (page) => {
        await page.goto('/inbox?view=all_open')
        await expect(page.getByTestId('case-list')).toBeVisible()
        await expect(page.getByRole('link', { name: 'Kettle arrived with a cracked lid' })).toBeVisible()
        await checkA11y(page, 'inbox')

        await page.getByRole('link', { name: 'Kettle arrived with a cracked lid' }).click()
        await page.waitForURL(new RegExp(`/cases/${caseId}$`))
        await expect(page.getByTestId('case-description')).toContainText('The lid was cracked')
        await checkA11y(page, 'case page')

        await page.goto('/admin/users')
        await expect(page.getByTestId('users-table')).toBeVisible()
        await checkA11y(page, 'users and teams')
        await page.getByRole('button', { name: 'Add a user' }).click()
        await expect(page.getByRole('dialog', { name: 'Add a user' })).toBeVisible()
        await checkA11y(page, 'create-user dialog')
        await page.keyboard.press('Escape')
        await expect(page.getByRole('dialog')).toBeHidden()

        await page.goto('/account/tokens')
        await page.getByLabel('Name').fill('a11y check')
        await page.getByRole('button', { name: 'Create token' }).click()
        await expect(page.getByTestId('token-secret')).toBeVisible()
        await checkA11y(page, 'API tokens with a new secret')
      },
      { storageState: adminState },
    ))

  test('Finnish inbox on a phone', () =>
    withPage(
      browser,
      'a11y-phone-fi',
      async (page) => {
        await page.goto('/inbox')
        await page.getByLabel('Language').selectOption('fi')
        await expect(page.getByRole('heading', { level: 1, name: 'Saapuneet' })).toBeVisible()
        await expect(page.locator('[data-testid=case-list], [data-testid=inbox-empty]')).toBeVisible()
        await checkA11y(page, 'Finnish inbox, phone width')
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)
        assert.ok(overflow <= 0, `the page is ${overflow}px wider than a phone screen`)
      },
      { storageState: adminState, viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true },
    ))
})

describe('keyboard', () => {
  test('the skip link is the first stop and moves to the main content', () =>
    withPage(
      browser,
      'keyboard-skip-link',
      async (page) => {
        await page.goto('/inbox')
        await expect(page.getByRole('heading', { level: 1, name: 'Inbox' })).toBeVisible()
        await page.keyboard.press('Tab')
        const skip = page.getByRole('link', { name: 'Skip to main content' })
        await expect(skip).toBeVisible()
        assert.equal(await skip.evaluate((el) => el === document.activeElement), true)
        await page.keyboard.press('Enter')
        await page.waitForURL(/#main$/)
        const focusedInMain = await page.evaluate(() => !!document.activeElement?.closest('main'))
        assert.equal(focusedInMain, true, 'focus moved into <main>')
      },
      { storageState: adminState },
    ))

  test('view tabs follow the arrow keys', () =>
    withPage(
      browser,
      'keyboard-tabs',
      async (page) => {
        await page.goto('/inbox')
        const selected = page.getByRole('tab', { selected: true })
        await expect(selected).toHaveText(/^Unassigned/)
        await selected.focus()
        await page.keyboard.press('ArrowRight')
        await expect(page.getByRole('tab', { selected: true })).toHaveText(/^Mine/)
        await page.waitForURL(/view=mine/)
        await page.keyboard.press('End')
        await expect(page.getByRole('tab', { selected: true })).toHaveText(/^Resolved/)
        assert.equal(
          await page.getByRole('tab', { selected: true }).evaluate((el) => el === document.activeElement),
          true,
        )
      },
      { storageState: adminState },
    ))
})
