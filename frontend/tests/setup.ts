// Unit tests create i18n instances synchronously (createAppI18n('en')): load both message
// catalogues first, as the app does for the language in use before it mounts.
import { loadLocale, LOCALES } from '../src/i18n'

await Promise.all(LOCALES.map((locale) => loadLocale(locale)))
