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

describe('the rule editor’s remedy conditions', async () => {
  const { conditionValue, emptyCondition, fieldsFor, formFromRule } = await import('../src/ruleForm')
  it('offers option and amount only with the approval_requested trigger', () => {
    expect(fieldsFor('approval_requested')).toContain('amount_minor')
    expect(fieldsFor('case_created')).not.toContain('amount_minor')
    expect(fieldsFor('case_created')).not.toContain('option')
  })
  it('sends “amount over” as exact minor units and reads it back', () => {
    const c = emptyCondition('amount_minor')
    expect(c.op).toBe('gt')
    c.one = '1000.50'
    expect(conditionValue(c)).toBe(100050)
    const form = formFromRule({
      id: 'r', name: 'Big', description: '', enabled: true, position: 0, version: 1, created_at: '', updated_at: '',
      trigger: { type: 'approval_requested' }, match: 'all',
      conditions: [{ field: 'amount_minor', op: 'gt', value: 9007199254740991 }], actions: [],
    } as never)
    expect(form.conditions[0]!.one).toBe('90071992547409.91')
  })
})
