// Admin pages of the complaint intake: the categories the form offers, and the
// mail outbox with the acknowledgement a customer was sent.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { expect } from './expect.mjs'
import { sharedBrowser, withPage } from './browser.mjs'

const e2e = sharedBrowser()
const stamp = Date.now().toString(36)

describe('admin: categories and outbox', () => {
  test('an admin adds a category and switches one off; the complaint form follows', async () => {
    const english = `Gift cards ${stamp}`
    const finnish = `Lahjakortit ${stamp}`
    await withPage(
      e2e.browser,
      'categories-edit',
      async (page) => {
        await page.goto('/inbox')
        await page.getByRole('button', { name: 'Admin', exact: true }).click()
        await page.getByRole('link', { name: 'Categories' }).click()
        await expect(page.getByRole('heading', { level: 1, name: 'Complaint categories' })).toBeVisible()
        await page.getByTestId('add-category').click()
        const fresh = page.locator('[data-category=new]')
        await fresh.getByLabel('Name in English').fill(english)
        // Saving without the Finnish name is refused in the page.
        await page.getByTestId('save-categories').click()
        await expect(fresh).toContainText('Give the category a name in both languages.')
        await fresh.getByLabel('Name in Finnish').fill(finnish)
        await page.locator('[data-category=other]').getByLabel('Offered on the form').uncheck()
        const [response] = await Promise.all([
          page.waitForResponse((r) => r.url().endsWith('/api/v1/categories') && r.request().method() === 'PUT'),
          page.getByTestId('save-categories').click(),
        ])
        assert.equal(response.status(), 200, await response.text())
        await expect(page.getByTestId('flash')).toHaveText('The categories were saved.')
        await expect(page.locator(`[data-category="gift_cards_${stamp}"]`)).toBeVisible()
      },
      { storageState: e2e.adminState },
    )

    await withPage(e2e.browser, 'categories-on-form', async (page) => {
      await page.goto('/complain')
      const select = page.getByLabel('What does it concern?')
      await expect(select.locator('option', { hasText: english })).toHaveCount(1)
      await expect(select.locator('option', { hasText: 'Something else' })).toHaveCount(0)
      await page.getByLabel('Language').selectOption('fi')
      await expect(page.getByLabel('Mitä asia koskee?').locator('option', { hasText: finnish })).toHaveCount(1)
    })

    // Put "Something else" back for the other tests.
    await withPage(
      e2e.browser,
      'categories-restore',
      async (page) => {
        await page.goto('/admin/categories')
        await page.locator('[data-category=other]').getByLabel('Offered on the form').check()
        await page.getByTestId('save-categories').click()
        await expect(page.getByTestId('flash')).toBeVisible()
      },
      { storageState: e2e.adminState },
    )
  })

  test('the outbox lists the acknowledgement of a complaint and shows its text', async () => {
    const reference = await withPage(e2e.browser, 'outbox-file', async (page) => {
      const response = await page.request.post('/api/v1/complaints', {
        headers: { 'Idempotency-Key': `outbox-${stamp}` },
        data: {
          name: 'Olli Outbox',
          email: `olli.outbox.longname.${stamp}@customer-service.example.org`,
          category: 'billing',
          touchpoint: 'email',
          description: 'The invoice has the wrong address on it.',
          expected_outcome: 'explanation',
        },
      })
      assert.equal(response.status(), 201, await response.text())
      return (await response.json()).data.reference
    })

    await withPage(
      e2e.browser,
      'outbox',
      async (page) => {
        await page.goto('/admin/outbox')
        const address = `olli.outbox.longname.${stamp}@customer-service.example.org`
        const row = page.getByTestId('outbox-table').locator('tr', { hasText: address }).first()
        // The mail is written by a background worker: wait for it, refreshing.
        for (let i = 0; i < 20 && !(await row.count()); i++) {
          await page.getByRole('button', { name: 'Refresh' }).click()
          await page.waitForTimeout(500)
        }
        await expect(row).toContainText(reference)
        await expect(row).toContainText(/Stored|Sent/)
        // "Name <address>", with the space.
        await expect(row.getByTestId('mail-to')).toHaveText(`Olli Outbox <${address}>`)
        await row.locator('th button').click()
        const dialog = page.getByRole('dialog')
        await expect(dialog).toBeVisible()
        await expect(dialog.getByTestId('mail-text')).toContainText(reference)
        await expect(dialog.getByTestId('mail-to-full')).toHaveText(`Olli Outbox <${address}>`)
        await page.keyboard.press('Escape')
        await expect(dialog).toBeHidden()
      },
      { storageState: e2e.adminState },
    )
    // On a phone the address wraps only after the @, before a dot or after a hyphen, never
    // inside a word.
    await withPage(
      e2e.browser,
      'outbox-phone',
      async (page) => {
        await page.goto('/admin/outbox')
        const address = page.getByTestId('mail-to').filter({ hasText: `longname.${stamp}` }).locator('.mail-to__address').first()
        await expect(address).toBeVisible()
        const breaks = await address.evaluate((el) => {
          const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT)
          const chars = []
          for (let n = walker.nextNode(); n; n = walker.nextNode()) {
            for (let i = 0; i < n.textContent.length; i++) {
              const r = document.createRange()
              r.setStart(n, i)
              r.setEnd(n, i + 1)
              chars.push({ c: n.textContent[i], top: r.getBoundingClientRect().top })
            }
          }
          const out = []
          for (let i = 1; i < chars.length; i++) {
            if (chars[i].top > chars[i - 1].top + 2) out.push(chars[i - 1].c + '|' + chars[i].c)
          }
          return out
        })
        assert.ok(breaks.length > 0, 'the long address wraps at 390 px')
        for (const b of breaks) assert.ok(b.startsWith('@|') || b.endsWith('|.') || b.startsWith('<|') || b.startsWith('-|'), `the address breaks inside a word: ${b} (${breaks})`)
      },
      { viewport: { width: 390, height: 844 }, storageState: e2e.adminState },
    )
  })
})
