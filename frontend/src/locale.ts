// Which language the app speaks, and its messages. No framework code here: the entry (main.ts)
// uses this to start fetching the messages before Vue itself has arrived.
import type { Locale } from './types'

export const LOCALES: readonly Locale[] = ['en', 'fi']
export const LOCALE_STORAGE_KEY = 'kaiku.locale'

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (LOCALES as readonly string[]).includes(value)
}

function storedLocale(): Locale | null {
  try {
    const value = globalThis.localStorage?.getItem(LOCALE_STORAGE_KEY)
    return isLocale(value) ? value : null
  } catch {
    return null
  }
}

/** The stored choice, else the first supported browser language, else English. */
export function detectLocale(): Locale {
  const stored = storedLocale()
  if (stored) return stored
  const nav = globalThis.navigator
  const preferred = nav ? (nav.languages?.length ? nav.languages : [nav.language]) : []
  for (const tag of preferred) {
    const base = (tag || '').toLowerCase().split('-')[0]
    if (isLocale(base)) return base
  }
  return 'en'
}

/** Each language comes in two parts: what the customers' pages show, and the staff app's texts. */
export type CataloguePart = 'customer' | 'staff'
export type PartMessages = Record<string, unknown>

// Each part is a chunk of its own, split and compiled at build time (build/precompileLocales.ts).
const catalogueLoaders: Record<Locale, Record<CataloguePart, () => Promise<{ default: PartMessages }>>> = {
  en: { customer: () => import('./locales/en?part=customer'), staff: () => import('./locales/en?part=staff') },
  fi: { customer: () => import('./locales/fi?part=customer'), staff: () => import('./locales/fi?part=staff') },
}

const catalogues = new Map<string, Promise<PartMessages>>()

/** A part of a language's messages, fetched once; a failed fetch is tried again on the next call. */
export function loadCatalogue(locale: Locale, part: CataloguePart = 'customer'): Promise<PartMessages> {
  const key = `${locale}:${part}`
  let pending = catalogues.get(key)
  if (!pending) {
    pending = catalogueLoaders[locale][part]().then((module) => module.default)
    pending.catch(() => catalogues.delete(key))
    catalogues.set(key, pending)
  }
  return pending
}
