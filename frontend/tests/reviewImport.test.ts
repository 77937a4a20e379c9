import { describe, expect, it } from 'vitest'
import { errorReportCsv, neutraliseCell, replyLength } from '../src/reviews'

describe('review import error report', () => {
  it('neutralises cells a spreadsheet would run as formulas', () => {
    expect(neutraliseCell('=HYPERLINK("http://x")')).toBe(`'=HYPERLINK("http://x")`)
    for (const v of ['+1', '-2', '@SUM(A1)', '\tx', '\rx']) expect(neutraliseCell(v)).toBe(`'${v}`)
    expect(neutraliseCell('must be a number')).toBe('must be a number')
  })

  it('writes RFC 4180 CSV with a header row', () => {
    const csv = errorReportCsv(
      [
        { row: 25, external_id: '=cmd|calc', field: 'rating', message: 'must be a number' },
        { row: 3, external_id: 'a"b', field: 'text', message: 'one, two\nthree' },
      ],
      ['Row', 'Review id', 'Field', 'Problem'],
    )
    expect(csv).toBe(`Row,Review id,Field,Problem\r\n25,'=cmd|calc,rating,must be a number\r\n3,"a""b",text,"one, two\nthree"\r\n`)
  })

  it('counts a reply in code points, as the server does', () => {
    expect(replyLength(' 😀ä ')).toBe(2)
  })
})

describe('import windows', () => {
  it('moves the bar in about twenty steps, 10 to 500 rows each', async () => {
    const { importWindow } = await import('../src/reviews')
    expect(importWindow(25)).toBe(10)
    expect(importWindow(10000)).toBe(500)
    expect(importWindow(50000)).toBe(500)
    expect(importWindow(4000)).toBe(200)
  })
})
