import { describe, expect, it } from 'vitest'
import { highlightText, splitHighlight, unescapeHtml } from '../src/highlight'

describe('splitHighlight', () => {
  it('splits text and <mark> parts', () => {
    expect(splitHighlight('the <mark>kettle</mark> lid was <mark>cracked</mark>')).toEqual([
      { text: 'the ', mark: false },
      { text: 'kettle', mark: true },
      { text: ' lid was ', mark: false },
      { text: 'cracked', mark: true },
    ])
  })

  it('unescapes the server\'s HTML escaping into plain text', () => {
    expect(splitHighlight('&lt;b&gt;bold&lt;/b&gt; &amp; <mark>&quot;x&quot;</mark> it&#39;s')).toEqual([
      { text: '<b>bold</b> & ', mark: false },
      { text: '"x"', mark: true },
      { text: " it's", mark: false },
    ])
  })

  it('treats only <mark> and </mark> as markup; other tags stay text', () => {
    const parts = splitHighlight('<script>alert(1)</script><mark>hit</mark><img src=x onerror=alert(1)>')
    expect(parts).toEqual([
      { text: '<script>alert(1)</script>', mark: false },
      { text: 'hit', mark: true },
      { text: '<img src=x onerror=alert(1)>', mark: false },
    ])
  })

  it('does not turn an escaped mark tag into a mark', () => {
    expect(splitHighlight('&lt;mark&gt;not a hit&lt;/mark&gt;')).toEqual([{ text: '<mark>not a hit</mark>', mark: false }])
  })

  it('does not accept variants of the tag (attributes, case)', () => {
    expect(splitHighlight('<mark class="x">a</mark>').map((p) => p.mark)).toEqual([false])
    expect(splitHighlight('<MARK>a</MARK>')).toEqual([{ text: '<MARK>a</MARK>', mark: false }])
  })

  it('tolerates unbalanced tags and merges neighbours', () => {
    expect(splitHighlight('a</mark>b<mark>c')).toEqual([
      { text: 'ab', mark: false },
      { text: 'c', mark: true },
    ])
    expect(splitHighlight('<mark>a</mark><mark>b</mark>')).toEqual([{ text: 'ab', mark: true }])
    expect(splitHighlight('')).toEqual([])
  })

  it('unescapes each entity once (no double unescaping)', () => {
    expect(unescapeHtml('&amp;lt;')).toBe('&lt;')
    expect(highlightText('x <mark>&amp;amp;</mark>')).toBe('x &amp;')
  })
})
