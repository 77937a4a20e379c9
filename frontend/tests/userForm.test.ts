import { afterEach, describe, expect, it } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import UserForm from '../src/components/UserForm.vue'
import { createAppI18n } from '../src/i18n'
import type { User } from '../src/types'
import { json, mockFetch } from './helpers'

const agent = {
  id: 'u2',
  email: 'agent@example.com',
  name: 'Agent A',
  role: 'agent',
  team_ids: [],
  authority_limit_cents: 0,
  currency: 'EUR',
  locale: 'en',
  active: true,
  version: 1,
} as unknown as User

afterEach(() => {
  document.body.innerHTML = ''
})

describe('editing a user', () => {
  it('a new password can also revoke the user’s API tokens', async () => {
    const { calls } = mockFetch(json(200, { data: agent }))
    const wrapper = mount(UserForm, {
      props: { user: agent, teams: [], currency: 'EUR', defaultLocale: 'en' },
      global: { plugins: [createAppI18n('en')] },
      attachTo: document.body,
    })
    expect(wrapper.text()).toContain('A new password logs them out everywhere.')
    await wrapper.get('input[name=password]').setValue('a brand new secret')
    await wrapper.get('[data-testid=user-revoke-tokens]').setValue(true)
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(calls[0]!.url).toBe('/api/v1/users/u2')
    expect(JSON.parse(String(calls[0]!.init.body))).toEqual({ password: 'a brand new secret', revoke_api_tokens: true })
  })
})
