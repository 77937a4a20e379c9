// SLA policies (managers and admins): create with a server field error shown
// at its input, then success; edit; a 409 between two editors; disable
// instead of delete, and delete.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { expect } from './expect.mjs'
import { checkA11y, noSideways, PHONE } from './axe.mjs'
import { sharedBrowser, staffApi, withPage } from './browser.mjs'

const e2e = sharedBrowser()
const stamp = Date.now().toString(36)
const name = `Phone desk ${stamp}`

describe('SLA policies', () => {
  test('create: the server’s field error shows at its input, then the policy is created', () =>
    withPage(
      e2e.browser,
      'sla-policy-create',
      async (page) => {
        await page.goto('/inbox')
        await page.getByTestId('admin-menu').click()
        await page.getByRole('link', { name: 'SLA policies' }).click()
        await expect(page.getByRole('heading', { level: 1, name: 'SLA policies' })).toBeVisible()
        await expect(page.getByTestId('sla-table')).toContainText('Standard')
        await checkA11y(page, 'SLA policies')

        await page.getByTestId('sla-add').click()
        await expect(page.getByRole('heading', { level: 1, name: 'New SLA policy' })).toBeVisible()
        await checkA11y(page, 'new SLA policy')

        await page.getByLabel('Name', { exact: true }).fill(name)
        await page.getByLabel('Position').fill('5')
        await page.getByLabel('Normal, First response, hours').fill('2')
        await page.getByLabel('Normal, First response, minutes').fill('30')
        const urgent = page.locator('[data-priority=urgent]')
        await urgent.getByLabel('Same as Normal').uncheck()
        await page.getByLabel('Urgent, First response, hours').fill('0')
        await page.getByLabel('Urgent, First response, minutes').fill('45')
        // Monday gets a second, overlapping interval: only the server knows that is wrong.
        const monday = page.locator('[data-day=monday]')
        await monday.getByRole('button', { name: /Add hours/ }).click()
        await page.getByLabel('Monday, hours 2, from').fill('12:00')
        await page.getByLabel('Monday, hours 2, to').fill('18:00')
        // Saturday overnight is fine.
        await page.locator('[data-day=saturday]').getByRole('button', { name: /Add hours/ }).click()
        await page.getByLabel('Saturday, hours 1, from').fill('22:00')
        await page.getByLabel('Saturday, hours 1, to').fill('02:00')
        await page.getByRole('button', { name: 'Add a holiday' }).click()
        await page.getByLabel('Holiday 1, date').fill('2026-12-24')
        await page.getByLabel('Holiday 1, name').fill('Christmas Eve')
        await page.getByRole('group', { name: 'Channels' }).getByLabel('Phone').check()

        const [bad] = await Promise.all([
          page.waitForResponse((r) => r.url().endsWith('/api/v1/sla-policies') && r.request().method() === 'POST'),
          page.getByTestId('sla-save').click(),
        ])
        assert.equal(bad.status(), 400, await bad.text())
        assert.equal((await bad.json()).error.fields['calendar.hours.monday[1]'], 'overlaps hours.monday[0]')
        const summary = page.getByTestId('error-summary')
        await expect(summary).toContainText('Monday, hours 2: Overlaps Monday hours 1.')
        const start = page.getByLabel('Monday, hours 2, from')
        await expect(start).toHaveAttribute('aria-invalid', 'true')
        await expect(monday.locator('.field__error')).toHaveText('Overlaps Monday hours 1.')
        await checkA11y(page, 'SLA policy with a field error')
        // The summary links to the input.
        await summary.getByRole('link', { name: /Monday, hours 2/ }).click()
        assert.equal(await start.evaluate((el) => el === document.activeElement), true)

        // Fix it: Monday's second interval goes, and the error with it.
        await monday.getByRole('button', { name: 'Remove Monday, hours 2' }).click()
        await expect(monday.locator('.field__error')).toHaveCount(0)
        const [good] = await Promise.all([
          page.waitForResponse((r) => r.url().endsWith('/api/v1/sla-policies') && r.request().method() === 'POST'),
          page.getByTestId('sla-save').click(),
        ])
        assert.equal(good.status(), 201, await good.text())
        const sent = good.request().postDataJSON()
        assert.deepEqual(sent.targets, {
          normal: { first_response_minutes: 150, next_response_minutes: 480, resolution_minutes: 2400 },
          urgent: { first_response_minutes: 45, next_response_minutes: 480, resolution_minutes: 2400 },
        })
        assert.deepEqual(sent.calendar.hours.saturday, [{ start: '22:00', end: '02:00' }])
        assert.deepEqual(sent.calendar.holidays, [{ date: '2026-12-24', name: 'Christmas Eve' }])
        assert.deepEqual(sent.conditions, { channels: ['phone'], categories: [], touchpoints: [] })
        await page.waitForURL(/\/admin\/sla-policies$/)
        await expect(page.getByTestId('flash')).toContainText(`SLA policy “${name}” was created.`)
        const row = page.getByTestId('sla-table').getByRole('row').filter({ hasText: name })
        await expect(row).toContainText('First response 2 h 30 min · resolution 40 h')
        await expect(row).toContainText('Phone')
        await expect(row).toContainText('5')
      },
      { storageState: e2e.adminState },
    ))

  test('edit; a change by someone else meanwhile is a 409 with a reload', () =>
    withPage(
      e2e.browser,
      'sla-policy-edit',
      async (page) => {
        await page.goto('/admin/sla-policies')
        await page.getByTestId('sla-table').getByRole('link', { name, exact: true }).click()
        await expect(page.getByRole('heading', { level: 1, name: 'Edit SLA policy' })).toBeVisible()
        await expect(page.getByLabel('Name', { exact: true })).toHaveValue(name)
        assert.equal(await page.getByLabel('Normal, First response, minutes').inputValue(), '30')
        assert.equal(await page.getByLabel('Holiday 1, name').inputValue(), 'Christmas Eve')
        assert.equal(await page.getByLabel('Saturday, hours 1, to').inputValue(), '02:00')
        assert.equal(await page.locator('[data-priority=high]').getByLabel('Same as Normal').isChecked(), true)

        // Someone else saves first.
        const id = new URL(page.url()).pathname.split('/').pop()
        const current = await (await page.request.get(`/api/v1/sla-policies/${id}`)).json()
        const { response } = await staffApi(page, 'PATCH', `/sla-policies/${id}`, { version: current.data.version, warn_at_percent: 60 })
        assert.equal(response.status(), 200, await response.text())

        await page.getByLabel('Final answer deadline (days)').fill('56')
        const [conflict] = await Promise.all([
          page.waitForResponse((r) => r.url().endsWith(`/api/v1/sla-policies/${id}`) && r.request().method() === 'PATCH'),
          page.getByTestId('sla-save').click(),
        ])
        assert.equal(conflict.status(), 409)
        await expect(page.getByTestId('sla-conflict')).toContainText('Someone else changed this policy')
        await checkA11y(page, 'SLA policy conflict')
        await page.getByTestId('sla-reload').click()
        await expect(page.getByTestId('sla-conflict')).toBeHidden()
        assert.equal(await page.getByLabel('Warning at (%)').inputValue(), '60')
        assert.equal(await page.getByLabel('Final answer deadline (days)').inputValue(), '0')

        await page.getByLabel('Final answer deadline (days)').fill('56')
        await page.getByTestId('sla-save').click()
        await page.waitForURL(/\/admin\/sla-policies$/)
        await expect(page.getByTestId('flash')).toContainText(`SLA policy “${name}” was saved.`)
        await expect(page.getByTestId('sla-table').getByRole('row').filter({ hasText: name })).toContainText('Final answer within 56 days')
      },
      { storageState: e2e.adminState },
    ))

  test('delete recommends disabling; disable, then delete', () =>
    withPage(
      e2e.browser,
      'sla-policy-delete',
      async (page) => {
        await page.goto('/admin/sla-policies')
        const row = () => page.getByTestId('sla-table').getByRole('row').filter({ hasText: name })
        await row().getByRole('button', { name: `Delete ${name}` }).click()
        const dialog = page.getByRole('dialog', { name: 'Delete SLA policy?' })
        await expect(dialog).toContainText('disable it instead')
        await checkA11y(page, 'delete SLA policy')
        await dialog.getByRole('button', { name: 'Disable instead' }).click()
        await expect(dialog).toBeHidden()
        await expect(page.getByTestId('flash')).toContainText(`SLA policy “${name}” was disabled.`)
        await expect(row()).toContainText('Disabled')

        await row().getByRole('button', { name: `Delete ${name}` }).click()
        await expect(dialog.getByRole('button', { name: 'Disable instead' })).toHaveCount(0)
        await dialog.getByTestId('confirm-delete').click()
        await expect(page.getByTestId('flash')).toContainText(`SLA policy “${name}” was deleted.`)
        await expect(row()).toHaveCount(0)
      },
      { storageState: e2e.adminState },
    ))

  test('the policy form on a phone, in Finnish', () =>
    withPage(
      e2e.browser,
      'sla-policy-phone',
      async (page) => {
        await page.goto('/admin/sla-policies/default')
        await page.getByLabel('Language').selectOption('fi')
        await expect(page.getByRole('heading', { level: 1, name: 'Muokkaa SLA-käytäntöä' })).toBeVisible()
        await expect(page.getByLabel('Nimi', { exact: true })).toHaveValue('Standard')
        await checkA11y(page, 'SLA policy form, Finnish phone')
        await noSideways(page, 'SLA policy form')
        await page.goto('/admin/sla-policies')
        await expect(page.getByTestId('sla-table')).toBeVisible()
        await checkA11y(page, 'SLA policies, Finnish phone')
        await noSideways(page, 'SLA policies')
        await page.getByLabel('Kieli').selectOption('en')
      },
      { storageState: e2e.adminState, ...PHONE },
    ))
})
