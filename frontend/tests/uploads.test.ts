import { describe, expect, it } from 'vitest'
import { checkFiles, formatBytes, isAllowedType, MAX_FILE_BYTES } from '../src/uploads'

const file = (name: string, size: number, type: string) => ({ name, size, type })

describe('client-side file checks', () => {
  it('accepts up to five images or PDFs of at most 5 MB', () => {
    expect(
      checkFiles([
        file('a.png', 10, 'image/png'),
        file('b.jpg', MAX_FILE_BYTES, 'image/jpeg'),
        file('c.pdf', 2000, 'application/pdf'),
        file('d.webp', 1, 'image/webp'),
        file('e.gif', 1, 'image/gif'),
      ]),
    ).toEqual([])
  })

  it('refuses a sixth file', () => {
    const six = Array.from({ length: 6 }, (_, i) => file(`${i}.png`, 1, 'image/png'))
    expect(checkFiles(six)).toEqual([{ kind: 'too_many', max: 5 }])
  })

  it('refuses a file over 5 MB', () => {
    expect(checkFiles([file('big.png', MAX_FILE_BYTES + 1, 'image/png')])).toEqual([
      { kind: 'too_large', name: 'big.png', maxMb: 5 },
    ])
  })

  it('refuses other types, judging by the type the browser reports', () => {
    expect(checkFiles([file('notes.txt', 10, 'text/plain')])).toEqual([{ kind: 'wrong_type', name: 'notes.txt' }])
    expect(checkFiles([file('photo.svg', 10, 'image/svg+xml')])).toEqual([{ kind: 'wrong_type', name: 'photo.svg' }])
    expect(checkFiles([file('x.exe', 10, '')])).toEqual([{ kind: 'wrong_type', name: 'x.exe' }])
  })

  it('falls back to the extension when the browser reports no type', () => {
    expect(isAllowedType(file('scan.PDF', 1, ''))).toBe(true)
    expect(isAllowedType(file('noext', 1, ''))).toBe(false)
  })

  it('refuses empty files', () => {
    expect(checkFiles([file('e.png', 0, 'image/png')])).toEqual([{ kind: 'empty', name: 'e.png' }])
  })

  it('lets a renamed file through (the server checks the content)', () => {
    // A .txt renamed .png looks like a PNG to the browser; the server answers with an attachments error.
    expect(checkFiles([file('fake.png', 12, 'image/png')])).toEqual([])
  })

  it('formats sizes', () => {
    expect(formatBytes(12, 'en')).toBe('12 B')
    expect(formatBytes(2048, 'en')).toBe('2 kB')
    expect(formatBytes(1.5 * 1024 * 1024, 'en')).toBe('1.5 MB')
    expect(formatBytes(1.5 * 1024 * 1024, 'fi')).toBe('1,5 MB')
  })
})
