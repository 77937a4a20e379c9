import { vi } from 'vitest'

export interface RecordedCall {
  url: string
  init: RequestInit
}

/** Stubs global fetch with a queue of responses; records every call. */
export function mockFetch(...responses: Array<Response | (() => Response)>) {
  const calls: RecordedCall[] = []
  const fn = vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}) => {
    calls.push({ url: String(input), init })
    const next = responses.shift()
    if (!next) throw new Error(`unexpected fetch ${String(input)}`)
    return typeof next === 'function' ? next() : next
  })
  vi.stubGlobal('fetch', fn)
  return { fn, calls }
}

export function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json' },
  })
}

export function headerOf(init: RequestInit, name: string): string | undefined {
  const headers = init.headers
  if (!headers) return undefined
  if (headers instanceof Headers) return headers.get(name) ?? undefined
  if (Array.isArray(headers)) return headers.find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1]
  const entry = Object.entries(headers).find(([k]) => k.toLowerCase() === name.toLowerCase())
  return entry?.[1]
}
