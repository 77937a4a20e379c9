// A small auto-waiting `expect` for playwright-core locators (the full
// @playwright/test runner is not used: tests run on node's own test runner).
// Each assertion re-checks its condition until it holds or the timeout ends.
import assert from 'node:assert/strict'

const DEFAULT_TIMEOUT = 15_000
const POLL_MS = [50, 100, 200, 400]

async function until(describe, check, timeout = DEFAULT_TIMEOUT) {
  const deadline = Date.now() + timeout
  let attempt = 0
  let last
  for (;;) {
    try {
      const result = await check()
      if (result.ok) return
      last = result.actual
    } catch (error) {
      last = `error: ${error.message.split('\n')[0]}`
    }
    if (Date.now() >= deadline) {
      assert.fail(`${describe()} (waited ${timeout} ms; last seen: ${JSON.stringify(last)})`)
    }
    // Back off between checks of the condition; this is polling, not a fixed wait.
    await new Promise((r) => setTimeout(r, POLL_MS[Math.min(attempt++, POLL_MS.length - 1)]))
  }
}

const norm = (s) => (s ?? '').replace(/\s+/g, ' ').trim()
const matches = (actual, expected) =>
  expected instanceof RegExp ? expected.test(actual) : actual === norm(expected)

export function expect(locator, { timeout = DEFAULT_TIMEOUT } = {}) {
  const name = () => locator.toString()
  return {
    async toBeVisible() {
      await locator.waitFor({ state: 'visible', timeout })
    },
    async toBeHidden() {
      await locator.waitFor({ state: 'hidden', timeout })
    },
    async toHaveCount(count) {
      await until(
        () => `${name()} should match ${count} element(s)`,
        async () => {
          const n = await locator.count()
          return { ok: n === count, actual: n }
        },
        timeout,
      )
    },
    async toHaveText(expected) {
      await until(
        () => `${name()} should have text ${expected}`,
        async () => {
          const text = norm(await locator.innerText({ timeout: 1_000 }))
          return { ok: matches(text, expected), actual: text }
        },
        timeout,
      )
    },
    async toContainText(expected) {
      await until(
        () => `${name()} should contain ${expected}`,
        async () => {
          const text = norm(await locator.innerText({ timeout: 1_000 }))
          const ok = expected instanceof RegExp ? expected.test(text) : text.includes(norm(expected))
          return { ok, actual: text }
        },
        timeout,
      )
    },
    async toHaveValue(expected) {
      await until(
        () => `${name()} should have the value ${expected}`,
        async () => {
          const value = await locator.inputValue({ timeout: 1_000 })
          return { ok: matches(value, expected), actual: value }
        },
        timeout,
      )
    },
    async toHaveAttribute(attr, expected) {
      await until(
        () => `${name()} should have ${attr}=${expected}`,
        async () => {
          const value = await locator.getAttribute(attr, { timeout: 1_000 })
          return { ok: value !== null && matches(value, expected), actual: value }
        },
        timeout,
      )
    },
  }
}
