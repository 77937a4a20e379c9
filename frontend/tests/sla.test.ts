import { describe, expect, it } from 'vitest'
import { createAppI18n } from '../src/i18n'
import {
  DUE_SOON_MS,
  clockBadge,
  dueBadge,
  dueBadgeText,
  durationParts,
  formatMinutes,
  formatTarget,
  joinMinutes,
  relativeDue,
  spanMinutes,
  splitMinutes,
} from '../src/sla'
import type { SLAClock } from '../src/types'

const T0 = Date.parse('2026-03-02T10:00:00Z')
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString()

function clock(over: Partial<SLAClock>): SLAClock {
  return { kind: 'first_response', policy_id: 'p1', warn_at_percent: 50, target_seconds: 8 * 3600, started_at: at(-60), elapsed_before_pause_seconds: 0, state: 'running', ...over }
}

describe('clock badge (as the server computes a clock’s status)', () => {
  // Due at +60 min, warning at +30 min unless said otherwise; "now" in minutes from T0.
  const cases: Array<[string, Partial<SLAClock>, number, string]> = [
    ['running, before the warning', { due_at: at(60), warn_at: at(30) }, 0, 'on_track'],
    ['running, at the warning point', { due_at: at(60), warn_at: at(30) }, 30, 'warning'],
    ['running, past the warning point, not yet recorded', { due_at: at(60), warn_at: at(30) }, 45, 'warning'],
    ['running, warning recorded', { due_at: at(60), warned_at: at(31) }, 40, 'warning'],
    ['running, at the due time', { due_at: at(60), warn_at: at(30) }, 60, 'breached'],
    ['running, past due, not yet recorded', { due_at: at(60), warn_at: at(30), warned_at: at(30) }, 95, 'breached'],
    ['breached (recorded)', { state: 'breached', due_at: at(60), breached_at: at(61) }, 61, 'breached'],
    ['breached, then met late', { state: 'breached', due_at: at(60), breached_at: at(61), met_at: at(90) }, 120, 'breached'],
    ['met in time', { state: 'met', due_at: at(60), met_at: at(20) }, 500, 'met'],
    ['met in time after a warning', { state: 'met', due_at: at(60), warned_at: at(30), met_at: at(40) }, 500, 'met'],
    ['paused', { state: 'paused', paused_at: at(-10) }, 500, 'paused'],
    ['paused after its warning', { state: 'paused', paused_at: at(35), warned_at: at(30) }, 500, 'warning'],
    ['paused: a stale due time does not count', { state: 'paused', paused_at: at(10), due_at: at(60) }, 500, 'paused'],
    ['running without a due time (calendar never opens)', {}, 10_000, 'on_track'],
    ['running without a warning', { due_at: at(60) }, 59, 'on_track'],
  ]
  for (const [name, over, minutes, expected] of cases) {
    it(name, () => expect(clockBadge(clock(over), T0 + minutes * 60_000)).toBe(expected))
  }
})

describe('inbox due badge', () => {
  const cases: Array<[string, string | undefined, number, ReturnType<typeof dueBadge>]> = [
    ['no due time', undefined, 0, null],
    ['not a time', 'soon', 0, null],
    ['due in 2 h 10 min', at(130), 0, { level: 'later', minutes: 130 }],
    ['due in exactly the warning window', at(60), 0, { level: 'soon', minutes: 60 }],
    ['due in 40 min', at(40), 0, { level: 'soon', minutes: 40 }],
    ['due in 30 s (rounded up)', at(0.5), 0, { level: 'soon', minutes: 1 }],
    ['due right now', at(0), 0, { level: 'overdue', minutes: 1 }],
    ['overdue by 35 min 40 s (rounded down)', at(-35.67), 0, { level: 'overdue', minutes: 35 }],
    ['overdue by 3 days', at(-3 * 1440), 0, { level: 'overdue', minutes: 4320 }],
  ]
  for (const [name, due, minutes, expected] of cases) {
    it(name, () => expect(dueBadge(due, T0 + minutes * 60_000)).toEqual(expected))
  }

  it('moves with the clock alone', () => {
    const due = at(90)
    expect(dueBadge(due, T0)?.level).toBe('later')
    expect(dueBadge(due, T0 + 30 * 60_000)?.level).toBe('soon')
    expect(dueBadge(due, T0 + 90 * 60_000)?.level).toBe('overdue')
    expect(DUE_SOON_MS).toBe(60 * 60_000)
  })

  it('a custom warning window', () => {
    expect(dueBadge(at(100), T0, 2 * 3600_000)?.level).toBe('soon')
  })
})

describe('durations in words', () => {
  const i18n = createAppI18n('en')
  const t = i18n.global.t as unknown as (key: string, values?: Record<string, unknown>) => string

  it('keeps the two largest units', () => {
    expect(durationParts(35)).toEqual([{ unit: 'min', value: 35 }])
    expect(durationParts(60)).toEqual([{ unit: 'h', value: 1 }])
    expect(durationParts(130)).toEqual([{ unit: 'h', value: 2 }, { unit: 'min', value: 10 }])
    expect(durationParts(1440)).toEqual([{ unit: 'd', value: 1 }])
    expect(durationParts(3 * 1440 + 4 * 60 + 59)).toEqual([{ unit: 'd', value: 3 }, { unit: 'h', value: 4 }])
  })

  it('rounds time left up and time overdue down (at least a minute)', () => {
    expect(spanMinutes(61_000, 'left')).toBe(2)
    expect(spanMinutes(-61_000, 'overdue')).toBe(1)
    expect(spanMinutes(-1_000, 'overdue')).toBe(1)
  })

  it('in English and Finnish', () => {
    i18n.global.locale.value = 'en'
    expect(formatMinutes(130, t)).toBe('2 h 10 min')
    expect(relativeDue(at(130), T0, t)).toBe('in 2 h 10 min')
    expect(relativeDue(at(-35), T0, t)).toBe('overdue by 35 min')
    expect(dueBadgeText({ level: 'overdue', minutes: 35 }, t)).toBe('Overdue by 35 min')
    expect(dueBadgeText({ level: 'soon', minutes: 40 }, t)).toBe('Due in 40 min')
    expect(formatTarget(0, t)).toBe('none')
    expect(formatTarget(90, t)).toBe('1 h 30 min')
    expect(formatTarget(2400, t)).toBe('40 h')
    i18n.global.locale.value = 'fi'
    expect(formatMinutes(3 * 1440 + 4 * 60, t)).toBe('3 pv 4 t')
    expect(relativeDue(at(130), T0, t)).toBe('2 t 10 min kuluttua')
    expect(relativeDue(at(-35), T0, t)).toBe('myöhässä 35 min')
    i18n.global.locale.value = 'en'
  })
})

describe('targets: minutes ↔ hours and minutes', () => {
  const split: Array<[number, { hours: number; minutes: number }]> = [
    [0, { hours: 0, minutes: 0 }],
    [45, { hours: 0, minutes: 45 }],
    [60, { hours: 1, minutes: 0 }],
    [150, { hours: 2, minutes: 30 }],
    [2400, { hours: 40, minutes: 0 }],
    [527040, { hours: 8784, minutes: 0 }],
    [-5, { hours: 0, minutes: 0 }],
    [Number.NaN, { hours: 0, minutes: 0 }],
  ]
  for (const [minutes, expected] of split) {
    it(`splits ${minutes}`, () => expect(splitMinutes(minutes)).toEqual(expected))
  }

  const join: Array<[string | number, string | number, number | null]> = [
    ['2', '30', 150],
    ['', '', 0],
    ['8', '', 480],
    ['', '45', 45],
    [' 1 ', ' 5 ', 65],
    [40, 0, 2400],
    ['0', '59', 59],
    ['0', '60', null],
    ['-1', '0', null],
    ['1.5', '0', null],
    ['1,5', '0', null],
    ['abc', '0', null],
    [1.5, 0, null],
  ]
  for (const [hours, minutes, expected] of join) {
    it(`joins ${JSON.stringify(hours)} h ${JSON.stringify(minutes)} min`, () => expect(joinMinutes(hours, minutes)).toBe(expected))
  }

  it('round-trips', () => {
    for (const m of [0, 1, 59, 60, 61, 480, 2399, 527040]) {
      const { hours, minutes } = splitMinutes(m)
      expect(joinMinutes(String(hours), String(minutes))).toBe(m)
    }
  })
})
