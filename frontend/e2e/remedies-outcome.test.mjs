// Remedies as the customer and the approver see them (issue 13), in English and Finnish: an
// agent grants a voucher within the limit on the case page and the customer sees it on the
// tracking page; an agent goes over the limit, a manager finds the case under "Waiting for my
// approval", sees the request with its clock in the approvals view, approves a smaller amount,
// and the customer is told that amount (never the one asked). Checked with axe; screenshots at
// 390 and 1366 px go to e2e/artifacts/remedies-outcome/.
import { before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { expect } from './expect.mjs'
import { checkA11y, noSideways, PHONE } from './axe.mjs'
import { ARTIFACTS, login, staffApi, withPage, sharedBrowser } from './browser.mjs'

const e2e = sharedBrowser()
let agentState
let managerState
const stamp = Date.now().toString(36)
const SHOTS = join(ARTIFACTS, 'remedies-outcome')
const DESKTOP = { viewport: { width: 1366, height: 900 } }
const PASSWORD = 'Remedies-outcome-passphrase-42'

async function api(state, method, path, data) {
  return withPage(e2e.browser, `api-${method}-${path}`, async (page) => {
    const { response } = await staffApi(page, method, path, data)
    return { status: response.status(), body: await response.json().catch(() => ({})) }
  }, { storageState: state })
}

async function fileComplaint(lang, who) {
  return withPage(e2e.browser, `file-${who}`, async (page) => {
    const response = await page.request.post('/api/v1/complaints', {
      headers: { 'Idempotency-Key': `${who}-${stamp}` },
      data: {
        name: 'Liisa Virtanen', email: `${who}.${stamp}@example.org`, category: 'delivery', touchpoint: 'delivery',
        description: `The parcel ${who} ${stamp} arrived crushed.`, expected_outcome: 'refund', locale: lang,
      },
    })
    assert.equal(response.status(), 201, await response.text())
    const data = (await response.json()).data
    return { reference: data.reference, trackPath: new URL(data.tracking_url).pathname }
  })
}

const WORDS = {
  en: { decided: 'What we decided', voucher: 'Voucher', voucherText: 'We are sending you a voucher.', voucherAmount: '€20.00', refund: 'Partial refund', smaller: '€80.00', asked: '€120.00', waitingTab: 'Waiting for my approval', onTrack: 'On track', granted: 'Granted' },
  fi: { decided: 'Päätöksemme', voucher: 'Lahjakortti', voucherText: 'Lähetämme sinulle lahjakortin.', voucherAmount: '20,00 €', refund: 'Osittainen hyvitys', smaller: '80,00 €', asked: '120,00 €', waitingTab: 'Odottaa hyväksyntääni', onTrack: 'Aikataulussa', granted: 'Myönnetty' },
}
const plain = (s) => s.replace(/[\u00a0\u202f]/g, ' ')

/** The agent grants on the case page with the grant card (language independent test ids). */
async function grantOnCasePage(page, reference, option, amount, message) {
  await page.goto(`/cases/${reference}`)
  await page.getByTestId('grant-option').selectOption(option)
  await page.getByTestId('grant-amount').fill(amount)
  await page.getByTestId('grant-message').fill(message)
  await page.getByTestId('grant-submit').click()
  await expect(page.getByTestId('grant-notice')).toBeVisible()
}

before(async () => {
  await e2e.ready
  mkdirSync(SHOTS, { recursive: true })
  for (const [email, name, role, limit] of [
    [`agent.${stamp}@example.com`, 'Aku Agentti', 'agent', 5000],
    [`manager.${stamp}@example.com`, 'Maija Manageri', 'manager', 500000],
  ]) {
    const res = await api(e2e.adminState, 'POST', '/users', { email, name, role, password: PASSWORD, authority_limit_cents: limit, team_ids: [], locale: 'en' })
    assert.equal(res.status, 201, JSON.stringify(res.body))
  }
  agentState = await withPage(e2e.browser, 'login-agent', async (page, context) => {
    await login(page, `agent.${stamp}@example.com`, PASSWORD)
    return context.storageState()
  })
  managerState = await withPage(e2e.browser, 'login-manager', async (page, context) => {
    await login(page, `manager.${stamp}@example.com`, PASSWORD)
    return context.storageState()
  })
})

describe('remedies the customer is told of', () => {
  for (const lang of ['en', 'fi']) {
    const w = WORDS[lang]
    test(`a voucher within the limit reaches the tracking page (${lang})`, async () => {
      const { reference, trackPath } = await fileComplaint(lang, `voucher-${lang}`)
      await withPage(e2e.browser, `grant-voucher-${lang}`, (page) => grantOnCasePage(page, reference, 'voucher', '20', 'Sorry for the crushed parcel.'),
        { storageState: agentState, ...DESKTOP })
      for (const [size, options] of [[390, PHONE], [1366, DESKTOP]]) {
        await withPage(e2e.browser, `track-voucher-${lang}-${size}`, async (page) => {
          await page.goto(trackPath)
          const card = page.getByTestId('track-remedies')
          await expect(card.getByRole('heading', { name: w.decided })).toBeVisible()
          const item = card.getByTestId('track-remedy')
          await expect(item).toHaveCount(1)
          await expect(item).toContainText(w.voucher)
          await expect(item).toContainText(w.voucherText)
          assert.equal(plain(await item.getByTestId('track-remedy-amount').innerText()), plain(w.voucherAmount))
          // The agent's own words stay with staff.
          assert.ok(!(await card.innerText()).includes('Sorry for the crushed parcel.'), 'the agent\'s message reached the customer')
          await checkA11y(page, `tracking page with a remedy, ${lang} ${size}`)
          await noSideways(page, `tracking page with a remedy, ${lang} ${size}`)
          await page.screenshot({ path: join(SHOTS, `track-voucher-${lang}-${size}.png`), fullPage: true })
        }, options)
      }
    })

    test(`over the limit: the manager approves a smaller amount and the customer is told (${lang})`, async () => {
      const { reference, trackPath } = await fileComplaint(lang, `refund-${lang}`)
      await withPage(e2e.browser, `grant-refund-${lang}`, async (page) => {
        await page.goto(`/cases/${reference}`)
        await page.getByTestId('grant-option').selectOption('partial_refund')
        await page.getByTestId('grant-amount').fill('120')
        await page.getByTestId('grant-submit').click()
        await expect(page.getByTestId('grant-notice')).toContainText('approval')
      }, { storageState: agentState, ...DESKTOP })

      await withPage(e2e.browser, `track-waiting-${lang}`, async (page) => {
        await page.goto(trackPath)
        const item = page.getByTestId('track-remedy')
        await expect(item).toHaveAttribute('data-status', 'waiting')
        await expect(item).toContainText(w.refund)
        await checkA11y(page, `tracking page, a remedy waiting, ${lang}`)
        await page.screenshot({ path: join(SHOTS, `track-waiting-${lang}-390.png`), fullPage: true })
      }, PHONE)

      for (const [size, options] of [[390, PHONE], [1366, DESKTOP]]) {
        await withPage(e2e.browser, `manager-${lang}-${size}`, async (page) => {
          await page.goto('/inbox')
          if (lang === 'fi') await page.getByLabel('Language').selectOption('fi')
          const tab = page.locator('[data-view=waiting_for_my_approval]')
          await expect(tab).toContainText(w.waitingTab)
          await tab.click()
          await expect(page.getByText(reference).first()).toBeVisible()
          await expect(tab.getByTestId('tab-count')).toHaveText('1')
          await checkA11y(page, `inbox, waiting for my approval, ${lang} ${size}`)
          await page.screenshot({ path: join(SHOTS, `inbox-waiting-approval-${lang}-${size}.png`) })

          await page.goto('/approvals')
          const request = page.locator('li.approval').filter({ hasText: reference })
          const clock = request.getByTestId('approval-clock')
          await expect(clock).toHaveAttribute('data-state', 'on_track')
          await expect(clock).toContainText(w.onTrack)
          assert.equal(plain(await request.getByTestId('approval-amount').innerText()), plain(w.asked))
          await checkA11y(page, `approvals with the clock, ${lang} ${size}`)
          await noSideways(page, `approvals with the clock, ${lang} ${size}`)
          await page.screenshot({ path: join(SHOTS, `approvals-clock-${lang}-${size}.png`), fullPage: true })
          if (size === 1366) {
            await request.getByTestId('approval-decide').click()
            await page.getByTestId('decision-change').check()
            await page.getByTestId('decision-amount').fill('80')
            await page.getByTestId('decision-comment').fill('80 is fair for the damage.')
            await page.getByTestId('decision-submit').click()
            await expect(page.getByTestId('flash')).toBeVisible()
          }
          if (lang === 'fi') await page.getByLabel('Kieli').selectOption('en')
        }, { storageState: managerState, ...options })
      }

      for (const [size, options] of [[390, PHONE], [1366, DESKTOP]]) {
        await withPage(e2e.browser, `track-approved-${lang}-${size}`, async (page) => {
          await page.goto(trackPath)
          const items = page.getByTestId('track-remedy')
          await expect(items).toHaveCount(1)
          await expect(items).toHaveAttribute('data-status', 'granted')
          await expect(items).toContainText(w.refund)
          await expect(items).toContainText(w.granted)
          assert.equal(plain(await items.getByTestId('track-remedy-amount').innerText()), plain(w.smaller))
          const told = plain(await page.getByTestId('track-remedies').innerText())
          assert.ok(!told.includes(plain(w.asked)) && !told.includes('80 is fair'), `the customer was told the amount asked or the comment: ${told}`)
          await checkA11y(page, `tracking page, approved smaller amount, ${lang} ${size}`)
          await noSideways(page, `tracking page, approved smaller amount, ${lang} ${size}`)
          await page.screenshot({ path: join(SHOTS, `track-approved-${lang}-${size}.png`), fullPage: true })
        }, options)
      }
    })
  }

  test('the admin sets the approval clock beside the catalogue (en and fi, 390 and 1366 px)', async () => {
    for (const [lang, size, options] of [['en', 1366, DESKTOP], ['en', 390, PHONE], ['fi', 1366, DESKTOP], ['fi', 390, PHONE]]) {
      await withPage(e2e.browser, `approval-clock-${lang}-${size}`, async (page) => {
        await page.goto('/admin/resolution-options')
        if (lang === 'fi') await page.getByLabel('Language').selectOption('fi')
        const card = page.getByTestId('approval-clock-settings')
        await expect(page.getByTestId('approval-clock-target')).toHaveValue(/^\d+:\d\d$/)
        if (lang === 'en' && size === 1366) {
          await page.getByTestId('approval-clock-target').fill('4.5x')
          await page.getByTestId('approval-clock-save').click()
          await expect(page.getByTestId('approval-clock-target')).toHaveAttribute('aria-invalid', 'true')
          await page.getByTestId('approval-clock-target').fill('4:00')
          await page.getByTestId('approval-clock-warn').fill('50')
          await page.getByTestId('approval-clock-save').click()
          await expect(page.getByTestId('approval-clock-saved')).toBeVisible()
          const saved = await staffApi(page, 'GET', '/approval-clock')
          const body = (await saved.response.json()).data
          assert.equal(body.target_minutes, 240)
          assert.equal(body.warn_at_percent, 50)
        }
        await card.scrollIntoViewIfNeeded()
        await checkA11y(page, `resolution options with the approval clock, ${lang} ${size}`)
        await noSideways(page, `resolution options with the approval clock, ${lang} ${size}`)
        await page.screenshot({ path: join(SHOTS, `approval-clock-settings-${lang}-${size}.png`), fullPage: true })
        if (lang === 'fi') await page.getByLabel('Kieli').selectOption('en')
      }, { storageState: e2e.adminState, ...options })
    }
  })
})
