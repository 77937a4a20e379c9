// Internationalisation: English and Finnish. The chosen language is kept in
// localStorage; without a choice it follows the browser's language.
//
// Each language is a chunk of its own, fetched when it is first used (loadLocale), so a page
// loads only the messages it shows. The production build compiles the catalogues ahead of time
// (build/precompileLocales.ts) and ships vue-i18n without its message compiler.
import { createI18n } from 'vue-i18n'
import { detectLocale, isLocale, loadCatalogue, LOCALE_STORAGE_KEY, LOCALES, type CataloguePart, type PartMessages } from './locale'
import type { Messages } from './locales/en'
import type { Locale } from './types'

export { detectLocale, isLocale, LOCALE_STORAGE_KEY, LOCALES } from './locale'

/** The parts of each language fetched so far; every i18n instance created later starts with them. */
const loadedParts: Partial<Record<Locale, Partial<Record<CataloguePart, PartMessages>>>> = {}

/** The parts the app needs: the staff texts only once a staff page (or the login) opens. */
const neededParts = new Set<CataloguePart>(['customer'])

function loadedMessages(): Partial<Record<Locale, Messages>> {
  const out: Partial<Record<Locale, Messages>> = {}
  for (const locale of LOCALES) {
    const parts = loadedParts[locale]
    if (parts) out[locale] = Object.assign({}, ...Object.values(parts)) as Messages
  }
  return out
}

export function createAppI18n(locale: Locale = detectLocale()) {
  return createI18n({
    legacy: false,
    globalInjection: true,
    locale,
    fallbackLocale: 'en',
    messages: loadedMessages(),
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

/** Fetches the parts of a language's messages the app needs (once) and adds them to the app. */
export async function loadLocale(locale: Locale): Promise<void> {
  const parts = [...neededParts]
  const fetched = await Promise.all(parts.map((part) => loadedParts[locale]?.[part] ?? loadCatalogue(locale, part)))
  parts.forEach((part, i) => addPart(locale, part, fetched[i]!))
}

/** From now on the app needs the staff texts too: fetches them for the language in use. */
export function loadStaffMessages(): Promise<void> {
  neededParts.add('staff')
  return loadLocale(currentLocale())
}

const partsInApp = new Set<string>()

function addPart(locale: Locale, part: CataloguePart, messages: PartMessages): void {
  loadedParts[locale] = { ...loadedParts[locale], [part]: messages }
  if (partsInApp.has(`${locale}:${part}`)) return
  partsInApp.add(`${locale}:${part}`)
  i18n.global.mergeLocaleMessage(locale, messages)
}

let wantedLocale: Locale | null = null

/**
 * Switches the UI language, remembers it and updates <html lang>: at once when its messages
 * are here, else once they have arrived (the page keeps the old language until then).
 */
export function setLocale(locale: Locale): Promise<void> {
  return switchLocale(locale, true)
}

/**
 * Speaks a page's own language without remembering it as the user's choice (the tracking
 * page speaks the case's language): at once when its messages are here, else once they arrive.
 */
export function showLocale(locale: Locale): Promise<void> {
  return switchLocale(locale, false)
}

function switchLocale(locale: Locale, remember: boolean): Promise<void> {
  wantedLocale = locale
  const parts = loadedParts[locale]
  if ([...neededParts].every((part) => parts?.[part])) {
    for (const part of neededParts) addPart(locale, part, parts![part]!)
    applyLocale(locale, remember)
    return Promise.resolve()
  }
  return loadLocale(locale).then(() => {
    // Another choice made while this one loaded wins.
    if (wantedLocale === locale) applyLocale(locale, remember)
  })
}

function applyLocale(locale: Locale, remember: boolean): void {
  i18n.global.locale.value = locale
  applyDocumentLang(locale)
  if (!remember) return
  try {
    globalThis.localStorage?.setItem(LOCALE_STORAGE_KEY, locale)
  } catch {
    // Storage may be unavailable (private mode); the switch still applies.
  }
}
