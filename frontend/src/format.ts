// Formatting helpers: money in minor units ("cents"), dates and relative times.

/** Number of minor-unit digits of a currency (EUR 2, JPY 0, ...); 2 if unknown. */
export function currencyDigits(currency: string): number {
  try {
    const digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions()
      .maximumFractionDigits
    return digits ?? 2
  } catch {
    return 2
  }
}

/**
 * Formats an amount given in minor units (cents) as money, e.g.
 * formatMoney(123450, 'EUR', 'en') === '€1,234.50', and in Finnish '1 234,50 €'.
 */
export function formatMoney(cents: number, currency: string, locale: string): string {
  const code = (currency || '').toUpperCase()
  if (!Number.isFinite(cents)) return ''
  let digits = 2
  let formatter: Intl.NumberFormat | null = null
  try {
    formatter = new Intl.NumberFormat(locale, { style: 'currency', currency: code })
    digits = formatter.resolvedOptions().maximumFractionDigits ?? 2
  } catch {
    formatter = null
  }
  const amount = cents / 10 ** digits
  if (formatter) return formatter.format(amount)
  // Unknown or missing currency code: plain number plus the code.
  const plain = new Intl.NumberFormat(locale, {
    minimumFractionDigits: 2,
    maximumFractionDigits: 2,
  }).format(cents / 100)
  return code ? `${plain} ${code}` : plain
}

/**
 * Parses an amount typed by a person ("1 234,50", "1234.5", "1,234.50", "1500")
 * into minor units. Returns null when the text is not a non-negative amount.
 */
export function parseMoneyToCents(text: string, currency = 'EUR'): number | null {
  const digits = currencyDigits(currency)
  // Drop spaces used for grouping and currency symbols or codes around the number.
  const s = text
    .trim()
    .replace(/[\s\u00a0\u202f']/g, '')
    .replace(/^[^\d.,-]+|[^\d.,]+$/g, '')
  if (!/^[\d.,]+$/.test(s)) return null

  let whole = s
  let fraction = ''
  const lastComma = s.lastIndexOf(',')
  const lastDot = s.lastIndexOf('.')
  if (lastComma >= 0 && lastDot >= 0) {
    // Both present: the later one is the decimal separator ("1,234.50", "1.234,50").
    const at = Math.max(lastComma, lastDot)
    whole = s.slice(0, at)
    fraction = s.slice(at + 1)
  } else if (lastComma >= 0 || lastDot >= 0) {
    const sep = lastComma >= 0 ? ',' : '.'
    const at = Math.max(lastComma, lastDot)
    const after = s.slice(at + 1)
    const once = s.indexOf(sep) === at
    // One separator is decimal ("12,5", "12.50") unless it looks like thousands
    // grouping ("1,500"); several of the same kind group thousands ("1.234.567").
    if (once && !(after.length === 3 && digits < 3)) {
      whole = s.slice(0, at)
      fraction = after
    }
  }
  // What remains in `whole` may only be thousands grouping: 1,234,567.
  if (/[.,]/.test(whole) && !/^\d{1,3}([.,]\d{3})+$/.test(whole)) return null
  whole = whole.replace(/[.,]/g, '')
  if (!/^\d*$/.test(whole) || !/^\d*$/.test(fraction)) return null
  if (!whole && !fraction) return null
  if (fraction.length > digits) return null
  const value = Number(whole || '0') * 10 ** digits + Number(fraction.padEnd(digits, '0') || '0')
  return Number.isSafeInteger(value) ? value : null
}

/** Minor units to the plain text shown in an amount input (no grouping), e.g. "1234.50". */
export function centsToInput(cents: number, currency = 'EUR'): string {
  const digits = currencyDigits(currency)
  if (digits === 0) return String(cents)
  const sign = cents < 0 ? '-' : ''
  const abs = Math.abs(cents)
  const whole = Math.floor(abs / 10 ** digits)
  const fraction = String(abs % 10 ** digits).padStart(digits, '0')
  return `${sign}${whole}.${fraction}`
}

export function formatDateTime(iso: string | null | undefined, locale: string): string {
  if (!iso) return ''
  const date = new Date(iso)
  if (Number.isNaN(date.getTime())) return iso
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(date)
}

export function formatDate(iso: string | null | undefined, locale: string): string {
  if (!iso) return ''
  const date = new Date(iso)
  if (Number.isNaN(date.getTime())) return iso
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium' }).format(date)
}

/** "5 minutes ago", "yesterday", "3 days ago"; the absolute date after a week. */
export function formatRelative(iso: string | null | undefined, locale: string, now = Date.now()): string {
  if (!iso) return ''
  const date = new Date(iso)
  const time = date.getTime()
  if (Number.isNaN(time)) return iso
  const seconds = Math.round((time - now) / 1000)
  const abs = Math.abs(seconds)
  const rtf = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' })
  if (abs < 45) return rtf.format(0, 'second')
  if (abs < 45 * 60) return rtf.format(Math.round(seconds / 60), 'minute')
  if (abs < 22 * 3600) return rtf.format(Math.round(seconds / 3600), 'hour')
  if (abs < 7 * 86400) return rtf.format(Math.round(seconds / 86400), 'day')
  return formatDate(iso, locale)
}

const WEEKDAYS_FI = ['sunnuntaina', 'maanantaina', 'tiistaina', 'keskiviikkona', 'torstaina', 'perjantaina', 'lauantaina']
const WEEKDAYS_EN = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday']
const MONTHS_EN = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December']

/** The calendar parts of an instant in a time zone. */
function zonedParts(ms: number, timeZone: string): { y: number; m: number; d: number; hh: number; mm: number; weekday: number } {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    hourCycle: 'h23',
    weekday: 'short',
  }).formatToParts(new Date(ms))
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? ''
  return {
    y: Number(get('year')),
    m: Number(get('month')),
    d: Number(get('day')),
    hh: Number(get('hour')) % 24,
    mm: Number(get('minute')),
    weekday: ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(get('weekday')),
  }
}

/**
 * When a promised answer is due, for "we will answer by ...": the weekday and the time in the
 * SLA calendar's zone ("Monday 16:00", "maanantaina klo 16.00"), with the date when it is a
 * week or more after `from` ("Monday 7 December 16:00", "maanantaina 7.12. klo 16.00").
 * The same words as the acknowledgement mail (mail.PromiseTime).
 */
export function formatPromise(dueIso: string, timeZone: string, locale: string, from: number): string {
  const ms = Date.parse(dueIso)
  if (Number.isNaN(ms)) return ''
  let zone = timeZone
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone })
  } catch {
    zone = 'Europe/Helsinki'
  }
  const due = zonedParts(ms, zone)
  const start = zonedParts(from, zone)
  const days = Math.round((Date.UTC(due.y, due.m - 1, due.d) - Date.UTC(start.y, start.m - 1, start.d)) / 86_400_000)
  const withDate = days >= 6
  const two = (n: number) => String(n).padStart(2, '0')
  if (locale.startsWith('fi')) {
    return `${WEEKDAYS_FI[due.weekday]}${withDate ? ` ${due.d}.${due.m}.` : ''} klo ${due.hh}.${two(due.mm)}`
  }
  return `${WEEKDAYS_EN[due.weekday]}${withDate ? ` ${due.d} ${MONTHS_EN[due.m - 1]}` : ''} ${two(due.hh)}:${two(due.mm)}`
}
