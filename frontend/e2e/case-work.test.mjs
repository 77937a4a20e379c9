// Working on a case: internal notes stay inside the team, and two people
// changing one case never overwrite each other silently (409 → reload).
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { expect } from './expect.mjs'
import { login, sharedBrowser, staffApi, withPage } from './browser.mjs'

const e2e = sharedBrowser()
const stamp = Date.now().toString(36)

describe('case work', () => {
  test('an internal note never reaches the customer; the reply does', async () => {
    // The customer files through the public API (the form has its own tests),
    // twice: the second case knows the first.
    const file = (key, description) =>
      withPage(e2e.browser, `note-file-${key}`, async (page) => {
        const response = await page.request.post('/api/v1/complaints', {
          headers: { 'Idempotency-Key': `note-${key}-${stamp}` },
          data: {
            name: 'Noora Note',
            email: `noora.${stamp}@example.org`,
            category: 'service',
            touchpoint: 'phone',
            description,
            expected_outcome: 'explanation',
          },
        })
        assert.equal(response.status(), 201, await response.text())
        return (await response.json()).data
      })
    const earlier = await file('first', 'My order was late last month as well.')
    const receipt = await file('second', `The person on the phone promised a call back that never came (${stamp}).`)

    const note = `Internal only ${stamp}: customer is a long-time VIP, check the call log.`
    const reply = `We are sorry ${stamp}; your call back is booked for tomorrow at 10.`

    await withPage(
      e2e.browser,
      'note-agent',
      async (page) => {
        await page.goto(`/cases/${receipt.reference}`)
        await expect(page.getByTestId('case-description')).toContainText('promised a call back')
        const history = page.getByTestId('customer-history')
        // Neither "earlier" (the other case may be newer) nor "1 earlier cases".
        await expect(history).toContainText('Returning customer: 1 other case')
        await expect(history.getByRole('link', { name: 'My order was late last month as well.' })).toHaveAttribute('href', `/cases/${earlier.reference}`)

        await page.getByRole('radio', { name: 'Internal note' }).check()
        await expect(page.getByTestId('composer')).toContainText('Only staff see this; never shown to the customer.')
        await page.getByTestId('composer-text').fill(note)
        await page.getByRole('button', { name: 'Add note' }).click()
        await expect(page.locator('.message--note')).toContainText(note)
        await expect(page.locator('.message--note')).toContainText('Only staff see this; never shown to the customer.')

        // The first case names the later one as another case of this customer.
        await page.goto(`/cases/${earlier.reference}`)
        await expect(page.getByTestId('customer-history')).toContainText('Returning customer: 1 other case')
        await expect(page.getByTestId('customer-history').getByRole('link', { name: /promised a call back/ })).toBeVisible()
        // One search hit is "1 result", not "1 results".
        await page.goto(`/inbox?view=all&q=${stamp}`)
        await expect(page.getByTestId('results-line')).toHaveText(/^1 result for /)
        await page.goto(`/cases/${receipt.reference}`)

        await page.getByRole('radio', { name: 'Reply', exact: true }).check()
        await page.getByTestId('composer-text').fill(reply)
        await page.getByTestId('send-waiting').click()
        await expect(page.locator('.message--reply')).toContainText(reply)
        await expect(page.locator('.case__badges')).toContainText('Waiting')
        assert.equal(await page.getByTestId('status').inputValue(), 'waiting')
      },
      { storageState: e2e.adminState },
    )

    await withPage(e2e.browser, 'note-customer', async (page) => {
      const [api] = await Promise.all([
        page.waitForResponse((r) => r.url().endsWith('/api/v1/track/session') && r.request().method() === 'POST'),
        page.goto(new URL(receipt.tracking_url).pathname),
      ])
      await expect(page.getByTestId('track-messages')).toContainText(reply)
      await expect(page.getByTestId('track-status')).toHaveText('Waiting for your reply')
      const text = await page.locator('main').innerText()
      assert.ok(!text.includes(note), 'the note is not on the tracking page')
      assert.ok(!text.includes(stamp + ': customer is'), 'no part of the note is shown')
      assert.ok(!(await api.text()).includes('Internal only'), 'the note is not in the tracking API answer')
    })
  })

  test('two people change one case: the second gets the conflict message and reloads', async () => {
    // An agent (second person) and a case.
    const { caseId, agent } = await withPage(
      e2e.browser,
      'conflict-seed',
      async (page) => {
        await page.goto('/inbox')
        const agent = { email: `conflict.${stamp}@example.com`, password: 'Agent-Passphrase-5150-long', name: `Carl Conflict ${stamp}` }
        const { response: u } = await staffApi(page, 'POST', '/users', {
          email: agent.email,
          name: agent.name,
          role: 'agent',
          password: agent.password,
          team_ids: [],
          authority_limit_cents: 0,
          locale: 'en',
        })
        assert.equal(u.status(), 201, await u.text())
        const { response } = await staffApi(page, 'POST', '/cases', {
          subject: `Conflict case ${stamp}`,
          description: 'Two people will edit me.',
          customer: { name: 'Cora Customer', email: `cora.${stamp}@example.org` },
          channel: 'phone',
        })
        assert.equal(response.status(), 201, await response.text())
        return { caseId: (await response.json()).data.id, agent }
      },
      { storageState: e2e.adminState },
    )

    await withPage(e2e.browser, 'conflict-agent', async (agentPage) => {
      await login(agentPage, agent.email, agent.password)
      await agentPage.goto(`/cases/${caseId}`)
      await expect(agentPage.getByRole('heading', { level: 1, name: `Conflict case ${stamp}` })).toBeVisible()

      await withPage(
        e2e.browser,
        'conflict-admin',
        async (adminPage) => {
          // The admin's live stream is down, so their page does not learn of the agent's change.
          await adminPage.route('**/api/v1/events', (route) => route.abort())
          await adminPage.goto(`/cases/${caseId}`)
          await expect(adminPage.getByRole('heading', { level: 1, name: `Conflict case ${stamp}` })).toBeVisible()
          // Both see each other (presence).
          await expect(agentPage.getByTestId('presence')).toContainText('Also viewing')

          // The agent changes the priority first.
          const [first] = await Promise.all([
            agentPage.waitForResponse((r) => r.url().endsWith(`/cases/${caseId}`) && r.request().method() === 'PATCH'),
            agentPage.getByTestId('priority').selectOption('urgent'),
          ])
          assert.equal(first.status(), 200, await first.text())

          // The admin, still on the old version, writes a draft and changes the status.
          await adminPage.getByTestId('composer-text').fill(`Draft that must survive ${stamp}`)
          const [second] = await Promise.all([
            adminPage.waitForResponse((r) => r.url().endsWith(`/cases/${caseId}`) && r.request().method() === 'PATCH'),
            adminPage.getByTestId('status').selectOption('waiting'),
          ])
          assert.equal(second.status(), 409)
          assert.equal((await second.json()).error.code, 'version_conflict')
          const conflict = adminPage.getByTestId('conflict')
          await expect(conflict).toContainText('Someone else changed this case.')
          await expect(conflict).toContainText('Reload to see their change')
          // Nothing was overwritten: the status select shows the case's real status again.
          assert.equal(await adminPage.getByTestId('status').inputValue(), 'new')

          await adminPage.getByTestId('conflict-reload').click()
          await expect(conflict).toHaveCount(0)
          assert.equal(await adminPage.getByTestId('priority').inputValue(), 'urgent')
          await expect(adminPage.getByTestId('timeline')).toContainText(`${agent.name} changed the priority`)
          assert.equal(await adminPage.getByTestId('composer-text').inputValue(), `Draft that must survive ${stamp}`)

          // The agent is writing when the admin's change goes through: the agent's
          // page shows the change live and keeps the draft.
          await agentPage.getByTestId('composer-text').fill(`Agent draft ${stamp}`)
          const [third] = await Promise.all([
            adminPage.waitForResponse((r) => r.url().endsWith(`/cases/${caseId}`) && r.request().method() === 'PATCH'),
            adminPage.getByTestId('status').selectOption('waiting'),
          ])
          assert.equal(third.status(), 200, await third.text())
          await expect(agentPage.getByTestId('external-update')).toContainText('Someone else updated this case')
          await expect(agentPage.locator('.case__badges')).toContainText('Waiting')
          assert.equal(await agentPage.getByTestId('composer-text').inputValue(), `Agent draft ${stamp}`)
        },
        { storageState: e2e.adminState },
      )
    })
  })
})
