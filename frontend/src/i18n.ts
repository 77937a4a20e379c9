// Internationalisation: English and Finnish. The chosen language is kept in
// localStorage; without a choice it follows the browser's language.
//
// Each language is a chunk of its own, fetched when it is first used (loadLocale), so a page
// loads only the messages it shows. The production build compiles the catalogues ahead of time
// (build/precompileLocales.ts) and ships vue-i18n without its message compiler.
import { createI18n } from 'vue-i18n'
import type { Messages } from './locales/en'
import type { Locale } from './types'

export const LOCALES: readonly Locale[] = ['en', 'fi']
export const LOCALE_STORAGE_KEY = 'kaiku.locale'

const catalogueLoaders: Record<Locale, () => Promise<{ default: Messages }>> = {
  en: () => import('./locales/en'),
  fi: () => import('./locales/fi'),
}

/** The catalogues fetched so far; every i18n instance created later starts with them. */
const loadedCatalogues: Partial<Record<Locale, Messages>> = {}

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

export function createAppI18n(locale: Locale = detectLocale()) {
  return createI18n({
    legacy: false,
    globalInjection: true,
    locale,
    fallbackLocale: 'en',
    messages: { ...loadedCatalogues },
  })
}

export type AppI18n = ReturnType<typeof createAppI18n>

export const i18n = createAppI18n()

function applyDocumentLang(locale: Locale): void {
  if (typeof document !== 'undefined') document.documentElement.lang = locale
}

applyDocumentLang(i18n.global.locale.value as Locale)

export function currentLocale(): Locale {
  const value = i18n.global.locale.value
  return isLocale(value) ? value : 'en'
}

/** Fetches a language's messages (once) and adds them to the app's i18n instance. */
export async function loadLocale(locale: Locale): Promise<void> {
  const catalogue = loadedCatalogues[locale] ?? (await catalogueLoaders[locale]()).default
  addCatalogue(locale, catalogue)
}

function addCatalogue(locale: Locale, catalogue: Messages): void {
  loadedCatalogues[locale] = catalogue
  if (!i18n.global.availableLocales.includes(locale)) i18n.global.setLocaleMessage(locale, catalogue)
}

let wantedLocale: Locale | null = null

/**
 * Switches the UI language, remembers it and updates <html lang>: at once when its messages
 * are here, else once they have arrived (the page keeps the old language until then).
 */
export function setLocale(locale: Locale): Promise<void> {
  wantedLocale = locale
  const catalogue = loadedCatalogues[locale]
  if (catalogue) {
    addCatalogue(locale, catalogue)
    applyLocale(locale)
    return Promise.resolve()
  }
  return loadLocale(locale).then(() => {
    // Another choice made while this one loaded wins.
    if (wantedLocale === locale) applyLocale(locale)
  })
}

function applyLocale(locale: Locale): void {
  i18n.global.locale.value = locale
  try {
    globalThis.localStorage?.setItem(LOCALE_STORAGE_KEY, locale)
  } catch {
    // Storage may be unavailable (private mode); the switch still applies.
  }
  applyDocumentLang(locale)
}
