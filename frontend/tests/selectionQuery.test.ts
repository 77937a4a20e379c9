import { describe, expect, it } from 'vitest'
import { selectionQuery } from '../src/composables/case/useFindLikeSelection'

describe('selectionQuery', () => {
  it('keeps the words of a selection, punctuation and line breaks left out', () => {
    expect(selectionQuery('My card was charged twice,\n for one purchase!')).toBe('My card was charged twice for one purchase')
  })

  it('keeps Finnish letters and digits', () => {
    expect(selectionQuery('Kortilta veloitettiin 2 kertaa (tilaus 4471).')).toBe('Kortilta veloitettiin 2 kertaa tilaus 4471')
  })

  it('stays within the search limits: 16 words, none over 64 characters', () => {
    const words = Array.from({ length: 20 }, (_, i) => `word${i}`)
    expect(selectionQuery(words.join(' ')).split(' ')).toHaveLength(16)
    expect(selectionQuery(`refund ${'x'.repeat(65)} please`)).toBe('refund please')
  })

  it('is empty for a selection without words', () => {
    expect(selectionQuery(' -- !? ')).toBe('')
  })
})
