import { afterEach, describe, expect, it, vi } from 'vitest'
import { ApiError } from '../src/api'
import { FormFill, newUuid, submitWithKey } from '../src/idempotency'
import { headerOf, json, mockFetch } from './helpers'

const receipt = {
  reference: 'K-2026-000042',
  tracking_url: 'http://x/track/abc',
  tracking_token: 'abc',
  first_response_hours: 24,
}

function form(): FormData {
  const f = new FormData()
  f.append('name', 'Liisa')
  return f
}

afterEach(() => vi.useRealTimers())

describe('newUuid', () => {
  it('makes version 4 UUIDs', () => {
    const a = newUuid()
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    expect(newUuid()).not.toBe(a)
  })

  it('falls back to getRandomValues without randomUUID', () => {
    const spy = vi.spyOn(globalThis.crypto, 'randomUUID').mockImplementation(() => {
      throw new Error('not a secure context')
    })
    expect(newUuid()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    spy.mockRestore()
  })
})

describe('one idempotency key per form fill', () => {
  it('reuses the key across retries until the complaint is accepted, then starts a new one', async () => {
    let n = 0
    const fill = new FormFill(() => `key-${++n}`)
    const { calls } = mockFetch(
      () => {
        throw new TypeError('Failed to fetch')
      },
      json(500, { error: { code: 'internal', message: 'boom' } }),
      json(201, { data: receipt }),
      json(201, { data: { ...receipt, reference: 'K-2026-000043' } }),
    )

    await expect(submitWithKey(fill, form())).rejects.toMatchObject({ code: 'network_error' })
    await expect(submitWithKey(fill, form())).rejects.toBeInstanceOf(ApiError)
    await expect(submitWithKey(fill, form())).resolves.toEqual(receipt)
    // The next complaint is a new fill.
    await expect(submitWithKey(fill, form())).resolves.toMatchObject({ reference: 'K-2026-000043' })

    const keys = calls.map((c) => headerOf(c.init, 'Idempotency-Key'))
    expect(keys).toEqual(['key-1', 'key-1', 'key-1', 'key-2'])
    expect(calls.every((c) => c.url === '/api/v1/complaints' && c.init.method === 'POST')).toBe(true)
    // Multipart: the browser sets the Content-Type with the boundary.
    expect(calls[0]!.init.body).toBeInstanceOf(FormData)
    expect(headerOf(calls[0]!.init, 'Content-Type')).toBeUndefined()
  })

  it('keeps the key after a validation error (nothing was filed)', async () => {
    const fill = new FormFill()
    const first = fill.key
    mockFetch(json(400, { error: { code: 'invalid', message: 'x', fields: { email: 'required' } } }))
    await expect(submitWithKey(fill, form())).rejects.toMatchObject({ fields: { email: 'required' } })
    expect(fill.key).toBe(first)
  })

  it('asks again with the same key while the server is still filing it (409 in_progress)', async () => {
    const fill = new FormFill(() => 'same')
    const { calls } = mockFetch(
      json(409, { error: { code: 'in_progress', message: 'wait' } }),
      json(201, { data: receipt }),
    )
    await expect(submitWithKey(fill, form(), { inProgressDelayMs: 1 })).resolves.toEqual(receipt)
    expect(calls.map((c) => headerOf(c.init, 'Idempotency-Key'))).toEqual(['same', 'same'])
  })
})
