import type { CaseMessage, TimelineEvent } from './types'

// A quieter timeline: consecutive changes one person made within a minute read as one entry,
// and the entries nobody typed (rules, SLA clocks, automatic reopening) can be hidden.
// Pure functions over the sorted entries, so the rules are tested without a page.

export type TimelineEntry =
  | { kind: 'message'; at: string; key: string; message: CaseMessage; original?: boolean }
  | { kind: 'event'; at: string; key: string; event: TimelineEvent }
  | { kind: 'group'; at: string; key: string; group: ChangeGroup }

/** One field's change across a group: from its first value to its last. */
export interface GroupedChange {
  field: string
  from?: string
  to?: string
}

/** Several changes by one person within a minute, told as one entry. */
export interface ChangeGroup {
  actor: string
  actorId: string
  /** The changes in the order they were made (other than tags), one per field. */
  changes: GroupedChange[]
  /** Tags added and removed over the whole group (a tag added then removed again is neither). */
  tagsAdded: string[]
  tagsRemoved: string[]
  /** The events the group stands for, oldest first. */
  events: TimelineEvent[]
  /** When the last of them was made. */
  lastAt: string
}

/** Changes at most this far apart from the group's first one belong to it (exactly 60 s does). */
export const GROUP_WINDOW_MS = 60_000

/** A change a person made by hand: the kind that groups. */
function isPersonalChange(entry: TimelineEntry): entry is Extract<TimelineEntry, { kind: 'event' }> {
  return entry.kind === 'event' && entry.event.type === 'changed' && !!entry.event.actor_id && !!entry.event.data?.field
}

/** The names the server writes as the actor of what it did on its own (models: "Kaiku", "SLA"). */
const SYSTEM_ACTORS = new Set(['', 'Kaiku', 'SLA'])

/**
 * An entry no person wrote: rule firings, SLA clocks, changes the system made on its own. What
 * the customer did (opened the case, answered the follow-up check, reopened it) carries their
 * name without a staff id, and stays: it is what an agent hides system entries to see.
 */
export function isSystemEntry(entry: TimelineEntry): boolean {
  if (entry.kind !== 'event') return false
  const event = entry.event
  if (event.type === 'rule_fired' || event.type.startsWith('sla_')) return true
  return !event.actor_id && SYSTEM_ACTORS.has(event.actor ?? '')
}

function tagList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((tag) => tag.trim())
    .filter(Boolean)
}

/** What one person's run of changes amounts to. */
export function summarise(events: TimelineEvent[]): ChangeGroup {
  const first = events[0]!
  const byField = new Map<string, GroupedChange>()
  const added = new Set<string>()
  const removed = new Set<string>()
  for (const event of events) {
    const { field = '', from, to } = event.data ?? {}
    if (field === 'tags') {
      const before = tagList(from)
      const after = tagList(to)
      for (const tag of after.filter((x) => !before.includes(x))) {
        if (removed.has(tag)) removed.delete(tag)
        else added.add(tag)
      }
      for (const tag of before.filter((x) => !after.includes(x))) {
        if (added.has(tag)) added.delete(tag)
        else removed.add(tag)
      }
      continue
    }
    const seen = byField.get(field)
    if (seen) seen.to = to
    else byField.set(field, { field, from, to })
  }
  return {
    actor: first.actor,
    actorId: first.actor_id ?? '',
    // A field changed back to where it started within the minute did not change.
    changes: [...byField.values()].filter((c) => (c.from ?? '') !== (c.to ?? '')),
    tagsAdded: [...added],
    tagsRemoved: [...removed],
    events,
    lastAt: events[events.length - 1]!.at,
  }
}

/**
 * Folds runs of consecutive changes by one person, each at most GROUP_WINDOW_MS after the
 * run's first, into one group entry. Anything between them (a message, another person's
 * change, a system entry) ends the run. A run of one stays as it was.
 */
export function groupTimeline(entries: TimelineEntry[]): TimelineEntry[] {
  const out: TimelineEntry[] = []
  let run: Extract<TimelineEntry, { kind: 'event' }>[] = []
  const flush = () => {
    if (run.length === 1) out.push(run[0]!)
    else if (run.length > 1) {
      const events = run.map((entry) => entry.event)
      out.push({ kind: 'group', at: run[0]!.at, key: `g-${run[0]!.key}`, group: summarise(events) })
    }
    run = []
  }
  for (const entry of entries) {
    if (isPersonalChange(entry)) {
      const start = run[0]
      if (start && start.event.actor_id === entry.event.actor_id && Date.parse(entry.at) - Date.parse(start.at) <= GROUP_WINDOW_MS) {
        run.push(entry)
        continue
      }
      flush()
      run = [entry]
      continue
    }
    flush()
    out.push(entry)
  }
  flush()
  return out
}

/** The timeline as shown: grouped, and without system entries when they are hidden. */
export function visibleTimeline(entries: TimelineEntry[], hideSystem: boolean): TimelineEntry[] {
  return groupTimeline(hideSystem ? entries.filter((entry) => !isSystemEntry(entry)) : entries)
}
