// Remedies: an admin keeps the catalogue of resolution options; an agent's grant over their
// limit becomes an approval request; a manager sees it under Approvals (with the count in the
// navigation), approves a smaller amount with a comment, and the case records the grant as
// approved. Money is shown in the reader's locale (1 000,50 € in Finnish). The monthly limit
// is set on the user form. Screenshots of the pages at 390 and 1366 px in English and Finnish
// go to e2e/artifacts/screens/.
import { before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { expect } from './expect.mjs'
import { checkA11y, noSideways, PHONE } from './axe.mjs'
import { ARTIFACTS, login, staffApi, withPage, sharedBrowser } from './browser.mjs'

const e2e = sharedBrowser()
const stamp = Date.now().toString(36)
const screens = join(ARTIFACTS, 'screens')
const DESKTOP = { viewport: { width: 1366, height: 900 } }
const PASSWORD = 'Remedies-e2e-passphrase-42'
const agentEmail = `agent.${stamp}@example.com`
const managerEmail = `manager.${stamp}@example.com`
let agentState
let managerState
const cases = {}

async function api(state, method, path, data) {
  return withPage(e2e.browser, `api-${method}-${path}`, async (page) => {
    const { response } = await staffApi(page, method, path, data)
    const body = await response.json().catch(() => ({}))
    return { status: response.status(), body }
  }, { storageState: state })
}

async function signIn(email) {
  return withPage(e2e.browser, `login-${email}`, async (page, context) => {
    await login(page, email, PASSWORD)
    return context.storageState()
  })
}

before(async () => {
  await e2e.ready
  mkdirSync(screens, { recursive: true })
  for (const [email, name, role, limit] of [
    [agentEmail, 'Aino Agent', 'agent', 5000],
    [managerEmail, 'Matti Manager', 'manager', 500000],
  ]) {
    const res = await api(e2e.adminState, 'POST', '/users', { email, name, role, password: PASSWORD, authority_limit_cents: limit, team_ids: [], locale: 'en' })
    assert.equal(res.status, 201, JSON.stringify(res.body))
  }
  agentState = await signIn(agentEmail)
  managerState = await signIn(managerEmail)
  for (const [key, subject, amount] of [
    ['sofa', `Scratched sofa ${stamp}`, 12000],
    ['kettle', `Leaking kettle ${stamp}`, 100050],
  ]) {
    const created = await api(agentState, 'POST', '/cases', {
      subject, description: 'It arrived damaged.', expected_outcome: 'refund',
      customer: { name: 'Liisa Virtanen', email: `liisa.${stamp}@example.org` },
    })
    assert.equal(created.status, 201, JSON.stringify(created.body))
    cases[key] = created.body.data.id
    const grant = await api(agentState, 'POST', `/cases/${cases[key]}/resolution`, { option_id: 'goodwill', amount_minor: amount, message: 'We are sorry.' })
    assert.equal(grant.status, 202, JSON.stringify(grant.body))
  }
})

describe('remedies', () => {
  test('the admin keeps the catalogue of resolution options', () =>
    withPage(
      e2e.browser,
      'resolution-options',
      async (page) => {
        await page.goto('/admin/resolution-options')
        await expect(page.getByRole('heading', { level: 1, name: 'Resolution options' })).toBeVisible()
        await expect(page.locator('tr[data-option]')).toHaveCount(9)
        await page.locator('tr[data-option=voucher]').getByRole('button', { name: 'Edit' }).click()
        await page.getByLabel('Follow-up after').fill('21')
        await page.getByTestId('option-save').click()
        await expect(page.getByTestId('flash')).toHaveText('Changes to Voucher were saved.')
        await expect(page.locator('tr[data-option=voucher]')).toContainText('21 days')

        await page.getByTestId('option-add').click()
        await page.getByTestId('option-save').click()
        await expect(page.getByRole('alert')).toHaveText('Please correct the highlighted fields.')
        await page.getByLabel('Identifier').fill(`free_shipping_${stamp}`)
        await page.getByLabel('Name in English').fill('Free shipping')
        await page.getByLabel('Name in Finnish').fill('Ilmainen toimitus')
        await page.getByLabel('Text to the customer in English').fill('Your next delivery is free.')
        await page.getByLabel('Text to the customer in Finnish').fill('Seuraava toimitus on ilmainen.')
        await page.getByTestId('option-save').click()
        await expect(page.getByTestId('flash')).toHaveText('Option Free shipping was added.')
        await expect(page.locator('tr[data-option]')).toHaveCount(10)
        await checkA11y(page, 'Resolution options')
      },
      { storageState: e2e.adminState, ...DESKTOP },
    ))

  test('a manager approves a smaller amount than an agent asked for', () =>
    withPage(
      e2e.browser,
      'approvals',
      async (page) => {
        await page.goto('/inbox')
        await expect(page.getByTestId('approvals-waiting')).toContainText('2')
        await page.getByTestId('nav-approvals').click()
        await expect(page.getByRole('heading', { level: 1, name: 'Approvals' })).toBeVisible()
        const sofa = page.locator('li.approval').filter({ hasText: cases.sofa })
        await expect(sofa.getByTestId('approval-amount')).toHaveText('€120.00')
        await expect(sofa).toContainText('Over their limit per case')
        await expect(sofa).toContainText('Refund')
        await checkA11y(page, 'Approvals')
        await sofa.getByTestId('approval-decide').click()
        await page.getByTestId('decision-change').check()
        await page.getByTestId('decision-submit').click()
        await expect(page.getByTestId('decision-amount')).toHaveAttribute('aria-invalid', 'true')
        await page.getByTestId('decision-amount').fill('80')
        await page.getByTestId('decision-comment').fill('80 euros is fair for a scratch.')
        await checkA11y(page, 'Decision dialog')
        await page.getByTestId('decision-submit').click()
        await expect(page.getByTestId('flash')).toHaveText(`Approved: €80.00 for ${cases.sofa}.`)
        await expect(page.locator('li.approval')).toHaveCount(1)

        const kase = await staffApi(page, 'GET', `/cases/${cases.sofa}`)
        const grants = (await kase.response.json()).data.grants
        assert.equal(grants.length, 1)
        assert.equal(grants[0].amount_minor, 8000)
        assert.equal(grants[0].granted_by, 'Aino Agent')
        assert.equal(grants[0].approved_by, 'Matti Manager')

        await page.locator('button[data-filter=all]').click()
        await expect(page.locator('li.approval').filter({ hasText: cases.sofa })).toContainText('Granted €80.00')
      },
      { storageState: managerState, ...DESKTOP },
    ))

  test('the agent sees their requests but cannot decide them', () =>
    withPage(
      e2e.browser,
      'approvals-agent',
      async (page) => {
        await page.goto('/approvals')
        await expect(page.getByTestId('approvals-empty')).toBeVisible()
        await page.locator('button[data-filter=mine]').click()
        await expect(page.locator('li.approval')).toHaveCount(2)
        await expect(page.getByTestId('approval-decide')).toHaveCount(0)
        await expect(page.locator('button[data-filter=all]')).toHaveCount(0)
      },
      { storageState: agentState, ...DESKTOP },
    ))

  test('a filter chosen while the last one loads lists its own requests', () =>
    withPage(
      e2e.browser,
      'approvals-filter-order',
      async (page) => {
        // "Waiting for me" (empty for the agent) answers only after "Mine" has been chosen
        // and listed: it used to land last and empty the list under "Mine".
        let release
        const held = new Promise((resolve) => (release = resolve))
        const isList = (url) => url.pathname === '/api/v1/approvals' && url.searchParams.get('filter') === 'waiting_for_me'
        const staleAsked = page.waitForRequest((r) => isList(new URL(r.url())))
        await page.route(isList, async (route) => {
          await held
          await route.continue().catch(() => undefined) // the page may have given it up
        })
        await page.goto('/approvals')
        const stale = await staleAsked
        await page.locator('button[data-filter=mine]').click()
        await expect(page.locator('li.approval')).toHaveCount(2)
        release()
        await stale.response()
        assert.equal(stale.failure()?.errorText, 'net::ERR_ABORTED', 'the "waiting for me" answer is given up')
        await expect(page.locator('li.approval')).toHaveCount(2)
      },
      { storageState: agentState, ...DESKTOP },
    ))

  test('the admin sets a monthly limit on the user form', () =>
    withPage(
      e2e.browser,
      'monthly-limit',
      async (page) => {
        await page.goto('/admin/users')
        await page.getByRole('button', { name: 'Edit Aino Agent' }).click()
        await expect(page.getByTestId('user-monthly-limit')).toHaveValue('')
        await page.getByTestId('user-monthly-limit').fill('250')
        await page.getByTestId('user-form-submit').click()
        await expect(page.getByText('Changes to Aino Agent were saved.')).toBeVisible()
        const users = await staffApi(page, 'GET', '/users')
        const agent = (await users.response.json()).data.find((u) => u.email === agentEmail)
        assert.equal(agent.monthly_limit_cents, 25000)
      },
      { storageState: e2e.adminState, ...DESKTOP },
    ))

  for (const [lang, size, options] of [
    ['en', 390, PHONE],
    ['en', 1366, DESKTOP],
    ['fi', 390, PHONE],
    ['fi', 1366, DESKTOP],
  ]) {
    test(`the pages at ${size} px in ${lang === 'en' ? 'English' : 'Finnish'}`, async () => {
      await withPage(
        e2e.browser,
        `approvals-${lang}-${size}`,
        async (page) => {
          await page.goto('/approvals')
          if (lang === 'fi') await page.getByLabel('Language').selectOption('fi')
          await expect(page.getByRole('heading', { level: 1, name: lang === 'fi' ? 'Hyväksynnät' : 'Approvals' })).toBeVisible()
          const kettle = page.locator('li.approval').filter({ hasText: cases.kettle })
          const amount = await kettle.getByTestId('approval-amount').innerText()
          assert.equal(amount.replace(/[\u00a0\u202f]/g, ' '), lang === 'fi' ? '1 000,50 €' : '€1,000.50')
          await checkA11y(page, `Approvals, ${lang} ${size}`)
          await noSideways(page, `Approvals, ${lang} ${size}`)
          await page.screenshot({ path: join(screens, `approvals-${lang}-${size}.png`), fullPage: true })
          await kettle.getByTestId('approval-decide').click()
          await page.getByTestId('decision-change').check()
          // The dialog's title keeps the case reference on one line (the Finnish title broke
          // it after "K-" at 390 px).
          const title = page.getByRole('dialog').locator('.dialog__title')
          await expect(title).toContainText(cases.kettle)
          const referenceLines = await title.evaluate((h, ref) => {
            const walker = document.createTreeWalker(h, NodeFilter.SHOW_TEXT)
            for (let node = walker.nextNode(); node; node = walker.nextNode()) {
              const at = node.textContent.indexOf(ref)
              if (at < 0) continue
              const range = document.createRange()
              range.setStart(node, at)
              range.setEnd(node, at + ref.length)
              return new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size
            }
            return 0
          }, cases.kettle)
          assert.equal(referenceLines, 1, `the reference ${cases.kettle} in "${await title.innerText()}" takes ${referenceLines} lines`)
          await page.screenshot({ path: join(screens, `approval-decision-${lang}-${size}.png`) })
          await page.keyboard.press('Escape')
          if (lang === 'fi') await page.getByLabel('Kieli').selectOption('en')
        },
        { storageState: managerState, ...options },
      )
      await withPage(
        e2e.browser,
        `resolution-options-${lang}-${size}`,
        async (page) => {
          await page.goto('/admin/resolution-options')
          if (lang === 'fi') await page.getByLabel('Language').selectOption('fi')
          await expect(page.getByRole('heading', { level: 1, name: lang === 'fi' ? 'Ratkaisuvaihtoehdot' : 'Resolution options' })).toBeVisible()
          await expect(page.locator('tr[data-option]').first()).toBeVisible()
          await checkA11y(page, `Resolution options, ${lang} ${size}`)
          await noSideways(page, `Resolution options, ${lang} ${size}`)
          await page.screenshot({ path: join(screens, `resolution-options-${lang}-${size}.png`), fullPage: true })
          await page.locator('tr[data-option=partial_refund]').getByRole('button').click()
          await page.screenshot({ path: join(screens, `resolution-option-form-${lang}-${size}.png`) })
          await page.keyboard.press('Escape')
          await page.goto('/admin/users')
          await page.locator('button', { hasText: lang === 'fi' ? 'Muokkaa' : 'Edit' }).filter({ hasText: 'Aino Agent' }).first().click()
          await page.getByTestId('user-monthly-limit').scrollIntoViewIfNeeded()
          await page.screenshot({ path: join(screens, `user-monthly-limit-${lang}-${size}.png`) })
          await page.keyboard.press('Escape')
          if (lang === 'fi') await page.getByLabel('Kieli').selectOption('en')
        },
        { storageState: e2e.adminState, ...options },
      )
    })
  }

  test('a manager adds an “approval requested” rule with “amount over” in the rule editor', () =>
    withPage(
      e2e.browser,
      'approval-rule',
      async (page) => {
        await page.goto('/admin/rules/new')
        await page.getByLabel('Name', { exact: true }).fill(`Big goodwill ${stamp}`)
        await page.getByLabel('Trigger').selectOption('approval_requested')
        await page.getByRole('button', { name: 'Add a condition' }).click()
        const cond = page.locator('[data-condition="0"]')
        await cond.getByLabel('Field').selectOption('amount_minor')
        await cond.getByLabel('Comparison').selectOption('gt')
        await cond.getByLabel('Amount').fill('1 000,50')
        await page.locator('[data-action="0"]').getByLabel('Type').selectOption('add_tag')
        await page.locator('[data-action="0"]').getByLabel('Tag').fill('big-remedy')
        await checkA11y(page, 'approval rule form')
        await page.screenshot({ path: join(screens, 'rule-approval-amount-en-1366.png'), fullPage: true })
        const [saved] = await Promise.all([
          page.waitForResponse((r) => r.url().endsWith('/api/v1/rules') && r.request().method() === 'POST'),
          page.getByTestId('rule-save').click(),
        ])
        assert.equal(saved.status(), 201, await saved.text())
        const body = (await saved.json()).data
        assert.deepEqual(body.trigger, { type: 'approval_requested' })
        assert.deepEqual(body.conditions, [{ field: 'amount_minor', op: 'gt', value: 100050 }])
        await expect(page.locator(`[data-rule="${body.id}"]`)).toContainText('Amount is above 1000.50')
      },
      { storageState: managerState, ...DESKTOP },
    ))
  test('the case page shows a request waiting for approval, then its outcome', async () => {
    // Runs last: its requests would change the counts the approvals tests above expect.
    const created = await api(agentState, 'POST', '/cases', {
      subject: `Dented table ${stamp}`, description: 'The corner is dented.', expected_outcome: 'refund',
      customer: { name: 'Liisa Virtanen', email: `liisa.${stamp}@example.org` },
    })
    assert.equal(created.status, 201, JSON.stringify(created.body))
    const caseId = created.body.data.id
    let approvalId
    await withPage(
      e2e.browser,
      'case-approval-request',
      async (page) => {
        await page.goto(`/cases/${caseId}`)
        const card = page.getByTestId('grant-panel')
        await card.getByTestId('grant-option').selectOption('goodwill')
        await card.getByTestId('grant-amount').fill('75')
        const [asked] = await Promise.all([
          page.waitForResponse((r) => r.url().endsWith(`/cases/${caseId}/resolution`) && r.request().method() === 'POST'),
          card.getByTestId('grant-submit').click(),
        ])
        assert.equal(asked.status(), 202, await asked.text())
        approvalId = (await asked.json()).data.approval.id
        const request = card.getByTestId('approval-requests').locator('li')
        await expect(request).toHaveCount(1)
        await expect(request).toContainText('Goodwill gesture')
        await expect(request).toContainText('€75.00')
        await expect(request).toContainText('Waiting for approval')
        await expect(request).toContainText('asked by Aino Agent')
        await expect(card.getByTestId('grant-list')).toHaveCount(0)
        await checkA11y(page, 'case remedies card with a request')

        // A second request, refused with a reason: the card says so.
        const refused = await api(agentState, 'POST', `/cases/${caseId}/resolution`, { option_id: 'voucher', amount_minor: 9000 })
        assert.equal(refused.status, 202, JSON.stringify(refused.body))
        const no = await api(managerState, 'POST', `/approvals/${refused.body.data.approval.id}/decision`, { action: 'reject', comment: 'A voucher was sent already.', version: 1 })
        assert.equal(no.status, 200, JSON.stringify(no.body))
        await page.reload()
        await expect(request).toHaveCount(2)
        await expect(request.nth(1)).toContainText('Refused')
        await expect(request.nth(1)).toContainText('refused by Matti Manager')
        await expect(request.nth(1)).toContainText('A voucher was sent already.')

        for (const [lang, width] of [['en', 390], ['en', 1366], ['fi', 390], ['fi', 1366]]) {
          await page.setViewportSize({ width, height: 900 })
          if (lang === 'fi') {
            await page.getByLabel('Language').selectOption('fi')
            await expect(request.first()).toContainText('Odottaa hyväksyntää')
            await expect(request.first()).toContainText('Hyvityseleenä annettava korvaus')
            await expect(request.first()).toContainText('75,00 €')
          }
          await noSideways(page, `case remedies card, ${lang} ${width}`)
          await card.screenshot({ path: join(screens, `case-approval-request-${lang}-${width}.png`) })
          if (lang === 'fi') await page.getByLabel('Kieli').selectOption('en')
        }
      },
      { storageState: agentState, ...DESKTOP },
    )

    const yes = await api(managerState, 'POST', `/approvals/${approvalId}/decision`, { action: 'approve', version: 1 })
    assert.equal(yes.status, 200, JSON.stringify(yes.body))
    await withPage(
      e2e.browser,
      'case-approval-granted',
      async (page) => {
        await page.goto(`/cases/${caseId}`)
        const card = page.getByTestId('grant-panel')
        const grant = card.getByTestId('grant-list').locator('li')
        await expect(grant).toHaveCount(1)
        await expect(grant).toContainText('Goodwill gesture')
        await expect(grant).toContainText('€75.00')
        await expect(grant).toContainText('approved by Matti Manager')
        // Only the refused request is left among the requests; the approved one is the grant.
        await expect(card.getByTestId('approval-requests').locator('li')).toHaveCount(1)
        await expect(card.getByTestId('approval-requests')).toContainText('Refused')
        await card.screenshot({ path: join(screens, 'case-approval-granted-en-1366.png') })
      },
      { storageState: agentState, ...DESKTOP },
    )
  })
})
