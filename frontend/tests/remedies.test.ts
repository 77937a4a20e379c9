import { describe, expect, it } from 'vitest'
import { formatMinor, parseAmount } from '../src/remedies'

const norm = (s: string) => s.replace(/[\u00a0\u202f]/g, ' ')

describe('formatMinor', () => {
  it('shows money in the reader’s locale', () => {
    expect(norm(formatMinor(100050, 'EUR', 'fi'))).toBe('1 000,50 €')
    expect(formatMinor(100050, 'EUR', 'en')).toBe('€1,000.50')
    expect(formatMinor(5, 'EUR', 'en')).toBe('€0.05')
    expect(formatMinor(-2550, 'EUR', 'en')).toBe('-€25.50')
    expect(formatMinor(1500, 'JPY', 'en')).toBe('¥1,500')
  })

  it('never goes through a float', () => {
    // 2^53-1 cents: dividing by 100 as a float would print 90,071,992,547,409.9 or .92.
    expect(formatMinor(9007199254740991, 'EUR', 'en')).toBe('€90,071,992,547,409.91')
    // 0.1 + 0.2 in cents is exactly 0.30.
    const a = parseAmount('0.1', 2, 'en')!
    const b = parseAmount('0.2', 2, 'en')!
    expect(formatMinor(a + b, 'EUR', 'en')).toBe('€0.30')
    // 1.005 euros has more decimals than the euro: refused, not rounded to 1.00 or 1.01.
    expect(parseAmount('1.005', 2, 'en')).toBeNull()
    expect(parseAmount('1.005', 3, 'en')).toBe(1005)
  })
})

describe('parseAmount', () => {
  it('reads amounts as people type them, like the server', () => {
    expect(parseAmount('1 000,50', 2, 'fi')).toBe(100050)
    expect(parseAmount('1\u00a0000,50', 2, 'fi')).toBe(100050)
    expect(parseAmount('1000.50', 2, 'fi')).toBe(100050)
    expect(parseAmount('1,000.50', 2, 'en')).toBe(100050)
    expect(parseAmount('1,000', 2, 'en')).toBe(100000)
    expect(parseAmount('12,5', 2, 'en')).toBe(1250)
    expect(parseAmount('90071992547409.91', 2, 'en')).toBe(9007199254740991)
  })

  it('refuses rather than rounds', () => {
    for (const text of ['', '-5', '1e3', 'abc', '12.', '1,00,000', '90071992547409.93', '99999999999999999999']) {
      expect(parseAmount(text, 2, 'en'), text).toBeNull()
    }
  })
})
