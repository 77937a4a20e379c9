// What a new team noticed walking through the demo (each test names what it saw wrong).
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { expect } from './expect.mjs'
import { PHONE } from './axe.mjs'
import { sharedBrowser, staffApi, withPage } from './browser.mjs'

const e2e = sharedBrowser()
const stamp = Date.now().toString(36)

describe('walkthrough', () => {
  test('the case timeline names a remedy as the catalogue does, in the reader’s language', async () => {
    // It showed the option's id: "granted a remedy: apology" on an English page and the same
    // English id on a Finnish one.
    const id = await withPage(
      e2e.browser,
      'timeline-remedy-grant',
      async (page) => {
        const created = await staffApi(page, 'POST', '/cases', {
          subject: `Cold soup ${stamp}`, description: 'The soup was cold.', expected_outcome: 'apology',
          customer: { name: 'Liisa Virtanen', email: `liisa.${stamp}@example.org` },
        })
        assert.equal(created.response.status(), 201, await created.response.text())
        const caseId = (await created.response.json()).data.id
        const granted = await staffApi(page, 'POST', `/cases/${caseId}/resolution`, { option_id: 'apology', message: 'We are sorry.' })
        assert.equal(granted.response.status(), 201, await granted.response.text())
        return caseId
      },
      { storageState: e2e.adminState },
    )
    for (const [lang, entry] of [
      ['en', 'granted a remedy: Apology and explanation'],
      ['fi', 'myönsi hyvityksen: Anteeksipyyntö ja selvitys'],
    ]) {
      await withPage(
        e2e.browser,
        `timeline-remedy-${lang}`,
        async (page, context) => {
          await context.addInitScript((l) => localStorage.setItem('kaiku.locale', l), lang)
          await page.goto(`/cases/${id}`)
          await expect(page.getByTestId('grant-list')).toBeVisible()
          await expect(page.getByTestId('timeline')).toContainText(entry)
        },
        { storageState: e2e.adminState },
      )
    }
  })

  test('on a phone the inbox shows the selected view’s tab', () =>
    // The tabs scroll sideways at 390 px; Reviews (opened from a link) sat off to the right.
    withPage(
      e2e.browser,
      'inbox-tab-in-sight',
      async (page) => {
        for (const view of ['reviews', 'all', 'unassigned']) {
          await page.goto(`/inbox?view=${view}`)
          const tab = page.locator(`[data-testid=inbox-tabs] [data-view=${view}]`)
          await expect(tab).toHaveAttribute('aria-selected', 'true')
          await expect(page.getByTestId('tab-count').first()).toBeVisible()
          // Waits for the tab to be in sight (fails after the timeout when it never is).
          await page.waitForFunction((v) => {
            const el = document.querySelector(`[data-testid=inbox-tabs] [data-view=${v}]`)
            const box = el.parentElement.getBoundingClientRect()
            const at = el.getBoundingClientRect()
            return at.left >= box.left - 1 && at.right <= box.right + 1
          }, view)
        }
      },
      { storageState: e2e.adminState, ...PHONE },
    ))
})
