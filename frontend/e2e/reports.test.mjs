// Reports (issue 16): a manager opens Reports, narrows to one team and the last 30 days,
// selects the tallest bar and lands in the inbox on exactly those cases; exports the table
// and the CSV has its formula-like cells neutralised; the same in Finnish; axe clean; the
// printable view hides the controls. The test seeds its own cases (a team of its own, so the
// other tests' cases never count). Screenshots at 390 and 1366 px in English and Finnish go to
// e2e/artifacts/screens/.
import { before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { expect } from './expect.mjs'
import { checkA11y, noSideways, PHONE } from './axe.mjs'
import { ARTIFACTS, login, staffApi, withPage, sharedBrowser } from './browser.mjs'

const e2e = sharedBrowser()
let managerState
const stamp = Date.now().toString(36)
const screens = join(ARTIFACTS, 'screens')
const DESKTOP = { viewport: { width: 1366, height: 900 } }
const PASSWORD = 'Reports-e2e-passphrase-42'
const managerEmail = `reports.manager.${stamp}@example.com`
// A team name a spreadsheet would run as a formula.
const teamName = `=Returns ${stamp}`
let teamId
const deliveryCases = []
const productCases = []

async function api(state, method, path, data) {
  return withPage(e2e.browser, `api-${method}-${path}`, async (page) => {
    const { response } = await staffApi(page, method, path, data)
    const body = await response.json().catch(() => ({}))
    return { status: response.status(), body }
  }, { storageState: state })
}

before(async () => {
  await e2e.ready
  mkdirSync(screens, { recursive: true })
  const team = await api(e2e.adminState, 'POST', '/teams', { name: teamName })
  assert.equal(team.status, 201, JSON.stringify(team.body))
  teamId = team.body.data.id
  const user = await api(e2e.adminState, 'POST', '/users', { email: managerEmail, name: 'Raija Reports', role: 'manager', password: PASSWORD, team_ids: [teamId], locale: 'en' })
  assert.equal(user.status, 201, JSON.stringify(user.body))
  managerState = await withPage(e2e.browser, 'reports-login', async (page, context) => {
    await login(page, managerEmail, PASSWORD)
    return context.storageState()
  })
  // Three delivery cases and one product case in the team: the delivery bar is the tallest.
  for (const [category, list, n] of [['delivery', deliveryCases, 3], ['product', productCases, 1]]) {
    for (let i = 0; i < n; i++) {
      const res = await api(managerState, 'POST', '/cases', {
        subject: `Report case ${category} ${i} ${stamp}`, description: 'For the reports test.', category, team_id: teamId,
        expected_outcome: 'refund', customer: { name: 'Liisa Virtanen', email: `liisa.${stamp}@example.org` },
      })
      assert.equal(res.status, 201, JSON.stringify(res.body))
      list.push(res.body.data.id)
    }
  }
})

/** Clicks the tallest bar of a chart (its bars' centres are on the canvas). */
async function clickTallestBar(page, testid) {
  const canvas = page.getByTestId(testid)
  await expect(canvas).toBeVisible()
  let bars = []
  for (let i = 0; i < 50 && !bars.some((b) => b.value); i++) {
    bars = JSON.parse((await canvas.getAttribute('data-geometry')) || '[]')
    if (!bars.some((b) => b.value)) await page.waitForTimeout(100) // the chart draws on the next frame
  }
  const tallest = bars.reduce((a, b) => ((b.value ?? 0) > (a.value ?? 0) ? b : a))
  const box = await canvas.boundingBox()
  const base = await canvas.evaluate((el) => el.getBoundingClientRect().height)
  // Halfway down the bar, which runs from its top (y) to the axis.
  await canvas.click({ position: { x: tallest.x, y: Math.min(tallest.y + 10, base - 30) } })
  return { tallest, box }
}

async function exportCsv(page, testid) {
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId(testid).click()])
  const path = await download.path()
  return readFileSync(path, 'utf8')
}

async function runReport(page, lang) {
  const fi = lang === 'fi'
  await page.goto('/inbox')
  if (fi) {
    await page.evaluate(() => localStorage.setItem('kaiku.locale', 'fi'))
  }
  await page.goto('/reports')
  await expect(page.getByRole('heading', { level: 1, name: fi ? 'Raportit' : 'Reports' })).toBeVisible()
  // Narrow to the team and the last 30 days, broken down by category.
  await page.getByTestId('report-team').selectOption(teamId)
  await page.getByTestId('report-last-30').click()
  await page.getByTestId('report-group-by').selectOption('category')
  await expect(page.locator('[data-kpi=cases] .reports__kpi-value')).toHaveText('4')
  await expect(page.getByTestId('table-groups').locator('tbody tr')).toHaveCount(2)
  await checkA11y(page, `Reports (${lang})`)

  // Export the breakdown: the team's formula-like name is neutralised in the CSV.
  await page.getByTestId('report-group-by').selectOption('team')
  await expect(page.getByTestId('table-groups').locator('tbody tr')).toHaveCount(1)
  const csv = await exportCsv(page, 'export-groups')
  assert.match(csv, new RegExp(`^\\ufeff?"${fi ? 'Tiimi' : 'Team'}",`), csv)
  assert.ok(csv.includes(`"'=Returns ${stamp}","4",`), `the formula cell is neutralised:\n${csv}`)
  assert.ok(!csv.includes(`"=Returns`), csv)

  // The tallest bar of the breakdown by category opens the inbox on exactly its cases.
  await page.getByTestId('report-group-by').selectOption('category')
  await expect(page.getByTestId('table-groups').locator('tbody tr')).toHaveCount(2)
  await clickTallestBar(page, 'chart-groups')
  await page.waitForURL(/\/inbox\?/)
  const url = new URL(page.url())
  assert.equal(url.searchParams.get('team_id'), teamId)
  assert.equal(url.searchParams.get('category'), 'delivery')
  assert.ok(url.searchParams.get('created_from'), url.href)
  for (const id of deliveryCases) await expect(page.locator(`[data-case="${id}"]`).first()).toBeVisible()
  await expect(page.locator('[data-case]')).toHaveCount(deliveryCases.length)
  for (const id of productCases) await expect(page.locator(`[data-case="${id}"]`)).toHaveCount(0)
}

describe('reports', () => {
  test('a manager narrows the report, drills down from the tallest bar and exports the table', () =>
    withPage(e2e.browser, 'reports-en', (page) => runReport(page, 'en'), { storageState: managerState, ...DESKTOP, acceptDownloads: true }))

  test('the same in Finnish', () =>
    withPage(e2e.browser, 'reports-fi', (page) => runReport(page, 'fi'), { storageState: managerState, ...DESKTOP, acceptDownloads: true }))

  test('the weekly bar opens the same cases, the page prints without its controls, and screenshots', () =>
    withPage(
      e2e.browser,
      'reports-screens',
      async (page) => {
        for (const lang of ['en', 'fi']) {
          for (const [size, viewport] of [['1366', DESKTOP.viewport], ['390', PHONE.viewport]]) {
            await page.setViewportSize(viewport)
            await page.goto('/inbox')
            await page.evaluate((l) => localStorage.setItem('kaiku.locale', l), lang)
            await page.goto(`/reports?team_id=${teamId}`)
            await expect(page.getByTestId('report-body')).toBeVisible()
            await expect(page.locator('[data-kpi=cases] .reports__kpi-value')).toHaveText('4')
            if (size === '390') await noSideways(page, `Reports ${lang} 390`)
            await page.screenshot({ path: join(screens, `reports-${lang}-${size}.png`), fullPage: true })
            if (size === '390') {
              // The phone's full page is too tall to look at in one picture: also in parts.
              const height = await page.evaluate(() => document.documentElement.scrollHeight)
              for (let y = 0, part = 1; y < height; y += 1200, part++) {
                await page.screenshot({ path: join(screens, `reports-${lang}-390-part${part}.png`), fullPage: true, clip: { x: 0, y, width: 390, height: Math.min(1200, height - y) } })
              }
            }
          }
        }
        await page.setViewportSize(DESKTOP.viewport)
        // The manager asks for the weekly summary mail; it stays on after a reload.
        const saved = page.waitForResponse((r) => r.url().endsWith('/api/v1/me/weekly-summary') && r.status() === 200)
        await page.getByTestId('weekly-summary').check()
        await saved
        await page.reload()
        await expect(page.getByTestId('report-body')).toBeVisible()
        assert.equal(await page.getByTestId('weekly-summary').isChecked(), true)
        await page.emulateMedia({ media: 'print' })
        await expect(page.getByTestId('report-print')).toBeHidden()
        await expect(page.getByTestId('export-groups')).toBeHidden()
        await page.screenshot({ path: join(screens, 'reports-print.png'), fullPage: true })
        await page.emulateMedia({ media: 'screen' })
        // This week's bar holds all four cases.
        await clickTallestBar(page, 'chart-volume')
        await page.waitForURL(/\/inbox\?/)
        await expect(page.locator('[data-case]')).toHaveCount(deliveryCases.length + productCases.length)
      },
      { storageState: managerState, ...DESKTOP },
    ))
})
