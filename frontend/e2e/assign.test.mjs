// Assigning a case to someone else: an agent (who may not list users) opens the
// assignee picker on the case page, finds a colleague by typing and chooses
// them with the keyboard; the colleague's inbox "Mine" shows the case. Also: a
// team chosen from the same picker, the inbox's assignee filter naming the
// colleague, and a case handed over right from the new-case form.
import { before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { expect } from './expect.mjs'
import { checkA11y } from './axe.mjs'
import { login, staffApi, withPage, sharedBrowser } from './browser.mjs'
import { checkLayout, WIDTHS } from './layout.mjs'

const e2e = sharedBrowser()
const stamp = Date.now().toString(36)
const PASSWORD = 'E2e-Agent-Passphrase-0815!'
const aino = { name: `Aino Assigner ${stamp}`, email: `aino.${stamp}@example.org` }
const bo = { name: `Bo Colleague ${stamp}`, email: `bo.${stamp}@example.org` }
const teamName = `Deliveries ${stamp}`
let team
let caseId

before(async () => {
  await e2e.ready
  await withPage(
    e2e.browser,
    'assign-seed',
    async (page) => {
      await page.goto('/inbox')
      const created = await staffApi(page, 'POST', '/teams', { name: teamName, description: '' })
      assert.equal(created.response.status(), 201, await created.response.text())
      team = (await created.response.json()).data
      for (const person of [aino, bo]) {
        const { response } = await staffApi(page, 'POST', '/users', {
          email: person.email,
          name: person.name,
          role: 'agent',
          password: PASSWORD,
          team_ids: [team.id],
          authority_limit_cents: 0,
          locale: 'en',
        })
        assert.equal(response.status(), 201, await response.text())
        person.id = (await response.json()).data.id
      }
      const { response } = await staffApi(page, 'POST', '/cases', {
        subject: `Sofa for a colleague ${stamp}`,
        description: 'The customer called about a torn sofa cover.',
        customer: { name: 'Carla Customer', email: `carla.${stamp}@example.org` },
      })
      assert.equal(response.status(), 201, await response.text())
      caseId = (await response.json()).data.id
    },
    { storageState: e2e.adminState },
  )
})

describe('assigning to a colleague', () => {
  test('an agent assigns a case through the picker and it is in the colleague’s "Mine"', async () => {
    await withPage(e2e.browser, 'assign-agent', async (page) => {
      await login(page, aino.email, PASSWORD)
      // Agents may not list users, but they may read the staff directory.
      assert.equal((await page.request.get('/api/v1/users')).status(), 403)
      await page.goto(`/cases/${caseId}`)
      await expect(page.getByTestId('assignee-name')).toHaveText('Nobody')

      // Shift+A opens the picker; typing narrows it, the arrow keys move, Enter chooses.
      await page.getByRole('heading', { level: 1 }).click()
      await page.keyboard.press('Shift+A')
      const dialog = page.getByRole('dialog', { name: `Assign ${caseId}` })
      await expect(dialog).toBeVisible()
      const box = dialog.getByRole('combobox', { name: 'Find a person or a team' })
      assert.equal(await box.evaluate((el) => el === document.activeElement), true, 'the search box has focus')
      await expect(dialog.getByRole('option', { name: new RegExp(`${aino.name} \\(you\\)`) })).toBeVisible()
      await checkA11y(page, 'assignee picker')
      await page.keyboard.type(bo.name.toLowerCase())
      const options = dialog.getByRole('option')
      await expect(options).toHaveCount(1)
      await expect(options.first()).toContainText(`Agent · ${teamName}`)
      const [patch] = await Promise.all([
        page.waitForResponse((r) => r.url().endsWith(`/api/v1/cases/${caseId}`) && r.request().method() === 'PATCH'),
        page.keyboard.press('Enter'),
      ])
      assert.equal(patch.status(), 200, await patch.text())
      await expect(dialog).toBeHidden()
      await expect(page.getByTestId('assignee-name')).toHaveText(bo.name)
      await expect(page.getByTestId('assigned-to')).toHaveText(`Assigned to ${bo.name}`)

      // The same picker sets the team; the button opens it too.
      await page.getByTestId('assign-open').click()
      await expect(dialog).toBeVisible()
      await expect(dialog.getByRole('option', { name: new RegExp(bo.name), selected: true })).toBeVisible()
      // The team's name matches its two members and the team itself, which comes last.
      await page.keyboard.type(teamName)
      await expect(options).toHaveCount(3)
      await page.keyboard.press('ArrowUp')
      await page.keyboard.press('Enter')
      await expect(page.getByTestId('team-name')).toHaveText(teamName)
      await expect(page.getByTestId('timeline')).toContainText(teamName)

      // The inbox names the assignee on the row and filters by the colleague.
      await page.goto('/inbox?view=all_open')
      const row = page.locator(`[data-case="${caseId}"]`)
      await expect(row.getByTestId('row-assignee')).toHaveText(`Assigned to ${bo.name}`)
      await page.getByTestId('filters-toggle').click()
      await page.getByTestId('filter-assignee').selectOption({ label: bo.name })
      await page.waitForURL(new RegExp(`assignee_id=${bo.id}`))
      await expect(page.getByTestId('active-filters')).toContainText(`Assignee: ${bo.name}`)
      await expect(page.getByTestId('case-list').locator('li')).toHaveCount(1)
      await page.getByTestId('filter-team').selectOption({ label: teamName })
      await expect(page.getByTestId('active-filters')).toContainText(`Team: ${teamName}`)
      await expect(page.getByTestId('case-list').locator('li')).toHaveCount(1)
    })

    await withPage(e2e.browser, 'assign-colleague', async (page) => {
      await login(page, bo.email, PASSWORD)
      await page.getByRole('tab', { name: /^Mine/ }).click()
      await page.waitForURL(/view=mine/)
      await expect(page.locator('[role=tab][data-view=mine] [data-testid=tab-count]')).toHaveText('1')
      const rows = page.getByTestId('case-list').locator('li')
      await expect(rows).toHaveCount(1)
      await expect(rows.first()).toContainText(`Sofa for a colleague ${stamp}`)
      await expect(rows.first()).toContainText('Yours')
    })
  })

  test('the new-case form hands the case to someone else', () =>
    withPage(
      e2e.browser,
      'assign-new-case',
      async (page) => {
        await page.goto('/cases/new')
        await expect(page.getByTestId('new-case-assignee')).toContainText('(you)')
        await page.getByLabel('Customer name').fill('Walk In')
        await page.getByLabel('Customer email').fill(`walkin.${stamp}@example.org`)
        await page.getByLabel('Subject').fill(`Handed over ${stamp}`)
        await page.getByLabel('What happened').fill('Came to the store with a broken lamp.')
        await page.getByTestId('assign-open').click()
        const dialog = page.getByRole('dialog', { name: 'Who handles the new case' })
        await page.keyboard.type(bo.email)
        await expect(dialog.getByRole('option')).toHaveCount(1)
        await page.keyboard.press('Enter')
        await expect(dialog).toBeHidden()
        await expect(page.getByTestId('new-case-assignee')).toContainText(`Assignee: ${bo.name}`)
        await page.getByTestId('assign-open').click()
        await page.keyboard.type(teamName)
        await page.keyboard.press('ArrowUp') // from the first match round to the last: the team
        await page.keyboard.press('Enter')
        await expect(page.getByTestId('new-case-assignee')).toContainText(`Team: ${teamName}`)
        const [created] = await Promise.all([
          page.waitForResponse((r) => r.url().endsWith('/api/v1/cases') && r.request().method() === 'POST'),
          page.getByTestId('new-case-submit').click(),
        ])
        assert.equal(created.status(), 201, await created.text())
        const body = (await created.json()).data
        assert.equal(body.assignee_id, bo.id)
        assert.equal(body.team_id, team.id)
        await expect(page.getByTestId('assignee-name')).toHaveText(bo.name)
      },
      { storageState: e2e.adminState },
    ))

  test('Shift+A on a focused inbox row assigns that case', () =>
    withPage(
      e2e.browser,
      'assign-inbox-row',
      async (page) => {
        await page.goto('/inbox')
        const { response } = await staffApi(page, 'POST', '/cases', {
          subject: `Row to hand over ${stamp}`,
          description: 'A parcel went to the neighbour.',
          customer: { name: 'Rita Row', email: `rita.${stamp}@example.org` },
        })
        assert.equal(response.status(), 201, await response.text())
        const id = (await response.json()).data.id
        await page.goto(`/inbox?view=all_open&q=${encodeURIComponent(`hand over ${stamp}`)}`)
        const row = page.locator(`[data-case="${id}"]`)
        await expect(row).toBeVisible()
        await page.keyboard.press('j')
        assert.equal(await row.getByRole('link').evaluate((el) => el === document.activeElement), true)
        await page.keyboard.press('Shift+A')
        const dialog = page.getByRole('dialog', { name: `Assign ${id}` })
        await expect(dialog).toBeVisible()
        await page.keyboard.type(bo.email)
        await page.keyboard.press('Enter')
        await expect(dialog).toBeHidden()
        await expect(row.getByTestId('row-assignee')).toHaveText(`Assigned to ${bo.name}`)
      },
      { storageState: e2e.adminState },
    ))
})

// The handling card is narrow on a phone and in the inbox's case pane at 1366 px: each of its
// buttons keeps its label on one line ("Take over (assign to me)" broke onto two inside its
// button in the pane, and pushed "Assign to…" onto a row of its own on a phone), in English
// and Finnish.
describe('the handling card of a case someone else has', () => {
  let heldId = ''
  before(() =>
    withPage(
      e2e.browser,
      'assign-held-seed',
      async (page) => {
        await page.goto('/inbox')
        const { response } = await staffApi(page, 'POST', '/cases', {
          subject: `Held by a colleague ${stamp}`,
          description: 'The lamp arrived without its shade.',
          customer: { name: 'Hanna Held', email: `hanna.${stamp}@example.org` },
          assignee_id: bo.id,
        })
        assert.equal(response.status(), 201, await response.text())
        heldId = (await response.json()).data.id
      },
      { storageState: e2e.adminState },
    ))

  for (const lang of ['en', 'fi']) {
    for (const width of [390, 1366]) {
      test(`keeps each button's label on one line in ${lang} at ${width} px`, () =>
        withPage(
          e2e.browser,
          `assign-held-${lang}-${width}`,
          async (page) => {
            await page.addInitScript((l) => localStorage.setItem('kaiku.locale', l), lang)
            // At 1366 px the inbox splits and the case is shown in its pane.
            await page.goto(width === 1366 ? `/inbox?view=all_open&case=${heldId}` : `/cases/${heldId}`)
            await page.getByTestId('claim').waitFor()
            await page.evaluate(() => document.fonts.ready)
            const buttons = await page.locator('.side-field__buttons .btn').evaluateAll((els) =>
              els.map((el) => {
                const range = document.createRange()
                range.selectNodeContents(el)
                const lines = new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size
                return { text: el.textContent.trim(), lines, top: Math.round(el.getBoundingClientRect().top), clipped: el.scrollWidth > el.clientWidth }
              }),
            )
            assert.equal(buttons.length, 2, JSON.stringify(buttons))
            for (const b of buttons) assert.ok(b.lines === 1 && !b.clipped, `"${b.text}" takes ${b.lines} lines${b.clipped ? ', clipped' : ''}`)
            if (width === 390) assert.equal(buttons[0].top, buttons[1].top, `the buttons are on two rows: ${JSON.stringify(buttons)}`)
            await checkLayout(page, `case-handling-${lang}-${width}`)
          },
          { ...WIDTHS[width], locale: lang === 'fi' ? 'fi-FI' : 'en-US', storageState: e2e.adminState },
        ))
    }
  }
})
