// Keyboard work in the inbox and on a case page: the ? help overlay (focus kept
// inside, Escape closes, focus returns), j/k and Enter to open a case, / to
// search, and r / n / a on the case page.
import { before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { expect } from './expect.mjs'
import { staffApi, withPage, sharedBrowser } from './browser.mjs'

const e2e = sharedBrowser()
const stamp = Date.now().toString(36)
const ids = []

before(async () => {
  await e2e.ready
  await withPage(
    e2e.browser,
    'shortcuts-seed',
    async (page) => {
      await page.goto('/inbox')
      for (let i = 1; i <= 3; i++) {
        const { response } = await staffApi(page, 'POST', '/cases', {
          subject: `Keyboard case ${i} ${stamp}`,
          description: `Keyboard description ${i}.`,
          customer: { name: `Kim Key ${i}`, email: `kim${i}.${stamp}@example.org` },
          channel: 'walk_in',
        })
        assert.equal(response.status(), 201, await response.text())
        ids.push((await response.json()).data.id)
      }
    },
    { storageState: e2e.adminState },
  )
})

const active = (page) => page.evaluate(() => document.activeElement?.textContent?.trim() ?? '')

describe('keyboard', () => {
  test('? opens the shortcut help; Escape closes it and focus returns', () =>
    withPage(
      e2e.browser,
      'shortcuts-help',
      async (page) => {
        await page.goto('/inbox')
        await expect(page.locator('[data-testid=case-list], [data-testid=inbox-empty]')).toBeVisible()
        const opener = page.getByRole('button', { name: 'Shortcuts' })
        await opener.focus()
        await page.keyboard.press('?')
        const dialog = page.getByRole('dialog', { name: 'Keyboard shortcuts' })
        await expect(dialog).toBeVisible()
        await expect(dialog.getByTestId('shortcut-help')).toContainText('Assign the case to me')
        assert.equal(await page.evaluate(() => !!document.activeElement?.closest('dialog')), true, 'focus is in the dialog')
        // Tab stays inside the modal dialog.
        for (let i = 0; i < 4; i++) {
          await page.keyboard.press('Tab')
          const inside = await page.evaluate(() => !document.activeElement || document.activeElement === document.body || !!document.activeElement.closest('dialog'))
          assert.equal(inside, true, 'focus never leaves the dialog')
        }
        await page.keyboard.press('Escape')
        await expect(dialog).toBeHidden()
        assert.equal(await opener.evaluate((el) => el === document.activeElement), true, 'focus returned to the opener')
      },
      { storageState: e2e.adminState },
    ))

  test('j and k move through the list, Enter opens the case; r, n and a work on the case page', () =>
    withPage(
      e2e.browser,
      'shortcuts-navigate',
      async (page) => {
        await page.goto(`/inbox?view=all&q=${stamp}&sort=created_at&order=asc`)
        const rows = page.getByTestId('case-list').locator('li')
        await expect(rows).toHaveCount(3)

        // "/" focuses the search box, and typing there is not a shortcut.
        await page.locator('body').click({ position: { x: 2, y: 200 } })
        await page.keyboard.press('/')
        assert.equal(await page.getByTestId('search').evaluate((el) => el === document.activeElement), true)
        await page.keyboard.type('jk')
        assert.equal(await page.getByTestId('search').inputValue(), `${stamp}jk`)
        await page.getByTestId('search').fill(stamp)
        await page.locator('body').click({ position: { x: 2, y: 200 } })

        await page.keyboard.press('j')
        assert.match(await active(page), new RegExp(`Keyboard case 1 ${stamp}`))
        await page.keyboard.press('j')
        await page.keyboard.press('j')
        assert.match(await active(page), new RegExp(`Keyboard case 3 ${stamp}`))
        await page.keyboard.press('k')
        assert.match(await active(page), new RegExp(`Keyboard case 2 ${stamp}`))
        await page.keyboard.press('Enter')
        await page.waitForURL(new RegExp(`/cases/${ids[1]}$`))
        await expect(page.getByRole('heading', { level: 1, name: `Keyboard case 2 ${stamp}` })).toBeVisible()

        // r: reply box, focused, in reply mode.
        await page.locator('body').click({ position: { x: 2, y: 200 } })
        await page.keyboard.press('r')
        assert.equal(await page.getByTestId('composer-text').evaluate((el) => el === document.activeElement), true)
        await expect(page.getByTestId('composer')).toHaveAttribute('class', /composer--reply/)
        // Keys typed in the reply box are text, not shortcuts.
        await page.keyboard.type('ajn')
        assert.equal(await page.getByTestId('composer-text').inputValue(), 'ajn')
        await expect(page.getByTestId('assigned-to')).toHaveText('Unassigned')

        // n: internal note mode.
        await page.locator('body').click({ position: { x: 2, y: 200 } })
        await page.keyboard.press('n')
        await expect(page.getByTestId('composer')).toHaveAttribute('class', /composer--note/)
        assert.equal(await page.getByTestId('composer-text').evaluate((el) => el === document.activeElement), true)

        // a: assign to me.
        await page.locator('body').click({ position: { x: 2, y: 200 } })
        await page.keyboard.press('a')
        await expect(page.getByTestId('assigned-to')).toContainText('(you)')

        // j on the case page goes to the next case of the list.
        await page.keyboard.press('j')
        await page.waitForURL(new RegExp(`/cases/${ids[2]}$`))
        await expect(page.getByRole('heading', { level: 1, name: `Keyboard case 3 ${stamp}` })).toBeVisible()
      },
      { storageState: e2e.adminState },
    ))
})
