// Canned replies: a manager or admin keeps them; an agent inserts one into a
// reply, with the placeholders filled in for the case.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { expect } from './expect.mjs'
import { checkA11y, noSideways, PHONE } from './axe.mjs'
import { login, sharedBrowser, staffApi, withPage } from './browser.mjs'

const e2e = sharedBrowser()
const stamp = Date.now().toString(36)
const agent = { name: `Cara Canned ${stamp}`, email: `cara.${stamp}@example.com`, password: 'Cara-Canned-Passphrase-7', role: 'agent' }
const title = `Sorry for the wait ${stamp}`

describe('canned replies', () => {
  test('an admin adds, edits and deletes canned replies; the form explains the placeholders', () =>
    withPage(
      e2e.browser,
      'canned-admin',
      async (page) => {
        await page.goto('/inbox')
        await page.getByTestId('admin-menu').click()
        await page.getByRole('link', { name: 'Canned replies' }).click()
        await expect(page.getByRole('heading', { level: 1, name: 'Canned replies' })).toBeVisible()
        await checkA11y(page, 'canned replies')

        await page.getByTestId('canned-add').click()
        const dialog = page.getByRole('dialog', { name: 'Add a canned reply' })
        await expect(dialog).toBeVisible()
        const help = dialog.getByTestId('placeholder-help')
        for (const p of ['{{customer_name}}', '{{reference}}', '{{agent_name}}', '{{subject}}']) await expect(help).toContainText(p)
        await dialog.getByTestId('canned-save').click()
        await expect(dialog.getByText('Give the reply a title.')).toBeVisible()
        await expect(dialog.getByText('Write the text of the reply.')).toBeVisible()
        assert.equal(await dialog.getByLabel('Title').evaluate((el) => el === document.activeElement), true)
        await checkA11y(page, 'canned reply form with errors')

        await dialog.getByLabel('Title').fill(`Draft title ${stamp}`)
        await dialog.getByLabel('Text', { exact: true }).fill('Hello {{customer_name}},\n\nwe are sorry about “{{subject}}” (case {{reference}}). We are on it.\n\n{{agent_name}}')
        const [created] = await Promise.all([
          page.waitForResponse((r) => r.url().endsWith('/api/v1/canned-replies') && r.request().method() === 'POST'),
          dialog.getByTestId('canned-save').click(),
        ])
        assert.equal(created.status(), 201, await created.text())
        await expect(dialog).toBeHidden()
        await expect(page.getByTestId('flash')).toContainText(`Draft title ${stamp}`)

        // Rename it.
        const row = page.getByTestId('canned-table').getByRole('row').filter({ hasText: `Draft title ${stamp}` })
        await row.getByRole('button', { name: 'Edit' }).click()
        const edit = page.getByRole('dialog', { name: 'Edit canned reply' })
        await edit.getByLabel('Title').fill(title)
        const [patched] = await Promise.all([
          page.waitForResponse((r) => r.url().includes('/api/v1/canned-replies/') && r.request().method() === 'PATCH'),
          edit.getByRole('button', { name: 'Save' }).click(),
        ])
        assert.equal(patched.status(), 200, await patched.text())
        assert.deepEqual(Object.keys(patched.request().postDataJSON()), ['title'])
        await expect(page.getByTestId('canned-table')).toContainText(title)

        // A second one, deleted after a confirmation.
        await page.getByTestId('canned-add').click()
        await page.getByRole('dialog').getByLabel('Title').fill(`Throwaway ${stamp}`)
        await page.getByRole('dialog').getByLabel('Text', { exact: true }).fill('Not needed.')
        await page.getByRole('dialog').getByTestId('canned-save').click()
        await expect(page.getByTestId('canned-table')).toContainText(`Throwaway ${stamp}`)
        await page.getByTestId('canned-table').getByRole('row').filter({ hasText: `Throwaway ${stamp}` }).getByRole('button', { name: 'Delete' }).click()
        const confirm = page.getByRole('dialog', { name: 'Delete canned reply?' })
        await expect(confirm).toContainText(`“Throwaway ${stamp}” will no longer be offered to agents.`)
        await checkA11y(page, 'delete confirmation')
        await confirm.getByTestId('confirm-delete').click()
        await expect(page.getByTestId('flash')).toContainText(`Canned reply “Throwaway ${stamp}” was deleted.`)
        await expect(page.getByTestId('canned-table').getByRole('row').filter({ hasText: `Throwaway ${stamp}` })).toHaveCount(0)
      },
      { storageState: e2e.adminState },
    ))

  test('an agent inserts a canned reply with the customer’s first name filled in, and never loses a draft', async () => {
    await withPage(
      e2e.browser,
      'canned-agent-create',
      async (page) => {
        const { response } = await staffApi(page, 'POST', '/users', { ...agent, team_ids: [], authority_limit_cents: 0, locale: 'en' })
        assert.equal(response.status(), 201, await response.text())
      },
      { storageState: e2e.adminState },
    )
    const receipt = await withPage(e2e.browser, 'canned-file', async (page) => {
      const response = await page.request.post('/api/v1/complaints', {
        headers: { 'Idempotency-Key': `canned-${stamp}` },
        data: {
          name: 'Maija Meikäläinen',
          email: `maija.${stamp}@example.org`,
          category: 'delivery',
          touchpoint: 'delivery',
          description: 'The parcel came a week late and the box was wet.',
          expected_outcome: 'apology',
        },
      })
      assert.equal(response.status(), 201, await response.text())
      return (await response.json()).data
    })

    await withPage(
      e2e.browser,
      'canned-agent',
      async (page) => {
        await login(page, agent.email, agent.password)
        // Agents use canned replies but do not manage them.
        await expect(page.getByTestId('admin-menu')).toHaveCount(0)
        await page.goto(`/cases/${receipt.reference}`)
        await expect(page.getByTestId('case-description')).toContainText('The parcel came a week late')

        await page.getByTestId('canned-open').click()
        const picker = page.getByRole('dialog', { name: 'Insert a canned reply' })
        await expect(picker).toBeVisible()
        await picker.getByLabel('Search canned replies').fill(stamp)
        await expect(picker.getByTestId('canned-list').getByRole('listitem')).toHaveCount(1)
        await checkA11y(page, 'canned reply picker')
        await picker.getByRole('button', { name: title }).click()
        await expect(picker).toBeHidden()
        const text = page.getByTestId('composer-text')
        const draft = await text.inputValue()
        assert.match(draft, /^Hello Maija,\n/)
        assert.ok(draft.includes(`(case ${receipt.reference})`), draft)
        assert.ok(draft.endsWith(agent.name), draft)
        assert.ok(!draft.includes('{{'), draft)
        assert.equal(await text.evaluate((el) => el === document.activeElement), true, 'focus back in the draft')

        // With text in the draft, the agent decides: here, insert at the cursor (the start).
        await text.fill('P.S. first line.')
        await text.evaluate((el) => el.setSelectionRange(0, 0))
        await page.getByTestId('canned-open').click()
        await picker.getByRole('button', { name: title }).click()
        await expect(picker.getByTestId('canned-confirm')).toContainText('Your draft already has text.')
        await checkA11y(page, 'insert or replace')
        await picker.getByRole('button', { name: 'Insert at the cursor' }).click()
        await expect(picker).toBeHidden()
        const combined = await text.inputValue()
        assert.ok(combined.startsWith('Hello Maija,'), combined)
        assert.ok(combined.endsWith('P.S. first line.'), combined)

        // Cancel leaves the draft alone.
        await page.getByTestId('canned-open').click()
        await picker.getByRole('button', { name: title }).click()
        await picker.getByRole('button', { name: 'Cancel' }).click()
        await expect(picker).toBeHidden()
        assert.equal(await text.inputValue(), combined)

        await page.getByTestId('send').click()
        await expect(page.locator('.message--reply')).toContainText('Hello Maija,')
        await expect(page.locator('.message--reply')).toContainText('P.S. first line.')

        // The admin page is not for agents.
        await page.goto('/admin/canned-replies')
        await expect(page.getByRole('heading', { level: 1, name: 'No access' })).toBeVisible()
      },
    )
  })

  test('the picker on a phone', () =>
    withPage(
      e2e.browser,
      'canned-phone',
      async (page) => {
        const { response } = await staffApi(page, 'POST', '/cases', {
          subject: `Phone picker ${stamp}`,
          description: 'Checking the picker on a small screen.',
          customer: { name: 'Pekka Puhelin', email: `pekka.${stamp}@example.org` },
        })
        assert.equal(response.status(), 201, await response.text())
        const id = (await response.json()).data.id
        await page.goto(`/cases/${id}`)
        await page.getByTestId('canned-open').click()
        const picker = page.getByRole('dialog', { name: 'Insert a canned reply' })
        await expect(picker.getByTestId('canned-list')).toBeVisible()
        await checkA11y(page, 'canned reply picker on a phone')
        await noSideways(page, 'case page with the picker')
        await picker.getByRole('button', { name: title }).click()
        await expect(page.getByTestId('composer-text')).toHaveValue(/^Hello Pekka,/)
        await page.goto('/admin/canned-replies')
        await expect(page.getByTestId('canned-table')).toBeVisible()
        await checkA11y(page, 'canned replies on a phone')
        await noSideways(page, 'canned replies on a phone')
      },
      { storageState: e2e.adminState, ...PHONE },
    ))
})
