import { describe, expect, it } from 'vitest'
import { createAppI18n } from '../src/i18n'
import { neutralizeCell, toCsv, formatMinutes } from '../src/reports'
import { formatMinutes as formatSlaMinutes } from '../src/sla'

describe('report CSV', () => {
  it('neutralises cells a spreadsheet would run as a formula', () => {
    for (const bad of ['=SUM(A1)', '+1', '-1+2', '@cmd', '\tx', '\rx']) expect(neutralizeCell(bad)).toBe(`'${bad}`)
    for (const ok of ['Deliveries', '12', '', "'quoted", 'a=b']) expect(neutralizeCell(ok)).toBe(ok)
  })

  it('quotes every cell and doubles quotes', () => {
    const csv = toCsv(['Team', 'Cases'], [['=HYPERLINK("http://x")', 3], ['Sales, "north"', null]])
    expect(csv).toBe('"Team","Cases"\r\n"\'=HYPERLINK(""http://x"")","3"\r\n"Sales, ""north""",""\r\n')
  })

  // One duration format across the app: Reports, Journey and the SLA panel once said
  // "1 vrk 20 h", "3,7 d" and "3 pv 4 t" for the same kind of figure.
  it('writes minutes like the SLA panel does, in English and Finnish', () => {
    const i18n = createAppI18n('en')
    const t = i18n.global.t as unknown as (key: string, values?: Record<string, unknown>) => string
    for (const lang of ['en', 'fi'] as const) {
      i18n.global.locale.value = lang
      expect(formatMinutes(null, t)).toBe('–')
      for (const m of [0, 59, 125, 1440, 1500, 2640, 5328]) expect(formatMinutes(m, t)).toBe(formatSlaMinutes(m, t))
    }
    i18n.global.locale.value = 'en'
    expect(formatMinutes(2640, t)).toBe('1 d 20 h')
    expect(formatMinutes(125, t)).toBe('2 h 5 min')
    i18n.global.locale.value = 'fi'
    expect(formatMinutes(2640, t)).toBe('1 pv 20 t')
    expect(formatMinutes(125, t)).toBe('2 t 5 min')
    expect(formatMinutes(59, t)).toBe('59 min')
  })
})
