#!/usr/bin/env node
// Takes the README's two screenshots (docs/inbox.png, docs/case.png) on a server filled with
// `kaiku demo` (not a test):
//   KAIKU_URL=http://127.0.0.1:8080 KAIKU_ADMIN_EMAIL=admin@kaiku.local KAIKU_ADMIN_PASSWORD=... node e2e/readme-screenshots.mjs
// The case shown is a closed web-form complaint whose whole story fits one picture: the
// customer's text, replies, a money remedy granted, and a follow-up answered "solved". Of
// those, the one with the shortest timeline wins, so the picture stays compact.
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ADMIN_EMAIL, ADMIN_PASSWORD, launchBrowser, login, staffApi, withPage } from './browser.mjs'

const docs = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs')
const width = 1366

function tellsTheWholeStory(c) {
  const followUps = c.timeline.filter((e) => e.type === 'follow_up')
  return (
    c.grants?.some((g) => g.amount_minor > 0) &&
    c.follow_up?.resolved &&
    c.follow_up.rating >= 3 &&
    followUps.length === 1 && // solved at the first try: no reopening to tell
    c.follow_up_check?.asked_at &&
    c.follow_up.at >= c.follow_up_check.asked_at && // answered when asked, not before
    c.messages.length >= 3 &&
    c.messages.length <= 4 &&
    c.description.length >= 150 &&
    c.description.length < 600
  )
}

const browser = await launchBrowser()
try {
  await withPage(
    browser,
    'readme-screenshots',
    async (page) => {
      await login(page, ADMIN_EMAIL, ADMIN_PASSWORD)
      await page.setViewportSize({ width, height: 1024 }) // room for a few rows under the views
      await page.goto('/inbox?view=all')
      await page.locator('[data-testid=case-list]').waitFor()
      await page.waitForTimeout(500) // let the SLA badges settle; a screenshot, not a test
      await page.screenshot({ path: join(docs, 'inbox.png') })

      const { response } = await staffApi(page, 'GET', '/cases?status=closed&channel=web_form&sort=updated_at&limit=200')
      const candidates = []
      for (const c of (await response.json()).data) {
        const full = (await (await staffApi(page, 'GET', `/cases/${c.id}`)).response.json()).data
        if (tellsTheWholeStory(full)) candidates.push(full)
      }
      if (!candidates.length) throw new Error('no closed complaint with a money remedy and a follow-up answered solved')
      candidates.sort((a, b) => a.timeline.length - b.timeline.length)
      const chosen = candidates[0]
      await page.goto(`/cases/${chosen.id}`)
      await page.getByRole('heading', { level: 1 }).waitFor()
      await page.getByTestId('grant-panel').waitFor()
      await page.waitForTimeout(500)
      // Tall enough for the whole conversation, down to the follow-up answer, like a browser
      // window of that height (the side cards go on below it).
      const bottom = await page.evaluate(() => document.querySelector('.timeline-card').getBoundingClientRect().bottom)
      await page.setViewportSize({ width, height: Math.ceil(bottom + 24) })
      await page.waitForTimeout(300)
      await page.screenshot({ path: join(docs, 'case.png') })
      console.log(`case: ${chosen.id} (${candidates.length} candidates)`)
    },
    { viewport: { width, height: 860 } },
  )
} finally {
  await browser.close()
}
