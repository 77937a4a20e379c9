import { afterEach, describe, expect, it } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import AssigneePicker from '../src/components/AssigneePicker.vue'
import { createAppI18n } from '../src/i18n'
import { directory, loadDirectory, matchesQuery } from '../src/stores/staff'
import { json, mockFetch } from './helpers'

const staff = {
  data: [
    { id: 'u-ada', name: 'Ada Admin', email: 'ada@example.com', role: 'admin', team_ids: [], active: true },
    { id: 'u-aino', name: 'Aino Virtanen', email: 'aino@example.com', role: 'agent', team_ids: ['t-del'], active: true },
    { id: 'u-bo', name: 'Bo Berg', email: 'bo@example.com', role: 'manager', team_ids: ['t-del', 't-bill'], active: true },
    { id: 'u-old', name: 'Olli Oldtimer', team_ids: [], active: false },
  ],
  meta: { total: 4 },
}
const teams = {
  data: [
    { id: 't-bill', name: 'Billing', description: '', created_at: '2026-01-01T00:00:00Z', updated_at: '2026-01-01T00:00:00Z' },
    { id: 't-del', name: 'Deliveries', description: '', created_at: '2026-01-01T00:00:00Z', updated_at: '2026-01-01T00:00:00Z' },
  ],
  meta: { total: 2 },
}

function mountPicker(props: { assigneeId?: string; teamId?: string } = {}) {
  return mount(AssigneePicker, {
    props: { open: true, title: 'Assign K-2026-000001', assigneeId: props.assigneeId ?? '', teamId: props.teamId ?? '', meId: 'u-ada' },
    global: { plugins: [createAppI18n('en')] },
    attachTo: document.body,
  })
}

afterEach(() => {
  document.body.innerHTML = ''
})

describe('the staff directory', () => {
  it('loads people and teams once for concurrent callers', async () => {
    const { calls } = mockFetch(json(200, staff), json(200, teams))
    await Promise.all([loadDirectory(), loadDirectory()])
    expect(calls.map((c) => c.url)).toEqual(['/api/v1/staff', '/api/v1/teams'])
    expect(directory.people.map((p) => p.id)).toEqual(['u-ada', 'u-aino', 'u-bo', 'u-old'])
    expect(directory.teams.map((t) => t.name)).toEqual(['Billing', 'Deliveries'])
  })

  it('matches every word anywhere, ignoring case', () => {
    expect(matchesQuery('aino deliv', 'Aino Virtanen', 'Deliveries')).toBe(true)
    expect(matchesQuery('aino billing', 'Aino Virtanen', 'Deliveries')).toBe(false)
    expect(matchesQuery('  ', 'anything')).toBe(true)
  })
})

describe('the assignee picker', () => {
  it('lists active people (me first, with role and teams) and teams, never former staff', async () => {
    mockFetch(json(200, staff), json(200, teams))
    const wrapper = mountPicker()
    await flushPromises()
    const people = wrapper.findAll('[data-person]')
    expect(people.map((o) => o.attributes('data-person'))).toEqual(['u-ada', 'u-aino', 'u-bo'])
    expect(people[0]!.text()).toContain('Ada Admin (you)')
    expect(people[2]!.text()).toContain('Manager · Billing · Deliveries')
    expect(wrapper.findAll('[data-team]').map((o) => o.text())).toEqual(['BillingMembers: 1', 'DeliveriesMembers: 2'])
    expect(wrapper.text()).not.toContain('Olli')
    // Nothing to clear: no "Nobody" or "No team".
    expect(wrapper.find('[data-person=""]').exists()).toBe(false)
    expect(wrapper.find('[data-team=""]').exists()).toBe(false)
  })

  it('filters by name, e-mail, role or team and chooses with the keyboard', async () => {
    mockFetch(json(200, staff), json(200, teams))
    const wrapper = mountPicker()
    await flushPromises()
    const box = wrapper.get('[data-testid=assignee-search]')
    expect(box.attributes('role')).toBe('combobox')
    await box.setValue('deliveries')
    expect(wrapper.findAll('[role=option]').map((o) => o.attributes('data-person') ?? `team:${o.attributes('data-team')}`)).toEqual([
      'u-aino',
      'u-bo',
      'team:t-del',
    ])
    // The first match is active; the arrow keys move (and wrap), Enter chooses.
    const activeText = () => wrapper.get(`#${box.attributes('aria-activedescendant')}`).text()
    expect(activeText()).toContain('Aino Virtanen')
    await box.trigger('keydown', { key: 'ArrowDown' })
    expect(activeText()).toContain('Bo Berg')
    await box.trigger('keydown', { key: 'ArrowDown' })
    await box.trigger('keydown', { key: 'ArrowDown' })
    expect(activeText()).toContain('Aino Virtanen')
    await box.trigger('keydown', { key: 'ArrowUp' })
    expect(activeText()).toContain('Deliveries')
    await box.trigger('keydown', { key: 'Enter' })
    expect(wrapper.emitted('choose')).toEqual([[{ team_id: 't-del' }]])

    await box.setValue('bo@example')
    await box.trigger('keydown', { key: 'Enter' })
    expect(wrapper.emitted('choose')![1]).toEqual([{ assignee_id: 'u-bo' }])

    await box.setValue('manager')
    expect(wrapper.findAll('[data-person]').map((o) => o.attributes('data-person'))).toEqual(['u-bo'])
    await box.setValue('nobody like this')
    expect(wrapper.findAll('[role=option]')).toHaveLength(0)
    expect(wrapper.text()).toContain('No person or team matches “nobody like this”.')
    expect(box.attributes('aria-activedescendant')).toBeUndefined()
  })

  it('marks the current assignee and team and offers to clear them', async () => {
    mockFetch(json(200, staff), json(200, teams))
    const wrapper = mountPicker({ assigneeId: 'u-aino', teamId: 't-del' })
    await flushPromises()
    expect(wrapper.get('[data-person=u-aino]').attributes('aria-selected')).toBe('true')
    expect(wrapper.get('[data-team=t-del]').attributes('aria-selected')).toBe('true')
    expect(wrapper.get('[data-person=u-bo]').attributes('aria-selected')).toBe('false')
    // Choosing what is already set just closes.
    await wrapper.get('[data-person=u-aino]').trigger('click')
    expect(wrapper.emitted('close')).toHaveLength(1)
    expect(wrapper.emitted('choose')).toBeUndefined()
    await wrapper.get('[data-person=""]').trigger('click')
    await wrapper.get('[data-team=""]').trigger('click')
    expect(wrapper.emitted('choose')).toEqual([[{ assignee_id: '' }], [{ team_id: '' }]])
  })
})
