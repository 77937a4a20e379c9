import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createMemoryHistory } from 'vue-router'
import { listUsers, setUnauthorizedHandler } from '../src/api'
import { createAppRouter, safeRedirect } from '../src/router'
import { resetSession, session } from '../src/stores/session'
import { json, mockFetch } from './helpers'

const user = {
  id: 'u1',
  email: 'ada@example.com',
  name: 'Ada',
  role: 'agent',
  team_ids: [],
  authority_limit_cents: 0,
  currency: 'EUR',
  locale: 'en',
  active: true,
  created_at: '2026-01-01T00:00:00Z',
  updated_at: '2026-01-01T00:00:00Z',
}

beforeEach(() => resetSession())
afterEach(() => {
  resetSession()
  setUnauthorizedHandler(null)
})

describe('safeRedirect', () => {
  it.each([
    ['/admin/users', '/admin/users'],
    ['/inbox?view=mine', '/inbox?view=mine'],
    [['/cases/K-1'], '/cases/K-1'],
    ['//evil.example', '/inbox'],
    ['/\\evil.example', '/inbox'],
    ['https://evil.example/', '/inbox'],
    ['javascript:alert(1)', '/inbox'],
    ['/login', '/inbox'],
    ['/login?redirect=/x', '/inbox'],
    [undefined, '/inbox'],
    [null, '/inbox'],
  ])('%s -> %s', (input, expected) => {
    expect(safeRedirect(input)).toBe(expected)
  })
})

describe('route guard', () => {
  it('lets customers open the complaint form and tracking page without asking who is signed in', async () => {
    const { calls } = mockFetch()
    const router = createAppRouter(createMemoryHistory())
    await router.push('/complain')
    expect(router.currentRoute.value.name).toBe('complain')
    await router.push('/track/ABCDEFGHIJKLMNOPQRSTUVWXYZ234567ABCDEFGHIJKL')
    expect(router.currentRoute.value.name).toBe('track')
    expect(calls).toEqual([])
  })

  it('sends a visitor without a session to /login and remembers the page', async () => {
    const { calls } = mockFetch(json(401, { error: { code: 'unauthenticated', message: 'log in first' } }))
    const router = createAppRouter(createMemoryHistory())
    await router.push('/admin/users?x=1')
    expect(router.currentRoute.value.name).toBe('login')
    expect(router.currentRoute.value.query.redirect).toBe('/admin/users?x=1')
    expect(calls.map((c) => c.url)).toEqual(['/api/v1/me'])
  })

  it('lets a signed-in user through and asks /me only once', async () => {
    const { calls } = mockFetch(json(200, { data: { user, csrf_token: 'c' } }))
    const router = createAppRouter(createMemoryHistory())
    await router.push('/inbox')
    expect(router.currentRoute.value.fullPath).toBe('/inbox')
    await router.push('/account/tokens')
    expect(router.currentRoute.value.fullPath).toBe('/account/tokens')
    expect(calls).toHaveLength(1)
    expect(session.user?.name).toBe('Ada')
  })

  it('sends a signed-in user away from /login', async () => {
    mockFetch(json(200, { data: { user, csrf_token: 'c' } }))
    const router = createAppRouter(createMemoryHistory())
    await router.push('/login?redirect=/account/tokens')
    expect(router.currentRoute.value.fullPath).toBe('/account/tokens')
  })

  it('returns to /login when a later call answers 401 (session ended)', async () => {
    mockFetch(
      json(200, { data: { user, csrf_token: 'c' } }),
      json(401, { error: { code: 'unauthenticated', message: 'session expired' } }),
    )
    const router = createAppRouter(createMemoryHistory())
    await router.push('/admin/users')
    await expect(listUsers()).rejects.toMatchObject({ status: 401 })
    // The redirect is an asynchronous navigation.
    await vi.waitFor(() => expect(router.currentRoute.value.name).toBe('login'))
    expect(router.currentRoute.value.query).toEqual({ expired: '1', redirect: '/admin/users' })
    expect(session.user).toBeNull()
  })
})
