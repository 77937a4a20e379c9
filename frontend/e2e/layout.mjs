// Layout checks for the browser tests: no element's text overlapped by another
// element's text or painted box, and no horizontal scroll. Used by
// layout.test.mjs over every main page in both languages and at phone, tablet
// and desktop widths; reusable by any test: `await checkLayout(page, 'inbox-fi-390')`.
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { ARTIFACTS } from './browser.mjs'

export const WIDTHS = {
  390: { viewport: { width: 390, height: 844 }, deviceScaleFactor: 1, isMobile: true, hasTouch: true },
  768: { viewport: { width: 768, height: 1024 }, deviceScaleFactor: 1 },
  1366: { viewport: { width: 1366, height: 900 }, deviceScaleFactor: 1 },
}

/**
 * Finds layout faults in the page as it is now. Returns a list of descriptions:
 * - "horizontal scroll": the document is wider than the viewport;
 * - "text over text": two text runs of different elements intersect;
 * - "box over text": a painted box (background or border: a badge, a button, a
 *   panel) that is not the text's own ancestor intersects a text run.
 * Runs of hidden or visually-hidden text (clipped to a pixel) are left out.
 * An element marked `data-layout-overlay` (a menu or dialog that is meant to lie
 * over the page) is checked on its own: its inside against itself, never against
 * what lies under it.
 * - "table cut": a table wider than the box that holds it. Its right-hand columns are
 *   out of sight, which is a fault unless that box scrolls sideways and says so: it is
 *   keyboard-focusable, has an accessible name and paints the edge shadows (gradients)
 *   that show there is more. With `{ tablesFit: true }` every table must fit, scroll
 *   container or not (the Reports page at desktop width).
 */
export async function layoutFaults(page, { tablesFit = false } = {}) {
  return page.evaluate((tablesFit) => {
    const faults = []
    const doc = document.documentElement
    if (doc.scrollWidth > doc.clientWidth + 1) {
      const wide = []
      for (const el of document.body.querySelectorAll('*')) {
        const r = el.getBoundingClientRect()
        if (r.width && r.right > doc.clientWidth + 1 && getComputedStyle(el).position !== 'fixed') wide.push(el)
      }
      // Name the innermost culprits only.
      const inner = wide.filter((el) => !wide.some((o) => o !== el && el.contains(o)))
      faults.push(`horizontal scroll: the page is ${doc.scrollWidth} px wide in a ${doc.clientWidth} px viewport (${inner.slice(0, 5).map(describe).join('; ')})`)
    }

    function describe(el) {
      const cls = typeof el.className === 'string' && el.className.trim() ? '.' + el.className.trim().split(/\s+/).slice(0, 2).join('.') : ''
      const id = el.getAttribute('data-testid') ? `[data-testid=${el.getAttribute('data-testid')}]` : ''
      const text = (el.innerText || el.textContent || '').replace(/\s+/g, ' ').trim().slice(0, 40)
      return `${el.tagName.toLowerCase()}${cls}${id} "${text}"`
    }

    function visible(el) {
      for (let e = el; e; e = e.parentElement) {
        const s = getComputedStyle(e)
        if (s.visibility === 'hidden' || s.display === 'none' || Number(s.opacity) === 0) return false
        if (s.clip === 'rect(0px, 0px, 0px, 0px)' || s.clipPath === 'inset(50%)') return false
      }
      return true
    }

    const overlayOf = (el) => el.closest('[data-layout-overlay], dialog[open], [role=dialog]')

    // What shows of a rectangle inside scrolling panes (the inbox's split view): the part
    // within every ancestor that clips its overflow; null when none of it shows.
    function shown(el, r) {
      let { left, top, right, bottom } = r
      for (let e = el.parentElement; e && e !== document.body; e = e.parentElement) {
        const s = getComputedStyle(e)
        if (s.overflowX === 'visible' && s.overflowY === 'visible') continue
        const c = e.getBoundingClientRect()
        left = Math.max(left, c.left)
        top = Math.max(top, c.top)
        right = Math.min(right, c.right)
        bottom = Math.max(Math.min(bottom, c.bottom), top)
      }
      return right - left >= 2 && bottom - top >= 2 ? { left, top, right, bottom } : null
    }

    // Text runs: one rectangle per line of each non-blank text node.
    const texts = []
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT)
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (!node.textContent.trim()) continue
      const el = node.parentElement
      if (!el || ['SCRIPT', 'STYLE', 'NOSCRIPT', 'OPTION', 'TEXTAREA'].includes(el.tagName)) continue
      if (!visible(el)) continue
      const range = document.createRange()
      range.selectNodeContents(node)
      for (const rect of range.getClientRects()) {
        if (rect.width < 2 || rect.height < 2) continue
        const r = shown(el, rect)
        if (r) texts.push({ el, r, overlay: overlayOf(el) })
      }
    }

    // Painted boxes: an element with a background colour or a border of its own.
    const boxes = []
    for (const el of document.body.querySelectorAll('*')) {
      // Fields hold their own text, which is no text run here; a checkbox or radio button is a
      // painted box like a badge (a row's checkbox once lay over the customer's initials).
      const toggle = el.tagName === 'INPUT' && (el.type === 'checkbox' || el.type === 'radio')
      if (!toggle && ['INPUT', 'SELECT', 'TEXTAREA', 'svg', 'path', 'circle', 'OPTION'].includes(el.tagName)) continue
      const s = getComputedStyle(el)
      const painted =
        (s.backgroundColor && s.backgroundColor !== 'rgba(0, 0, 0, 0)' && s.backgroundColor !== 'transparent') ||
        (parseFloat(s.borderTopWidth) > 0 && s.borderTopStyle !== 'none' && parseFloat(s.borderLeftWidth) > 0)
      if (!painted) continue
      const rect = el.getBoundingClientRect()
      if (rect.width < 2 || rect.height < 2) continue
      const r = shown(el, rect)
      if (!r) continue
      // Page-sized boxes (the body, cards, panels) hold text rather than lie over it.
      if (rect.height > 120 || rect.width > 600) continue
      if (!visible(el)) continue
      boxes.push({ el, r, overlay: overlayOf(el) })
    }

    // Tables cut at the right edge (the Reports page lost its last columns with no sign).
    for (const table of document.querySelectorAll('table')) {
      if (!table.offsetWidth || !visible(table)) continue
      let holder = null
      for (let e = table.parentElement; e && e !== document.body; e = e.parentElement) {
        if (getComputedStyle(e).overflowX !== 'visible') {
          holder = e
          break
        }
      }
      if (!holder || table.offsetWidth <= holder.clientWidth + 1) continue
      const s = getComputedStyle(holder)
      const scrolls = s.overflowX === 'auto' || s.overflowX === 'scroll'
      const signalled = scrolls && holder.tabIndex >= 0 && !!(holder.getAttribute('aria-label') || holder.getAttribute('aria-labelledby')) && s.backgroundImage.includes('gradient')
      if (tablesFit || !signalled) {
        const why = tablesFit ? 'every table must fit here' : scrolls ? 'scrolls with no visible sign, focus or name' : 'clips it'
        faults.push(`table cut: ${describe(table)} is ${table.offsetWidth} px wide in a ${holder.clientWidth} px box that ${why}`)
      }
    }

    const SLACK = 1.5 // rounding and italic overhang
    const cross = (a, b) => {
      const w = Math.min(a.right, b.right) - Math.max(a.left, b.left)
      const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top)
      return w > SLACK && h > SLACK
    }
    // An overlay is compared with its own inside only.
    const sameLayer = (a, b) => a.overlay === b.overlay
    const seen = new Set()
    const report = (message) => {
      if (seen.has(message)) return
      seen.add(message)
      faults.push(message)
    }

    for (let i = 0; i < texts.length; i++) {
      const a = texts[i]
      for (let j = i + 1; j < texts.length; j++) {
        const b = texts[j]
        if (a.el === b.el || !sameLayer(a, b) || !cross(a.r, b.r)) continue
        report(`text over text: ${describe(a.el)} and ${describe(b.el)}`)
      }
      for (const box of boxes) {
        if (box.el.contains(a.el) || a.el.contains(box.el) || !sameLayer(a, box) || !cross(a.r, box.r)) continue
        report(`box over text: ${describe(box.el)} over ${describe(a.el)}`)
      }
    }
    return faults
  }, tablesFit)
}

/**
 * Saves a full-page screenshot to e2e/artifacts/layout/<name>.png (for review)
 * and fails with the page's layout faults, if any.
 */
export async function checkLayout(page, name, options = {}) {
  const dir = join(ARTIFACTS, 'layout')
  mkdirSync(dir, { recursive: true })
  await page.screenshot({ path: join(dir, `${name}.png`), fullPage: true })
  const faults = await layoutFaults(page, options)
  if (faults.length) throw new Error(`layout of ${name} (${page.url()}):\n  ${faults.join('\n  ')}`)
}
