// Unit tests create i18n instances synchronously (createAppI18n('en')): load every message
// catalogue first (both languages, customer and staff parts), as the app does before it shows
// a page.
import { loadLocale, loadStaffMessages, LOCALES } from '../src/i18n'

await loadStaffMessages()
await Promise.all(LOCALES.map((locale) => loadLocale(locale)))
