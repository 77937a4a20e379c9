import { afterEach, describe, expect, it } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import MergeDialog from '../src/components/MergeDialog.vue'
import { createAppI18n } from '../src/i18n'
import type { Case } from '../src/types'
import { json, mockFetch } from './helpers'

const dup = {
  id: 'K-2026-000002',
  subject: 'Broken again',
  description: 'Broken again.',
  customer: { name: 'Maija M', email: 'maija@example.org' },
  customer_name: 'Maija M',
  customer_email: 'maija@example.org',
  status: 'new',
  priority: 'normal',
  channel: 'web_form',
  category: 'product',
  touchpoint: 'store',
  expected_outcome: 'refund',
  tags: [],
  assignee_id: '',
  team_id: '',
  created_at: '2026-03-01T10:00:00Z',
  updated_at: '2026-03-01T10:00:00Z',
  version: 3,
} as unknown as Case

const row = (id: string, subject: string) => ({ ...dup, id, subject, version: 1 })

function mountDialog() {
  return mount(MergeDialog, { props: { open: true, item: dup }, global: { plugins: [createAppI18n('en')] }, attachTo: document.body })
}

afterEach(() => {
  document.body.innerHTML = ''
})

describe('merging a duplicate', () => {
  it('offers the customer’s other cases, confirms, and posts the duplicate’s version', async () => {
    const { calls } = mockFetch(
      json(200, { data: [row('K-2026-000001', 'Broken kettle'), row('K-2026-000002', 'Broken again')], meta: { total: 2 } }),
      json(200, { data: { ...row('K-2026-000001', 'Broken kettle'), version: 2 } }),
    )
    const wrapper = mountDialog()
    await flushPromises()
    expect(calls[0]!.url).toBe('/api/v1/cases/K-2026-000002/customer-history')
    // The case itself is not offered.
    expect(wrapper.findAll('input[type=radio]').map((e) => (e.element as HTMLInputElement).value)).toEqual(['K-2026-000001'])
    await wrapper.get('[data-testid=merge-continue]').trigger('click')
    expect(wrapper.get('[data-testid=merge-pick-error]').text()).toBe('Choose the case to keep.')
    await wrapper.get('input[value="K-2026-000001"]').setValue(true)
    await wrapper.get('[data-testid=merge-continue]').trigger('click')
    const confirm = wrapper.get('[data-testid=merge-confirm]')
    expect(confirm.text()).toContain('Merge K-2026-000002 into K-2026-000001?')
    expect(confirm.text()).toContain('The customer will be told; this case will be closed.')
    await wrapper.get('[data-testid=merge-confirm-button]').trigger('click')
    await flushPromises()
    expect(calls[1]!.url).toBe('/api/v1/cases/K-2026-000002/merge')
    expect(JSON.parse(String(calls[1]!.init.body))).toEqual({ into: 'K-2026-000001', version: 3 })
    expect((wrapper.emitted('merged')![0]![0] as Case).id).toBe('K-2026-000001')
  })

  it('searches, and finds a reference typed in full', async () => {
    const { calls } = mockFetch(
      json(200, { data: [], meta: { total: 0 } }),
      json(200, { data: [row('K-2026-000007', 'Other')], meta: { total: 1 } }),
      json(200, { data: row('K-2026-000009', 'Exact') }),
    )
    const wrapper = mountDialog()
    await flushPromises()
    expect(wrapper.get('[data-testid=merge-empty]').text()).toContain('This customer has no other cases.')
    await wrapper.get('[data-testid=merge-search]').setValue('k-2026-000009')
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(calls[1]!.url).toBe('/api/v1/cases?q=k-2026-000009&limit=10')
    expect(calls[2]!.url).toBe('/api/v1/cases/K-2026-000009')
    expect(wrapper.findAll('input[type=radio]').map((e) => (e.element as HTMLInputElement).value)).toEqual(['K-2026-000009', 'K-2026-000007'])
    expect(wrapper.get('legend').text()).toBe('Cases matching “k-2026-000009”')
  })

  it('explains a stale version (409) and offers a reload', async () => {
    mockFetch(
      json(200, { data: [row('K-2026-000001', 'Broken kettle')], meta: { total: 1 } }),
      json(409, { error: { code: 'version_conflict', message: 'stale' } }),
    )
    const wrapper = mountDialog()
    await flushPromises()
    await wrapper.get('input[value="K-2026-000001"]').setValue(true)
    await wrapper.get('[data-testid=merge-continue]').trigger('click')
    await wrapper.get('[data-testid=merge-confirm-button]').trigger('click')
    await flushPromises()
    expect(wrapper.get('[data-testid=merge-error]').text()).toContain('changed by someone else')
    expect(wrapper.get('[data-testid=merge-confirm-button]').attributes('disabled')).toBeDefined()
    await wrapper.get('[data-testid=merge-reload]').trigger('click')
    expect(wrapper.emitted('reload')).toHaveLength(1)
  })

  it('says when the case was merged already (409 already_merged)', async () => {
    mockFetch(
      json(200, { data: [row('K-2026-000001', 'Broken kettle')], meta: { total: 1 } }),
      json(409, { error: { code: 'already_merged', message: 'this case was merged into K-2026-000005' } }),
    )
    const wrapper = mountDialog()
    await flushPromises()
    await wrapper.get('input[value="K-2026-000001"]').setValue(true)
    await wrapper.get('[data-testid=merge-continue]').trigger('click')
    await wrapper.get('[data-testid=merge-confirm-button]').trigger('click')
    await flushPromises()
    expect(wrapper.get('[data-testid=merge-error]').text()).toContain('already merged')
  })

  it('shows a rejected target (400 fields.into) at the list, in words', async () => {
    mockFetch(
      json(200, { data: [row('K-2026-000001', 'Broken kettle')], meta: { total: 1 } }),
      json(400, { error: { code: 'invalid_request', message: 'validation failed', fields: { into: 'that case was itself merged into K-2026-000004' } } }),
    )
    const wrapper = mountDialog()
    await flushPromises()
    await wrapper.get('input[value="K-2026-000001"]').setValue(true)
    await wrapper.get('[data-testid=merge-continue]').trigger('click')
    await wrapper.get('[data-testid=merge-confirm-button]').trigger('click')
    await flushPromises()
    expect(wrapper.find('[data-testid=merge-confirm]').exists()).toBe(false)
    expect(wrapper.get('[data-testid=merge-pick-error]').text()).toBe('That case was itself merged into K-2026-000004. Choose K-2026-000004 instead.')
    expect(wrapper.get('input[value="K-2026-000001"]').attributes('aria-invalid')).toBe('true')
  })

  it('refuses another customer’s case before and after asking the server, in words', async () => {
    const other = { ...row('K-2026-000007', 'Someone else'), customer_email: 'pekka@example.org' }
    const sameButUnknown = { ...row('K-2026-000001', 'Broken kettle'), customer_email: '' }
    mockFetch(
      json(200, { data: [other, sameButUnknown], meta: { total: 2 } }),
      json(422, { error: { code: 'different_customers', message: 'only cases of the same customer can be merged', fields: { into: 'that case belongs to another customer' } } }),
    )
    const wrapper = mountDialog()
    await flushPromises()
    const refusal = 'That case belongs to another customer. Only one customer’s cases can be merged, so that nobody sees someone else’s messages.'
    await wrapper.get('input[value="K-2026-000007"]').setValue(true)
    await wrapper.get('[data-testid=merge-continue]').trigger('click')
    expect(wrapper.find('[data-testid=merge-confirm]').exists()).toBe(false)
    expect(wrapper.get('[data-testid=merge-pick-error]').text()).toBe(refusal)
    // The list does not know this one's address; the server's 422 is shown the same way.
    await wrapper.get('input[value="K-2026-000001"]').setValue(true)
    await wrapper.get('[data-testid=merge-continue]').trigger('click')
    await wrapper.get('[data-testid=merge-confirm-button]').trigger('click')
    await flushPromises()
    expect(wrapper.find('[data-testid=merge-confirm]').exists()).toBe(false)
    expect(wrapper.get('[data-testid=merge-pick-error]').text()).toBe(refusal)
  })
})
