import { describe, expect, it, vi } from 'vitest'
import en from '../src/locales/en'
import fi from '../src/locales/fi'
import { createAppI18n, detectLocale, LOCALE_STORAGE_KEY, setLocale, i18n } from '../src/i18n'

type Tree = { [key: string]: string | Tree }

function flatten(tree: Tree, prefix = ''): Map<string, string> {
  const out = new Map<string, string>()
  for (const [key, value] of Object.entries(tree)) {
    const path = prefix ? `${prefix}.${key}` : key
    if (typeof value === 'string') out.set(path, value)
    else for (const [k, v] of flatten(value, path)) out.set(k, v)
  }
  return out
}

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort()

describe('message catalogues', () => {
  const enFlat = flatten(en as unknown as Tree)
  const fiFlat = flatten(fi as unknown as Tree)

  it('have the same keys in English and Finnish', () => {
    expect([...fiFlat.keys()].sort()).toEqual([...enFlat.keys()].sort())
  })

  it('have no empty messages', () => {
    for (const [key, value] of [...enFlat, ...fiFlat]) expect(value.trim(), key).not.toBe('')
  })

  it('use the same placeholders in both languages', () => {
    for (const [key, value] of enFlat) {
      expect(placeholders(fiFlat.get(key) ?? ''), key).toEqual(placeholders(value))
    }
  })

  it('contain no unescaped vue-i18n special characters', () => {
    // A bare @ or | in a message is message syntax (linked message, plural). Plurals are
    // meant: " | " between the singular and the plural, the same number of forms in both
    // languages.
    for (const [key, value] of [...enFlat, ...fiFlat]) {
      expect(/[@|$]/.test(value.split(' | ').join('')), key).toBe(false)
    }
    for (const [key, value] of enFlat) {
      expect((fiFlat.get(key) ?? '').split(' | ').length, key).toBe(value.split(' | ').length)
    }
  })

  it('compile and render every message in both languages', () => {
    const i18nInstance = createAppI18n('en')
    for (const locale of ['en', 'fi'] as const) {
      i18nInstance.global.locale.value = locale
      for (const key of enFlat.keys()) {
        const text = i18nInstance.global.t(key, { name: 'N', count: 2, shown: 1, total: 2, time: 'T', message: 'M', currency: 'EUR', role: 'R' })
        expect(text, `${locale}:${key}`).not.toBe(key)
      }
    }
  })
})

describe('locale choice', () => {
  it('prefers the stored choice, then the browser language', () => {
    localStorage.removeItem(LOCALE_STORAGE_KEY)
    const spy = vi.spyOn(navigator, 'languages', 'get').mockReturnValue(['fi-FI', 'en'])
    expect(detectLocale()).toBe('fi')
    spy.mockReturnValue(['sv-SE', 'de'])
    expect(detectLocale()).toBe('en')
    localStorage.setItem(LOCALE_STORAGE_KEY, 'fi')
    expect(detectLocale()).toBe('fi')
    localStorage.removeItem(LOCALE_STORAGE_KEY)
  })

  it('setLocale switches, persists and updates <html lang>', () => {
    setLocale('fi')
    expect(i18n.global.locale.value).toBe('fi')
    expect(localStorage.getItem(LOCALE_STORAGE_KEY)).toBe('fi')
    expect(document.documentElement.lang).toBe('fi')
    setLocale('en')
    expect(document.documentElement.lang).toBe('en')
    localStorage.removeItem(LOCALE_STORAGE_KEY)
  })
})
