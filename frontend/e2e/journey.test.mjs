// The journey view (issue 16): complaints about every station of the journey, handled the way
// the demo handles them (resolved, rated in the follow-up, some reopened); the journey view
// shows every REAN stage with its stations, marks the weakest, and a station opens the inbox
// on exactly its cases. Admins move a touchpoint to another stage. English and Finnish, axe,
// and screenshots at phone and desktop widths.
import { before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { expect } from './expect.mjs'
import { checkA11y, noSideways } from './axe.mjs'
import { ARTIFACTS, staffApi, withPage, sharedBrowser } from './browser.mjs'

const e2e = sharedBrowser()
const stamp = Date.now().toString(36)
const shots = join(ARTIFACTS, 'screens', 'journey')
mkdirSync(shots, { recursive: true })

const STAGES = { en: ['Reach', 'Engage', 'Activate', 'Nurture'], fi: ['Tavoita', 'Sitouta', 'Aktivoi', 'Hoida'] }
const TOUCHPOINTS = ['web_shop', 'store', 'phone', 'delivery', 'app', 'email', 'social_media', 'other']

before(async () => {
  await e2e.ready
  // Demo-like cases: two complaints per station, resolved and rated well, and six on the phone
  // line rated badly, half of them reopened by a failed follow-up.
  await withPage(
    e2e.browser,
    'journey-seed',
    async (page) => {
      const file = async (touchpoint, i) => {
        const response = await page.request.post('/api/v1/complaints', {
          headers: { 'Idempotency-Key': `journey-${stamp}-${touchpoint}-${i}` },
          data: {
            name: `Jonna ${touchpoint}`,
            email: `jonna.${touchpoint}.${i}.${stamp}@example.org`,
            category: 'service',
            touchpoint,
            description: `Trouble at the ${touchpoint} station, case ${i}.`,
            expected_outcome: 'apology',
          },
        })
        assert.equal(response.status(), 201, await response.text())
        return (await response.json()).data
      }
      const settle = async (receipt, held, rating) => {
        const { response } = await staffApi(page, 'POST', `/cases/${receipt.reference}/messages`, {
          kind: 'reply',
          body: 'Sorted, sorry for the trouble.',
          status: 'resolved',
        })
        assert.equal(response.status(), 201, await response.text())
        const answer = await page.request.post(`/api/v1/track/${receipt.tracking_token}/follow-up`, {
          data: { resolved: held, rating },
        })
        assert.equal(answer.status(), 200, await answer.text())
      }
      for (const tp of TOUCHPOINTS) {
        for (let i = 0; i < 2; i++) await settle(await file(tp, i), true, 5)
      }
      for (let i = 2; i < 8; i++) await settle(await file('phone', i), i % 2 === 0, 1)
    },
    { storageState: e2e.adminState },
  )
})

describe('journey view', () => {
  for (const lang of ['en', 'fi']) {
    test(`every stage shows with its stations, the weakest marked (${lang})`, async () => {
      await withPage(
        e2e.browser,
        `journey-${lang}`,
        async (page) => {
          await page.goto('/journey')
          if (lang === 'fi') await page.getByLabel('Language').selectOption('fi')
          await expect(page.getByRole('heading', { level: 1, name: lang === 'fi' ? 'Asiakaspolku' : 'Customer journey' })).toBeVisible()
          for (const [i, name] of STAGES[lang].entries()) {
            const stage = page.locator('.journey-stage').nth(i)
            await expect(stage.getByRole('heading', { level: 2, name })).toBeVisible()
          }
          // Every touchpoint is a station of exactly one stage.
          for (const tp of TOUCHPOINTS) await expect(page.locator(`.journey-station[data-touchpoint="${tp}"]`)).toHaveCount(1)
          await expect(page.locator('.journey-station.is-weakest[data-touchpoint="phone"]')).toHaveCount(1)
          await expect(page.getByTestId('journey-weakest')).toBeVisible()
          await checkA11y(page, `journey view (${lang})`)
          for (const [size, width] of [['phone', 390], ['desktop', 1366]]) {
            await page.setViewportSize({ width, height: size === 'phone' ? 844 : 900 })
            await noSideways(page, `journey view at ${width} px (${lang})`)
            await page.screenshot({ path: join(shots, `journey-${size}-${lang}.png`), fullPage: true })
          }
        },
        { storageState: e2e.adminState },
      )
    })
  }

  test('a station opens the inbox on exactly its cases', async () => {
    await withPage(
      e2e.browser,
      'journey-click-through',
      async (page) => {
        await page.goto('/journey')
        const phone = page.locator('.journey-station[data-touchpoint="phone"]')
        const count = Number((await phone.locator('.journey-station__count').innerText()).match(/\d+/)[0])
        assert.ok(count >= 8, `the phone station counts ${count} cases, want the 8 filed here at least`)
        await page.getByTestId('station-phone').click()
        await page.waitForURL(/\/inbox\?/)
        const url = new URL(page.url())
        assert.deepEqual(url.searchParams.getAll('touchpoint'), ['phone'])
        assert.equal(url.searchParams.get('view'), 'all')
        // The inbox's own count of the same filter is the station's.
        const { response } = await staffApi(page, 'GET', `/cases?touchpoint=phone&created_from=${url.searchParams.get('created_from')}&created_to=${url.searchParams.get('created_to')}&limit=1`)
        assert.equal(response.status(), 200)
        assert.equal((await response.json()).meta.total, count)
        await expect(page.getByText(new RegExp(`^${count} matching cases?$`))).toBeVisible()
      },
      { storageState: e2e.adminState },
    )
  })

  test('a period chosen while the last one loads shows its own figures', async () => {
    await withPage(
      e2e.browser,
      'journey-period-order',
      async (page) => {
        // The 90-day figures answer only after 30 days have been chosen and shown: they
        // used to land last and stand under "30 days".
        let release
        const held = new Promise((resolve) => (release = resolve))
        let first = true
        const firstAsked = page.waitForRequest((r) => new URL(r.url()).pathname === '/api/v1/journey')
        await page.route(
          (url) => url.pathname === '/api/v1/journey',
          async (route) => {
            if (!first) return route.continue()
            first = false
            await held
            await route.continue().catch(() => undefined) // the page may have given it up
          },
        )
        await page.goto('/journey')
        const stale = await firstAsked
        await page.getByTestId('journey-period').selectOption('30')
        await page.waitForURL(/days=30/)
        await expect(page.locator('.journey-station[data-touchpoint="phone"]')).toBeVisible()
        release()
        await stale.response()
        assert.equal(stale.failure()?.errorText, 'net::ERR_ABORTED', 'the 90-day answer is given up')
        await expect(page.getByTestId('journey-period')).toHaveValue('30')
      },
      { storageState: e2e.adminState },
    )
  })

  test('an admin moves a touchpoint to another stage (en, fi)', async () => {
    await withPage(
      e2e.browser,
      'journey-stages',
      async (page) => {
        await page.goto('/inbox')
        await page.getByRole('button', { name: 'Admin', exact: true }).click()
        await page.getByRole('link', { name: 'Journey stages' }).click()
        await expect(page.getByRole('heading', { level: 1, name: 'Journey stages' })).toBeVisible()
        await checkA11y(page, 'journey stages (en)')
        for (const [size, width] of [['phone', 390], ['desktop', 1366]]) {
          await page.setViewportSize({ width, height: 844 })
          await noSideways(page, `journey stages at ${width} px`)
          await page.screenshot({ path: join(shots, `stages-${size}-en.png`), fullPage: true })
        }
        await page.getByLabel('Mobile app').selectOption('nurture')
        await page.getByRole('button', { name: 'Save stages' }).click()
        await expect(page.getByTestId('flash')).toHaveText('The stages were saved.')
        await page.getByRole('link', { name: 'Open the journey view' }).click()
        await expect(page.locator('.journey-stage[data-stage="nurture"] .journey-station[data-touchpoint="app"]')).toHaveCount(1)

        await page.goto('/admin/journey-stages')
        await page.getByLabel('Language').selectOption('fi')
        await expect(page.getByRole('heading', { level: 1, name: 'Asiakaspolun vaiheet' })).toBeVisible()
        await checkA11y(page, 'journey stages (fi)')
        for (const [size, width] of [['phone', 390], ['desktop', 1366]]) {
          await page.setViewportSize({ width, height: 844 })
          await page.screenshot({ path: join(shots, `stages-${size}-fi.png`), fullPage: true })
        }
        // Back to the default, in Finnish this time.
        await page.getByLabel('Mobiilisovellus').selectOption('activate')
        await page.getByRole('button', { name: 'Tallenna vaiheet' }).click()
        await expect(page.getByTestId('flash')).toHaveText('Vaiheet tallennettiin.')
        await page.getByLabel('Kieli').selectOption('en')
      },
      { storageState: e2e.adminState },
    )
  })
})
