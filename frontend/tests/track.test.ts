import { afterEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createMemoryHistory, createRouter } from 'vue-router'
import TrackView from '../src/views/TrackView.vue'
import { createAppI18n } from '../src/i18n'
import { headerOf, json } from './helpers'

const TOKEN = 'K3ZQ7M2XW4PLR5TJ6HNB2C7D4E5F6G7HA2B3C4D5E6F7G2H3J4K5L6M7N2P3Q4R5'
const REF = 'K-2026-000042'
const publicCase = {
  reference: REF,
  subject: 'Broken kettle',
  status: 'open',
  status_text: 'being handled',
  created_at: '2026-03-02T09:00:00Z',
  messages: [{ id: 'm1', from: 'customer', body: 'It leaks', created_at: '2026-03-02T09:00:00Z' }],
  attachments: [{ id: 'a1', message_id: 'm1', name: 'photo.png', content_type: 'image/png', size: 10, public: true, created_at: '2026-03-02T09:00:00Z' }],
  can_follow_up: false,
}

interface Call {
  method: string
  url: string
  init: RequestInit
}

/** Answers by method and path, so the order of the page's requests does not matter. */
function serve(routes: Record<string, () => Response>) {
  const calls: Call[] = []
  vi.stubGlobal(
    'fetch',
    vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}) => {
      const url = String(input)
      const method = init.method ?? 'GET'
      calls.push({ method, url, init })
      const key = `${method} ${url.split('?')[0]}`
      const answer = routes[key]
      if (!answer) throw new Error(`unexpected fetch ${key}`)
      return answer()
    }),
  )
  return calls
}

async function mountAt(path: string) {
  const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/track/:key', name: 'track', component: TrackView }, { path: '/complain', component: TrackView }] })
  await router.push(path)
  await router.isReady()
  const wrapper = mount(TrackView, { global: { plugins: [router, createAppI18n('en')] }, attachTo: document.body })
  await flushPromises()
  return { wrapper, router }
}

afterEach(() => {
  vi.unstubAllGlobals()
  document.body.innerHTML = ''
})

const formOptions = () => json(200, { data: { categories: [], touchpoints: [], expected_outcomes: [] } })

describe('tracking page', () => {
  it('exchanges the token once for the cookie, drops it from the address and then uses the reference', async () => {
    const calls = serve({
      'POST /api/v1/track/session': () => json(200, { data: publicCase }),
      'GET /api/v1/form-options': formOptions,
      [`POST /api/v1/track/case/${REF}/messages`]: () => json(201, { data: publicCase }),
    })
    const { wrapper, router } = await mountAt(`/track/${TOKEN}`)

    const exchange = calls.filter((c) => c.url.startsWith('/api/v1/track/'))
    expect(exchange).toHaveLength(1)
    expect(JSON.parse(String(exchange[0]!.init.body))).toEqual({ token: TOKEN })
    expect(headerOf(exchange[0]!.init, 'X-Kaiku-Track')).toBe('1')
    expect(router.currentRoute.value.fullPath).toBe(`/track/${REF}`)
    expect(wrapper.get('[data-testid=track-reference]').text()).toBe(REF)
    expect(wrapper.get('a.attachment').attributes('href')).toBe(`/api/v1/track/case/${REF}/attachments/a1`)
    expect(wrapper.html()).not.toContain(TOKEN)

    await wrapper.get('textarea[name=body]').setValue('Any news?')
    await wrapper.get('[data-testid=track-reply]').trigger('submit')
    await flushPromises()
    const reply = calls.at(-1)!
    expect(reply.url).toBe(`/api/v1/track/case/${REF}/messages`)
    expect(headerOf(reply.init, 'X-Kaiku-Track')).toBe('1')
    expect(calls.some((c) => c.url.includes(TOKEN))).toBe(false)
  })

  it('opens a reference with the cookie alone', async () => {
    const calls = serve({
      [`GET /api/v1/track/case/${REF}`]: () => json(200, { data: publicCase }),
      'GET /api/v1/form-options': formOptions,
    })
    const { wrapper } = await mountAt(`/track/${REF}`)
    expect(calls.map((c) => `${c.method} ${c.url.split('?')[0]}`).sort()).toEqual(['GET /api/v1/form-options', `GET /api/v1/track/case/${REF}`])
    expect(wrapper.get('[data-testid=track-reference]').text()).toBe(REF)
  })

  it('asks for the mail link when this browser has no cookie for the case', async () => {
    serve({
      [`GET /api/v1/track/case/${REF}`]: () => json(401, { error: { code: 'tracking_session', message: 'open the tracking link from your e-mail again' } }),
      'GET /api/v1/form-options': formOptions,
    })
    const { wrapper } = await mountAt(`/track/${REF}`)
    expect(wrapper.find('[data-testid=track-needs-link]').exists()).toBe(true)
    expect(wrapper.find('[data-testid=track-not-found]').exists()).toBe(false)
  })

  it('says a token that opens nothing is not valid', async () => {
    serve({
      'POST /api/v1/track/session': () => json(404, { error: { code: 'not_found', message: 'case not found' } }),
      'GET /api/v1/form-options': formOptions,
    })
    const { wrapper, router } = await mountAt(`/track/${TOKEN}`)
    expect(wrapper.find('[data-testid=track-not-found]').exists()).toBe(true)
    expect(router.currentRoute.value.fullPath).toBe(`/track/${TOKEN}`)
  })
})
