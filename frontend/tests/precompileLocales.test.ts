import { describe, expect, it } from 'vitest'
import { createI18n } from 'vue-i18n'
import en from '../src/locales/en'
import fi from '../src/locales/fi'
import { compileCatalogue } from '../build/precompileLocales.ts'

type Tree = { [key: string]: string | Tree }

function keys(tree: Tree, prefix = ''): string[] {
  return Object.entries(tree).flatMap(([key, value]) => {
    const path = prefix ? `${prefix}.${key}` : key
    return typeof value === 'string' ? [path] : keys(value, path)
  })
}

const args = { name: 'N', count: 2, shown: 1, total: 2, time: 'T', message: 'M', currency: 'EUR', role: 'R', n: 3 }

describe('build-time compiled catalogues', () => {
  for (const [locale, catalogue] of [['en', en], ['fi', fi]] as const) {
    it(`render every ${locale} message exactly as the run-time compiled one`, () => {
      const compiled = JSON.parse(compileCatalogue(catalogue as unknown as Tree, locale))
      const atRunTime = createI18n({ legacy: false, locale, messages: { [locale]: catalogue } })
      const ahead = createI18n({ legacy: false, locale, messages: { [locale]: compiled } })
      const all = keys(catalogue as unknown as Tree)
      expect(all.length).toBeGreaterThan(100)
      for (const key of all) {
        expect(ahead.global.t(key, args), key).toBe(atRunTime.global.t(key, args))
        expect(ahead.global.t(key, 1), key).toBe(atRunTime.global.t(key, 1))
      }
    })
  }

  it('names the message that does not compile', () => {
    expect(() => compileCatalogue({ form: { broken: 'Hello {name' } }, 'en')).toThrow(/en\.form\.broken/)
  })
})
