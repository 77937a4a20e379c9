import { describe, expect, it } from 'vitest'
import { computed } from 'vue'
import { filtersFromQuery, queryFromFilters } from '../src/composables/inbox/savedViewFilters'
import type { TabView } from '../src/composables/inbox/useInboxQuery'
import type { CaseSort } from '../src/types'

function inboxQuery(view: TabView, sort: CaseSort | '' = '', extra: Partial<Record<string, string | string[]>> = {}) {
  const list = (k: string) => (extra[k] as string[] | undefined) ?? []
  const one = (k: string) => (extra[k] as string | undefined) ?? ''
  return {
    view: computed(() => view),
    q: computed(() => one('q')),
    sort: computed(() => sort),
    order: computed<'asc' | 'desc'>(() => 'asc'),
    filters: computed(() => ({
      status: list('status'),
      priority: list('priority'),
      category: list('category'),
      touchpoint: list('touchpoint'),
      channel: list('channel'),
      assignee_id: one('assignee_id'),
      team_id: one('team_id'),
      tag: one('tag'),
      created_from: one('created_from'),
      created_to: one('created_to'),
      review_rating: list('review_rating'),
      review_source: list('review_source'),
      review_reply: list('review_reply'),
      topic: one('topic'),
      granted_option: one('granted_option'),
      expected_outcome: list('expected_outcome'),
      option_granted: list('option_granted'),
      outcome_gap: list('outcome_gap'),
      sla_outcome: list('sla_outcome'),
      follow_up_outcome: list('follow_up_outcome'),
    })),
  }
}

describe('saved view filters', () => {
  it('keep the address filters and sort under the list parameters names, without the date range', () => {
    const filters = filtersFromQuery(
      inboxQuery('all_open', 'priority', {
        q: 'kettle',
        priority: ['urgent', 'high'],
        category: ['Credit reporting, credit repair'],
        team_id: 'T1',
        created_from: '2026-01-01',
      }),
    )
    expect(filters).toEqual({
      view: 'all_open',
      q: 'kettle',
      priority: ['urgent', 'high'],
      category: ['Credit reporting, credit repair'],
      team_id: ['T1'],
      sort: 'priority',
      order: 'asc',
    })
    expect(queryFromFilters(filters)).toEqual({
      view: 'all_open',
      q: 'kettle',
      priority: ['urgent', 'high'],
      category: ['Credit reporting, credit repair'],
      team_id: 'T1',
      sort: 'priority',
      order: 'asc',
    })
  })

  it('"all cases" is no view; a one-way sort has no order', () => {
    const filters = filtersFromQuery(inboxQuery('all', 'due'))
    expect(filters).toEqual({ sort: 'due' })
    expect(queryFromFilters(filters)).toEqual({ view: 'all', sort: 'due' })
  })
})
