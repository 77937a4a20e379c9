// SLA clocks as people read them: a state badge per clock (computed from the
// clock's times like the server's SLAClock.Status, so the badge is right
// between the scheduler's runs), "in 2 h 10 min" / "overdue by 35 min", the
// inbox's due badge, and the hours-and-minutes fields of the policy form.
import type { SLAClock } from './types'

type Translate = (key: string, values?: Record<string, unknown>) => string

export const MINUTE = 60_000
export const HOUR = 60 * MINUTE
export const DAY = 24 * HOUR

/** How often the badges are recomputed (no refetch: only the clock moves). */
export const TICK_MS = 30_000

/**
 * An inbox row knows only its case's soonest due time, not the clock's
 * warning point: a row is "due soon" (amber) within this window before it.
 */
export const DUE_SOON_MS = HOUR

export type ClockBadge = 'on_track' | 'warning' | 'breached' | 'paused' | 'met'

function ms(iso: string | null | undefined): number | null {
  if (!iso) return null
  const t = Date.parse(iso)
  return Number.isNaN(t) ? null : t
}

/**
 * The badge of one clock at `now` (ms since the epoch), in this order:
 * breached when the clock was breached or runs past its due time; met when
 * its goal was reached in time; warning once warned or running past its
 * warning point; paused while the case waits on the customer; else on track.
 * A clock breached and met late stays breached, as on the server.
 */
export function clockBadge(clock: SLAClock, now: number): ClockBadge {
  const running = clock.state === 'running'
  const due = ms(clock.due_at)
  const warn = ms(clock.warn_at)
  if (clock.state === 'breached' || clock.breached_at) return 'breached'
  if (clock.state === 'met') return 'met'
  if (running && due !== null && now >= due) return 'breached'
  if (clock.warned_at) return 'warning'
  if (running && warn !== null && now >= warn) return 'warning'
  if (clock.state === 'paused') return 'paused'
  return 'on_track'
}

/** Whole minutes of a span: rounded up for time left, down (at least 1) for time overdue. */
export function spanMinutes(spanMs: number, direction: 'left' | 'overdue'): number {
  const abs = Math.abs(spanMs)
  if (direction === 'left') return Math.max(0, Math.ceil(abs / MINUTE))
  return Math.max(1, Math.floor(abs / MINUTE))
}

/** The two largest units of a number of minutes: {d, h} from a day, {h, min} from an hour. */
export function durationParts(minutes: number): Array<{ unit: 'd' | 'h' | 'min'; value: number }> {
  const m = Math.max(0, Math.floor(minutes))
  if (m >= 1440) {
    const d = Math.floor(m / 1440)
    const h = Math.floor((m % 1440) / 60)
    return h ? [{ unit: 'd', value: d }, { unit: 'h', value: h }] : [{ unit: 'd', value: d }]
  }
  if (m >= 60) {
    const h = Math.floor(m / 60)
    const rest = m % 60
    return rest ? [{ unit: 'h', value: h }, { unit: 'min', value: rest }] : [{ unit: 'h', value: h }]
  }
  return [{ unit: 'min', value: m }]
}

/** "2 h 10 min", "3 d 4 h", "35 min" (Finnish "2 t 10 min", "3 pv 4 t"). */
export function formatMinutes(minutes: number, t: Translate): string {
  return durationParts(minutes)
    .map((p) => t(`sla.units.${p.unit}`, { n: p.value }))
    .join(' ')
}

/** "in 2 h 10 min" or "overdue by 35 min" for a due time, seen at now. */
export function relativeDue(dueIso: string, now: number, t: Translate): string {
  const due = ms(dueIso)
  if (due === null) return ''
  const span = due - now
  if (span > 0) return t('sla.in', { duration: formatMinutes(spanMinutes(span, 'left'), t) })
  return t('sla.overdueBy', { duration: formatMinutes(spanMinutes(span, 'overdue'), t) })
}

export type DueLevel = 'overdue' | 'soon' | 'later'

export interface DueBadge {
  level: DueLevel
  /** Whole minutes left (level soon/later) or overdue (level overdue). */
  minutes: number
}

/**
 * The inbox row's due badge: overdue (red) at or after the due time, soon
 * (amber) within `soonMs` before it, later (neutral) otherwise; null without
 * a due time.
 */
export function dueBadge(dueIso: string | null | undefined, now: number, soonMs = DUE_SOON_MS): DueBadge | null {
  const due = ms(dueIso)
  if (due === null) return null
  const span = due - now
  if (span <= 0) return { level: 'overdue', minutes: spanMinutes(span, 'overdue') }
  return { level: span <= soonMs ? 'soon' : 'later', minutes: spanMinutes(span, 'left') }
}

export function dueBadgeText(badge: DueBadge, t: Translate): string {
  const duration = formatMinutes(badge.minutes, t)
  return badge.level === 'overdue' ? t('sla.badge.overdue', { duration }) : t('sla.badge.dueIn', { duration })
}

// --- Minutes ↔ hours and minutes (the policy form) ------------------------------------

/** 150 → {hours: 2, minutes: 30}. */
export function splitMinutes(total: number): { hours: number; minutes: number } {
  const m = Number.isFinite(total) && total > 0 ? Math.floor(total) : 0
  return { hours: Math.floor(m / 60), minutes: m % 60 }
}

function wholeNumber(text: string | number): number | null {
  if (typeof text === 'number') return Number.isInteger(text) && text >= 0 ? text : null
  const s = text.trim()
  if (s === '') return 0
  if (!/^\d+$/.test(s)) return null
  return Number(s)
}

/**
 * Hours and minutes as typed → whole minutes; empty fields count as 0. null
 * when either is not a whole number ≥ 0 or the minutes are over 59.
 */
export function joinMinutes(hours: string | number, minutes: string | number): number | null {
  const h = wholeNumber(hours)
  const m = wholeNumber(minutes)
  if (h === null || m === null || m > 59) return null
  return h * 60 + m
}

/** "8 h", "1 h 30 min", "45 min", "—" for 0 (no target): a target in words for lists. */
export function formatTarget(minutes: number, t: Translate): string {
  if (!minutes) return t('sla.noTarget')
  const { hours, minutes: rest } = splitMinutes(minutes)
  const parts: string[] = []
  if (hours) parts.push(t('sla.units.h', { n: hours }))
  if (rest) parts.push(t('sla.units.min', { n: rest }))
  return parts.join(' ')
}
