import { describe, expect, it } from 'vitest'
import { neutralizeCell, toCsv, formatMinutes } from '../src/reports'

describe('report CSV', () => {
  it('neutralises cells a spreadsheet would run as a formula', () => {
    for (const bad of ['=SUM(A1)', '+1', '-1+2', '@cmd', '\tx', '\rx']) expect(neutralizeCell(bad)).toBe(`'${bad}`)
    for (const ok of ['Deliveries', '12', '', "'quoted", 'a=b']) expect(neutralizeCell(ok)).toBe(ok)
  })

  it('quotes every cell and doubles quotes', () => {
    const csv = toCsv(['Team', 'Cases'], [['=HYPERLINK("http://x")', 3], ['Sales, "north"', null]])
    expect(csv).toBe('"Team","Cases"\r\n"\'=HYPERLINK(""http://x"")","3"\r\n"Sales, ""north""",""\r\n')
  })

  it('writes minutes as days, hours and minutes', () => {
    const t = (key: string, v?: Record<string, unknown>) => `${key}:${JSON.stringify(v)}`
    expect(formatMinutes(null, t)).toBe('–')
    expect(formatMinutes(59, t)).toBe('reports.units.min:{"n":59}')
    expect(formatMinutes(125, t)).toBe('reports.units.hMin:{"h":2,"m":5}')
    expect(formatMinutes(1500, t)).toBe('reports.units.dH:{"d":1,"h":1}')
  })
})
