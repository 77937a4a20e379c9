import { afterEach, describe, expect, it } from 'vitest'
import { defineComponent, h, ref } from 'vue'
import { flushPromises, mount } from '@vue/test-utils'
import { useTimeline } from '../src/composables/case/useTimeline'
import { createAppI18n } from '../src/i18n'
import type { TimelineEvent } from '../src/types'
import { json, mockFetch } from './helpers'

const options = [
  { id: 'full_refund', name: { en: 'Full refund', fi: 'Täysi hyvitys' }, customer_text: { en: '', fi: '' }, has_amount: true, reason_required: false, follow_up_days: 7, position: 10, active: true, updated_at: '', version: 1 },
  { id: 'goodwill', name: { en: 'Goodwill gesture', fi: 'Hyvityseleenä annettava korvaus' }, customer_text: { en: '', fi: '' }, has_amount: true, reason_required: false, follow_up_days: 14, position: 70, active: true, updated_at: '', version: 1 },
]

const events: TimelineEvent[] = [
  { at: '2026-12-03T08:34:00Z', actor: 'Jussi Nieminen', type: 'remedy_granted', data: { option: 'full_refund', amount_minor: '7100', currency: 'EUR' } },
  { at: '2026-12-07T03:37:00Z', actor: 'Aino Virtanen', type: 'approval_requested', data: { option: 'goodwill', amount_minor: '45000', currency: 'EUR', reason: 'case' } },
] as unknown as TimelineEvent[]

function describeAll(locale: 'en' | 'fi') {
  const Probe = defineComponent({
    setup() {
      const { describeEvent } = useTimeline(ref(null), () => '')
      return () => h('ul', events.map((e) => h('li', describeEvent(e))))
    },
  })
  return mount(Probe, { global: { plugins: [createAppI18n(locale)] } })
}

afterEach(() => {
  document.body.innerHTML = ''
})

// The case's timeline named a remedy by its id ("full refund", "goodwill"), in English in the
// Finnish page too: it names it as the catalogue does, in the reader's language.
describe('remedies on the case timeline', () => {
  it('are named as the resolution options name them, in English and Finnish', async () => {
    const { calls } = mockFetch(json(200, { data: options, meta: { total: 2 } }))
    const en = describeAll('en')
    await flushPromises()
    expect(calls.map((c) => c.url)).toEqual(['/api/v1/resolution-options'])
    const lines = en.findAll('li').map((li) => li.text().replace(/[\u00a0\u202f]/g, ' '))
    expect(lines).toEqual(['Jussi Nieminen granted a remedy: Full refund, €71.00', 'Aino Virtanen asked for approval of a remedy: Goodwill gesture, €450.00'])
    const fi = describeAll('fi') // the names are read once
    await flushPromises()
    expect(calls).toHaveLength(1)
    expect(fi.findAll('li').map((li) => li.text().replace(/[\u00a0\u202f]/g, ' '))[0]).toBe('Jussi Nieminen myönsi hyvityksen: Täysi hyvitys, 71,00 €')
  })
})
