// Turns the server's field errors into sentences in the user's language. The server
// sends each field's reason as a code (`field_issues`: required, too_short with its
// limit, ...); the words are chosen here by that code, never taken from the server's
// English. Only for an answer without codes do the English messages get matched.

type Translate = (key: string, values?: Record<string, unknown>) => string

/** A field's reason for refusal, as the server's `field_issues` give it. */
export interface FieldIssue {
  code: string
  limit?: number
  file?: string
}

const ISSUE_CODES = ['required', 'invalid_email', 'not_allowed', 'too_short', 'too_long', 'too_few', 'too_many', 'too_small', 'too_large', 'invalid']

/** The app-wide words for a field's issue, by its code alone. */
export function issueText(issue: FieldIssue, t: Translate): string {
  const limit = issue.limit ?? 0
  const name = issue.file ?? ''
  switch (issue.code) {
    case 'too_many_files':
      return t('files.tooMany', { max: limit })
    case 'file_too_large':
      return t('files.tooLarge', { name, size: limit })
    case 'empty_file':
      return t('files.empty', { name })
    case 'wrong_file_type':
      return t('files.wrongType', { name })
  }
  return t(`forms.issues.${ISSUE_CODES.includes(issue.code) ? issue.code : 'invalid'}`, { limit })
}

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

export function localizeFieldError(field: string, message: string, t: Translate, issue?: FieldIssue): string {
  if (issue) {
    // The form's own wording for its fields where it has one; the app-wide words else.
    const keys = FIELD_KEYS[field]
    if (keys && issue.code === 'required') return t(keys.required)
    if (keys?.short && issue.code === 'too_short') return t(keys.short)
    if (keys?.invalid && (issue.code === 'invalid_email' || issue.code === 'not_allowed' || issue.code === 'invalid')) return t(keys.invalid)
    return issueText(issue, t)
  }
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
