// An agent attaches files to a reply and to an internal note: the composer takes them by
// button and by drag-and-drop, refuses what the server would; the customer sees and downloads
// the reply's PDF on the tracking page and never sees the note's file. Screenshots of the
// composer with files chosen and of the tracking page, at 390 and 1366 px in English and
// Finnish, go to e2e/artifacts/screens/ (and the layout check runs on each).
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect } from './expect.mjs'
import { ARTIFACTS, BASE_URL, pngFile, withPage, sharedBrowser } from './browser.mjs'
import { WIDTHS, checkLayout } from './layout.mjs'

const e2e = sharedBrowser()
let dir
const stamp = Date.now().toString(36)
const screens = join(ARTIFACTS, 'screens')

const PDF = '%PDF-1.4\n1 0 obj<< /Type /Catalog >>endobj\ntrailer<< /Root 1 0 R >>\n%%EOF\n'

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kaiku-e2e-reply-files-'))
  mkdirSync(screens, { recursive: true })
})

after(async () => {
  if (dir) rmSync(dir, { recursive: true, force: true })
})

function pdfFile(name) {
  const path = join(dir, name)
  writeFileSync(path, PDF)
  return path
}

/** Files a complaint as a customer would (through the API) and returns its reference and tracking path. */
async function fileComplaint(locale, who) {
  const res = await fetch(`${BASE_URL}/api/v1/complaints`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      name: 'Aino Virtanen',
      email: `${who}.${stamp}@example.org`,
      category: 'product',
      touchpoint: 'delivery',
      description: `The kettle ${stamp} arrived with a cracked lid.`,
      expected_outcome: 'replacement',
      locale,
    }),
  })
  const body = await res.json()
  assert.equal(res.status, 201, JSON.stringify(body))
  return { reference: body.data.reference, trackPath: new URL(body.data.tracking_url).pathname }
}

/**
 * Drags files over an element and drops them the way a browser does when files come from the
 * desktop; `whileOver` runs while they hover (the drop target shows).
 */
async function dropFiles(page, selector, files, whileOver = async () => {}) {
  const drag = (types) =>
    page.evaluate(
      ({ selector, files, types }) => {
        const target = document.querySelector(selector)
        window.__drag ??= (() => {
          const data = new DataTransfer()
          for (const f of files) data.items.add(new File([f.content], f.name, { type: f.type }))
          return data
        })()
        for (const type of types) {
          target.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: window.__drag }))
        }
        if (types.includes('drop')) delete window.__drag
      },
      { selector, files, types },
    )
  await drag(['dragenter', 'dragover'])
  await whileOver()
  await drag(['drop'])
}

describe('files on replies and notes', () => {
  test('an agent attaches a PDF to a reply; the customer downloads it; a note’s file stays internal', async () => {
    const { reference, trackPath } = await fileComplaint('en', 'files')
    const replyText = `Your return label is attached (${stamp}).`
    const noteText = `Warehouse photo for the team (${stamp}).`

    await withPage(
      e2e.browser,
      'reply-files-agent',
      async (page) => {
        await page.goto(`/cases/${reference}`)
        const composer = page.getByTestId('composer')
        await expect(composer).toBeVisible()
        await expect(composer.getByTestId('composer-files')).toContainText('The customer can download them from their case page.')

        // A file of the wrong type is refused in the browser, in words.
        const txt = join(dir, 'notes.txt')
        writeFileSync(txt, 'plain text')
        await composer.getByTestId('file-input').setInputFiles([pdfFile('return-label.pdf'), txt])
        await expect(composer.getByTestId('composer-files-error')).toHaveText('notes.txt is not an image or a PDF file.')
        await expect(composer.locator('.file-list__item')).toHaveCount(1)
        await expect(composer.locator('.file-list__item')).toContainText('return-label.pdf')

        // Drag-and-drop adds to the list; remove takes one off again.
        await dropFiles(page, '[data-testid=composer]', [{ name: 'extra.pdf', type: 'application/pdf', content: PDF }], async () => {
          await expect(composer.locator('.composer__drop')).toHaveText('Drop files to attach them to the reply')
          await composer.screenshot({ path: join(screens, 'reply-files-composer-drop-en-1280.png') })
        })
        await expect(composer.locator('.composer__drop')).toHaveCount(0)
        await expect(composer.locator('.file-list__item')).toHaveCount(2)
        await composer.getByRole('button', { name: 'Remove extra.pdf' }).click()
        await expect(composer.locator('.file-list__item')).toHaveCount(1)

        await composer.getByTestId('composer-text').fill(replyText)
        const [sent] = await Promise.all([
          page.waitForResponse((r) => r.url().endsWith(`/cases/${reference}/messages`) && r.request().method() === 'POST'),
          composer.getByTestId('send').click(),
        ])
        assert.equal(sent.status(), 201, await sent.text())
        assert.match(sent.request().headers()['content-type'] ?? '', /^multipart\/form-data/)
        await expect(composer.locator('.file-list__item')).toHaveCount(0)
        const replyEntry = page.getByTestId('timeline').locator('li.message--reply', { hasText: replyText })
        await expect(replyEntry.locator('.attachment')).toContainText('return-label.pdf')

        // A note with a file.
        await composer.getByText('Internal note', { exact: true }).click()
        await expect(composer.getByTestId('composer-files')).toContainText('Files on a note stay with staff.')
        await composer.getByTestId('file-input').setInputFiles(pngFile(dir, 'warehouse-internal.png'))
        await composer.getByTestId('composer-text').fill(noteText)
        await composer.screenshot({ path: join(screens, 'reply-files-composer-note-en-1280.png') })
        const [noted] = await Promise.all([
          page.waitForResponse((r) => r.url().endsWith(`/cases/${reference}/messages`) && r.request().method() === 'POST'),
          composer.getByTestId('send').click(),
        ])
        assert.equal(noted.status(), 201, await noted.text())
        const noteEntry = page.getByTestId('timeline').locator('li.message--note', { hasText: noteText })
        await expect(noteEntry.locator('.attachment')).toContainText('warehouse-internal.png')
      },
      { storageState: e2e.adminState },
    )

    await withPage(e2e.browser, 'reply-files-customer', async (page) => {
      await page.goto(trackPath)
      await expect(page.getByTestId('track-page')).toBeVisible()
      const link = page.locator('a.attachment', { hasText: 'return-label.pdf' })
      await expect(link).toBeVisible()
      assert.equal(await page.getByText(noteText).count(), 0)
      assert.equal(await page.locator('a.attachment', { hasText: 'warehouse-internal' }).count(), 0)
      assert.ok(!(await page.content()).includes('warehouse-internal'), 'the note’s file name is on the tracking page')

      const [download] = await Promise.all([page.waitForEvent('download'), link.click()])
      assert.equal(download.suggestedFilename(), 'return-label.pdf')
      assert.equal(readFileSync(await download.path(), 'utf8'), PDF)
      const res = await page.request.get(await link.getAttribute('href'))
      assert.equal(res.status(), 200)
      assert.match(res.headers()['content-disposition'] ?? '', /^attachment;/)
      assert.equal(res.headers()['x-content-type-options'], 'nosniff')
    })
  })

  test('screenshots: the composer with files chosen and the tracking page, 390 and 1366 px, English and Finnish', async () => {
    const cases = { en: await fileComplaint('en', 'shots-en'), fi: await fileComplaint('fi', 'shots-fi') }
    const replyBody = {
      en: 'We are sorry about the lid. The return label and a photo of the replacement are attached.',
      fi: 'Pahoittelemme kantta. Palautuslappu ja kuva uudesta kattilasta ovat liitteinä.',
    }
    for (const lang of ['en', 'fi']) {
      const { reference, trackPath } = cases[lang]
      for (const width of [390, 1366]) {
        const options = { ...WIDTHS[width], locale: lang === 'fi' ? 'fi-FI' : 'en-US' }
        await withPage(
          e2e.browser,
          `reply-files-composer-${lang}-${width}`,
          async (page) => {
            await page.addInitScript((l) => localStorage.setItem('kaiku.locale', l), lang)
            await page.goto(`/cases/${reference}`)
            const composer = page.getByTestId('composer')
            await expect(composer).toBeVisible()
            await composer.getByTestId('composer-text').fill(replyBody[lang])
            await composer.getByTestId('file-input').setInputFiles([pdfFile('palautuslappu-return-label.pdf'), pngFile(dir, 'new-kettle.png')])
            await expect(composer.locator('.file-list__item')).toHaveCount(2)
            await page.evaluate(() => document.fonts.ready)
            await composer.scrollIntoViewIfNeeded()
            await checkLayout(page, `reply-files-composer-${lang}-${width}`)
            await composer.screenshot({ path: join(screens, `reply-files-composer-${lang}-${width}.png`) })
            if (width === 1366) {
              // Send once per language, so the tracking page has a reply with files.
              const [sent] = await Promise.all([
                page.waitForResponse((r) => r.url().endsWith(`/cases/${reference}/messages`) && r.request().method() === 'POST'),
                composer.getByTestId('send').click(),
              ])
              assert.equal(sent.status(), 201, await sent.text())
            }
          },
          { ...options, storageState: e2e.adminState },
        )
      }
      for (const width of [390, 1366]) {
        await withPage(
          e2e.browser,
          `reply-files-track-${lang}-${width}`,
          async (page) => {
            await page.goto(trackPath)
            await expect(page.getByTestId('track-page')).toBeVisible()
            await expect(page.locator('a.attachment', { hasText: 'new-kettle.png' })).toBeVisible()
            await page.evaluate(() => document.fonts.ready)
            await checkLayout(page, `reply-files-track-${lang}-${width}`)
            await page.screenshot({ path: join(screens, `reply-files-track-${lang}-${width}.png`), fullPage: true })
          },
          { ...WIDTHS[width], locale: lang === 'fi' ? 'fi-FI' : 'en-US' },
        )
      }
    }
  })
})
