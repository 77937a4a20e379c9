// The browser script-injection pass of the reliability run (issue 18; go run ./scripts/reliability
// runs it through the e2e runner: KAIKU_BIN=… node e2e/run.mjs e2e/script-injection.mjs).
//
// Script and HTML payloads are filed as customers would: through the complaint form in the
// browser, through the public API (name, subject, text, customer replies) and by e-mail to a
// connected mailbox (sender name, subject, plain and HTML bodies). Then every staff page and
// every payload case's staff and customer page is opened in Chromium. Each payload calls
// __kaikuXss(n) or opens a dialog if it ever runs; the pass counts both and fails on any.
// It prints one line starting "script-injection:" with the figures.
import { adminStorageState, launchBrowser, staffApi, withPage } from './browser.mjs'

const stamp = `xss${Date.now().toString(36)}`
const imap = JSON.parse(process.env.KAIKU_E2E_IMAP ?? 'null')

const PAYLOADS = [
  '<script>__kaikuXss(1)</script>',
  '<img src=x onerror="__kaikuXss(2)">',
  '<svg onload=__kaikuXss(3)>',
  '"><img src=x onerror=alert(4)>',
  "'><svg/onload=confirm(5)>",
  "{{constructor.constructor('__kaikuXss(6)')()}}",
  '<iframe srcdoc="<script>parent.__kaikuXss(7)</script>"></iframe>',
  '<a href="javascript:__kaikuXss(8)">open</a> [open](javascript:__kaikuXss(8))',
  '<details open ontoggle=__kaikuXss(9)>x</details>',
  '</textarea></title><script>__kaikuXss(10)</script>',
  '${__kaikuXss(11)} #{__kaikuXss(11)}',
  '<math><mtext><table><mglyph><style><img src=x onerror=__kaikuXss(12)>',
  '<body onload=__kaikuXss(13)><input autofocus onfocus=__kaikuXss(13)>',
  '<object data="javascript:__kaikuXss(14)"></object><embed src="javascript:__kaikuXss(14)">',
]

const hits = []
const dialogs = []

/** A fresh context whose pages record any payload that runs. */
async function watched(browser, options = {}) {
  const context = await browser.newContext({ locale: 'en-US', viewport: { width: 1366, height: 900 }, baseURL: process.env.KAIKU_URL, ...options })
  await context.exposeBinding('__kaikuXss', ({ page }, n) => hits.push({ n, url: page.url() }))
  context.on('page', (page) => watchDialogs(page))
  return context
}

function watchDialogs(page) {
  page.on('dialog', (dialog) => {
    dialogs.push({ type: dialog.type(), message: dialog.message(), url: page.url() })
    dialog.dismiss().catch(() => undefined)
  })
}

async function until(what, fn, timeoutMs = 90_000) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await fn()
    if (value) return value
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 500)) // polling the server, bounded by the deadline
  }
}

const browser = await launchBrowser()
let failed = false
try {
  // Self-check: a payload that runs and a dialog are both seen, so zero below means zero.
  {
    const context = await watched(browser)
    const page = await context.newPage()
    await page.setContent('<img src=x onerror="__kaikuXss(0)"><script>setTimeout(() => alert(0))</script>')
    await until('the self-check to see a payload run', async () => hits.length > 0 && dialogs.length > 0, 15_000)
    hits.length = 0
    dialogs.length = 0
    await context.close()
  }
  const adminState = await adminStorageState(browser)
  const tokens = []
  let byForm = 0
  let byApi = 0
  let byMail = 0

  // 1. The complaint form in the browser, a payload in every free-text field.
  {
    const context = await watched(browser)
    const page = await context.newPage()
    watchDialogs(page)
    await page.goto('/complain')
    await page.getByLabel('What does it concern?').locator('option').nth(1).waitFor({ state: 'attached' })
    await page.getByLabel('Your name').fill(`Form ${PAYLOADS[1]}`.slice(0, 120))
    await page.getByLabel('Email').fill(`form.${stamp}@example.org`)
    await page.getByLabel('What does it concern?').selectOption('delivery')
    await page.getByLabel('Where did it happen?').selectOption('web_shop')
    await page.getByLabel('What is it about?').fill(`${stamp} ${PAYLOADS[0]}`.slice(0, 120))
    await page.getByLabel('What happened?').fill(`${stamp} ${PAYLOADS.join('\n')}`)
    await page.getByLabel('Refund').check()
    await page.getByTestId('complaint-submit').click()
    await page.getByTestId('complaint-success').waitFor()
    await page.getByTestId('open-tracking').click()
    await page.getByTestId('track-page').waitFor()
    byForm++
    await context.close()
  }

  // 2. The public API: one complaint per payload, and a customer reply carrying it.
  await withPage(browser, 'xss-file', async (page) => {
    for (const [i, payload] of PAYLOADS.entries()) {
      const response = await page.request.post('/api/v1/complaints', {
        data: {
          name: payload.slice(0, 120),
          email: `api${i}.${stamp}@example.org`,
          category: 'delivery',
          touchpoint: 'delivery',
          subject: `${stamp} ${payload}`.slice(0, 120),
          description: `${stamp} the parcel: ${payload}`,
          expected_outcome: 'replacement',
          order_ref: payload.slice(0, 80),
        },
      })
      if (response.status() !== 201) throw new Error(`filing payload ${i + 1}: ${response.status()} ${await response.text()}`)
      const token = (await response.json()).data.tracking_token
      tokens.push(token)
      const reply = await page.request.post(`/api/v1/track/${encodeURIComponent(token)}/messages`, { data: { body: `reply ${payload}` } })
      if (reply.status() !== 201 && reply.status() !== 200) throw new Error(`customer reply ${i + 1}: ${reply.status()} ${await reply.text()}`)
      byApi++
    }
  })

  // 3. By e-mail, when the run has its IMAP test server.
  if (imap) {
    await withPage(
      browser,
      'xss-mail',
      async (page) => {
        const { response } = await staffApi(page, 'POST', '/mailboxes', {
          name: `XSS ${stamp}`, address: imap.user, host: imap.imap_host, port: imap.imap_port, tls: 'none',
          username: imap.user, password: imap.password, category: 'delivery',
        })
        if (response.status() !== 201) throw new Error(`mailbox: ${response.status()} ${await response.text()}`)
        const mailbox = (await response.json()).data
        for (const [i, payload] of PAYLOADS.slice(0, 6).entries()) {
          const boundary = `b${stamp}${i}`
          const raw = `From: "${payload.replace(/"/g, "'")}" <mail${i}.${stamp}@customer.example>
To: Support <${imap.user}>
Subject: ${stamp} ${payload}
Message-ID: <mail${i}.${stamp}@customer.example>
Date: Mon, 7 Dec 2026 09:00:00 +0200
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="${boundary}"

--${boundary}
Content-Type: text/plain; charset=utf-8

${stamp} plain ${payload}
--${boundary}
Content-Type: text/html; charset=utf-8

<html><body><p>${stamp} html</p>${payload}<script>__kaikuXss(100)</script><img src=x onerror="__kaikuXss(101)"></body></html>
--${boundary}--
`
          const res = await fetch(`${imap.control}/append`, { method: 'POST', body: raw.replace(/\r?\n/g, '\r\n') })
          if (!res.ok) throw new Error(`deliver mail ${i + 1}: ${res.status}`)
          byMail++
        }
        await until('the mails fetched', async () => {
          const r = await staffApi(page, 'GET', `/mailboxes/${mailbox.id}`)
          return (await r.response.json()).data.status.fetched >= byMail
        })
        await staffApi(page, 'DELETE', `/mailboxes/${mailbox.id}`)
      },
      { storageState: adminState },
    )
  }

  // Wait until the inbox lists every payload case (the index catches up within seconds).
  const filed = byForm + byApi + byMail
  let lastListed = ''
  const caseIds = await withPage(
    browser,
    'xss-listed',
    (page) =>
      until('the payload cases listed', async () => {
        const { response } = await staffApi(page, 'GET', `/cases?q=${stamp}&limit=100`)
        const list = (await response.json()).data ?? []
        lastListed = `${response.status()}: ${list.length} of ${filed}`
        return list.length >= filed ? list.map((c) => c.id) : null
      }),
    { storageState: adminState },
  ).catch((error) => {
    throw new Error(`${error.message} (last answer ${lastListed})`)
  })

  // 4. Every page: the staff app as admin, each payload case, each customer's tracking page.
  const staffPages = [
    '/inbox', `/inbox?q=${stamp}`, '/cases/new', '/reports', '/journey', '/topics', '/root-causes', '/approvals',
    '/admin/users', '/admin/categories', '/admin/outbox', '/admin/resolution-options', '/admin/journey-stages',
    '/admin/review-import', '/admin/review-sources', '/admin/mailboxes', '/admin/webhooks', '/admin/canned-replies',
    '/admin/sla-policies', '/admin/rules', '/account', '/account/tokens', '/admin/audit', '/admin/customer-data',
    ...caseIds.map((id) => `/cases/${id}`),
  ]
  let opened = 0
  const staffContext = await watched(browser, { storageState: adminState })
  const staffPage = await staffContext.newPage()
  watchDialogs(staffPage)
  for (const path of staffPages) {
    await staffPage.goto(path)
    await staffPage.waitForLoadState('networkidle').catch(() => undefined)
    opened++
  }
  // The outbox's mails and the audit entries open too (they repeat customers' names).
  for (const row of await staffPage.goto('/admin/outbox').then(() => staffPage.locator('main a[href*="/admin/outbox"], main tbody tr').all())) {
    await row.click().catch(() => undefined)
    await staffPage.waitForLoadState('networkidle').catch(() => undefined)
  }
  await staffContext.close()

  const customerPages = ['/complain', ...tokens.map((t) => `/track/${t}`)]
  for (const path of customerPages) {
    const context = await watched(browser, { viewport: { width: 390, height: 844 } })
    const page = await context.newPage()
    watchDialogs(page)
    await page.goto(path)
    await page.waitForLoadState('networkidle').catch(() => undefined)
    opened++
    await context.close()
  }

  failed = hits.length > 0 || dialogs.length > 0
  console.log(
    `script-injection: ${PAYLOADS.length} payloads filed in ${filed} complaints (${byForm} by the form, ${byApi} by the API with a customer reply each, ${byMail} by mail) across ${opened} pages: ${hits.length} scripts ran, ${dialogs.length} dialogs`,
  )
  for (const h of hits) console.log(`  payload ${h.n} ran on ${h.url}`)
  for (const d of dialogs) console.log(`  ${d.type} "${d.message}" on ${d.url}`)
} catch (error) {
  failed = true
  console.error(error)
} finally {
  await browser.close()
}
process.exit(failed ? 1 : 0)
