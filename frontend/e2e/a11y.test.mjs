// Accessibility checks: axe-core on every screen (WCAG 2.1 A/AA rules), plus
// keyboard basics (skip link, tabs with arrow keys, dialogs closing on Escape).
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { expect } from './expect.mjs'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pngFile, withPage, sharedBrowser } from './browser.mjs'

const require = createRequire(import.meta.url)
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8')

const e2e = sharedBrowser()
let caseId
let dir
const stamp = Date.now().toString(36)

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
  await e2e.ready
  dir = mkdtempSync(join(tmpdir(), 'kaiku-e2e-a11y-'))
  // One case so that the inbox has a row and the case page has content.
  caseId = await withPage(
    e2e.browser,
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
    { storageState: e2e.adminState },
  )
})

after(async () => {
  if (dir) rmSync(dir, { recursive: true, force: true })
})

async function noSideways(page, label) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)
  assert.ok(overflow <= 0, `${label}: the page is ${overflow}px wider than the screen`)
}

describe('accessibility (axe-core)', () => {
  test('login page, empty and with errors', () =>
    withPage(e2e.browser, 'a11y-login', async (page) => {
      await page.goto('/login')
      await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible()
      await checkA11y(page, 'login')
      await page.getByRole('button', { name: 'Sign in' }).click()
      await expect(page.getByText('Enter your email address.')).toBeVisible()
      await checkA11y(page, 'login with errors')
    }))

  test('inbox, case page, users and teams, API tokens', () =>
    withPage(
      e2e.browser,
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
      { storageState: e2e.adminState },
    ))

  test('Finnish inbox on a phone', () =>
    withPage(
      e2e.browser,
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
      { storageState: e2e.adminState, viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true },
    ))
})

describe('accessibility of the customer pages (axe-core)', () => {
  for (const [size, options] of [
    ['desktop', {}],
    ['phone', { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true }],
  ]) {
    test(`complaint form, its errors, the success page and the tracking page (${size})`, () =>
      withPage(
        e2e.browser,
        `a11y-customer-${size}`,
        async (page) => {
          await page.goto('/complain')
          await expect(page.getByRole('heading', { level: 1, name: 'File a complaint' })).toBeVisible()
          await expect(page.getByLabel('What does it concern?').locator('option')).toHaveCount(7)
          await checkA11y(page, `complaint form (${size})`)
          await noSideways(page, 'complaint form')
          // The honeypot is hidden from people and from assistive technology.
          const honeypot = page.locator('input[name=website]')
          assert.equal(await honeypot.getAttribute('tabindex'), '-1')
          assert.equal(await honeypot.getAttribute('autocomplete'), 'off')
          assert.equal(await honeypot.evaluate((el) => !!el.closest('[aria-hidden=true]')), true)
          const box = await honeypot.boundingBox()
          assert.ok(!box || box.x + box.width <= 0, `the honeypot is off-screen (${JSON.stringify(box)})`)

          await page.getByTestId('complaint-submit').click()
          await expect(page.getByTestId('error-summary')).toBeVisible()
          await checkA11y(page, `complaint form with errors (${size})`)

          await page.getByLabel('Your name').fill('Aino Axe')
          await page.getByLabel('Email').fill(`aino.${size}.${stamp}@example.org`)
          await page.getByLabel('What does it concern?').selectOption('product')
          await page.getByLabel('Where did it happen?').selectOption('app')
          await page.getByLabel('What happened?').fill('The app crashed when I paid, and I was charged.')
          await page.getByLabel('Refund').check()
          await page.getByTestId('file-input').setInputFiles(pngFile(dir, `screen-${size}.png`))
          await page.getByTestId('complaint-submit').click()
          await expect(page.getByTestId('complaint-success')).toBeVisible()
          await checkA11y(page, `success page (${size})`)
          await noSideways(page, 'success page')

          await page.getByTestId('open-tracking').click()
          await expect(page.getByTestId('track-page')).toBeVisible()
          await checkA11y(page, `tracking page (${size})`)
          await noSideways(page, 'tracking page')
          await page.getByTestId('track-reply-submit').click()
          await expect(page.getByText('Write a message first.')).toBeVisible()
          await checkA11y(page, `tracking page with an error (${size})`)
        },
        options,
      ))
  }

  test('the follow-up with its star rating, and the thanks', async () => {
    const receipt = await withPage(e2e.browser, 'a11y-follow-up-file', async (page) => {
      const response = await page.request.post('/api/v1/complaints', {
        headers: { 'Idempotency-Key': `a11y-follow-up-${stamp}` },
        data: {
          name: 'Fiona Follow',
          email: `fiona.${stamp}@example.org`,
          category: 'returns',
          touchpoint: 'store',
          description: 'The store would not take back the unopened shoes.',
          expected_outcome: 'refund',
        },
      })
      assert.equal(response.status(), 201, await response.text())
      return (await response.json()).data
    })
    await withPage(
      e2e.browser,
      'a11y-follow-up-resolve',
      async (page) => {
        await page.goto(`/cases/${receipt.reference}`)
        await page.getByTestId('composer-text').fill('We refunded the shoes today.')
        await page.getByTestId('send-resolve').click()
        await expect(page.locator('.case__badges')).toContainText('Resolved')
      },
      { storageState: e2e.adminState },
    )
    await withPage(e2e.browser, 'a11y-follow-up', async (page) => {
      await page.goto(new URL(receipt.tracking_url).pathname)
      const followUp = page.getByTestId('follow-up')
      await expect(followUp).toBeVisible()
      await checkA11y(page, 'follow-up form')
      // The rating is a radio group: arrow keys move between the stars.
      await page.getByLabel('Yes, it is solved').check()
      await page.getByLabel('3 of 5 stars').check()
      await page.keyboard.press('ArrowRight')
      assert.equal(await page.getByLabel('4 of 5 stars').isChecked(), true)
      await page.getByLabel('Anything else you would like to tell us?').fill('Quick and friendly.')
      await page.getByTestId('follow-up-submit').click()
      const thanks = page.getByTestId('follow-up-thanks')
      await expect(thanks).toContainText('Thank you for your answer')
      await expect(thanks).toContainText('Quick and friendly.')
      await checkA11y(page, 'follow-up thanks')
    })
  })

  test('staff screens of this issue: search and filters, working on a case, new case, categories, outbox, shortcut help', () =>
    withPage(
      e2e.browser,
      'a11y-staff-work',
      async (page) => {
        await page.goto('/inbox?view=all&q=kettle')
        await expect(page.getByTestId('results-line')).toBeVisible()
        await page.getByTestId('filters-toggle').click()
        await checkA11y(page, 'inbox search with filters open')

        await page.goto(`/cases/${caseId}`)
        await expect(page.getByTestId('composer')).toBeVisible()
        await page.getByRole('radio', { name: 'Internal note' }).check()
        await checkA11y(page, 'case page, note mode')
        await page.keyboard.press('Escape')
        await page.getByRole('button', { name: 'Shortcuts' }).click()
        await expect(page.getByRole('dialog', { name: 'Keyboard shortcuts' })).toBeVisible()
        await checkA11y(page, 'shortcut help')
        await page.keyboard.press('Escape')

        await page.goto('/cases/new')
        await page.getByTestId('new-case-submit').click()
        await expect(page.getByTestId('error-summary')).toBeVisible()
        await checkA11y(page, 'new case with errors')

        await page.goto('/admin/categories')
        await expect(page.getByTestId('categories-form')).toBeVisible()
        await checkA11y(page, 'categories')

        await page.goto('/admin/outbox')
        await expect(page.getByRole('heading', { level: 1, name: 'Mail outbox' })).toBeVisible()
        await expect(page.locator('[data-testid=outbox-table], .state')).toBeVisible()
        await checkA11y(page, 'outbox')
      },
      { storageState: e2e.adminState },
    ))
})

describe('keyboard', () => {
  test('the skip link is the first stop and moves to the main content', () =>
    withPage(
      e2e.browser,
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
      { storageState: e2e.adminState },
    ))

  test('view tabs follow the arrow keys', () =>
    withPage(
      e2e.browser,
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
        await expect(page.getByRole('tab', { selected: true })).toHaveText(/^All cases/)
        assert.equal(
          await page.getByRole('tab', { selected: true }).evaluate((el) => el === document.activeElement),
          true,
        )
      },
      { storageState: e2e.adminState },
    ))
})
