// The follow-up loop and promises: a resolved case's check mail, answered "no" on its
// one-page check, reopens the case in the agent's view with the follow_up_failed rule fired;
// a promise close to its time prompts the agent to tell the customer about the delay.
import { before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { expect } from './expect.mjs'
import { ARTIFACTS, staffApi, withPage, sharedBrowser } from './browser.mjs'

const e2e = sharedBrowser()
const stamp = Date.now().toString(36)
const SHOTS = join(ARTIFACTS, 'followups')

before(async () => {
  mkdirSync(SHOTS, { recursive: true })
})

/** Waits until find() returns something (a background worker writes the mail). */
async function eventually(what, find, timeout = 30_000) {
  const deadline = Date.now() + timeout
  for (let wait = 100; ; wait = Math.min(wait * 2, 1000)) {
    const found = await find()
    if (found) return found
    if (Date.now() > deadline) assert.fail(`waited ${timeout} ms for ${what}`)
    await new Promise((r) => setTimeout(r, wait))
  }
}

async function fileComplaint(page, who) {
  const response = await page.request.post('/api/v1/complaints', {
    headers: { 'Idempotency-Key': `${who}-${stamp}` },
    data: {
      name: 'Aino Asiakas',
      email: `${who}.${stamp}@example.org`,
      category: 'delivery',
      touchpoint: 'delivery',
      description: `The sofa ${stamp} arrived with a torn cover.`,
      expected_outcome: 'repair',
      locale: 'fi',
    },
  })
  assert.equal(response.status(), 201, await response.text())
  return (await response.json()).data.reference
}

describe('follow-up check and promises', () => {
  test('a follow-up mail answered "no" reopens the case for its agent and fires the rule', () =>
    withPage(
      e2e.browser,
      'followup-no',
      async (agent) => {
        const rule = `Fix failed ${stamp}`
        const created = await staffApi(agent, 'POST', '/rules', {
          name: rule,
          trigger: { type: 'follow_up_failed' },
          actions: [{ type: 'add_tag', tag: `fix-failed-${stamp}` }],
        })
        assert.equal(created.response.status(), 201, await created.response.text())
        const reference = await fileComplaint(agent, 'followup')

        // The agent takes the case and resolves it with a reply.
        const got = await staffApi(agent, 'GET', `/cases/${reference}`)
        const { version } = (await got.response.json()).data
        const me = got.user
        const assigned = await staffApi(agent, 'PATCH', `/cases/${reference}`, { version, assignee_id: me.id })
        assert.equal(assigned.response.status(), 200, await assigned.response.text())
        const resolved = await staffApi(agent, 'POST', `/cases/${reference}/messages`, { kind: 'reply', body: 'We repair the cover on Monday.', status: 'resolved' })
        assert.equal(resolved.response.status(), 201, await resolved.response.text())

        // The customer gets the resolution notice and, at the next sweep, the check (in Finnish).
        const mails = async () => (await (await staffApi(agent, 'GET', '/mail/outbox')).response.json()).data
        const check = await eventually('the follow-up check mail', async () =>
          (await mails()).find((m) => m.case_id === reference && m.subject.startsWith('Ratkesiko asia?')),
        )
        assert.ok((await mails()).some((m) => m.case_id === reference && m.subject === `Asiasi ${reference} on ratkaistu`), 'the resolution notice')
        const full = (await (await staffApi(agent, 'GET', `/mail/outbox/${check.id}`)).response.json()).data
        const link = full.message?.text?.match(/https?:\/\/\S+\?check=1/)?.[0] ?? full.text?.match(/https?:\/\/\S+\?check=1/)?.[0]
        assert.ok(link, `the check mail links to the check: ${JSON.stringify(full).slice(0, 400)}`)
        const { pathname, search } = new URL(link)

        for (const [name, viewport] of [
          ['phone', { width: 390, height: 844 }],
          ['desktop', { width: 1366, height: 900 }],
        ]) {
          await withPage(
            e2e.browser,
            `followup-check-${name}`,
            async (customer) => {
              await customer.goto(pathname + search)
              await customer.waitForURL(new RegExp(`/track/${reference}\\?check=1$`))
              // One page: the question, in the case's language, without the conversation.
              await expect(customer.getByRole('heading', { name: 'Korjaantuiko asia?' })).toBeVisible()
              assert.equal(await customer.getByTestId('track-messages').count(), 0)
              await customer.screenshot({ path: join(SHOTS, `check-fi-${name}.png`), fullPage: true })
              if (name === 'desktop') {
                await customer.locator('#fu-no').check()
                await customer.locator('#fu-rating-2').check()
                await customer.getByLabel('Haluatko kertoa vielä jotain?').fill('Päällinen on yhä rikki.')
                await customer.getByTestId('follow-up-submit').click()
                await expect(customer.getByTestId('follow-up-thanks')).toBeVisible()
                await customer.screenshot({ path: join(SHOTS, `check-thanks-fi-${name}.png`), fullPage: true })
              }
            },
            { viewport },
          )
        }

        // The agent's view: open again, priority raised, back with the agent, the rule fired.
        await agent.goto(`/cases/${reference}`)
        await expect(agent.locator('.case__badges')).toContainText('Open')
        await expect(agent.locator('.case__badges')).toContainText('High')
        await expect(agent.getByTestId('assigned-to')).toContainText('(you)')
        await expect(agent.getByTestId('timeline')).toContainText(`Rule “${rule}” fired`)
        await expect(agent.getByTestId('timeline')).toContainText('answered the follow-up: Not solved, 2/5 stars')
        await agent.screenshot({ path: join(SHOTS, 'case-reopened-en-desktop.png'), fullPage: true })
      },
      { storageState: e2e.adminState, viewport: { width: 1366, height: 900 } },
    ))

  test('a promise close to its time prompts the agent to tell the customer', async () => {
    let reference
    await withPage(
      e2e.browser,
      'promise-setup',
      async (agent) => {
        reference = await fileComplaint(agent, 'promise')
        const due = new Date(Date.now() + 20 * 60_000).toISOString()
        const made = await staffApi(agent, 'POST', `/cases/${reference}/promises`, { text: `We call you by noon ${stamp}`, due_at: due })
        assert.equal(made.response.status(), 201, await made.response.text())
      },
      { storageState: e2e.adminState },
    )
    // Finnish first (it only looks), then English tells the customer.
    for (const [lang, locale, viewport] of [
      ['fi', 'fi-FI', { width: 390, height: 844 }],
      ['en', 'en-US', { width: 1366, height: 900 }],
    ]) {
      await withPage(
        e2e.browser,
        `promise-prompt-${lang}`,
        async (agent) => {
          // The page's clock is a quarter of an hour on: past the reminder (halfway to a
          // 20-minute promise), before the promised time.
          await agent.addInitScript((l) => localStorage.setItem('kaiku.locale', l), lang)
          await agent.clock.setFixedTime(new Date(Date.now() + 15 * 60_000))
          await agent.goto(`/cases/${reference}`)
          const promise = agent.getByTestId('promise').first()
          await expect(promise).toContainText(`We call you by noon ${stamp}`)
          await expect(promise.getByTestId('promise-prompt')).toBeVisible()
          await promise.getByTestId('promise-prompt').scrollIntoViewIfNeeded()
          await agent.screenshot({ path: join(SHOTS, `promise-prompt-${lang}.png`), fullPage: true })
          if (lang === 'fi') {
            await expect(promise.getByTestId('promise-tell-delay')).toHaveText('Kerro asiakkaalle viivästyksestä')
            return
          }
          await expect(promise.getByTestId('promise-tell-delay')).toHaveText('Tell the customer about the delay')
          const later = new Date(Date.now() + 26 * 3600_000)
          const local = new Date(later.getTime() - later.getTimezoneOffset() * 60_000).toISOString().slice(0, 16)
          await promise.getByTestId('promise-new-time').fill(local)
          await promise.getByTestId('promise-tell-delay').click()
          await expect(promise.getByTestId('promise-prompt')).toBeHidden()
          await expect(agent.getByTestId('timeline')).toContainText('told the customer')
          const mail = await eventually('the delay mail', async () =>
            ((await (await staffApi(agent, 'GET', '/mail/outbox')).response.json()).data ?? []).find(
              (m) => m.case_id === reference && m.subject === `Uusi aika asiassasi ${reference}`,
            ),
          )
          assert.ok(mail)
        },
        { storageState: e2e.adminState, locale, viewport },
      )
    }
  })
})
