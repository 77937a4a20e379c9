// The inbox as a workspace: from 1200 px wide the selected case opens beside the list (click
// or j/k, the address keeps it), the composer is in view without scrolling the history, and
// narrower screens keep the one-column inbox. The timeline folds one person's changes within
// a minute into one entry and hides system entries behind a switch. Screenshots of the inbox
// at 390, 768, 1366 and 1920 px in English and Finnish go to e2e/artifacts/workspace/.
import { before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { expect } from './expect.mjs'
import { ARTIFACTS, staffApi, withPage, sharedBrowser } from './browser.mjs'
import { checkA11y } from './axe.mjs'

const e2e = sharedBrowser()
const stamp = Date.now().toString(36)
const ids = []
const shots = join(ARTIFACTS, 'workspace')

const wide = { viewport: { width: 1366, height: 768 } }

before(async () => {
  await e2e.ready
  mkdirSync(shots, { recursive: true })
  await withPage(
    e2e.browser,
    'workspace-seed',
    async (page) => {
      await page.goto('/inbox')
      for (let i = 1; i <= 3; i++) {
        const { response } = await staffApi(page, 'POST', '/cases', {
          subject: `Workspace case ${i} ${stamp}`,
          description: `Workspace description ${i}.\n` + 'A long history line.\n'.repeat(30),
          customer: { name: `Wilma Work ${i}`, email: `wilma${i}.${stamp}@example.org` },
          channel: 'walk_in',
        })
        assert.equal(response.status(), 201, await response.text())
        ids.push((await response.json()).data.id)
      }
      // A long conversation on the first case: the composer must stay reachable anyway.
      for (let i = 1; i <= 6; i++) {
        const { response } = await staffApi(page, 'POST', `/cases/${ids[0]}/messages`, {
          kind: 'note',
          body: `Note ${i}: ` + 'checked the order history again. '.repeat(8),
        })
        assert.equal(response.status(), 201, await response.text())
      }
    },
    { storageState: e2e.adminState },
  )
})

/** The inbox listing only this run's cases, newest first. */
const inboxPath = `/inbox?view=all&q=${encodeURIComponent(stamp)}&sort=created_at&order=asc`

/**
 * Holds every page's code asked for from now on until releaseCode() is called: a navigation to
 * a page not loaded yet then stays pending. codeRequested settles when the first is asked for.
 */
async function holdPageCode(page) {
  let releaseCode
  const codeHeld = new Promise((resolve) => (releaseCode = resolve))
  let codeAsked
  const codeRequested = new Promise((resolve) => (codeAsked = resolve))
  await page.route(/\/assets\/[^/]+\.js$/, async (route) => {
    codeAsked()
    await codeHeld
    await route.continue()
  })
  return { codeRequested, releaseCode }
}

const inViewport = (locator) =>
  locator.evaluate((el) => {
    const r = el.getBoundingClientRect()
    return r.top >= 0 && r.bottom <= window.innerHeight && r.height > 0
  })

describe('split view (1200 px and wider)', () => {
  test('a click shows the case in the pane and the address keeps it; reload and back too', () =>
    withPage(
      e2e.browser,
      'workspace-click',
      async (page) => {
        await page.goto(inboxPath)
        await expect(page.locator('.case-row')).toHaveCount(3)
        // The first case is selected at once: no empty pane.
        await expect(page.getByTestId('case-pane').locator('.case__subject')).toContainText(`Workspace case 1 ${stamp}`)
        await page.locator('.case-row', { hasText: `Workspace case 2 ${stamp}` }).locator('a.case-row__link').click()
        await page.waitForURL(new RegExp(`case=${ids[1]}`))
        assert.match(page.url(), /\/inbox\?/)
        await expect(page.getByTestId('case-pane').locator('.case__subject')).toContainText(`Workspace case 2 ${stamp}`)
        await expect(page.locator(`.case-row.is-selected[data-case="${ids[1]}"]`)).toBeVisible()
        await page.reload()
        await expect(page.getByTestId('case-pane').locator('.case__subject')).toContainText(`Workspace case 2 ${stamp}`)
        await page.goBack()
        await page.waitForURL(new RegExp(`case=${ids[0]}`))
        await expect(page.getByTestId('case-pane').locator('.case__subject')).toContainText(`Workspace case 1 ${stamp}`)
      },
      { ...wide, storageState: e2e.adminState },
    ))

  test('j and k move the selection through the list and the pane follows', () =>
    withPage(
      e2e.browser,
      'workspace-keys',
      async (page) => {
        await page.goto(inboxPath)
        await expect(page.getByTestId('case-pane').locator('.case__subject')).toContainText(`Workspace case 1 ${stamp}`)
        await page.locator('body').click({ position: { x: 5, y: 300 } })
        await page.keyboard.press('j')
        await page.waitForURL(new RegExp(`case=${ids[1]}`))
        await expect(page.getByTestId('case-pane').locator('.case__subject')).toContainText(`Workspace case 2 ${stamp}`)
        await page.keyboard.press('j')
        await page.waitForURL(new RegExp(`case=${ids[2]}`))
        await expect(page.getByTestId('case-pane').locator('.case__subject')).toContainText(`Workspace case 3 ${stamp}`)
        await page.keyboard.press('k')
        await page.waitForURL(new RegExp(`case=${ids[1]}`))
        await expect(page.getByTestId('case-pane').locator('.case__subject')).toContainText(`Workspace case 2 ${stamp}`)
        await expect(page.locator(`.case-row.is-selected[data-case="${ids[1]}"]`)).toBeVisible()
      },
      { ...wide, storageState: e2e.adminState },
    ))

  test('the composer is in view without scrolling, and a reply sent from the pane lands in it', () =>
    withPage(
      e2e.browser,
      'workspace-reply',
      async (page) => {
        await page.goto(`${inboxPath}&case=${ids[0]}`)
        const pane = page.getByTestId('case-pane')
        await expect(pane.locator('.case__subject')).toContainText(`Workspace case 1 ${stamp}`)
        const text = pane.getByTestId('composer-text')
        await expect(text).toBeVisible()
        // The history is far longer than the screen, yet the reply box is on it.
        const paneHeight = await page.getByTestId('inbox-case-pane').evaluate((el) => [el.scrollHeight, el.clientHeight])
        assert.ok(paneHeight[0] > paneHeight[1] * 1.5, `the history should overflow the pane: ${paneHeight}`)
        assert.equal(await inViewport(text), true, 'the composer is in the viewport')
        assert.equal(await inViewport(pane.getByTestId('send')), true, 'the send button is in the viewport')
        const before = await page.evaluate(() => window.scrollY)
        await page.keyboard.press('r')
        assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'composer-text')
        assert.equal(await inViewport(text), true, 'the opened composer is in the viewport')
        assert.equal(await inViewport(pane.getByTestId('send')), true, 'so is its send button')
        await text.fill(`Pane reply ${stamp}`)
        await pane.getByTestId('send').click()
        await expect(pane.locator('.message--reply', { hasText: `Pane reply ${stamp}` })).toHaveCount(1)
        assert.equal(await page.evaluate(() => window.scrollY), before, 'the page itself never scrolled')
        assert.match(page.url(), new RegExp(`case=${ids[0]}`))
        await checkA11y(page, 'inbox split view')
      },
      { ...wide, storageState: e2e.adminState },
    ))
  test('a page opened from the menu while the list still loads is not taken back by the pane', () =>
    withPage(
      e2e.browser,
      'workspace-leave-early',
      async (page) => {
        // The list answers only once the next page's code has been asked for, and that code
        // arrives only after the list is on screen: the pane's first pick happens while the
        // navigation away waits for its page. It used to cancel that navigation.
        let releaseList
        const listHeld = new Promise((resolve) => (releaseList = resolve))
        await page.route(
          (url) => url.pathname === '/api/v1/cases',
          async (route) => {
            await listHeld
            await route.continue()
          },
        )
        await page.goto(inboxPath)
        await expect(page.getByTestId('admin-menu')).toBeVisible()
        const { codeRequested, releaseCode } = await holdPageCode(page)
        await page.getByTestId('admin-menu').click()
        await page.locator('a[href="/admin/review-import"]').click()
        await codeRequested
        releaseList()
        await expect(page.locator('.case-row')).toHaveCount(3)
        releaseCode()
        await expect(page.getByTestId('review-import-page')).toBeVisible()
        assert.match(page.url(), /\/admin\/review-import$/)
      },
      { ...wide, storageState: e2e.adminState },
    ))
  test("the next case's pane shows nothing of the previous case's late answers", () =>
    withPage(
      e2e.browser,
      'workspace-late-answers',
      async (page) => {
        // A returning customer's case linked to a root cause, then a first-time customer's
        // case: cases of their own, so the other tests' list of three stays as it is.
        const mark = `late${stamp}`
        await page.goto('/inbox')
        const made = []
        for (const [n, who] of [[1, 'returning'], [2, 'returning'], [3, 'newcomer']]) {
          const { response } = await staffApi(page, 'POST', '/cases', {
            subject: `Late case ${n} ${mark}`,
            description: `Late description ${n}.`,
            customer: { name: `Hilma ${who}`, email: `${who}.${mark}@example.org` },
            channel: 'walk_in',
          })
          assert.equal(response.status(), 201, await response.text())
          made.push((await response.json()).data.id)
        }
        const [, returning, newcomer] = made
        const cause = await staffApi(page, 'POST', '/root-causes', { name: `Late cause ${mark}` })
        assert.equal(cause.response.status(), 201, await cause.response.text())
        const causeId = (await cause.response.json()).data.id
        const linked = await staffApi(page, 'POST', `/root-causes/${causeId}/cases`, { case_ids: [returning] })
        assert.equal(linked.response.status(), 200, await linked.response.text())

        // The returning customer's case's history and root causes answer only after the pane
        // has moved on to the newcomer's case.
        const caseRead = (id, what) => (url) => url.pathname === `/api/v1/cases/${encodeURIComponent(id)}/${what}`
        let release
        const held = new Promise((resolve) => (release = resolve))
        const staleReads = []
        for (const what of ['customer-history', 'root-causes']) {
          await page.route(caseRead(returning, what), async (route) => {
            await held
            await route.continue().catch(() => undefined) // the page may have given it up
          })
          staleReads.push(page.waitForRequest((request) => caseRead(returning, what)(new URL(request.url()))))
        }
        await page.goto(`/inbox?view=all&q=${mark}&sort=created_at&order=asc&case=${returning}`)
        const pane = page.getByTestId('case-pane')
        await expect(pane.locator('.case__subject')).toContainText(`Late case 2 ${mark}`)
        const stale = await Promise.all(staleReads)
        await page.locator(`.case-row[data-case="${newcomer}"] a.case-row__link`).click()
        await expect(pane.locator('.case__subject')).toContainText(`Late case 3 ${mark}`)
        await expect(pane.locator('.returning__none')).toBeVisible()
        // The earlier answers were given up when the pane moved on, so they cannot land over
        // the newcomer's (they used to: the newcomer's pane listed the other customer's cases
        // and the other case's root cause).
        release()
        for (const request of stale) {
          await request.response()
          assert.equal(request.failure()?.errorText, 'net::ERR_ABORTED', request.url())
        }
        await expect(pane.locator('.returning__none')).toBeVisible()
        await expect(pane.getByTestId('customer-history')).toHaveCount(0)
        // The root cause is one to choose for the newcomer's case, not one it is linked to.
        await expect(pane.getByTestId('case-root-causes').locator('.plain-list')).toHaveCount(0)
      },
      { ...wide, storageState: e2e.adminState },
    ))
})

describe('narrow screens', () => {
  test('below 1200 px the inbox is one column and a row opens the case page', () =>
    withPage(
      e2e.browser,
      'workspace-narrow',
      async (page) => {
        await page.goto(inboxPath)
        await expect(page.locator('.case-row')).toHaveCount(3)
        await expect(page.getByTestId('inbox-case-pane')).toHaveCount(0)
        assert.doesNotMatch(page.url(), /case=/)
        await page.locator('a.case-row__link').first().click()
        await page.waitForURL(new RegExp(`/cases/${ids[0]}$`))
        await expect(page.getByRole('link', { name: 'Back to inbox' })).toBeVisible()
      },
      { viewport: { width: 1100, height: 800 }, storageState: e2e.adminState },
    ))

  test('a page opened while a case opened with r still loads is not taken back to the case', () =>
    withPage(
      e2e.browser,
      'workspace-compose-leave',
      async (page) => {
        // The case answers only once Approvals has been asked for, and Approvals' code only
        // once the case is on screen: the case page's clean-up of ?compose=reply happens while
        // the navigation to Approvals waits for its code. It used to cancel that navigation.
        const isCase = (url) => url.pathname === `/api/v1/cases/${encodeURIComponent(ids[1])}`
        let releaseCase
        const caseHeld = new Promise((resolve) => (releaseCase = resolve))
        await page.route(isCase, async (route) => {
          await caseHeld
          await route.continue()
        })
        await page.goto(`/cases/${ids[1]}?compose=reply`)
        await expect(page.getByTestId('nav-approvals')).toBeVisible()
        const { codeRequested, releaseCode } = await holdPageCode(page)
        await page.getByTestId('nav-approvals').click()
        await codeRequested
        releaseCase()
        await expect(page.locator('.case__subject')).toContainText(`Workspace case 2 ${stamp}`)
        releaseCode()
        await expect(page.getByRole('heading', { level: 1, name: 'Approvals' })).toBeVisible()
        assert.match(page.url(), /\/approvals$/)
      },
      { viewport: { width: 1100, height: 800 }, storageState: e2e.adminState },
    ))
})

describe('a quieter timeline', () => {
  test('one person’s changes within a minute are one entry; system entries hide behind a switch', () =>
    withPage(
      e2e.browser,
      'workspace-timeline',
      async (page) => {
        await page.goto('/inbox')
        const id = ids[2]
        const get = async () => (await (await staffApi(page, 'GET', `/cases/${id}`)).response.json()).data
        for (const patch of [{ status: 'open' }, { priority: 'high' }, { tags: ['refund', 'vip'] }]) {
          const { response } = await staffApi(page, 'PATCH', `/cases/${id}`, { version: (await get()).version, ...patch })
          assert.equal(response.status(), 200, await response.text())
        }
        await page.goto(`/cases/${id}`)
        const timeline = page.getByTestId('timeline')
        const group = timeline.getByTestId('timeline-group')
        await expect(group).toHaveCount(1)
        await expect(group).toContainText('made 3 changes')
        await expect(group).toContainText('Tag “refund” added')
        await expect(group).toContainText('Tag “vip” added')
        const system = timeline.locator('[data-system]')
        assert.ok((await system.count()) > 0, 'the case has system entries (SLA clocks, creation)')
        const toggle = page.getByTestId('hide-system')
        assert.equal(await toggle.getAttribute('role'), 'switch')
        await toggle.check()
        await expect(system).toHaveCount(0)
        await expect(group).toHaveCount(1)
        // The choice holds on the next case the agent opens.
        await page.goto(`/cases/${ids[1]}`)
        await expect(page.getByTestId('timeline').locator('.message')).toHaveCount(1)
        assert.equal(await page.getByTestId('hide-system').isChecked(), true)
        await expect(page.getByTestId('timeline').locator('[data-system]')).toHaveCount(0)
        await page.goto(`/cases/${id}`)
        await toggle.uncheck()
        assert.ok((await system.count()) > 0)
      },
      { storageState: e2e.adminState },
    ))
})

describe('screenshots', () => {
  for (const locale of ['en', 'fi']) {
    for (const width of [390, 768, 1366, 1920]) {
      test(`inbox at ${width} px (${locale}) has no horizontal scroll`, () =>
        withPage(
          e2e.browser,
          `workspace-shot-${locale}-${width}`,
          async (page) => {
            await page.addInitScript((l) => localStorage.setItem('kaiku.locale', l), locale)
            await page.goto(`${inboxPath}&case=${ids[0]}`)
            await expect(page.locator('.case-row')).toHaveCount(3)
            if (width >= 1200) await expect(page.getByTestId('case-pane').getByTestId('composer')).toBeVisible()
            await page.screenshot({ path: join(shots, `inbox-${locale}-${width}.png`) })
            const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)
            assert.ok(overflow <= 0, `horizontal scroll of ${overflow}px`)
            if (width >= 1200) return
            await page.goto(`/cases/${ids[0]}`)
            await expect(page.getByTestId('composer')).toBeVisible()
            await page.screenshot({ path: join(shots, `case-${locale}-${width}.png`), fullPage: true })
          },
          { viewport: { width, height: width < 700 ? 844 : 900 }, storageState: e2e.adminState },
        ))
    }
  }
})
