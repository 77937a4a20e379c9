// The SLA policy form: its editable model, the request it sends, and where
// each of the server's field errors (keyed by JSON path, such as
// `targets[normal].first_response_minutes`, `calendar.hours.monday[0].start`
// or `calendar.holidays[1].date`) is shown, in the user's language.
import { joinMinutes, splitMinutes } from './sla'
import { CHANNELS, TOUCHPOINTS } from './enums'
import type { CaseChannel, CasePriority, Touchpoint, SLAPolicy, SLAPolicyInput, SLATargets, Weekday } from './types'

type Translate = (key: string, values?: Record<string, unknown>) => string

/** Normal first: the others use its targets unless they have their own. */
export const PRIORITIES: CasePriority[] = ['normal', 'urgent', 'high', 'low']
export const TARGET_KINDS = ['first_response', 'next_response', 'resolution'] as const
export type TargetKind = (typeof TARGET_KINDS)[number]
export const WEEKDAYS: Weekday[] = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday']
export { CHANNELS, TOUCHPOINTS }
export const DEFAULT_TIME_ZONE = 'Europe/Helsinki'
/** The zones offered first; a policy's own zone is added when it is another one. */
export const TIME_ZONES = [
  'Europe/Helsinki',
  'Europe/Tallinn',
  'Europe/Stockholm',
  'Europe/Oslo',
  'Europe/Copenhagen',
  'Europe/Berlin',
  'Europe/Amsterdam',
  'Europe/Paris',
  'Europe/Madrid',
  'Europe/London',
  'UTC',
  'America/New_York',
  'America/Chicago',
  'America/Los_Angeles',
  'Asia/Singapore',
  'Asia/Tokyo',
  'Australia/Sydney',
]

export interface HM {
  h: string
  m: string
}

export interface PriorityTargets {
  /** Left out of the request: the priority uses the targets of normal. */
  inherit: boolean
  first_response: HM
  next_response: HM
  resolution: HM
}

export interface IntervalRow {
  key: number
  start: string
  end: string
}

export interface HolidayRow {
  key: number
  date: string
  name: string
}

export interface PolicyForm {
  name: string
  enabled: boolean
  position: string
  warn_at_percent: string
  final_answer_days: string
  targets: Record<CasePriority, PriorityTargets>
  time_zone: string
  hours: Record<Weekday, IntervalRow[]>
  holidays: HolidayRow[]
  channels: CaseChannel[]
  categories: string[]
  touchpoints: Touchpoint[]
}

let nextKey = 1
/** A stable key for a new interval or holiday row (for v-for). */
export function rowKey(): number {
  return nextKey++
}

function hm(minutes: number): HM {
  const { hours, minutes: rest } = splitMinutes(minutes)
  return { h: String(hours), m: String(rest) }
}

function targetsOf(t: SLATargets | undefined, inherit: boolean): PriorityTargets {
  return {
    inherit,
    first_response: hm(t?.first_response_minutes ?? 0),
    next_response: hm(t?.next_response_minutes ?? 0),
    resolution: hm(t?.resolution_minutes ?? 0),
  }
}

/** A new policy: the server's defaults (Monday to Friday 08:00–16:00 in Helsinki, warnings at 75 %). */
export function emptyForm(): PolicyForm {
  const normal: SLATargets = { first_response_minutes: 480, next_response_minutes: 480, resolution_minutes: 2400 }
  const hours = {} as Record<Weekday, IntervalRow[]>
  for (const day of WEEKDAYS) {
    hours[day] = day === 'saturday' || day === 'sunday' ? [] : [{ key: rowKey(), start: '08:00', end: '16:00' }]
  }
  return {
    name: '',
    enabled: true,
    position: '0',
    warn_at_percent: '75',
    final_answer_days: '0',
    targets: {
      urgent: targetsOf(normal, true),
      high: targetsOf(normal, true),
      normal: targetsOf(normal, false),
      low: targetsOf(normal, true),
    },
    time_zone: DEFAULT_TIME_ZONE,
    hours,
    holidays: [],
    channels: [],
    categories: [],
    touchpoints: [],
  }
}

export function formFromPolicy(p: SLAPolicy): PolicyForm {
  const normal = p.targets?.normal
  const targets = {} as Record<CasePriority, PriorityTargets>
  for (const pr of PRIORITIES) {
    const own = p.targets?.[pr]
    // A priority without targets of its own uses normal's (normal itself is always shown).
    targets[pr] = own ? targetsOf(own, false) : targetsOf(normal, pr !== 'normal')
  }
  const hours = {} as Record<Weekday, IntervalRow[]>
  for (const day of WEEKDAYS) {
    hours[day] = (p.calendar?.hours?.[day] ?? []).map((iv) => ({ key: rowKey(), start: iv.start, end: iv.end }))
  }
  return {
    name: p.name,
    enabled: p.enabled,
    position: String(p.position ?? 0),
    warn_at_percent: String(p.warn_at_percent ?? 0),
    final_answer_days: String(p.final_answer_days ?? 0),
    targets,
    time_zone: p.calendar?.time_zone || DEFAULT_TIME_ZONE,
    hours,
    holidays: (p.calendar?.holidays ?? []).map((h) => ({ key: rowKey(), date: h.date, name: h.name ?? '' })),
    channels: [...(p.conditions?.channels ?? [])],
    categories: [...(p.conditions?.categories ?? [])],
    touchpoints: [...(p.conditions?.touchpoints ?? [])],
  }
}

function wholeInRange(text: string, min: number, max: number): number | null {
  const s = text.trim()
  if (!/^\d+$/.test(s)) return null
  const n = Number(s)
  return n >= min && n <= max ? n : null
}

export const targetKey = (pr: CasePriority, kind: TargetKind) => `targets[${pr}].${kind}_minutes`

/**
 * The request body for the form, or the fields the browser can already tell
 * are wrong (numbers that are not whole numbers in range), keyed like the
 * server's. Rows are sent as they are, blank ones included, so that the
 * server's indexes (`hours.monday[1]`, `holidays[2]`) name the rows shown.
 */
export function buildPolicy(form: PolicyForm, t: Translate): { body: SLAPolicyInput | null; errors: Record<string, string> } {
  const errors: Record<string, string> = {}
  if (!form.name.trim()) errors.name = t('slaForm.errors.nameRequired')
  const position = wholeInRange(form.position, 0, 100000)
  if (position === null) errors.position = t('slaForm.errors.between', { min: 0, max: 100000 })
  const warn = wholeInRange(form.warn_at_percent, 0, 99)
  if (warn === null) errors.warn_at_percent = t('slaForm.errors.between', { min: 0, max: 99 })
  const days = wholeInRange(form.final_answer_days, 0, 366)
  if (days === null) errors.final_answer_days = t('slaForm.errors.between', { min: 0, max: 366 })

  const targets: Partial<Record<CasePriority, SLATargets>> = {}
  for (const pr of PRIORITIES) {
    const row = form.targets[pr]
    if (pr !== 'normal' && row.inherit) continue
    const out = { first_response_minutes: 0, next_response_minutes: 0, resolution_minutes: 0 }
    for (const kind of TARGET_KINDS) {
      const minutes = joinMinutes(row[kind].h, row[kind].m)
      if (minutes === null) errors[targetKey(pr, kind)] = t('slaForm.errors.hoursMinutes')
      else if (minutes > 527040) errors[targetKey(pr, kind)] = t('slaForm.errors.targetTooLong')
      else out[`${kind}_minutes`] = minutes
    }
    targets[pr] = out
  }

  if (Object.keys(errors).length) return { body: null, errors }
  const hours = {} as Record<Weekday, Array<{ start: string; end: string }>>
  for (const day of WEEKDAYS) hours[day] = form.hours[day].map((r) => ({ start: r.start.trim(), end: r.end.trim() }))
  return {
    body: {
      name: form.name.trim(),
      enabled: form.enabled,
      position: position!,
      warn_at_percent: warn!,
      final_answer_days: days!,
      targets,
      calendar: {
        time_zone: form.time_zone,
        hours,
        holidays: form.holidays.map((h) => ({ date: h.date.trim(), name: h.name.trim() })),
      },
      conditions: { channels: [...form.channels], categories: [...form.categories], touchpoints: [...form.touchpoints] },
    },
    errors,
  }
}

// --- Where an error is shown ---------------------------------------------------------------

/** What a server field key points at in the form. */
export type ErrorPlace =
  | { at: 'field'; field: 'name' | 'enabled' | 'position' | 'warn_at_percent' | 'final_answer_days' | 'time_zone' }
  | { at: 'targets' }
  | { at: 'priority'; priority: string }
  | { at: 'target'; priority: string; kind: string }
  | { at: 'hours' }
  | { at: 'day'; day: string }
  | { at: 'interval'; day: string; index: number; part?: 'start' | 'end' }
  | { at: 'holidays' }
  | { at: 'holiday'; index: number; part?: 'date' | 'name' }
  | { at: 'condition'; list: 'channels' | 'categories' | 'touchpoints' }
  | { at: 'other' }

export function placeOf(key: string): ErrorPlace {
  let m: RegExpMatchArray | null
  if (['name', 'enabled', 'position', 'warn_at_percent', 'final_answer_days'].includes(key)) {
    return { at: 'field', field: key as 'name' }
  }
  if (key === 'calendar.time_zone') return { at: 'field', field: 'time_zone' }
  if (key === 'targets') return { at: 'targets' }
  if ((m = key.match(/^targets\[(\w+)\]$/))) return { at: 'priority', priority: m[1]! }
  if ((m = key.match(/^targets\[(\w+)\]\.(first_response|next_response|resolution)_minutes$/))) {
    return { at: 'target', priority: m[1]!, kind: m[2]! }
  }
  if (key === 'calendar.hours' || key === 'calendar') return { at: 'hours' }
  if ((m = key.match(/^calendar\.hours\.(\w+)$/))) return { at: 'day', day: m[1]! }
  if ((m = key.match(/^calendar\.hours\.(\w+)\[(\d+)\](?:\.(start|end))?$/))) {
    return { at: 'interval', day: m[1]!, index: Number(m[2]), ...(m[3] ? { part: m[3] as 'start' | 'end' } : {}) }
  }
  if (key === 'calendar.holidays') return { at: 'holidays' }
  if ((m = key.match(/^calendar\.holidays\[(\d+)\](?:\.(date|name))?$/))) {
    return { at: 'holiday', index: Number(m[1]), ...(m[2] ? { part: m[2] as 'date' | 'name' } : {}) }
  }
  if ((m = key.match(/^conditions\.(channels|categories|touchpoints)(\[\d+\])?$/))) {
    return { at: 'condition', list: m[1] as 'channels' }
  }
  return { at: 'other' }
}

/** The id of the control an error links to (the error summary) and focuses. */
export function controlId(key: string, form: PolicyForm): string {
  const place = placeOf(key)
  switch (place.at) {
    case 'field':
      return { name: 'sla-name', enabled: 'sla-enabled', position: 'sla-position', warn_at_percent: 'sla-warn', final_answer_days: 'sla-final', time_zone: 'sla-tz' }[place.field]
    case 'targets':
      return 'sla-t-normal-first_response-h'
    case 'priority':
      return place.priority !== 'normal' && form.targets[place.priority as CasePriority]?.inherit
        ? `sla-t-${place.priority}-inherit`
        : `sla-t-${place.priority}-first_response-h`
    case 'target':
      return `sla-t-${place.priority}-${place.kind}-h`
    case 'hours': {
      const day = WEEKDAYS.find((d) => form.hours[d]?.length)
      return day ? `sla-h-${day}-0-start` : 'sla-h-monday-add'
    }
    case 'day':
      return form.hours[place.day as Weekday]?.length ? `sla-h-${place.day}-0-start` : `sla-h-${place.day}-add`
    case 'interval':
      return `sla-h-${place.day}-${place.index}-${place.part ?? 'start'}`
    case 'holidays':
      return form.holidays.length ? 'sla-hol-0-date' : 'sla-hol-add'
    case 'holiday':
      return `sla-hol-${place.index}-${place.part ?? 'date'}`
    case 'condition':
      return `sla-cond-${place.list}`
    case 'other':
      return 'sla-name'
  }
}

// --- The server's messages in words -------------------------------------------------------

function sentence(message: string): string {
  const s = message.trim()
  if (!s) return s
  const capital = s.charAt(0).toUpperCase() + s.slice(1)
  return /[.!?]$/.test(capital) ? capital : `${capital}.`
}

/**
 * A server validation message of the policy form in the user's language; one it does not
 * know gets `fallback` (the app's words for its code), else the message as a sentence.
 */
export function localizeSlaError(message: string, t: Translate, fallback?: string): string {
  const s = message.trim()
  let m: RegExpMatchArray | null
  if (/^is required$/i.test(s)) return t('slaForm.errors.required')
  if (/^is required, at most 120 characters$|^must be 1 to 120 characters$/i.test(s)) return t('slaForm.errors.nameRequired')
  if ((m = s.match(/^must be between (\d+) and (\d+)$/i))) return t('slaForm.errors.between', { min: m[1], max: m[2] })
  if ((m = s.match(/^must be at least (\d+)$/i))) return t('slaForm.errors.atLeast', { min: m[1] })
  if ((m = s.match(/^must be at most (\d+)$/i))) return t('slaForm.errors.atMost', { max: m[1] })
  if ((m = s.match(/^must be at most (\d+) characters$/i))) return t('forms.tooLong', { max: m[1] })
  if ((m = s.match(/^must have at most (\d+) (?:items|intervals|dates)$/i))) return t('slaForm.errors.tooMany', { max: m[1] })
  if (/^must be a time of day as HH:MM, 00:00 to 23:59$/i.test(s)) return t('slaForm.errors.startTime')
  if (/^must be a time of day as HH:MM, 00:00 to 24:00$/i.test(s)) return t('slaForm.errors.endTime')
  if (/^must differ from the start/i.test(s)) return t('slaForm.errors.sameStartEnd')
  if ((m = s.match(/^overlaps hours\.(\w+)\[(\d+)\]$/i))) {
    const day = t(`slaForm.weekdays.${m[1]}`)
    return t('slaForm.errors.overlaps', { day, n: Number(m[2]) + 1 })
  }
  if (/^must have at least one opening interval$/i.test(s)) return t('slaForm.errors.noHours')
  if (/^must be a date as YYYY-MM-DD$/i.test(s)) return t('slaForm.errors.date')
  if ((m = s.match(/^repeats holidays\[(\d+)\]$/i))) return t('slaForm.errors.repeatsHoliday', { n: Number(m[1]) + 1 })
  if (/time zone/i.test(s)) return t('slaForm.errors.timeZone')
  if (/^set at least one target above 0/i.test(s)) return t('slaForm.errors.noTarget')
  if (/^must have the targets of at least one priority$/i.test(s)) return t('slaForm.errors.noTarget')
  if (/^(must be one of|is not a priority)/i.test(s)) return t('slaForm.errors.choice')
  if (/^must not be empty$/i.test(s)) return t('slaForm.errors.required')
  return fallback || sentence(s)
}
