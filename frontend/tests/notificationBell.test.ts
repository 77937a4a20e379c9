import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import NotificationBell from '../src/components/NotificationBell.vue'
import { createAppI18n } from '../src/i18n'
import { emitLiveEvent } from '../src/stores/live'
import { resetSession, setSession } from '../src/stores/session'
import type { User } from '../src/types'
import { json, mockFetch } from './helpers'

const me: User = {
  id: 'MANAGER1', email: 'manager@example.com', name: 'Maija Manager', role: 'manager', team_ids: [],
  authority_limit_cents: 0, monthly_limit_cents: null, currency: 'EUR', locale: 'en', active: true,
  created_at: '2026-11-01T08:00:00Z', updated_at: '2026-11-01T08:00:00Z',
}

function list(titles: string[]) {
  return json(200, {
    data: titles.map((title, i) => ({ id: `n${i}`, case_id: 'K-2026-000001', title, message: 'm', created_at: '2026-11-20T08:00:00Z', read_at: null })),
    meta: { total: titles.length, unread: titles.length },
  })
}

function notificationEvent(users?: string[]) {
  emitLiveEvent({ id: 's:1:0', type: 'notification.created', case_id: 'K-2026-000001', data: users ? { rule: 'Legal', users } : { rule: 'Legal' }, at: '2026-11-20T08:00:00Z' })
}

beforeEach(() => setSession({ user: me, csrf_token: 't' }))
afterEach(() => {
  resetSession()
  document.body.innerHTML = ''
})

describe('NotificationBell', () => {
  it('reloads for a notification that tells this user, not for one that tells others', async () => {
    const { calls } = mockFetch(list([]), list(['K-2026-000001: Legal']))
    const wrapper = mount(NotificationBell, { global: { plugins: [createAppI18n('en')], stubs: { RouterLink: true } }, attachTo: document.body })
    await flushPromises()
    expect(calls).toHaveLength(1)

    notificationEvent(['AGENT7', 'ADMIN1'])
    await flushPromises()
    expect(calls).toHaveLength(1)

    notificationEvent(['AGENT7', 'MANAGER1'])
    await flushPromises()
    expect(calls).toHaveLength(2)
    expect(wrapper.get('[data-testid=notifications-unread]').text()).toBe('1')
    wrapper.unmount()
  })

  it('reloads for an event that names nobody (from an older server)', async () => {
    const { calls } = mockFetch(list([]), list([]))
    const wrapper = mount(NotificationBell, { global: { plugins: [createAppI18n('en')], stubs: { RouterLink: true } }, attachTo: document.body })
    await flushPromises()
    notificationEvent()
    await flushPromises()
    expect(calls).toHaveLength(2)
    wrapper.unmount()
  })
})
