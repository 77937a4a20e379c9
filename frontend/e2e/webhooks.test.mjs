// Outbound webhooks: an admin adds an endpoint pointing at a receiver this test starts on
// loopback (allowed by KAIKU_WEBHOOK_ALLOW_HOSTS in e2e/run.mjs), sees and copies the secret
// once, sends a test delivery and sees it delivered (the receiver checks the signature with
// that secret), sees a failing endpoint retrying with its error, has a private address
// refused at the URL field, switches an endpoint off, rotates and deletes behind
// confirmations, and picks the endpoint by name in a rule's "Call a webhook" action.
// Screenshots of the page at 390 and 1366 px in English and Finnish go to
// e2e/artifacts/screens/.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { createServer } from 'node:http'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { expect } from './expect.mjs'
import { checkA11y, noSideways, PHONE } from './axe.mjs'
import { ARTIFACTS, staffApi, withPage, sharedBrowser } from './browser.mjs'

const e2e = sharedBrowser()
let receiver
let receiverHost
const received = []
const stamp = Date.now().toString(36)
const crmName = `CRM ${stamp}`
const flakyName = `Flaky ${stamp}`
const spareName = `Spare ${stamp}`
const screens = join(ARTIFACTS, 'screens')
const DESKTOP = { viewport: { width: 1366, height: 900 } }

before(async () => {
  // The receiver: /ok answers 200, /fail 503; every request is kept for the checks.
  receiver = createServer((req, res) => {
    const chunks = []
    req.on('data', (c) => chunks.push(c))
    req.on('end', () => {
      received.push({ path: req.url, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') })
      res.statusCode = req.url.startsWith('/fail') ? 503 : 200
      res.end(req.url.startsWith('/fail') ? 'maintenance' : 'ok')
    })
  })
  await new Promise((resolve) => receiver.listen(0, '127.0.0.1', resolve))
  receiverHost = `127.0.0.1:${receiver.address().port}`
  mkdirSync(screens, { recursive: true })
})

after(async () => {
  await new Promise((resolve) => (receiver ? receiver.close(resolve) : resolve()))
})

const card = (page, name) => page.locator('li.webhook').filter({ has: page.getByRole('heading', { level: 3, name }) })

async function addEndpoint(page, name, url) {
  await page.getByLabel('Name', { exact: true }).fill(name)
  await page.getByLabel('URL', { exact: true }).fill(url)
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith('/api/v1/webhooks') && r.request().method() === 'POST'),
    page.getByTestId('webhook-create-submit').click(),
  ])
  return response
}

describe('webhooks', () => {
  test('an admin adds an endpoint, sees the secret once, tests it and picks it in a rule', () =>
    withPage(
      e2e.browser,
      'webhooks-admin',
      async (page, context) => {
        await context.grantPermissions(['clipboard-read', 'clipboard-write'])
        await page.goto('/inbox')
        await page.getByTestId('admin-menu').click()
        await page.getByRole('link', { name: 'Webhooks' }).click()
        await expect(page.getByRole('heading', { level: 1, name: 'Webhooks' })).toBeVisible()

        // A private address is refused at the URL field, in words a person understands.
        let response = await addEndpoint(page, crmName, 'http://10.0.0.1/hook')
        assert.equal(response.status(), 400, await response.text())
        await expect(page.getByTestId('webhook-create').locator('.field__error')).toContainText(
          'This address is on a private, loopback or link-local network',
        )
        assert.equal(await page.getByLabel('URL', { exact: true }).getAttribute('aria-invalid'), 'true')

        // Created: the secret is shown once, with a copy button.
        response = await addEndpoint(page, crmName, `http://${receiverHost}/ok`)
        assert.equal(response.status(), 201, await response.text())
        const panel = page.getByTestId('webhook-secret')
        await expect(panel).toContainText(`The signing secret of “${crmName}”`)
        const secret = await panel.getByLabel('Signing secret').inputValue()
        assert.match(secret, /^whsec_[0-9a-f]{64}$/)
        await page.screenshot({ path: join(screens, 'webhooks-secret-en-1366.png') })
        await panel.getByRole('button', { name: 'Copy' }).click()
        await expect(panel).toContainText('Copied to the clipboard')
        assert.equal(await page.evaluate(() => navigator.clipboard.readText()), secret)
        await panel.getByRole('button', { name: 'I have copied it' }).click()
        await expect(panel).toBeHidden()
        await page.reload()
        await expect(card(page, crmName)).toBeVisible()
        assert.ok(!(await page.content()).includes(secret), 'the secret must not be shown again')
        await expect(card(page, crmName)).toContainText(`whsec_••••••••${secret.slice(-4)}`)

        // A test delivery: queued, sent signed with that secret, and delivered.
        await card(page, crmName).getByTestId('webhook-test').click()
        await expect(page.getByTestId('flash')).toContainText(`A test delivery to “${crmName}” is on its way`)
        const crmDeliveries = card(page, crmName).getByTestId('webhook-deliveries')
        await expect(crmDeliveries.getByTestId('delivery-status').first()).toHaveText('Delivered')
        await expect(crmDeliveries.locator('tbody tr').first()).toContainText('Test delivery')
        await expect(crmDeliveries.getByTestId('delivery-response').first()).toHaveText('HTTP 200')
        await expect(crmDeliveries.locator('tbody tr').first()).toContainText('1 of 8')
        const ping = received.find((r) => r.path === '/ok')
        assert.ok(ping, 'the receiver got the test delivery')
        assert.equal(ping.headers['x-kaiku-event'], 'ping')
        const expected = `sha256=${createHmac('sha256', secret).update(`${ping.headers['x-kaiku-timestamp']}.${ping.body}`).digest('hex')}`
        assert.equal(ping.headers['x-kaiku-signature'], expected, 'signed with the secret shown once')
        assert.equal(JSON.parse(ping.body).endpoint.name, crmName)

        // A failing endpoint: the test waits for a retry, with the answer and the next time.
        response = await addEndpoint(page, flakyName, `http://${receiverHost}/fail`)
        assert.equal(response.status(), 201)
        await page.getByTestId('webhook-secret').getByRole('button', { name: 'I have copied it' }).click()
        await card(page, flakyName).getByTestId('webhook-test').click()
        const flakyDeliveries = card(page, flakyName).getByTestId('webhook-deliveries')
        await expect(flakyDeliveries.getByTestId('delivery-status').first()).toHaveText('Retrying')
        await expect(flakyDeliveries.getByTestId('delivery-response').first()).toContainText('HTTP 503')
        await expect(flakyDeliveries.locator('tbody tr').first()).toContainText('1 of 8')
        assert.notEqual(await flakyDeliveries.locator('tbody tr').first().locator('td').nth(5).locator('time').count(), 0, 'a next retry time')

        await checkA11y(page, 'Webhooks, desktop')
        await noSideways(page, 'Webhooks, desktop')
        await page.setViewportSize(DESKTOP.viewport)
        await page.screenshot({ path: join(screens, 'webhooks-en-1366.png'), fullPage: true })

        // Rotate behind a confirmation: the new secret is shown once.
        await card(page, flakyName).getByTestId('webhook-rotate').click()
        const rotateDialog = page.getByRole('dialog', { name: 'Rotate the signing secret?' })
        await rotateDialog.getByTestId('confirm-rotate').click()
        await expect(page.getByTestId('webhook-secret')).toContainText(`The new signing secret of “${flakyName}”`)
        await expect(page.locator('#webhook-secret-heading:focus')).toHaveCount(1)
        const rotated = await page.getByTestId('webhook-secret').getByLabel('Signing secret').inputValue()
        assert.match(rotated, /^whsec_[0-9a-f]{64}$/)
        await page.getByTestId('webhook-secret').getByRole('button', { name: 'I have copied it' }).click()
        await expect(card(page, flakyName)).toContainText(`whsec_••••••••${rotated.slice(-4)}`)

        // Switch off: no test deliveries.
        response = await addEndpoint(page, spareName, `http://${receiverHost}/ok`)
        assert.equal(response.status(), 201)
        await page.getByTestId('webhook-secret').getByRole('button', { name: 'I have copied it' }).click()
        await card(page, spareName).getByRole('switch').click()
        await expect(page.getByTestId('flash')).toContainText(`“${spareName}” is disabled`)
        assert.equal(await card(page, spareName).getByTestId('webhook-test').isDisabled(), true)

        // Edit: a private address is refused at the field; the name change is saved.
        await card(page, spareName).getByRole('button', { name: `Edit ${spareName}` }).click()
        const edit = page.getByTestId('webhook-edit')
        await edit.getByLabel('URL').fill('http://192.168.1.10/hook')
        await edit.getByRole('button', { name: 'Save' }).click()
        await expect(edit.locator('.field__error')).toContainText('private, loopback or link-local network')
        await edit.getByLabel('URL').fill(`http://${receiverHost}/ok`)
        await edit.getByLabel('Name').fill(`${spareName} (old)`)
        await edit.getByRole('button', { name: 'Save' }).click()
        await expect(page.getByTestId('flash')).toContainText(`The endpoint “${spareName} (old)” was saved.`)

        // Delete behind a confirmation.
        await card(page, `${spareName} (old)`).getByTestId('webhook-delete').click()
        const deleteDialog = page.getByRole('dialog', { name: 'Delete the endpoint?' })
        await deleteDialog.getByTestId('confirm-delete').click()
        await expect(page.getByTestId('flash')).toContainText(`The endpoint “${spareName} (old)” was deleted.`)
        await expect(card(page, `${spareName} (old)`)).toHaveCount(0)

        // The rule editor picks the endpoint by name and host instead of a typed id.
        await page.goto('/admin/rules/new')
        await expect(page.getByRole('heading', { level: 1, name: 'New escalation rule' })).toBeVisible()
        const ruleName = `Tell the CRM ${stamp}`
        await page.getByLabel('Name', { exact: true }).fill(ruleName)
        await page.locator('#rule-a0-type').selectOption('webhook')
        const picker = page.getByLabel('Webhook endpoint')
        await picker.selectOption({ label: `${crmName} — ${receiverHost}` })
        await page.screenshot({ path: join(screens, 'rule-webhook-picker-en-1366.png'), fullPage: true })
        const [saved] = await Promise.all([
          page.waitForResponse((r) => r.url().endsWith('/api/v1/rules') && r.request().method() === 'POST'),
          page.getByTestId('rule-save').click(),
        ])
        assert.equal(saved.status(), 201, await saved.text())
        const rule = (await saved.json()).data
        const { response: hooks } = await staffApi(page, 'GET', '/webhooks')
        const crm = (await hooks.json()).data.find((w) => w.name === crmName)
        assert.deepEqual(rule.actions.map((a) => [a.type, a.endpoint_id]), [['webhook', crm.id]])
        await page.waitForURL(/\/admin\/rules$/)
        await expect(page.getByTestId('flash')).toContainText(ruleName)
        const ruleRow = page.getByTestId('rules-table').getByRole('row').filter({ hasText: ruleName })
        await expect(ruleRow).toContainText(`Call a webhook: ${crmName}`)
      },
      { storageState: e2e.adminState, ...DESKTOP },
    ))

  for (const [lang, size, options] of [
    ['en', 390, PHONE],
    ['fi', 390, PHONE],
    ['fi', 1366, DESKTOP],
  ]) {
    test(`the page at ${size} px in ${lang === 'en' ? 'English' : 'Finnish'}`, () =>
      withPage(
        e2e.browser,
        `webhooks-${lang}-${size}`,
        async (page) => {
          await page.goto('/admin/webhooks')
          if (lang === 'fi') await page.getByLabel('Language').selectOption('fi')
          const title = lang === 'fi' ? 'Webhookit' : 'Webhooks'
          await expect(page.getByRole('heading', { level: 1, name: title })).toBeVisible()
          const crm = card(page, crmName)
          await crm.getByTestId('webhook-deliveries-toggle').click()
          await expect(crm.getByTestId('delivery-status').first()).toHaveText(lang === 'fi' ? 'Toimitettu' : 'Delivered')
          const flaky = card(page, flakyName)
          await flaky.getByTestId('webhook-deliveries-toggle').click()
          await expect(flaky.getByTestId('delivery-response').first()).toContainText('HTTP 503')
          await checkA11y(page, `Webhooks, ${lang} ${size}`)
          await noSideways(page, `Webhooks, ${lang} ${size}`)
          await page.screenshot({ path: join(screens, `webhooks-${lang}-${size}.png`), fullPage: true })
          if (lang === 'fi') {
            await page.goto('/admin/rules/new')
            await page.locator('#rule-a0-type').selectOption('webhook')
            await page.getByLabel('Webhook-kohde').selectOption({ label: `${crmName} — ${receiverHost}` })
            await noSideways(page, `Rule editor, ${lang} ${size}`)
            await page.screenshot({ path: join(screens, `rule-webhook-picker-fi-${size}.png`), fullPage: true })
            await page.getByLabel('Kieli').selectOption('en')
          }
        },
        { storageState: e2e.adminState, ...options },
      ))
  }
})
