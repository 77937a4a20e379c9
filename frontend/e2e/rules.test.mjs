// Escalation rules and notifications: the admin (a manager role or higher)
// builds "text contains 'lawyer' → urgent, one escalation level up, tell the
// managers in the app" in the form, previews and saves it; a customer files a
// complaint mentioning a lawyer; the case shows Urgent and escalation level 1,
// and the bell has a notification that links to the case. Also: no actions →
// the server's field error at the actions and in the summary; a "no agent activity"
// rule takes its business time in hours or minutes.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { expect } from './expect.mjs'
import { checkA11y, noSideways, PHONE } from './axe.mjs'
import { sharedBrowser, staffApi, withPage } from './browser.mjs'

const e2e = sharedBrowser()
const stamp = Date.now().toString(36)
const ruleName = `Lawyer mentioned ${stamp}`
const DEFAULT_LEGAL = 'default-safety-legal-words'

async function fileComplaint(text) {
  return withPage(e2e.browser, 'rules-customer', async (customer) => {
    await customer.goto('/complain')
    await customer.getByLabel('Your name').fill('Larry Lawson')
    await customer.getByLabel('Email').fill(`larry.${stamp}@example.org`)
    await customer.getByLabel('What does it concern?').selectOption('product')
    await customer.getByLabel('Where did it happen?').selectOption('delivery')
    await customer.getByLabel('What happened?').fill(text)
    await customer.getByLabel('Replacement').check()
    const [response] = await Promise.all([
      customer.waitForResponse((r) => r.url().endsWith('/api/v1/complaints') && r.request().method() === 'POST'),
      customer.getByTestId('complaint-submit').click(),
    ])
    assert.equal(response.status(), 201, await response.text())
    return (await customer.getByTestId('complaint-reference').innerText()).trim()
  })
}

describe('escalation rules', () => {
  test('no actions: the server’s field error shows at the actions and in the summary', () =>
    withPage(
      e2e.browser,
      'rules-validation',
      async (page) => {
        await page.goto('/admin/rules/new')
        await expect(page.getByRole('heading', { level: 1, name: 'New escalation rule' })).toBeVisible()
        await page.getByLabel('Name', { exact: true }).fill(`Empty ${stamp}`)
        await page.getByRole('button', { name: 'Remove action 1' }).click()
        const [bad] = await Promise.all([
          page.waitForResponse((r) => r.url().endsWith('/api/v1/rules') && r.request().method() === 'POST'),
          page.getByTestId('rule-save').click(),
        ])
        assert.equal(bad.status(), 400, await bad.text())
        const fields = (await bad.json()).error.fields
        assert.ok(fields.actions, JSON.stringify(fields))
        const summary = page.getByTestId('error-summary')
        await expect(summary).toContainText('Actions:')
        await expect(page.locator('#rule-actions-error')).toBeVisible()
        await summary.getByRole('link', { name: /^Actions:/ }).click()
        assert.equal(await page.evaluate(() => document.activeElement?.id), 'rule-add-action')
        await checkA11y(page, 'rule form with a field error')
      },
      { storageState: e2e.adminState },
    ))

  test('in Finnish the server\'s field errors are Finnish words chosen by their code, never its English', () =>
    withPage(
      e2e.browser,
      'rules-validation-fi',
      async (page) => {
        await page.addInitScript(() => localStorage.setItem('kaiku.locale', 'fi'))
        await page.goto('/admin/rules/new')
        await page.getByTestId('rule-form').waitFor()
        const [bad] = await Promise.all([
          page.waitForResponse((r) => r.url().endsWith('/api/v1/rules') && r.request().method() === 'POST'),
          page.getByTestId('rule-save').click(),
        ])
        assert.equal(bad.status(), 400, await bad.text())
        const { fields, field_issues: issues } = (await bad.json()).error
        assert.equal(issues.name?.code, 'required', JSON.stringify(issues))
        const summary = page.getByTestId('error-summary')
        await expect(summary).toContainText('Täytä tämä kenttä.')
        const shown = await page.locator('body').innerText()
        for (const english of Object.values(fields)) {
          assert.ok(!shown.toLowerCase().includes(english.toLowerCase()), `the server's English "${english}" is on the page`)
        }
      },
      { storageState: e2e.adminState },
    ))

  test('a rule made in the form escalates a new complaint and notifies the managers', async () => {
    let reference = ''
    await withPage(
      e2e.browser,
      'rules-create',
      async (page) => {
        // The default legal-words rule would also fire on "lawyer": pause it (the switch) for this test.
        await page.goto('/inbox')
        await page.getByTestId('admin-menu').click()
        await page.getByRole('link', { name: 'Escalation rules' }).click()
        await expect(page.getByRole('heading', { level: 1, name: 'Escalation rules' })).toBeVisible()
        const table = page.getByTestId('rules-table')
        await expect(table).toBeVisible()
        await checkA11y(page, 'escalation rules')
        const legal = page.locator(`[data-rule="${DEFAULT_LEGAL}"]`)
        if (await legal.count()) {
          const toggle = legal.getByTestId('rule-enabled')
          if (await toggle.isChecked()) {
            const [r] = await Promise.all([
              page.waitForResponse((x) => x.url().includes(`/api/v1/rules/${DEFAULT_LEGAL}`) && x.request().method() === 'PATCH'),
              toggle.click(),
            ])
            assert.equal(r.status(), 200, await r.text())
            await expect(page.getByTestId('flash')).toContainText('disabled')
          }
        }

        await page.getByTestId('rule-add').click()
        await expect(page.getByRole('heading', { level: 1, name: 'New escalation rule' })).toBeVisible()
        await page.getByLabel('Name', { exact: true }).fill(ruleName)
        await page.getByLabel('Trigger').selectOption('case_created')
        await page.getByRole('button', { name: 'Add a condition' }).click()
        const cond = page.locator('[data-condition="0"]')
        await cond.getByLabel('Field').selectOption('text')
        await cond.getByLabel('Comparison').selectOption('contains_any')
        await expect(cond).toContainText('asianajaj*')
        await cond.getByLabel('Words or phrases').fill('lawyer')
        await cond.getByLabel('Words or phrases').press('Enter')
        await expect(cond.getByTestId('chips')).toContainText('lawyer')

        const a1 = page.locator('[data-action="0"]')
        await a1.getByLabel('Type').selectOption('set_priority')
        await a1.getByLabel('Priority', { exact: true }).selectOption('urgent')
        await page.getByRole('button', { name: 'Add an action' }).click()
        await page.locator('[data-action="1"]').getByLabel('Type').selectOption('raise_escalation')
        await page.getByRole('button', { name: 'Add an action' }).click()
        const a3 = page.locator('[data-action="2"]')
        await a3.getByLabel('Type').selectOption('notify')
        await a3.getByLabel('Everyone with the role').selectOption('managers')
        await expect(a3.getByLabel('In the app')).toHaveAttribute('type', 'checkbox')
        assert.equal(await a3.getByLabel('In the app').isChecked(), true)
        await checkA11y(page, 'rule form')

        const [pv] = await Promise.all([
          page.waitForResponse((r) => r.url().endsWith('/api/v1/rules/preview')),
          page.getByTestId('rule-preview-button').click(),
        ])
        assert.equal(pv.status(), 200, await pv.text())
        await expect(page.getByTestId('rule-preview')).toBeVisible()
        await expect(page.getByTestId('rule-preview')).toContainText('Open cases it would match now')

        const [saved] = await Promise.all([
          page.waitForResponse((r) => r.url().endsWith('/api/v1/rules') && r.request().method() === 'POST'),
          page.getByTestId('rule-save').click(),
        ])
        assert.equal(saved.status(), 201, await saved.text())
        const body = (await saved.json()).data
        assert.deepEqual(body.conditions, [{ field: 'text', op: 'contains_any', value: ['lawyer'] }])
        assert.deepEqual(body.actions.map((a) => a.type), ['set_priority', 'raise_escalation', 'notify'])
        await expect(page.getByTestId('flash')).toContainText(ruleName)
        const row = page.locator(`[data-rule="${body.id}"]`)
        await expect(row).toContainText('Text contains any of “lawyer”')
        await expect(row).toContainText('Set priority: Urgent')
        await expect(row).toContainText('Notify: Managers (app)')

        reference = await fileComplaint(`My parcel ${stamp} was thrown over the fence. My lawyer will contact you about the damage.`)

        await page.goto(`/cases/${reference}`)
        await expect(page.getByTestId('priority')).toHaveValue('urgent')
        await expect(page.getByTestId('escalation')).toHaveText('Escalation level 1')
        // The firing is on the timeline: the rule's name, the condition that matched, its changes.
        const firing = page.locator('.event', { hasText: `Rule “${ruleName}” fired` })
        await expect(firing).toContainText('text contains "lawyer"')
        await expect(firing.getByTestId('rule-changes')).toContainText('Priority: Normal → to Urgent')
        await expect(firing.getByTestId('rule-changes')).toContainText('Escalation level: 0 → to 1')

        // The bell: the live event (or the page load) brought the notification.
        const bell = page.getByTestId('notifications')
        await expect(page.getByTestId('notifications-unread')).toBeVisible()
        await bell.click()
        const panel = page.getByTestId('notifications-panel')
        await expect(panel).toBeVisible()
        await expect(panel).toContainText(`${reference}: ${ruleName}`)
        await checkA11y(page, 'notifications panel')

        await page.goto('/inbox')
        await page.getByTestId('notifications').click()
        const item = page.getByTestId('notifications-panel').getByRole('link', { name: new RegExp(`${reference}: ${ruleName}`) })
        const [read] = await Promise.all([
          page.waitForResponse((r) => /\/api\/v1\/notifications\/[^/]+\/read$/.test(r.url())),
          item.click(),
        ])
        assert.equal(read.status(), 204)
        await page.waitForURL(new RegExp(`/cases/${reference}$`))
        await expect(page.getByTestId('escalation')).toHaveText('Escalation level 1')

        // Delete the rule (with a confirmation) so later runs start clean.
        await page.goto('/admin/rules')
        await page.locator(`[data-rule="${body.id}"]`).getByRole('button', { name: /Delete/ }).click()
        await page.getByTestId('confirm-delete').click()
        await expect(page.getByTestId('flash')).toContainText('was deleted')
      },
      { storageState: e2e.adminState },
    ).finally(() =>
      withPage(e2e.browser, 'rules-restore', async (page) => {
        const list = await (await page.request.get('/api/v1/rules')).json()
        const legal = list.data.find((r) => r.id === DEFAULT_LEGAL)
        if (legal && !legal.enabled) await staffApi(page, 'PATCH', `/rules/${DEFAULT_LEGAL}`, { version: legal.version, enabled: true })
      }, { storageState: e2e.adminState }),
    )
  })

  test('a "no agent activity" rule is set up with its business time', () =>
    withPage(
      e2e.browser,
      'rules-idle',
      async (page) => {
        const name = `Idle two hours ${stamp}`
        await page.goto('/admin/rules/new')
        await expect(page.getByRole('heading', { level: 1, name: 'New escalation rule' })).toBeVisible()
        await page.getByLabel('Name', { exact: true }).fill(name)
        await page.getByLabel('Trigger').selectOption('no_agent_activity')
        const amount = page.getByLabel('Time without agent activity', { exact: true })
        await expect(amount).toBeVisible()
        await expect(page.locator('#rule-idle-hint')).toContainText('opening hours')
        await amount.fill('2')
        await page.getByLabel('Hours or minutes').selectOption('hours')
        await page.locator('[data-action="0"]').getByLabel('Type').selectOption('raise_escalation')
        await checkA11y(page, 'no agent activity rule form')
        const [saved] = await Promise.all([
          page.waitForResponse((r) => r.url().endsWith('/api/v1/rules') && r.request().method() === 'POST'),
          page.getByTestId('rule-save').click(),
        ])
        assert.equal(saved.status(), 201, await saved.text())
        const body = (await saved.json()).data
        assert.deepEqual(body.trigger, { type: 'no_agent_activity', idle_minutes: 120 })
        const row = page.locator(`[data-rule="${body.id}"]`)
        await expect(row).toContainText('No agent activity (after 2 h of business time without agent activity)')

        // Opened again, it shows the time as entered; 90 minutes are kept in minutes.
        await row.getByRole('link', { name: `Edit ${name}` }).click()
        await expect(page.getByRole('heading', { level: 1, name: 'Edit escalation rule' })).toBeVisible()
        await expect(page.getByLabel('Time without agent activity', { exact: true })).toHaveValue('2')
        await expect(page.getByLabel('Hours or minutes')).toHaveValue('hours')
        await page.getByLabel('Time without agent activity', { exact: true }).fill('90')
        await page.getByLabel('Hours or minutes').selectOption('minutes')
        const [patched] = await Promise.all([
          page.waitForResponse((r) => r.url().includes(`/api/v1/rules/${body.id}`) && r.request().method() === 'PATCH'),
          page.getByTestId('rule-save').click(),
        ])
        assert.equal(patched.status(), 200, await patched.text())
        assert.deepEqual((await patched.json()).data.trigger, { type: 'no_agent_activity', idle_minutes: 90 })
        await expect(page.locator(`[data-rule="${body.id}"]`)).toContainText('after 90 min of business time without agent activity')

        await page.locator(`[data-rule="${body.id}"]`).getByRole('button', { name: /Delete/ }).click()
        await page.getByTestId('confirm-delete').click()
        await expect(page.getByTestId('flash')).toContainText('was deleted')
      },
      { storageState: e2e.adminState },
    ))

  test('Finnish on a phone: the rules list and the notifications panel', () =>
    withPage(
      e2e.browser,
      'rules-fi-phone',
      async (page) => {
        await page.goto('/admin/rules')
        await page.evaluate(() => localStorage.setItem('kaiku.locale', 'fi'))
        await page.reload()
        await expect(page.getByRole('heading', { level: 1 })).toBeVisible()
        await checkA11y(page, 'rules on a phone')
        await noSideways(page, 'rules on a phone')
        await page.getByTestId('notifications').click()
        await expect(page.getByTestId('notifications-panel')).toBeVisible()
        await checkA11y(page, 'notifications panel on a phone')
        await noSideways(page, 'notifications panel on a phone')
      },
      { storageState: e2e.adminState, ...PHONE },
    ))
})
