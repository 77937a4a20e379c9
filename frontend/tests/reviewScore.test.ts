import { describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import ReviewStars from '../src/components/reviews/ReviewStars.vue'
import { createAppI18n } from '../src/i18n'

describe('a review’s original score', () => {
  it('is written with the reader’s decimal mark', () => {
    // A Finnish page said "lähteessä 5.8/10".
    const label = (locale: 'en' | 'fi') =>
      mount(ReviewStars, { props: { rating: 3, original: 5.8, scaleMax: 10 }, global: { plugins: [createAppI18n(locale)] } }).get('[role=img]').attributes('aria-label')
    expect(label('fi')).toContain('5,8/10')
    expect(label('en')).toContain('5.8 of 10')
  })
})
