import { describe, expect, it } from 'vitest'
import { GROUP_WINDOW_MS, groupTimeline, isSystemEntry, summarise, visibleTimeline, type TimelineEntry } from '../src/timelineGroups'
import type { TimelineEvent } from '../src/types'

const T0 = Date.parse('2026-03-02T09:00:00Z')
const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString()

let n = 0
function change(seconds: number, field: string, from: string, to: string, actorId = 'u1', actor = 'Aino'): TimelineEntry {
  const event: TimelineEvent = { at: at(seconds), actor_id: actorId, actor, type: 'changed', data: { field, from, to } }
  return { kind: 'event', at: event.at, key: `e-${n++}`, event }
}
function message(seconds: number): TimelineEntry {
  return { kind: 'message', at: at(seconds), key: `m-${n++}`, message: { id: `m${n}`, kind: 'reply', author: 'Aino', body: 'Hello', created_at: at(seconds) } }
}
function system(seconds: number, type = 'sla_started'): TimelineEntry {
  const event: TimelineEvent = { at: at(seconds), actor: '', type, data: { clock: 'first_response' } }
  return { kind: 'event', at: event.at, key: `e-${n++}`, event }
}
const kinds = (entries: TimelineEntry[]) => entries.map((e) => e.kind)

describe('groupTimeline', () => {
  it('folds one person’s changes within a minute into one entry', () => {
    const out = groupTimeline([change(0, 'status', 'new', 'open'), change(20, 'priority', 'normal', 'high'), change(50, 'tags', '', 'refund')])
    expect(kinds(out)).toEqual(['group'])
    const group = out[0]!.kind === 'group' ? out[0]!.group : null
    expect(group?.actor).toBe('Aino')
    expect(group?.events).toHaveLength(3)
    expect(group?.changes).toEqual([
      { field: 'status', from: 'new', to: 'open' },
      { field: 'priority', from: 'normal', to: 'high' },
    ])
    expect(group?.tagsAdded).toEqual(['refund'])
    expect(group?.lastAt).toBe(at(50))
  })

  it('keeps a single change as it was', () => {
    const only = change(0, 'status', 'new', 'open')
    expect(groupTimeline([only])).toEqual([only])
  })

  it('does not fold changes by different people', () => {
    const out = groupTimeline([change(0, 'status', 'new', 'open', 'u1'), change(10, 'priority', 'normal', 'high', 'u2', 'Pekka')])
    expect(kinds(out)).toEqual(['event', 'event'])
  })

  it('does not fold across a message in between', () => {
    const out = groupTimeline([change(0, 'status', 'new', 'open'), message(5), change(10, 'priority', 'normal', 'high')])
    expect(kinds(out)).toEqual(['event', 'message', 'event'])
  })

  it('does not fold across a system entry in between, unless system entries are hidden', () => {
    const entries = [change(0, 'status', 'new', 'open'), system(5), change(10, 'priority', 'normal', 'high')]
    expect(kinds(groupTimeline(entries))).toEqual(['event', 'event', 'event'])
    expect(kinds(visibleTimeline(entries, true))).toEqual(['group'])
  })

  it('folds changes exactly 60 s apart, and not one 61 s apart', () => {
    expect(GROUP_WINDOW_MS).toBe(60_000)
    expect(kinds(groupTimeline([change(0, 'status', 'new', 'open'), change(60, 'priority', 'normal', 'high')]))).toEqual(['group'])
    expect(kinds(groupTimeline([change(0, 'status', 'new', 'open'), change(61, 'priority', 'normal', 'high')]))).toEqual(['event', 'event'])
  })

  it('measures the minute from the run’s first change, so a slow trickle is not one entry', () => {
    const out = groupTimeline([change(0, 'status', 'new', 'open'), change(40, 'priority', 'normal', 'high'), change(80, 'team_id', '', 't1'), change(90, 'tags', '', 'x')])
    expect(kinds(out)).toEqual(['group', 'group'])
  })

  it('never folds changes without a person (rules, the customer reopening)', () => {
    const reopen: TimelineEntry = { kind: 'event', at: at(0), key: 'r', event: { at: at(0), actor: 'Customer', type: 'changed', data: { field: 'status', from: 'resolved', to: 'open' } } }
    const again: TimelineEntry = { ...reopen, key: 'r2' }
    expect(kinds(groupTimeline([reopen, again]))).toEqual(['event', 'event'])
  })
})

describe('summarise', () => {
  it('lists tags added and removed together, cancelling a tag added and removed again', () => {
    const events = [
      change(0, 'tags', 'a,b', 'a,b,c'),
      change(10, 'tags', 'a,b,c', 'b,c,d'),
      change(20, 'tags', 'b,c,d', 'b,c'),
    ].map((e) => (e.kind === 'event' ? e.event : null!))
    const group = summarise(events)
    expect(group.tagsAdded).toEqual(['c'])
    expect(group.tagsRemoved).toEqual(['a'])
    expect(group.changes).toEqual([])
  })

  it('tells one field changed twice from its first value to its last, and drops a change undone', () => {
    const events = [
      change(0, 'priority', 'normal', 'high'),
      change(5, 'priority', 'high', 'urgent'),
      change(9, 'status', 'new', 'open'),
      change(12, 'status', 'open', 'new'),
    ].map((e) => (e.kind === 'event' ? e.event : null!))
    expect(summarise(events).changes).toEqual([{ field: 'priority', from: 'normal', to: 'urgent' }])
  })
})

describe('isSystemEntry', () => {
  it('is true for rules, SLA clocks and changes without a person, false for messages and people’s changes', () => {
    expect(isSystemEntry(system(0))).toBe(true)
    expect(isSystemEntry(system(0, 'rule_fired'))).toBe(true)
    expect(isSystemEntry(change(0, 'status', 'new', 'open'))).toBe(false)
    expect(isSystemEntry(message(0))).toBe(false)
  })

  it('keeps what the customer did, which has their name but no staff id', () => {
    const reopened = change(0, 'status', 'resolved', 'open', '', 'Maija Mehiläinen')
    const asked = change(0, 'status', 'resolved', 'open', '', 'Kaiku')
    expect(isSystemEntry(reopened)).toBe(false)
    const answer: TimelineEvent = { at: at(0), actor: 'Maija Mehiläinen', type: 'follow_up', data: { answer: 'solved' } }
    expect(isSystemEntry({ kind: 'event', at: answer.at, key: 'answer', event: answer })).toBe(false)
    expect(isSystemEntry(asked)).toBe(true)
  })

  it('hiding system entries keeps messages and people’s changes', () => {
    const entries = [message(0), system(1), change(100, 'status', 'new', 'open'), system(200, 'rule_fired')]
    expect(kinds(visibleTimeline(entries, true))).toEqual(['message', 'event'])
    expect(visibleTimeline(entries, false)).toHaveLength(4)
  })
})
