// Money for display: integer minor units formatted in a locale, never through a float. A module
// of its own so the customers' tracking page can format a grant without the staff remedies API.

/**
 * Formats minor units as money in the locale without dividing into a float: the integer is
 * written as a decimal string ("1000.50") and Intl.NumberFormat formats that string exactly.
 * formatMinor(100050, 'EUR', 'fi') === '1 000,50 €' (with no-break spaces).
 */
export function formatMinor(minor: number, currency: string, locale: string): string {
  const code = (currency || 'EUR').toUpperCase()
  let formatter: Intl.NumberFormat
  try {
    formatter = new Intl.NumberFormat(locale, { style: 'currency', currency: code })
  } catch {
    formatter = new Intl.NumberFormat(locale, { minimumFractionDigits: 2 })
  }
  const digits = formatter.resolvedOptions().maximumFractionDigits ?? 2
  const negative = minor < 0
  let text = String(Math.abs(Math.trunc(minor))).padStart(digits + 1, '0')
  if (digits > 0) text = `${text.slice(0, -digits)}.${text.slice(-digits)}`
  // A decimal string is formatted exactly (Intl.NumberFormat v3); the lib types lag behind.
  return formatter.format(((negative ? '-' : '') + text) as unknown as number)
}
