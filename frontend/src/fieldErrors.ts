// Turns the server's validation messages (English, naming no field: "is
// required", "must be at least 10 characters") into sentences in the user's
// language for the public forms. Unknown messages are shown as the server sent them.

type Translate = (key: string, values?: Record<string, unknown>) => string

const PATTERNS: Array<[RegExp, (m: RegExpMatchArray, t: Translate) => string]> = [
  [/^(.+) is not an image or a PDF$/i, (m, t) => t('files.wrongType', { name: m[1] })],
  [/^file too large: (.+)$/i, (m, t) => t('files.tooLarge', { name: m[1], size: 5 })],
  [/^(.+) is over (\d+) MB$/i, (m, t) => t('files.tooLarge', { name: m[1], size: m[2] })],
  [/^empty file: (.+)$/i, (m, t) => t('files.empty', { name: m[1] })],
  [/^at most (\d+) files$/i, (m, t) => t('files.tooMany', { max: m[1] })],
  [/^must be at most (\d+) characters$/i, (m, t) => t('forms.tooLong', { max: m[1] })],
]

/** Field-specific wording for "missing" and "not valid". */
const FIELD_KEYS: Record<string, { required: string; invalid?: string; short?: string }> = {
  name: { required: 'complain.errors.name' },
  email: { required: 'complain.errors.email', invalid: 'complain.errors.emailInvalid' },
  category: { required: 'complain.errors.category', invalid: 'complain.errors.category' },
  touchpoint: { required: 'complain.errors.touchpoint', invalid: 'complain.errors.touchpoint' },
  description: { required: 'complain.errors.description', short: 'complain.errors.descriptionShort' },
  expected_outcome: { required: 'complain.errors.expected_outcome', invalid: 'complain.errors.expected_outcome' },
  body: { required: 'track.replyEmpty' },
  rating: { required: 'track.followUp.ratingRequired', invalid: 'track.followUp.ratingRequired' },
  resolved: { required: 'track.followUp.resolvedRequired', invalid: 'track.followUp.resolvedRequired' },
}

function sentence(message: string): string {
  const s = message.trim()
  if (!s) return s
  const capital = s.charAt(0).toUpperCase() + s.slice(1)
  return /[.!?]$/.test(capital) ? capital : `${capital}.`
}

export function localizeFieldError(field: string, message: string, t: Translate): string {
  for (const [pattern, render] of PATTERNS) {
    const m = message.match(pattern)
    if (m) return render(m, t)
  }
  const keys = FIELD_KEYS[field]
  if (keys) {
    if (/^is required$/i.test(message)) return t(keys.required)
    if (keys.short && /^must be at least \d+ characters$/i.test(message)) return t(keys.short)
    if (keys.invalid && /^(must be|choose|is not)/i.test(message)) return t(keys.invalid)
  }
  return sentence(message)
}
