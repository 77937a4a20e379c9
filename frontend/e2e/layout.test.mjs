// Every main page in English and Finnish at 390, 768 and 1366 px: nothing lies
// over another element's text and nothing scrolls sideways (see layout.mjs).
// Screenshots of each go to e2e/artifacts/layout/ for review.
import { before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { staffApi, withPage, sharedBrowser } from './browser.mjs'
import { checkLayout, WIDTHS } from './layout.mjs'
import { checkA11y } from './axe.mjs'

const e2e = sharedBrowser({
  cleanup: ({ browser, adminState }) =>
    withPage(
      browser,
      'layout-cleanup',
      async (page) => {
        await page.goto('/inbox')
        if (ruleId) await staffApi(page, 'DELETE', `/rules/${ruleId}`)
      },
      { storageState: adminState },
    ).catch(() => undefined),
})
const stamp = Date.now().toString(36)
const word = `layoutflag${stamp}`
let ruleId = ''
let escalated = null // a case at escalation level 1 with a long customer name
let trackPath = ''

before(async () => {
  await e2e.ready
  await withPage(
    e2e.browser,
    'layout-seed',
    async (page) => {
      await page.goto('/inbox')
      const { response: rule } = await staffApi(page, 'POST', '/rules', {
        name: `Layout escalation ${stamp}`,
        trigger: { type: 'case_created' },
        match: 'all',
        conditions: [{ field: 'text', op: 'contains_any', value: [word] }],
        actions: [{ type: 'raise_escalation', level: 1 }],
      })
      assert.equal(rule.status(), 201, await rule.text())
      ruleId = (await rule.json()).data.id
      // The filed complaint is escalated by the rule and has an SLA due time.
      const filed = await page.request.post('/api/v1/complaints', {
        headers: { 'Idempotency-Key': `layout-${stamp}` },
        data: {
          name: 'Annukka Vähä-Mäkilä-Kortelainen',
          email: `annukka.vaha-makila-kortelainen.${stamp}@example.org`,
          phone: '+358 40 123 4567',
          category: 'delivery',
          touchpoint: 'delivery',
          description: `Toimituksessa kesti kolme viikkoa ja paketti oli rikki saapuessaan (${word}).\nHaluan hyvityksen.`,
          expected_outcome: 'refund',
          locale: 'fi',
        },
      })
      assert.equal(filed.status(), 201, await filed.text())
      const receipt = (await filed.json()).data
      trackPath = new URL(receipt.tracking_url).pathname
      escalated = receipt.reference
      const { response: note } = await staffApi(page, 'POST', `/cases/${escalated}/messages`, { kind: 'note', body: 'Checked the courier log: the parcel was dropped at the depot.' })
      assert.equal(note.status(), 201, await note.text())
    },
    { storageState: e2e.adminState },
  )
})

/** The pages and what shows that each has loaded. */
const PAGES = [
  { name: 'complain', staff: false, path: () => '/complain', ready: (p) => p.locator('select option').nth(1).waitFor({ state: 'attached' }) },
  { name: 'track', staff: false, path: () => trackPath, ready: (p) => p.getByTestId('track-page').waitFor() },
  { name: 'login', staff: false, path: () => '/login', ready: (p) => p.locator('form').first().waitFor() },
  { name: 'inbox', staff: true, path: () => '/inbox?view=all_open', ready: (p) => p.locator(`[data-case="${escalated}"]`).waitFor() },
  { name: 'inbox-escalated', staff: true, path: () => '/inbox?view=escalated', ready: (p) => p.locator(`[data-case="${escalated}"]`).waitFor() },
  { name: 'inbox-search', staff: true, path: () => `/inbox?view=all&q=${word}`, ready: (p) => p.getByTestId('results-line').waitFor() },
  { name: 'case', staff: true, path: () => `/cases/${escalated}`, ready: (p) => p.getByTestId('sla-panel').waitFor() },
  { name: 'new-case', staff: true, path: () => '/cases/new', ready: (p) => p.locator('form').first().waitFor() },
  { name: 'users', staff: true, path: () => '/admin/users', ready: (p) => p.getByTestId('users-table').waitFor() },
  { name: 'categories', staff: true, path: () => '/admin/categories', ready: (p) => p.getByTestId('categories-form').waitFor() },
  { name: 'rules', staff: true, path: () => '/admin/rules', ready: (p) => p.locator('table, .state').first().waitFor() },
  { name: 'rule-edit', staff: true, path: () => `/admin/rules/${ruleId}`, ready: (p) => p.locator('form').first().waitFor() },
  { name: 'sla-policies', staff: true, path: () => '/admin/sla-policies', ready: (p) => p.getByTestId('sla-table').waitFor() },
  { name: 'sla-policy', staff: true, path: () => '/admin/sla-policies/default', ready: (p) => p.getByTestId('sla-form').waitFor() },
  { name: 'canned-replies', staff: true, path: () => '/admin/canned-replies', ready: (p) => p.locator('[data-testid=canned-table], .state').first().waitFor() },
  { name: 'outbox', staff: true, path: () => '/admin/outbox', ready: (p) => p.locator('[data-testid=outbox-table], .state').first().waitFor() },
  { name: 'mailboxes', staff: true, path: () => '/admin/mailboxes', ready: (p) => p.locator('[data-testid=mailboxes-table], .state').first().waitFor() },
  // Every reports table shows all its columns at desktop width (they were cut at 1366 px).
  { name: 'reports', staff: true, path: () => '/reports', ready: (p) => p.getByTestId('table-periods').waitFor(), tablesFit: [1366] },
  { name: 'journey', staff: true, path: () => '/journey', ready: (p) => p.getByTestId('journey-period').waitFor() },
  { name: 'tokens', staff: true, path: () => '/account/tokens', ready: (p) => p.getByRole('heading', { level: 1 }).waitFor() },
]

// LAYOUT_PAGES=inbox,case narrows a run to some pages while working on them.
const only = (process.env.LAYOUT_PAGES ?? '').split(',').filter(Boolean)
const pages = only.length ? PAGES.filter((p) => only.includes(p.name)) : PAGES

for (const lang of ['en', 'fi']) {
  for (const [width, options] of Object.entries(WIDTHS)) {
    describe(`layout in ${lang} at ${width} px`, () => {
      test('every main page: no overlap, no horizontal scroll', async () => {
        const failures = []
        for (const pageSpec of pages) {
          await withPage(
            e2e.browser,
            `layout-${pageSpec.name}-${lang}-${width}`,
            async (page) => {
              await page.addInitScript((l) => localStorage.setItem('kaiku.locale', l), lang)
              await page.goto(pageSpec.path())
              await pageSpec.ready(page)
              // Fonts settle before measuring.
              await page.evaluate(() => document.fonts.ready)
              try {
                await checkLayout(page, `${pageSpec.name}-${lang}-${width}`, { tablesFit: (pageSpec.tablesFit ?? []).includes(Number(width)) })
              } catch (error) {
                failures.push(error.message)
              }
            },
            { ...options, locale: lang === 'fi' ? 'fi-FI' : 'en-US', ...(pageSpec.staff ? { storageState: e2e.adminState } : {}) },
          )
        }
        assert.deepEqual(failures, [])
      })
    })
  }
}

describe('notifications panel', () => {
  for (const width of [390, 768, 1366]) {
    test(`stays on screen at ${width} px`, () =>
      withPage(
        e2e.browser,
        `notifications-panel-${width}`,
        async (page) => {
          await page.goto('/inbox')
          await page.getByTestId('notifications').click()
          const panel = page.getByTestId('notifications-panel')
          await panel.waitFor()
          await checkLayout(page, `notifications-en-${width}`)
          const box = await panel.boundingBox()
          assert.ok(box.x >= 0 && box.x + box.width <= width, `the panel spans ${box.x}..${box.x + box.width} px of ${width}`)
        },
        { ...WIDTHS[width], storageState: e2e.adminState },
      ))
  }
})

// The top bar: Topics, Reports and Journey are under "Insights", the account items under the
// person's initials, so the bar is one row at 768 and 1366 px in both languages (it wrapped to
// three rows in Finnish at 768 px); the menus work with the keyboard and stay on a phone's
// screen.
describe('top bar', () => {
  for (const lang of ['en', 'fi']) {
    for (const width of [768, 1366]) {
      test(`is one row in ${lang} at ${width} px`, () =>
        withPage(
          e2e.browser,
          `topbar-${lang}-${width}`,
          async (page) => {
            await page.addInitScript((l) => localStorage.setItem('kaiku.locale', l), lang)
            await page.goto('/inbox')
            await page.getByTestId('account-menu').waitFor()
            const rows = await page.evaluate(() => {
              const items = [...document.querySelectorAll('.topbar__inner > .brand, .mainnav__list > li, .topbar__end > *')]
              return items.map((el) => {
                const r = el.getBoundingClientRect()
                return { what: el.textContent.trim().slice(0, 20), middle: r.top + r.height / 2 }
              })
            })
            const middles = rows.map((r) => r.middle)
            assert.ok(Math.max(...middles) - Math.min(...middles) < 8, `the bar's items are on more than one row: ${JSON.stringify(rows)}`)
            const bar = await page.locator('.topbar').boundingBox()
            assert.ok(bar.height <= 64, `the bar is ${bar.height} px high`)
            await checkLayout(page, `topbar-${lang}-${width}`)
          },
          { ...WIDTHS[width], locale: lang === 'fi' ? 'fi-FI' : 'en-US', storageState: e2e.adminState },
        ))
    }
  }

  for (const width of [390, 1366]) {
    test(`menus open and close with the keyboard and stay on screen at ${width} px`, () =>
      withPage(
        e2e.browser,
        `topbar-menus-${width}`,
        async (page) => {
          await page.goto('/inbox')
          for (const [menu, link] of [
            ['insights-menu', 'nav-reports'],
            ['admin-menu', null],
            ['account-menu', 'nav-account'],
          ]) {
            const button = page.getByTestId(menu)
            await button.focus()
            await page.keyboard.press('Enter')
            assert.equal(await button.getAttribute('aria-expanded'), 'true', `${menu} opens`)
            const list = page.locator(`#${await button.getAttribute('aria-controls')}`)
            await list.waitFor()
            const box = await list.boundingBox()
            assert.ok(box.x >= 0 && box.x + box.width <= width, `${menu} spans ${box.x}..${box.x + box.width} px of ${width}`)
            await checkLayout(page, `${menu}-en-${width}`)
            await checkA11y(page, `${menu} open at ${width} px`)
            await page.keyboard.press('Tab')
            assert.ok(await list.evaluate((el) => el.contains(document.activeElement)), `Tab moves into ${menu}`)
            await page.keyboard.press('Escape')
            assert.equal(await button.getAttribute('aria-expanded'), 'false', `Escape closes ${menu}`)
            assert.ok(await button.evaluate((el) => el === document.activeElement), `the focus is back on ${menu}'s button`)
            await list.waitFor({ state: 'hidden' })
            if (!link) continue
            // A link in the menu opens its page and closes the menu.
            await button.click()
            await page.getByTestId(link).click()
            await page.waitForURL(link === 'nav-reports' ? /\/reports$/ : /\/account$/)
            assert.equal(await button.getAttribute('aria-expanded'), 'false')
          }
        },
        { ...WIDTHS[width], storageState: e2e.adminState },
      ))
  }
})

// A field's placeholder is an example or a hint: cut off, it says half a thing ("esim.
// Soitamme sinulle perjanta", "Lisää tunniste"). On the case page (at 390 px and in the
// inbox's case pane at 1366 px) every one-line field's placeholder fits inside it.
describe('case page placeholders', () => {
  for (const lang of ['en', 'fi']) {
    for (const width of [390, 1366]) {
      test(`fit their fields in ${lang} at ${width} px`, () =>
        withPage(
          e2e.browser,
          `placeholders-${lang}-${width}`,
          async (page) => {
            await page.addInitScript((l) => localStorage.setItem('kaiku.locale', l), lang)
            await page.goto(width === 1366 ? `/inbox?view=all_open&case=${escalated}` : `/cases/${escalated}`)
            await page.getByTestId('sla-panel').waitFor()
            await page.evaluate(() => document.fonts.ready)
            const cut = await page.evaluate(() => {
              const ctx = document.createElement('canvas').getContext('2d')
              const out = []
              for (const el of document.querySelectorAll('input[placeholder]')) {
                const box = el.getBoundingClientRect()
                if (!box.width || !el.placeholder) continue
                const s = getComputedStyle(el, '::placeholder')
                const own = getComputedStyle(el)
                ctx.font = `${s.fontStyle} ${s.fontWeight} ${s.fontSize} ${s.fontFamily}`
                const room = el.clientWidth - parseFloat(own.paddingLeft) - parseFloat(own.paddingRight)
                const need = ctx.measureText(el.placeholder).width
                if (need > room + 1) out.push(`"${el.placeholder}" needs ${Math.ceil(need)} px, has ${Math.floor(room)}`)
              }
              return out
            })
            assert.deepEqual(cut, [])
          },
          { ...WIDTHS[width], locale: lang === 'fi' ? 'fi-FI' : 'en-US', storageState: e2e.adminState },
        ))
    }
  }
})
