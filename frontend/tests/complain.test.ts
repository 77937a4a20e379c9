import { afterEach, describe, expect, it } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createMemoryHistory, createRouter } from 'vue-router'
import ComplainView from '../src/views/ComplainView.vue'
import { createAppI18n } from '../src/i18n'
import { headerOf, json, mockFetch } from './helpers'

const options = {
  data: {
    categories: [{ id: 'delivery', name: 'Delivery' }],
    touchpoints: ['web_shop', 'store'],
    expected_outcomes: ['refund', 'apology'],
  },
}

async function mountForm() {
  const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/complain', component: ComplainView }, { path: '/track/:token', component: ComplainView }] })
  await router.push('/complain')
  await router.isReady()
  const wrapper = mount(ComplainView, { global: { plugins: [router, createAppI18n('en')] }, attachTo: document.body })
  await flushPromises()
  return wrapper
}

afterEach(() => {
  document.body.innerHTML = ''
})

describe('complaint form', () => {
  it('asks for the categories in the UI language and renders translated choices', async () => {
    const { calls } = mockFetch(json(200, options))
    const wrapper = await mountForm()
    expect(calls[0]!.url).toBe('/api/v1/form-options?locale=en')
    expect(wrapper.get('#c-category').text()).toContain('Delivery')
    expect(wrapper.get('#c-touchpoint').text()).toContain('Web shop')
    expect(wrapper.text()).toContain('Apology')
  })

  it('shows the server\'s field errors inline and in a focused summary', async () => {
    const { calls } = mockFetch(
      json(200, options),
      json(400, { error: { code: 'invalid', message: 'x', fields: { name: 'is required', description: 'must be at least 10 characters' } } }),
    )
    const wrapper = await mountForm()
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    const summary = wrapper.get('[data-testid=error-summary]')
    expect(summary.findAll('a').map((a) => a.attributes('href'))).toEqual(['#c-name', '#c-description'])
    expect(document.activeElement).toBe(summary.element)
    expect(wrapper.get('#c-name').attributes('aria-invalid')).toBe('true')
    expect(wrapper.get('#c-name-error').text()).toBe('Enter your name.')
    expect(wrapper.get('#c-description-error').text()).toBe('Tell us a little more: at least 10 characters.')
    // Multipart with every field, the locale and an idempotency key.
    const body = calls[1]!.init.body as FormData
    expect(body.get('locale')).toBe('en')
    expect(body.get('website')).toBe('')
    expect(headerOf(calls[1]!.init, 'Idempotency-Key')).toMatch(/^[0-9a-f-]{36}$/)
  })

  it('says so when too many complaints came from here (429)', async () => {
    mockFetch(json(200, options), json(429, { error: { code: 'rate_limited', message: 'slow down' } }))
    const wrapper = await mountForm()
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(wrapper.get('[data-testid=complaint-banner]').text()).toBe(
      'Too many complaints have been sent from here in a short time. Please try again later.',
    )
  })

  it('after 422 idempotency_key_reused says an earlier attempt arrived, and the next send uses a new key', async () => {
    const { calls } = mockFetch(
      json(200, options),
      json(422, { error: { code: 'idempotency_key_reused', message: 'used for a different complaint' } }),
      json(201, { data: { reference: 'K-2026-000043', tracking_url: 'https://help.example/track/T', tracking_token: 'T', first_response_hours: 8 } }),
    )
    const wrapper = await mountForm()
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(wrapper.get('[data-testid=complaint-banner]').text()).toContain('An earlier attempt of this complaint already reached us.')
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(headerOf(calls[2]!.init, 'Idempotency-Key')).not.toBe(headerOf(calls[1]!.init, 'Idempotency-Key'))
  })

  it('shows the reference, the tracking link and the promise after 201', async () => {
    mockFetch(
      json(200, options),
      json(201, { data: { reference: 'K-2026-000042', tracking_url: 'https://help.example/track/T0K3N', tracking_token: 'T0K3N', first_response_hours: 8 } }),
    )
    const wrapper = await mountForm()
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(wrapper.get('[data-testid=complaint-reference]').text()).toBe('K-2026-000042')
    expect((wrapper.get('[data-testid=tracking-link]').element as HTMLInputElement).value).toBe('https://help.example/track/T0K3N')
    expect(wrapper.get('[data-testid=complaint-promise]').text()).toBe(
      'We will answer within 8 hours. We also sent you an e-mail with these details.',
    )
    expect(wrapper.get('[data-testid=open-tracking]').attributes('href')).toBe('/track/T0K3N')
  })

  it('says by when the answer is due, in the SLA calendar\'s zone, when the receipt names it', async () => {
    mockFetch(
      json(200, options),
      json(201, {
        data: {
          reference: 'K-2026-000043',
          tracking_url: 'https://help.example/track/T0K3N',
          tracking_token: 'T0K3N',
          first_response_hours: 25,
          first_response_due: '2099-12-07T16:00:00+02:00',
          time_zone: 'Europe/Helsinki',
        },
      }),
    )
    const wrapper = await mountForm()
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    // Far ahead, so the date is said too; 16:00 in Helsinki whatever the test machine's zone.
    expect(wrapper.get('[data-testid=complaint-promise]').text()).toBe(
      'We will answer by Monday 7 December 16:00. We also sent you an e-mail with these details.',
    )
  })

  it('keeps the honeypot away from people and assistive technology', async () => {
    mockFetch(json(200, options))
    const wrapper = await mountForm()
    const input = wrapper.get('input[name=website]')
    expect(input.attributes('tabindex')).toBe('-1')
    expect(input.attributes('autocomplete')).toBe('off')
    expect(input.element.closest('[aria-hidden=true]')).not.toBeNull()
  })
})
