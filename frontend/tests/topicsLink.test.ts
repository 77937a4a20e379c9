import { afterEach, describe, expect, it } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createRouter, createMemoryHistory } from 'vue-router'
import TopicsView from '../src/views/TopicsView.vue'
import { createAppI18n } from '../src/i18n'
import { json, mockFetch } from './helpers'

afterEach(() => {
  document.body.innerHTML = ''
})

describe('the topics list', () => {
  it('opens the inbox on the weeks its total counts', async () => {
    // The total counts the last twelve weeks; the inbox listed the topic's cases of every week.
    const weekStarts = Array.from({ length: 12 }, (_, i) => new Date(Date.UTC(2026, 8, 14 + 7 * i, 4)).toISOString())
    mockFetch(
      json(200, {
        data: [{ id: 'credit-card', name: 'credit card', phrases: ['credit card', 'late fee'], weekly: [1, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3], total: 6, rising: false, p_value: 1 }],
        meta: { total: 1, week_starts: weekStarts, learned_at: '2026-12-07T03:00:00Z', alpha: 0.01 },
      }),
    )
    const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/:p(.*)*', component: { template: '<div />' } }] })
    const wrapper = mount(TopicsView, { global: { plugins: [createAppI18n('en'), router] } })
    await flushPromises()
    const href = wrapper.get('[data-testid=topic-cases]').attributes('href')!
    const query = new URLSearchParams(href.split('?')[1])
    expect(query.get('topic')).toBe('credit-card')
    expect(query.get('created_from')).toBe(weekStarts[0])
  })
})
