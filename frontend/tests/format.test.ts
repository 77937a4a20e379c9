import { describe, expect, it } from 'vitest'
import { centsToInput, formatMoney, formatRelative, parseMoneyToCents } from '../src/format'

// Intl output uses narrow no-break spaces in some locales; compare normalised.
const norm = (s: string) => s.replace(/[\u00a0\u202f]/g, ' ')

describe('formatMoney', () => {
  it('formats cents as euros in English and Finnish', () => {
    expect(formatMoney(123450, 'EUR', 'en')).toBe('€1,234.50')
    expect(norm(formatMoney(123450, 'EUR', 'fi'))).toBe('1 234,50 €')
  })

  it('formats other currencies and zero', () => {
    expect(formatMoney(0, 'EUR', 'en')).toBe('€0.00')
    expect(formatMoney(9999, 'USD', 'en')).toBe('$99.99')
    expect(norm(formatMoney(5000000, 'SEK', 'fi'))).toBe('50 000,00 SEK')
  })

  it('respects currencies without minor units', () => {
    expect(formatMoney(1500, 'JPY', 'en')).toBe('¥1,500')
  })

  it('accepts a lower-case code and falls back for an unknown one', () => {
    expect(formatMoney(250, 'eur', 'en')).toBe('€2.50')
    expect(formatMoney(250, 'XX1', 'en')).toBe('2.50 XX1')
    expect(formatMoney(250, '', 'en')).toBe('2.50')
  })
})

describe('parseMoneyToCents', () => {
  it.each([
    ['250', 25000],
    ['250.5', 25050],
    ['250,50', 25050],
    ['1 234,50', 123450],
    ['1,234.50', 123450],
    ['1.234,50', 123450],
    ['1,500', 150000],
    ['1.500', 150000],
    ['1.234', 123400],
    ['1 234 567', 123456700],
    ['€ 99', 9900],
    ['99 €', 9900],
    ['0', 0],
    ['.5', 50],
  ])('%s -> %i', (text, cents) => {
    expect(parseMoneyToCents(text, 'EUR')).toBe(cents)
  })

  it.each(['', 'abc', '-5', '12.345.6x', '1,2,3.456', '12,34,56', '1.2345'])('rejects %s', (text) => {
    expect(parseMoneyToCents(text, 'EUR')).toBeNull()
  })

  it('round-trips with centsToInput', () => {
    for (const cents of [0, 5, 99, 100, 123456, 50000000]) {
      expect(parseMoneyToCents(centsToInput(cents, 'EUR'), 'EUR')).toBe(cents)
    }
    expect(centsToInput(1500, 'JPY')).toBe('1500')
  })
})

describe('formatRelative', () => {
  const now = Date.parse('2026-03-10T12:00:00Z')
  it('gives relative times for recent moments and a date for older ones', () => {
    expect(formatRelative('2026-03-10T11:59:50Z', 'en', now)).toBe('now')
    expect(formatRelative('2026-03-10T11:55:00Z', 'en', now)).toBe('5 minutes ago')
    expect(formatRelative('2026-03-10T09:00:00Z', 'en', now)).toBe('3 hours ago')
    expect(formatRelative('2026-03-09T12:00:00Z', 'en', now)).toBe('yesterday')
    expect(formatRelative('2026-01-01T12:00:00Z', 'en', now)).toMatch(/2026/)
    expect(formatRelative('2026-03-10T11:55:00Z', 'fi', now)).toBe('5 minuuttia sitten')
  })
})
