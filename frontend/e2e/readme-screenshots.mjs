#!/usr/bin/env node
// Takes the README's two screenshots (docs/inbox.png, docs/case.png) on a server filled with
// `kaiku demo` (not a test):
//   KAIKU_URL=http://127.0.0.1:8080 KAIKU_ADMIN_EMAIL=admin@kaiku.local KAIKU_ADMIN_PASSWORD=... node e2e/readme-screenshots.mjs
// The case shown is a resolved complaint with a grant and a follow-up answer.
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ADMIN_EMAIL, ADMIN_PASSWORD, launchBrowser, login, staffApi, withPage } from './browser.mjs'

const docs = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs')
const browser = await launchBrowser()
try {
  await withPage(
    browser,
    'readme-screenshots',
    async (page) => {
      await login(page, ADMIN_EMAIL, ADMIN_PASSWORD)
      await page.goto('/inbox?view=all')
      await page.locator('[data-testid=case-list]').waitFor()
      await page.waitForTimeout(500) // let the SLA badges settle; a screenshot, not a test
      await page.screenshot({ path: join(docs, 'inbox.png') })
      const { response } = await staffApi(page, 'GET', '/cases?status=closed&channel=web_form&sort=updated_at&limit=200')
      const cases = (await response.json()).data
      let chosen
      for (const c of cases) {
        const full = (await (await staffApi(page, 'GET', `/cases/${c.id}`)).response.json()).data
        if (full.grants?.length && full.follow_up?.resolved && full.messages.length >= 3 && full.description.length < 700) {
          chosen = full
          break
        }
      }
      if (!chosen) throw new Error('no resolved complaint with a grant and a follow-up answer')
      await page.goto(`/cases/${chosen.id}`)
      await page.getByRole('heading', { level: 1 }).waitFor()
      await page.waitForTimeout(500)
      await page.screenshot({ path: join(docs, 'case.png') })
      console.log(`case: ${chosen.id}`)
    },
    { viewport: { width: 1366, height: 860 } },
  )
} finally {
  await browser.close()
}
