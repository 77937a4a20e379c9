// Complaints by e-mail (issue 17): an admin connects a mailbox on the in-memory IMAP server
// run.mjs started; a customer's mail is delivered to it and becomes a case of channel Email;
// the agent answers in Kaiku; the customer's reply, carrying In-Reply-To the Message-ID of
// Kaiku's mail and quoting it, lands in the same case and shows in the timeline with the quote
// folded behind "Show quoted text". Screenshots of the mailbox page and the mail-born case at
// 390 and 1366 px in English and Finnish go to e2e/artifacts/screens/.
import { before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { expect } from './expect.mjs'
import { checkA11y, noSideways, PHONE } from './axe.mjs'
import { ARTIFACTS, staffApi, withPage, sharedBrowser } from './browser.mjs'

const imap = JSON.parse(process.env.KAIKU_E2E_IMAP ?? 'null')
const e2e = sharedBrowser({
  // Other tests' mails go on saying replies reach no one once the mailbox is gone.
  cleanup: async ({ browser, adminState }) => {
    if (mailboxId) {
      await withPage(browser, 'mail-cleanup', (page) => staffApi(page, 'DELETE', `/mailboxes/${mailboxId}`), { storageState: adminState })
    }
  },
})
let caseId
let mailboxId
const stamp = Date.now().toString(36)
const screens = join(ARTIFACTS, 'screens')
const DESKTOP = { viewport: { width: 1366, height: 900 } }

before(async () => {
  mkdirSync(screens, { recursive: true })
})

/** Delivers a raw message to the test server's INBOX, as a mail server would. */
async function deliver(raw) {
  const res = await fetch(`${imap.control}/append`, { method: 'POST', body: raw.replace(/\r?\n/g, '\r\n') })
  assert.equal(res.status, 204, await res.text())
}

/** Waits (bounded) until the staff API's answer satisfies ok; returns that answer. */
async function until(page, path, ok, what) {
  const deadline = Date.now() + 20_000
  let last
  while (Date.now() < deadline) {
    const { response } = await staffApi(page, 'GET', path)
    last = response.status() === 200 ? (await response.json()).data : null
    if (last && ok(last)) return last
    await page.waitForTimeout(250) // polling the server for a condition, bounded by the deadline
  }
  throw new Error(`${what}: not seen within 20 s (last ${JSON.stringify(last)?.slice(0, 300)})`)
}

describe('complaints by e-mail', { skip: !imap && 'no IMAP test server (run through e2e/run.mjs)' }, () => {
  test('a mail becomes a case; the agent answers; the customer’s reply lands in the same case', () =>
    withPage(
      e2e.browser,
      'mail',
      async (page) => {
        // The admin connects the mailbox in the browser.
        await page.goto('/inbox')
        await page.getByTestId('admin-menu').click()
        await page.getByRole('link', { name: 'Mailboxes' }).click()
        await expect(page.getByRole('heading', { level: 1, name: 'Mailboxes' })).toBeVisible()
        await page.getByTestId('mailbox-name').fill(`Support ${stamp}`)
        await page.getByTestId('mailbox-address').fill(imap.user)
        await page.getByTestId('mailbox-host').fill(imap.imap_host)
        await page.getByTestId('mailbox-tls').selectOption('none')
        await page.getByTestId('mailbox-port').fill(String(imap.imap_port))
        await page.getByTestId('mailbox-username').fill(imap.user)
        await page.getByTestId('mailbox-password').fill(imap.password)
        await page.getByTestId('mailbox-category').selectOption('delivery')
        await page.getByTestId('mailbox-submit').click()
        await expect(page.getByTestId('mailboxes-table')).toContainText(`Support ${stamp}`)
        assert.ok(!(await page.locator('main').innerText()).includes(imap.password), 'the password is not shown')
        const boxes = await until(page, '/mailboxes', (list) => list.some((b) => b.name === `Support ${stamp}`), 'the mailbox')
        mailboxId = boxes.find((b) => b.name === `Support ${stamp}`).id

        // A customer writes.
        const first = `first-${stamp}@customer.example`
        await deliver(`From: Maija Meikäläinen <maija-${stamp}@customer.example>
To: Support <${imap.user}>
Subject: Kettle lid cracked ${stamp}
Message-ID: <${first}>
Date: Mon, 7 Dec 2026 09:00:00 +0200
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

Hello,

the lid of the kettle I bought last week is cracked. Can you send a new one?

Maija
`)
        const box = await until(page, `/mailboxes/${mailboxId}`, (b) => b.status.fetched >= 1, 'the mail fetched')
        assert.equal(box.status.last_error ?? '', '')
        await page.goto(`/inbox?view=all&q=${stamp}`)
        const row = page.locator('li.case-row').filter({ hasText: `Kettle lid cracked ${stamp}` })
        await expect(row).toHaveCount(1)
        const found = await until(page, `/cases?q=${stamp}`, (list) => list.length === 1, 'the mail-born case')
        caseId = found[0].id
        assert.equal(found[0].channel, 'email')
        await page.goto(`/cases/${caseId}`)
        await expect(page.getByTestId('case-description')).toContainText('the lid of the kettle I bought last week is cracked')

        // The agent answers in Kaiku.
        const reply = `We are sending a new lid today ${stamp}.`
        await page.getByRole('radio', { name: 'Reply', exact: true }).check()
        await page.getByTestId('composer-text').fill(reply)
        await page.getByTestId('send-waiting').click()
        await expect(page.locator('.message--reply')).toContainText(reply)

        // The reply mail names the thread and a reply address; the customer answers it.
        const sent = await until(page, '/mail/outbox', (list) => list.some((m) => m.case_id === caseId && m.kind === 'reply'), 'the reply mail')
        const { response } = await staffApi(page, 'GET', `/mail/outbox/${sent.find((m) => m.case_id === caseId && m.kind === 'reply').id}`)
        const mail = (await response.json()).data
        assert.equal(mail.reply_to, imap.user)
        assert.equal(mail.in_reply_to, first)
        assert.ok(mail.subject.includes(caseId), mail.subject)
        assert.ok(mail.text.includes('You can also simply reply to this e-mail.'), mail.text)
        await deliver(`From: Maija Meikäläinen <maija-${stamp}@customer.example>
To: Support <${imap.user}>
Subject: Re: ${mail.subject}
Message-ID: <second-${stamp}@customer.example>
In-Reply-To: <${mail.message_id}>
References: <${first}> <${mail.message_id}>
Date: Mon, 7 Dec 2026 10:00:00 +0200
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

Thank you, that works for me ${stamp}.

On Mon, 7 Dec 2026 at 9.30, Support <${imap.user}> wrote:
> ${reply}
`)
        await until(page, `/cases/${caseId}`, (c) => c.messages.some((m) => m.kind === 'customer'), 'the customer reply in the case')
        await page.reload()
        const answer = page.locator('.message--customer').filter({ hasText: `Thank you, that works for me ${stamp}.` })
        await expect(answer).toHaveCount(1)
        assert.equal(await answer.getByTestId('message-quoted').getAttribute('open'), null, 'the quote starts folded')
        assert.ok(!(await answer.locator('.message__body').innerText()).includes('wrote:'), 'the quote is not in the text')
        await answer.getByText('Show quoted text').click()
        await expect(answer.getByTestId('message-quoted')).toContainText(reply)
        await expect(page.getByTestId('status')).toHaveValue('open')
        const cases = await until(page, `/cases?q=${stamp}`, () => true, 'the case list')
        assert.equal(cases.length, 1, 'the reply made no second case')
        await page.screenshot({ path: join(screens, 'mail-case-en-1366.png'), fullPage: true })
      },
      { storageState: e2e.adminState, ...DESKTOP },
    ))

  for (const [lang, size, options] of [
    ['en', 390, PHONE],
    ['en', 1366, DESKTOP],
    ['fi', 390, PHONE],
    ['fi', 1366, DESKTOP],
  ]) {
    test(`the mailbox page and a mail-born case at ${size} px in ${lang === 'en' ? 'English' : 'Finnish'}`, () =>
      withPage(
        e2e.browser,
        `mail-${lang}-${size}`,
        async (page) => {
          assert.ok(caseId, 'the first test made a mail-born case')
          await page.goto('/admin/mailboxes')
          if (lang === 'fi') await page.getByTestId('language-switch').selectOption('fi')
          await expect(page.getByTestId('mailboxes-table')).toContainText(`Support ${stamp}`)
          await checkA11y(page, `Mailboxes, ${lang} ${size}`)
          await noSideways(page, `Mailboxes, ${lang} ${size}`)
          await page.screenshot({ path: join(screens, `mailboxes-${lang}-${size}.png`), fullPage: true })
          await page.goto(`/cases/${caseId}`)
          await expect(page.getByTestId('case-description')).toBeVisible()
          await page.locator('.message--customer [data-testid="message-quoted"] summary').first().click()
          await checkA11y(page, `Mail-born case, ${lang} ${size}`)
          await noSideways(page, `Mail-born case, ${lang} ${size}`)
          await page.screenshot({ path: join(screens, `mail-case-${lang}-${size}.png`), fullPage: true })
          if (lang === 'fi') await page.getByTestId('language-switch').selectOption('en')
        },
        { storageState: e2e.adminState, ...options },
      ))
  }
})
