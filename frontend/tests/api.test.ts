import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  ApiError,
  addCaseMessage,
  buildUrl,
  createUser,
  deleteApiToken,
  errorFromBody,
  listCases,
  listStaff,
  listUsers,
  login,
  me,
  request,
  setCsrfToken,
  setUnauthorizedHandler,
} from '../src/api'
import { headerOf, json, mockFetch } from './helpers'

const user = {
  id: 'u1',
  email: 'ada@example.com',
  name: 'Ada',
  role: 'admin',
  team_ids: [],
  authority_limit_cents: 50000,
  currency: 'EUR',
  locale: 'en',
  active: true,
  created_at: '2026-01-01T00:00:00Z',
  updated_at: '2026-01-01T00:00:00Z',
}

afterEach(() => {
  setCsrfToken('')
  setUnauthorizedHandler(null)
})

describe('envelope', () => {
  it('unwraps data and meta of a list', async () => {
    const { calls } = mockFetch(json(200, { data: [user], meta: { total: 1 } }))
    const result = await listUsers()
    expect(result.data).toEqual([user])
    expect(result.meta).toEqual({ total: 1 })
    expect(calls[0]!.url).toBe('/api/v1/users')
    expect(calls[0]!.init.method).toBe('GET')
    expect(calls[0]!.init.credentials).toBe('same-origin')
  })

  it('unwraps data of a single resource', async () => {
    mockFetch(json(200, { data: { user, csrf_token: 'tok' } }))
    const session = await me()
    expect(session.user.email).toBe('ada@example.com')
    expect(session.csrf_token).toBe('tok')
  })

  it('builds the case list query, leaving out empty parameters', async () => {
    const { calls } = mockFetch(json(200, { data: [], meta: { total: 0, next_cursor: '' } }))
    const result = await listCases({ view: 'mine', sort: 'updated_at', order: 'desc', limit: 50, cursor: '' })
    expect(result.meta.total).toBe(0)
    expect(calls[0]!.url).toBe('/api/v1/cases?view=mine&sort=updated_at&order=desc&limit=50')
  })

  it('accepts 204 No Content', async () => {
    setCsrfToken('csrf-1')
    const { calls } = mockFetch(new Response(null, { status: 204 }))
    await expect(deleteApiToken('t/1')).resolves.toBeUndefined()
    expect(calls[0]!.url).toBe('/api/v1/api-tokens/t%2F1')
    expect(calls[0]!.init.method).toBe('DELETE')
  })

  it('sends several filter values as a repeated parameter, a comma inside a value kept', async () => {
    const { calls } = mockFetch(json(200, { data: [], meta: { total: 0, next_cursor: '' } }))
    const credit = 'Credit reporting, credit repair services, or other personal consumer reports'
    await listCases({ view: 'escalated', status: ['new', 'open'], category: [credit, 'Mortgage'], tag: [], facets: ['status', 'category'], min_escalation_level: 2 })
    const url = new URL(calls[0]!.url, 'http://x')
    expect(url.searchParams.getAll('category')).toEqual([credit, 'Mortgage'])
    expect(url.searchParams.getAll('status')).toEqual(['new', 'open'])
    expect(url.searchParams.getAll('facets')).toEqual(['status', 'category'])
    expect(url.searchParams.has('tag')).toBe(false)
    expect(url.searchParams.get('min_escalation_level')).toBe('2')
    expect(calls[0]!.url).toContain('category=Credit+reporting%2C+credit+repair')
  })

  it('reads the staff directory', async () => {
    const { calls } = mockFetch(json(200, { data: [{ id: 'u1', name: 'Ada', team_ids: [], active: false }], meta: { total: 1 } }))
    expect(await listStaff()).toEqual([{ id: 'u1', name: 'Ada', team_ids: [], active: false }])
    expect(calls[0]!.url).toBe('/api/v1/staff')
  })

  it('encodes query values', () => {
    expect(buildUrl('/cases', { q: 'broken & late', limit: 1, x: undefined, y: null })).toBe(
      '/api/v1/cases?q=broken+%26+late&limit=1',
    )
  })
})

describe('errors', () => {
  it('throws ApiError with code, message and fields', async () => {
    mockFetch(
      json(422, {
        error: {
          code: 'validation_failed',
          message: 'Some fields are invalid',
          fields: { email: 'must be a valid email', authority_limit_cents: 'must be 0 or more' },
        },
      }),
    )
    const error = await createUser({
      email: 'nope',
      name: 'X',
      role: 'agent',
      password: 'pw',
      team_ids: [],
      authority_limit_cents: -1,
      locale: 'en',
    }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ApiError)
    const apiError = error as ApiError
    expect(apiError.status).toBe(422)
    expect(apiError.code).toBe('validation_failed')
    expect(apiError.message).toBe('Some fields are invalid')
    expect(apiError.fields).toEqual({
      email: 'must be a valid email',
      authority_limit_cents: 'must be 0 or more',
    })
    expect(apiError.hasFieldErrors).toBe(true)
  })

  it('copes with a non-JSON error body', async () => {
    mockFetch(new Response('<html>Bad gateway</html>', { status: 502, statusText: 'Bad Gateway' }))
    const error = (await request('GET', '/teams').catch((e: unknown) => e)) as ApiError
    expect(error).toBeInstanceOf(ApiError)
    expect(error.status).toBe(502)
    expect(error.code).toBe('http_502')
    expect(error.fields).toEqual({})
  })

  it('reports a network failure as status 0', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => Promise.reject(new TypeError('Failed to fetch'))))
    const error = (await request('GET', '/teams').catch((e: unknown) => e)) as ApiError
    expect(error.status).toBe(0)
    expect(error.code).toBe('network_error')
  })

  it('errorFromBody tolerates odd shapes', () => {
    expect(errorFromBody(400, { error: { code: 'bad', fields: { a: 1 } } }).fields).toEqual({ a: '1' })
    expect(errorFromBody(404, null).code).toBe('http_404')
  })
})

describe('CSRF and credentials', () => {
  it('sends X-CSRF-Token and a JSON body on POST', async () => {
    setCsrfToken('csrf-123')
    const { calls } = mockFetch(json(201, { data: user }))
    await createUser({
      email: 'ada@example.com',
      name: 'Ada',
      role: 'agent',
      password: 'correct horse battery',
      team_ids: ['t1'],
      authority_limit_cents: 10000,
      locale: 'fi',
    })
    const { init } = calls[0]!
    expect(init.method).toBe('POST')
    expect(init.credentials).toBe('same-origin')
    expect(headerOf(init, 'X-CSRF-Token')).toBe('csrf-123')
    expect(headerOf(init, 'Content-Type')).toBe('application/json')
    expect(JSON.parse(String(init.body))).toEqual({
      email: 'ada@example.com',
      name: 'Ada',
      role: 'agent',
      password: 'correct horse battery',
      team_ids: ['t1'],
      authority_limit_cents: 10000,
      locale: 'fi',
    })
  })

  it('does not send the CSRF header on GET', async () => {
    setCsrfToken('csrf-123')
    const { calls } = mockFetch(json(200, { data: [], meta: { total: 0 } }))
    await listUsers()
    expect(headerOf(calls[0]!.init, 'X-CSRF-Token')).toBeUndefined()
  })
})

describe('401 handling', () => {
  it('runs the unauthorized handler on 401 of an authenticated call', async () => {
    const handler = vi.fn()
    setUnauthorizedHandler(handler)
    mockFetch(json(401, { error: { code: 'unauthorized', message: 'Not signed in' } }))
    await expect(listUsers()).rejects.toMatchObject({ status: 401 })
    expect(handler).toHaveBeenCalledOnce()
  })

  it('does not redirect when the login itself answers 401', async () => {
    const handler = vi.fn()
    setUnauthorizedHandler(handler)
    mockFetch(json(401, { error: { code: 'invalid_credentials', message: 'Invalid email or password' } }))
    await expect(login('a@example.com', 'wrong')).rejects.toMatchObject({ code: 'invalid_credentials' })
    expect(handler).not.toHaveBeenCalled()
  })
})

describe('caseViewCounts', () => {
  const views = ['unassigned', 'mine', 'all_open', 'waiting', 'resolved'] as const

  it('uses /cases/counts when the server has it', async () => {
    const counts = { unassigned: 3, mine: 2, all_open: 5, waiting: 0, resolved: 7 }
    const { calls } = mockFetch(json(200, { data: counts }))
    const { caseViewCounts } = await import('../src/api')
    await expect(caseViewCounts(views)).resolves.toEqual(counts)
    expect(calls.map((c) => c.url)).toEqual(['/api/v1/cases/counts'])
  })

  it('falls back to one limit=1 query per view', async () => {
    const { calls } = mockFetch(
      json(404, { error: { code: 'not_found', message: 'Not Found' } }),
      ...views.map((_, i) => json(200, { data: [], meta: { total: i * 10, next_cursor: '' } })),
    )
    const { caseViewCounts } = await import('../src/api')
    await expect(caseViewCounts(views)).resolves.toEqual({
      unassigned: 0,
      mine: 10,
      all_open: 20,
      waiting: 30,
      resolved: 40,
    })
    expect(calls.slice(1).map((c) => c.url)).toEqual(views.map((v) => `/api/v1/cases?view=${v}&limit=1`))
  })
})

describe('staff messages with files', () => {
  it('sends JSON without files and multipart with them, the same fields as text parts', async () => {
    setCsrfToken('tok')
    const { calls } = mockFetch(json(201, { data: { id: 'K-1' } }), json(201, { data: { id: 'K-1' } }))
    await addCaseMessage('K-1', { kind: 'note', body: 'Plain', version: 0 })
    expect(calls[0]!.init.body).toBe(JSON.stringify({ kind: 'note', body: 'Plain', version: 0 }))

    const label = new File(['%PDF-1.4'], 'label.pdf', { type: 'application/pdf' })
    await addCaseMessage('K-1', { kind: 'reply', body: 'Label attached', status: 'waiting', version: 4 }, [label])
    const form = calls[1]!.init.body as FormData
    expect(form).toBeInstanceOf(FormData)
    expect(calls[1]!.url).toBe('/api/v1/cases/K-1/messages')
    expect([...form.keys()]).toEqual(['kind', 'body', 'status', 'version', 'attachments'])
    expect(form.get('kind')).toBe('reply')
    expect(form.get('status')).toBe('waiting')
    expect(form.get('version')).toBe('4')
    expect((form.get('attachments') as File).name).toBe('label.pdf')
    // The browser sets the multipart boundary; the client must not.
    expect(headerOf(calls[1]!.init, 'Content-Type')).toBeFalsy()
    expect(headerOf(calls[1]!.init, 'X-CSRF-Token')).toBe('tok')
  })
})
