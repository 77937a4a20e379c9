// The whole loop: a customer files a complaint with a photo; it appears in the
// agent's Unassigned view live; the agent claims and answers it; the customer
// sees the answer on the tracking page and replies; the agent's open case page
// shows the customer's message live.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect } from './expect.mjs'
import { pngFile, withPage, sharedBrowser } from './browser.mjs'

const e2e = sharedBrowser()
let dir
const stamp = Date.now().toString(36)

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kaiku-e2e-files-'))
})

after(async () => {
  if (dir) rmSync(dir, { recursive: true, force: true })
})

describe('complaint to answer and back', () => {
  test('a complaint reaches the inbox live, is claimed and answered, and the customer replies', () =>
    withPage(
      e2e.browser,
      'loop-agent',
      async (agent) => {
        await agent.goto('/inbox')
        await expect(agent.getByRole('tab', { selected: true })).toHaveText(/^Unassigned/)
        await expect(agent.locator('[data-testid=case-list], [data-testid=inbox-empty]')).toBeVisible()
        // The live stream is open before the customer files.
        await expect(agent.locator('.live-dot.is-on')).toBeVisible()
        await agent.evaluate(() => {
          window.__sameDocument = true
        })

        const description = `The kettle ${stamp} arrived with a cracked lid.\nThe box was fine.`
        const replyText = `Hello! We are sending a new kettle today (${stamp}).`
        const customerReply = `Thank you, the new kettle ${stamp} works.`

        const tracking = await withPage(e2e.browser, 'loop-customer', async (customer) => {
          await customer.goto('/complain')
          await expect(customer.getByRole('heading', { level: 1, name: 'File a complaint' })).toBeVisible()
          await customer.getByLabel('Your name').fill('Liisa Loop')
          await customer.getByLabel('Email').fill(`liisa.${stamp}@example.org`)
          await customer.getByLabel('Phone').fill('+358 40 123 4567')
          await customer.getByLabel('What does it concern?').selectOption('product')
          await customer.getByLabel('Where did it happen?').selectOption('delivery')
          await customer.getByLabel('Order or reference number').fill(`ORD-${stamp}`)
          await customer.getByLabel('What happened?').fill(description)
          await customer.getByLabel('Replacement').check()
          await customer.getByTestId('file-input').setInputFiles(pngFile(dir, 'lid.png'))
          await expect(customer.locator('.file-list__item')).toContainText('lid.png')

          const [response] = await Promise.all([
            customer.waitForResponse((r) => r.url().endsWith('/api/v1/complaints') && r.request().method() === 'POST'),
            customer.getByTestId('complaint-submit').click(),
          ])
          assert.equal(response.status(), 201, await response.text())
          assert.match(response.request().headers()['idempotency-key'] ?? '', /^[0-9a-f-]{36}$/)

          await expect(customer.getByTestId('complaint-success')).toBeVisible()
          const reference = (await customer.getByTestId('complaint-reference').innerText()).trim()
          assert.match(reference, /^K-\d{4}-\d{6}$/)
          await expect(customer.getByTestId('complaint-promise')).toContainText(/We will answer by (Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)( \d+ [A-Z][a-z]+)? \d\d:\d\d\./)
          const url = await customer.getByTestId('tracking-link').inputValue()
          // The receipt's link: the reference, a dot and the secret.
          assert.ok(url.includes(`/track/${reference}.`), url)
          assert.match(url, /\/track\/K-\d{4}-\d{6}\.[A-Z2-7]{52,}$/)
          return { reference, path: new URL(url).pathname }
        })

        // The new case appears in Unassigned without reloading the page.
        const row = agent.locator(`[data-case="${tracking.reference}"]`)
        await expect(row).toBeVisible()
        await expect(row).toContainText(`The kettle ${stamp} arrived with a cracked lid.`)
        assert.equal(await agent.evaluate(() => window.__sameDocument), true, 'the inbox was not reloaded')

        await row.getByRole('link').click()
        await agent.waitForURL(new RegExp(`/cases/${tracking.reference}$`))
        await expect(agent.getByTestId('case-description')).toContainText(`The kettle ${stamp}`)
        await expect(agent.getByTestId('customer-panel')).toContainText(`liisa.${stamp}@example.org`)
        await expect(agent.getByTestId('customer-panel')).toContainText('Replacement')
        const photo = agent.getByRole('link', { name: /lid\.png/ }).first()
        await expect(photo).toBeVisible()
        const download = await agent.request.get(await photo.getAttribute('href'))
        assert.equal(download.status(), 200)
        assert.match(download.headers()['content-disposition'] ?? '', /^attachment/)

        await agent.getByTestId('claim').click()
        await expect(agent.getByTestId('assigned-to')).toContainText('(you)')
        // Claiming assigns and opens the case: one person's changes within a minute show as one
        // entry of the quieter timeline.
        await expect(agent.getByTestId('timeline')).toContainText('to Administrator (you)')

        await agent.getByTestId('composer-text').fill(replyText)
        const [sent] = await Promise.all([
          agent.waitForResponse((r) => r.url().endsWith('/messages') && r.request().method() === 'POST'),
          agent.getByTestId('send').click(),
        ])
        assert.equal(sent.status(), 201, await sent.text())
        await expect(agent.locator('.message--reply').last()).toContainText(replyText)
        await expect(agent.getByTestId('composer-text')).toHaveAttribute('aria-describedby', /composer-hint/)

        // The customer sees the answer and writes back.
        await withPage(e2e.browser, 'loop-customer-reply', async (customer) => {
          await customer.goto(tracking.path)
          // The token is exchanged for the case's cookie and leaves the address bar.
          await customer.waitForURL(new RegExp(`/track/${tracking.reference}$`))
          await expect(customer.getByTestId('track-reference')).toHaveText(tracking.reference)
          await expect(customer.getByTestId('track-status')).toHaveText('Being handled')
          await expect(customer.getByTestId('track-messages')).toContainText(replyText)
          await expect(customer.locator('.chat__item--support')).toContainText('Customer service')
          const file = customer.getByRole('link', { name: /lid\.png/ })
          const fileResponse = await customer.request.get(await file.getAttribute('href'))
          assert.equal(fileResponse.status(), 200)
          assert.equal(fileResponse.headers()['x-content-type-options'], 'nosniff')

          await customer.getByLabel('Your message').fill(customerReply)
          await customer.getByTestId('track-reply-submit').click()
          await expect(customer.getByTestId('reply-sent')).toBeVisible()
          await expect(customer.locator('.chat__item--you').last()).toContainText(customerReply)
        })

        // The agent's open case page shows the customer's message without a reload.
        await expect(agent.locator('.message--customer').last()).toContainText(customerReply)
        assert.equal(await agent.evaluate(() => window.__sameDocument), true, 'the case page was not reloaded')
      },
      { storageState: e2e.adminState },
    ))

  test('a tracking link becomes a cookie for its case alone; the address keeps only the reference', async () => {
    const file = (key) =>
      withPage(e2e.browser, `cookie-file-${key}`, async (page) => {
        const response = await page.request.post('/api/v1/complaints', {
          headers: { 'Idempotency-Key': `cookie-${key}-${stamp}` },
          data: { name: 'Kaisa Cookie', email: `kaisa.${stamp}@example.org`, category: 'product', touchpoint: 'store', description: `Case ${key} ${stamp}: the lamp flickers.`, expected_outcome: 'repair' },
        })
        assert.equal(response.status(), 201, await response.text())
        return (await response.json()).data
      })
    const a = await file('a')
    const b = await file('b')

    await withPage(e2e.browser, 'cookie-customer', async (page, context) => {
      // Every API request the page makes: the token may travel only in the exchange's body.
      const requests = []
      page.on('request', (r) => {
        if (new URL(r.url()).pathname.startsWith('/api/')) requests.push({ method: r.method(), url: r.url(), body: r.postData() ?? '' })
      })
      await page.goto(new URL(a.tracking_url).pathname)
      await page.waitForURL(new RegExp(`/track/${a.reference}$`))
      await expect(page.getByTestId('track-reference')).toHaveText(a.reference)
      const trace = await page.evaluate(() => JSON.stringify([location.href, history.state, history.length]))
      assert.ok(!trace.includes(a.tracking_token), `the token is gone from the address and history: ${trace}`)

      // A second case in the same browser: each cookie is scoped to its own case.
      await page.goto(new URL(b.tracking_url).pathname)
      await page.waitForURL(new RegExp(`/track/${b.reference}$`))
      await expect(page.getByTestId('track-messages')).toContainText(`Case b ${stamp}`)
      const cookies = (await context.cookies()).filter((c) => c.name === 'kaiku_track')
      assert.deepEqual(cookies.map((c) => c.path).sort(), [`/api/v1/track/case/${a.reference}`, `/api/v1/track/case/${b.reference}`].sort())
      for (const c of cookies) {
        assert.equal(c.httpOnly, true)
        assert.equal(c.sameSite, 'Strict')
        assert.ok(c.value.length >= 40 && c.value !== a.tracking_token && c.value !== b.tracking_token)
      }
      assert.ok(!(await page.evaluate(() => document.cookie)).includes('kaiku_track'), 'scripts cannot read the cookie')

      // Both stay open: a reload or a bookmark of the reference needs no token.
      await page.goto(`/track/${a.reference}`)
      await expect(page.getByTestId('track-messages')).toContainText(`Case a ${stamp}`)
      await page.reload()
      await expect(page.getByTestId('track-messages')).toContainText(`Case a ${stamp}`)
      await page.getByLabel('Your message').fill('Still flickering.')
      await page.getByTestId('track-reply-submit').click()
      await expect(page.getByTestId('reply-sent')).toBeVisible()

      // The API refuses a write without the tracking header, cookie or not.
      const forged = await page.request.post(`/api/v1/track/case/${a.reference}/messages`, { data: { body: 'no header' } })
      assert.equal(forged.status(), 403)

      for (const r of requests) {
        const exchange = r.method === 'POST' && new URL(r.url).pathname === '/api/v1/track/session'
        for (const token of [a.tracking_token, b.tracking_token]) {
          assert.ok(!r.url.includes(token), `the token is in no request address: ${r.method} ${r.url}`)
          assert.ok(exchange || !r.body.includes(token), `only the exchange carries the token: ${r.method} ${r.url}`)
        }
      }
      assert.ok(requests.some((r) => new URL(r.url).pathname === `/api/v1/track/case/${a.reference}`), 'the page read the case by reference')

      // An API client uses the token routes: the token in the path is the credential, no header.
      const script = await page.request.post(`/api/v1/track/${a.tracking_token}/messages`, { data: { body: `From a script ${stamp}.` } })
      assert.equal(script.status(), 201, await script.text())
      const read = await page.request.get(`/api/v1/track/${a.tracking_token}`)
      assert.equal(read.status(), 200)
      assert.equal((await read.json()).data.reference, a.reference)
      await page.reload()
      await expect(page.getByTestId('track-messages')).toContainText(`From a script ${stamp}.`)
    })

    // Another browser without the cookie is asked for the link; the link itself still works there.
    await withPage(e2e.browser, 'cookie-other-device', async (page) => {
      await page.goto(`/track/${a.reference}`)
      await expect(page.getByTestId('track-needs-link')).toBeVisible()
      await page.goto(new URL(a.tracking_url).pathname)
      await page.waitForURL(new RegExp(`/track/${a.reference}$`))
      await expect(page.getByTestId('track-messages')).toContainText('Still flickering.')
    })
  })
})
