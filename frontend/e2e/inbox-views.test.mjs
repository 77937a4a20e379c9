// The inbox's "Escalated" view (a live count, the most escalated first, the
// level badge on every row; English and Finnish) and filter values with commas
// (CFPB product names as categories) going through the facet chips, the
// address and the API intact.
import { before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { expect } from './expect.mjs'
import { checkA11y } from './axe.mjs'
import { staffApi, withPage, sharedBrowser } from './browser.mjs'

const e2e = sharedBrowser({
  cleanup: ({ browser, adminState }) =>
    withPage(
      browser,
      'inbox-views-cleanup',
      async (page) => {
        await page.goto('/inbox')
        for (const id of rules) await staffApi(page, 'DELETE', `/rules/${id}`)
      },
      { storageState: adminState },
    ).catch(() => undefined),
})
const stamp = Date.now().toString(36)
const word = `escword${stamp}`
const CREDIT = 'Credit reporting, credit repair services, or other personal consumer reports'
const rules = []
const cases = {}

async function createCase(page, key, subject, description, category = '') {
  const { response } = await staffApi(page, 'POST', '/cases', {
    subject,
    description,
    category,
    customer: { name: 'Vera Views', email: `vera.${stamp}@example.org` },
  })
  assert.equal(response.status(), 201, await response.text())
  cases[key] = (await response.json()).data
}

before(async () => {
  await e2e.ready
  await withPage(
    e2e.browser,
    'inbox-views-seed',
    async (page) => {
      await page.goto('/inbox')
      for (const [name, level] of [[`One level ${stamp}`, 0], [`Level three ${stamp}`, 3]]) {
        const { response } = await staffApi(page, 'POST', '/rules', {
          name,
          trigger: { type: 'case_created' },
          match: 'all',
          conditions: [{ field: 'text', op: 'contains_any', value: [level ? `${word}three` : word] }],
          actions: [{ type: 'raise_escalation', level }],
        })
        assert.equal(response.status(), 201, await response.text())
        rules.push((await response.json()).data.id)
      }
      await createCase(page, 'one', `Escalated once ${stamp}`, `Please look: ${word}.`)
      await createCase(page, 'three', `Escalated thrice ${stamp}`, `Urgent: ${word}three.`)
      await createCase(page, 'calm', `Calm case ${stamp}`, 'Nothing special.')
      await createCase(page, 'credit', `Wrong entry on my report ${stamp}`, 'A debt that is not mine.', CREDIT)
      await createCase(page, 'prefix', `Report not updated ${stamp}`, 'Paid months ago.', 'Credit reporting')
    },
    { storageState: e2e.adminState },
  )
})

describe('inbox views', () => {
  test('"Escalated" lists the escalated open cases, most escalated first, with a live count and the level on each row', () =>
    withPage(
      e2e.browser,
      'inbox-escalated',
      async (page) => {
        await page.goto('/inbox')
        const tab = page.getByRole('tab', { name: /^Escalated/ })
        const total = (await (await page.request.get('/api/v1/cases?view=escalated&limit=1')).json()).meta.total
        assert.ok(total >= 2, `escalated total ${total}`)
        await expect(tab.getByTestId('tab-count')).toHaveText(String(total))
        await tab.click()
        await page.waitForURL(/view=escalated/)
        const rows = page.getByTestId('case-list').locator('li')
        await expect(rows).toHaveCount(total)
        // The highest level first; every row says its level.
        await expect(rows.first()).toContainText(`Escalated thrice ${stamp}`)
        await expect(rows.first().getByTestId('row-escalation')).toHaveText('Escalation level 3')
        const levels = await rows.getByTestId('row-escalation').allInnerTexts()
        assert.equal(levels.length, total)
        const numbers = levels.map((s) => Number(s.replace(/\D/g, '')))
        assert.deepEqual(numbers, [...numbers].sort((a, b) => b - a), 'sorted by level, highest first')
        assert.equal(await page.locator(`[data-case="${cases.calm.id}"]`).count(), 0)
        await page.getByTestId('filters-toggle').click()
        await expect(page.getByTestId('sort')).toHaveValue('escalation')
        await checkA11y(page, 'escalated view')

        // A case that gets escalated while the view is open arrives with the count.
        await staffApi(page, 'POST', '/cases', {
          subject: `Escalated live ${stamp}`,
          description: `Again ${word}.`,
          customer: { name: 'Vera Views', email: `vera.${stamp}@example.org` },
        })
        await expect(tab.getByTestId('tab-count')).toHaveText(String(total + 1))
        await expect(page.getByText(`Escalated live ${stamp}`)).toBeVisible()

        // Finnish.
        await page.getByLabel('Language').selectOption('fi')
        await expect(page.getByRole('tab', { name: /^Eskaloidut/ })).toBeVisible()
        await expect(rows.first().getByTestId('row-escalation')).toHaveText('Eskalaatiotaso 3')
      },
      { storageState: e2e.adminState },
    ))

  test('a category with commas filters as one value, alone or with another', () =>
    withPage(
      e2e.browser,
      'inbox-comma-filter',
      async (page) => {
        await page.goto('/inbox?view=all_open')
        await page.getByTestId('filters-toggle').click()
        const [filtered] = await Promise.all([
          page.waitForResponse((r) => r.url().includes('/api/v1/cases?') && r.url().includes('category=')),
          page.locator(`[data-facet="category:${CREDIT}"]`).click(),
        ])
        assert.equal(filtered.status(), 200)
        assert.deepEqual(new URL(filtered.url()).searchParams.getAll('category'), [CREDIT])
        const rows = page.getByTestId('case-list').locator('li')
        await expect(rows).toHaveCount(1)
        await expect(rows.first()).toContainText(`Wrong entry on my report ${stamp}`)
        await expect(page.getByTestId('active-filters')).toContainText(`Category: ${CREDIT}`)
        assert.deepEqual(new URL(page.url()).searchParams.getAll('category'), [CREDIT])

        // A second value is an alternative (the address repeats the parameter); both chips show
        // and the address survives a reload.
        const both = new URLSearchParams([['view', 'all_open'], ['category', CREDIT], ['category', 'Credit reporting']])
        await page.goto(`/inbox?${both}`)
        await expect(rows).toHaveCount(2)
        await expect(page.getByTestId('active-filters').getByRole('button', { name: 'Category: Credit reporting (remove)', exact: true })).toBeVisible()
        await expect(page.getByTestId('active-filters').getByRole('button', { name: `Category: ${CREDIT} (remove)`, exact: true })).toBeVisible()
        await page.reload()
        await expect(rows).toHaveCount(2)
        assert.deepEqual(new URL(page.url()).searchParams.getAll('category'), [CREDIT, 'Credit reporting'])
        await expect(page.getByTestId('results-line')).toHaveText('2 matching cases')
      },
      { storageState: e2e.adminState },
    ))
})
