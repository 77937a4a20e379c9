import { afterEach, describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import CaseComposer from '../src/components/case/CaseComposer.vue'
import { createAppI18n } from '../src/i18n'

afterEach(() => {
  document.body.innerHTML = ''
  localStorage.clear()
})

function composer(locale: 'en' | 'fi', customerEmail: string, review?: object) {
  const item = { id: 'K-2026-000001', status: 'new', version: 1, customer: { name: 'Guest from United Kingdom', email: customerEmail }, review }
  return mount(CaseComposer, {
    props: { item: item as never, caseId: item.id, customerName: item.customer.name, customerEmail },
    global: { plugins: [createAppI18n(locale)] },
  })
}

describe('the composer’s reply hint', () => {
  it('says where a reply is mailed', () => {
    expect(composer('en', 'liisa@example.org').get('#composer-hint').text()).toBe('Sent by e-mail to liisa@example.org and shown on the customer’s tracking page.')
  })

  it('says a reply reaches nobody when the customer has no address (an online review)', () => {
    // It said "Sent by e-mail to Guest from United Kingdom".
    for (const locale of ['en', 'fi'] as const) {
      const hint = composer(locale, '').get('#composer-hint').text()
      expect(hint).not.toContain('Guest from United Kingdom')
      expect(hint).toContain(locale === 'fi' ? 'ei lähde kenellekään' : 'nobody receives the reply')
    }
  })

  it('offers no "send and wait for the customer" on a review nobody can answer', () => {
    const wait = (email: string, review?: object) => composer('en', email, review).find('[data-testid=send-waiting]').exists()
    expect(wait('liisa@example.org')).toBe(true)
    expect(wait('')).toBe(true) // a walk-in customer without an address follows the case by its link
    expect(wait('', { source_id: 'booking', rating: 2 })).toBe(false)
  })
})
