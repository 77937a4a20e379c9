import { afterEach, describe, expect, it } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createMemoryHistory, createRouter } from 'vue-router'
import { defineComponent } from 'vue'
import LoginView from '../src/views/LoginView.vue'
import { createAppI18n } from '../src/i18n'
import { getCsrfToken, setCsrfToken } from '../src/api'
import { clearSession, session } from '../src/stores/session'
import { headerOf, json, mockFetch } from './helpers'

const Stub = defineComponent({ template: '<p>page</p>' })

async function mountLogin(path = '/login', locale: 'en' | 'fi' = 'en') {
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/login', name: 'login', component: LoginView, meta: { public: true } },
      { path: '/inbox', component: Stub },
      { path: '/admin/users', component: Stub },
    ],
  })
  await router.push(path)
  await router.isReady()
  const wrapper = mount(LoginView, {
    global: { plugins: [router, createAppI18n(locale)] },
    attachTo: document.body,
  })
  return { wrapper, router }
}

const user = {
  id: 'u1',
  email: 'ada@example.com',
  name: 'Ada Lovelace',
  role: 'admin',
  team_ids: [],
  authority_limit_cents: 0,
  currency: 'EUR',
  locale: 'en',
  active: true,
  created_at: '2026-01-01T00:00:00Z',
  updated_at: '2026-01-01T00:00:00Z',
}

afterEach(() => {
  clearSession()
  setCsrfToken('')
  document.body.innerHTML = ''
})

describe('LoginView', () => {
  it('shows the server field errors inline next to the fields', async () => {
    const { calls } = mockFetch(
      json(422, {
        error: {
          code: 'validation_failed',
          message: 'Invalid input',
          fields: { email: 'must be a valid email address', password: 'is too long' },
        },
      }),
    )
    const { wrapper } = await mountLogin()
    await wrapper.find('input[type=email]').setValue('not-an-email')
    await wrapper.find('input[type=password]').setValue('x')
    await wrapper.find('form').trigger('submit')
    await flushPromises()

    expect(calls).toHaveLength(1)
    expect(calls[0]!.url).toBe('/api/v1/auth/login')
    expect(JSON.parse(String(calls[0]!.init.body))).toEqual({ email: 'not-an-email', password: 'x' })

    const email = wrapper.find('input[type=email]')
    expect(email.attributes('aria-invalid')).toBe('true')
    const describedBy = email.attributes('aria-describedby')!
    const emailError = wrapper.find(`#${describedBy.split(' ').pop()}`)
    expect(emailError.text()).toContain('must be a valid email address')
    expect(wrapper.find('input[type=password]').attributes('aria-invalid')).toBe('true')
    expect(wrapper.text()).toContain('is too long')
    expect(wrapper.find('[role=alert]').text()).toContain('Please correct the highlighted fields.')
    expect(document.activeElement).toBe(email.element)
  })

  it('shows a banner for invalid credentials and clears the password', async () => {
    mockFetch(json(401, { error: { code: 'invalid_credentials', message: 'Invalid email or password' } }))
    const { wrapper } = await mountLogin()
    await wrapper.find('input[type=email]').setValue('ada@example.com')
    await wrapper.find('input[type=password]').setValue('wrong')
    await wrapper.find('form').trigger('submit')
    await flushPromises()
    expect(wrapper.find('[role=alert]').text()).toBe('The email or password is incorrect.')
    expect((wrapper.find('input[type=password]').element as HTMLInputElement).value).toBe('')
  })

  it('explains the rate limit', async () => {
    mockFetch(json(429, { error: { code: 'rate_limited', message: 'Too many requests' } }))
    const { wrapper } = await mountLogin()
    await wrapper.find('input[type=email]').setValue('ada@example.com')
    await wrapper.find('input[type=password]').setValue('pw')
    await wrapper.find('form').trigger('submit')
    await flushPromises()
    expect(wrapper.find('[role=alert]').text()).toBe('Too many attempts, try again in a minute.')
  })

  it('says how long to wait when failed logins are slowed down (Retry-After), in English and Finnish', async () => {
    for (const [locale, wait, text] of [
      ['en', '8', 'Too many failed attempts. Try again in 8 s.'],
      ['fi', '900', 'Liian monta epäonnistunutta yritystä. Yritä uudelleen 15 min kuluttua.'],
    ] as const) {
      mockFetch(
        new Response(JSON.stringify({ error: { code: 'rate_limited', message: 'too many login attempts' } }), {
          status: 429,
          headers: { 'Content-Type': 'application/json', 'Retry-After': wait },
        }),
      )
      const { wrapper } = await mountLogin('/login', locale)
      await wrapper.find('input[type=email]').setValue('ada@example.com')
      await wrapper.find('input[type=password]').setValue('pw')
      await wrapper.find('form').trigger('submit')
      await flushPromises()
      expect(wrapper.find('[role=alert]').text()).toBe(text)
      wrapper.unmount()
    }
  })

  it('checks for empty fields without calling the server', async () => {
    const { calls } = mockFetch()
    const { wrapper } = await mountLogin('/login', 'fi')
    await wrapper.find('form').trigger('submit')
    await flushPromises()
    expect(calls).toHaveLength(0)
    expect(wrapper.text()).toContain('Anna sähköpostiosoitteesi.')
    expect(wrapper.text()).toContain('Anna salasanasi.')
  })

  it('disables the button while signing in, then goes to the remembered page', async () => {
    let resolve!: (r: Response) => void
    const pending = new Promise<Response>((r) => (resolve = r))
    const { fn } = mockFetch()
    fn.mockImplementationOnce(() => pending)
    const { wrapper, router } = await mountLogin('/login?redirect=/admin/users')
    await wrapper.find('input[type=email]').setValue('ada@example.com')
    await wrapper.find('input[type=password]').setValue('correct horse')
    await wrapper.find('form').trigger('submit')
    await flushPromises()
    const button = wrapper.find('button[type=submit]')
    expect(button.attributes('disabled')).toBeDefined()
    expect(button.text()).toBe('Signing in…')

    resolve(json(200, { data: { user, csrf_token: 'csrf-xyz' } }))
    await flushPromises()
    expect(router.currentRoute.value.fullPath).toBe('/admin/users')
    expect(session.user?.name).toBe('Ada Lovelace')
    expect(getCsrfToken()).toBe('csrf-xyz')
  })

  it('never redirects off-site after login', async () => {
    mockFetch(json(200, { data: { user, csrf_token: 'c' } }))
    const { wrapper, router } = await mountLogin('/login?redirect=//evil.example/x')
    await wrapper.find('input[type=email]').setValue('ada@example.com')
    await wrapper.find('input[type=password]').setValue('pw')
    await wrapper.find('form').trigger('submit')
    await flushPromises()
    expect(router.currentRoute.value.fullPath).toBe('/inbox')
  })

  it('sends the CSRF token on later POSTs', async () => {
    const { calls } = mockFetch(json(200, { data: { user, csrf_token: 'csrf-after-login' } }), new Response(null, { status: 204 }))
    const { wrapper } = await mountLogin()
    await wrapper.find('input[type=email]').setValue('ada@example.com')
    await wrapper.find('input[type=password]').setValue('pw')
    await wrapper.find('form').trigger('submit')
    await flushPromises()
    const { logout } = await import('../src/api')
    await logout().catch(() => undefined)
    expect(headerOf(calls[1]!.init, 'X-CSRF-Token')).toBe('csrf-after-login')
  })
})
