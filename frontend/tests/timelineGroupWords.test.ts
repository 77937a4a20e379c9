import { afterEach, describe, expect, it } from 'vitest'
import { defineComponent, h, ref } from 'vue'
import { mount } from '@vue/test-utils'
import { useTimeline } from '../src/composables/case/useTimeline'
import { createAppI18n } from '../src/i18n'
import type { ChangeGroup } from '../src/timelineGroups'
import type { TimelineEvent } from '../src/types'
import { json, mockFetch } from './helpers'

const event = (field: string, from: string, to: string) =>
  ({ at: '2026-12-07T05:35:00Z', actor: 'Aino Virtanen', actor_id: 'u1', type: 'changed', data: { field, from, to } }) as unknown as TimelineEvent

const group: ChangeGroup = {
  actor: 'Aino Virtanen',
  actorId: 'u1',
  changes: [
    { field: 'assignee_id', from: '', to: 'u1' },
    { field: 'status', from: 'new', to: 'open' },
  ],
  tagsAdded: [],
  tagsRemoved: [],
  events: [event('assignee_id', '', 'u1'), event('status', 'new', 'open')],
  lastAt: '2026-12-07T05:35:00Z',
}

function labels(locale: 'en' | 'fi') {
  const Probe = defineComponent({
    setup() {
      const { describeGroup } = useTimeline(ref(null), () => '')
      return () => h('ul', describeGroup(group).lines.map((l) => h('li', l.text)))
    },
  })
  return mount(Probe, { global: { plugins: [createAppI18n(locale)] } }).findAll('li').map((li) => li.text())
}

afterEach(() => {
  document.body.innerHTML = ''
})

// A grouped entry lists each field as a label. The labels were the forms that follow "changed"
// ("muutti käsittelijää"), so a Finnish page read "käsittelijää: Ei kukaan → Aino Virtanen".
describe('a group of changes on the timeline', () => {
  it('labels each field by its name, in English and Finnish', () => {
    mockFetch(json(200, { data: [], meta: { total: 0 } }))
    expect(labels('en')).toEqual(['Assignee', 'Status'])
    expect(labels('fi')).toEqual(['Käsittelijä', 'Tila'])
  })
})
