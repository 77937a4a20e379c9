// Internationalisation: English and Finnish. The chosen language is kept in
// localStorage; without a choice it follows the browser's language.
import { createI18n } from 'vue-i18n'
import en from './locales/en'
import fi from './locales/fi'
import type { Locale } from './types'

export const LOCALES: readonly Locale[] = ['en', 'fi']
export const LOCALE_STORAGE_KEY = 'kaiku.locale'
export const messages = { en, fi }

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
    messages,
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

/**
 * Speaks a page's own language without remembering it as the user's choice (the tracking
 * page speaks the case's language).
 */
export function applyLocale(locale: Locale): void {
  i18n.global.locale.value = locale
  applyDocumentLang(locale)
}

/** Switches the UI language, remembers it and updates <html lang>. */
export function setLocale(locale: Locale): void {
  i18n.global.locale.value = locale
  try {
    globalThis.localStorage?.setItem(LOCALE_STORAGE_KEY, locale)
  } catch {
    // Storage may be unavailable (private mode); the switch still applies.
  }
  applyDocumentLang(locale)
}
