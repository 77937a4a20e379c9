import { afterEach, describe, expect, it } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import CaseGrantCard from '../src/components/case/CaseGrantCard.vue'
import { createAppI18n } from '../src/i18n'
import { DEFAULT_MONTHLY_LIMIT } from '../src/remedies'
import { json, mockFetch } from './helpers'

const options = [
  { id: 'voucher', name: { en: 'Voucher', fi: 'Lahjakortti' }, customer_text: { en: 'A voucher.', fi: 'Lahjakortti.' }, has_amount: true, reason_required: false, follow_up_days: 30, position: 50, active: true, updated_at: '', version: 1 },
  { id: 'no_remedy', name: { en: 'No remedy', fi: 'Ei hyvitystä' }, customer_text: { en: 'No.', fi: 'Ei.' }, has_amount: false, reason_required: true, follow_up_days: 7, position: 90, active: true, updated_at: '', version: 1 },
]
const spending = { month: '2026-03', spent_minor: 0, monthly_limit_minor: DEFAULT_MONTHLY_LIMIT.agent, case_limit_minor: 5000, currency: 'EUR', minor_digits: 2 }

afterEach(() => {
  document.body.innerHTML = ''
})

function mountCard(locale: 'en' | 'fi', grants: unknown[] = []) {
  return mount(CaseGrantCard, {
    props: { caseId: 'K-2026-000001', grants: grants as never, expectedOutcome: 'refund' },
    global: { plugins: [createAppI18n(locale)] },
    attachTo: document.body,
  })
}

describe('the case page’s grant card', () => {
  it('sends a Finnish amount as exact minor units', async () => {
    const { calls } = mockFetch(
      json(200, { data: [], meta: { total: 0 } }), // the case's approval requests
      json(200, { data: options, meta: { total: 2 } }),
      json(200, { data: spending }),
      json(202, { data: { status: 'approval_requested', case_version: 3 } }),
      json(200, { data: spending }),
    )
    const wrapper = mountCard('fi')
    await flushPromises()
    await wrapper.get('[data-testid=grant-option]').setValue('voucher')
    await wrapper.get('[data-testid=grant-amount]').setValue('1 000,50')
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(calls[0]!.url).toBe('/api/v1/cases/K-2026-000001/approval-requests')
    expect(calls[3]!.url).toBe('/api/v1/cases/K-2026-000001/resolution')
    expect(String(calls[3]!.init.body)).toBe('{"option_id":"voucher","amount_minor":100050,"message":""}')
    expect(wrapper.get('[data-testid=grant-notice]').text()).toContain('hyväksyttäväksi')
    expect(wrapper.emitted('changed')).toHaveLength(1)
  })

  it('asks for a reason and refuses an amount with too many decimals', async () => {
    const { calls } = mockFetch(json(200, { data: [], meta: { total: 0 } }), json(200, { data: options, meta: { total: 2 } }), json(200, { data: spending }))
    const wrapper = mountCard('en')
    await flushPromises()
    await wrapper.get('[data-testid=grant-option]').setValue('voucher')
    await wrapper.get('[data-testid=grant-amount]').setValue('1.005')
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(wrapper.get('[data-testid=grant-amount]').attributes('aria-invalid')).toBe('true')
    await wrapper.get('[data-testid=grant-option]').setValue('no_remedy')
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(wrapper.text()).toContain('Say why.')
    expect(calls).toHaveLength(3)
  })

  it('lists the grants with the net amount, and a reversal stays an entry of its own', async () => {
    mockFetch(json(200, { data: [], meta: { total: 0 } }), json(200, { data: options, meta: { total: 2 } }), json(200, { data: spending }))
    const wrapper = mountCard('fi', [
      { id: 'g1', option_id: 'voucher', amount_minor: 100050, currency: 'EUR', message: '', granted_by_id: 'u1', granted_by: 'Aino', approved_by: 'Matti', at: '2026-03-02T09:00:00Z' },
      { id: 'g2', option_id: 'voucher', amount_minor: 2550, currency: 'EUR', message: '', granted_by_id: 'u1', granted_by: 'Aino', at: '2026-03-02T10:00:00Z' },
      { id: 'g3', option_id: 'voucher', amount_minor: -2550, currency: 'EUR', message: '', granted_by_id: 'u1', granted_by: 'Aino', reverses: 'g2', at: '2026-03-02T11:00:00Z' },
    ])
    await flushPromises()
    expect(wrapper.get('[data-testid=grant-net]').text().replace(/[\u00a0\u202f]/g, ' ')).toBe('1 000,50 €')
    expect(wrapper.findAll('.grant')).toHaveLength(3)
    expect(wrapper.text()).toContain('hyväksyi Matti')
    expect(wrapper.findAll('.grant button')).toHaveLength(1) // only g1 can still be reversed
  })
})
