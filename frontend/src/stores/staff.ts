// The staff directory (GET /staff) and the teams (GET /teams), shared by the
// inbox, the case page and the new-case form: names of assignees and teams, and
// the people and teams the assignee picker offers. Every staff role may read
// both; a page loads them when it opens and keeps showing the last answer while
// a reload is under way.
import { reactive } from 'vue'
import { listStaff, listTeams } from '../api'
import type { StaffMember, Team } from '../types'

export const directory = reactive({
  people: [] as StaffMember[],
  teams: [] as Team[],
  loaded: false,
})

let pending: Promise<void> | null = null

/** Loads (or reloads) the directory; concurrent callers share one request. */
export function loadDirectory(): Promise<void> {
  pending ??= Promise.all([listStaff(), listTeams()])
    .then(([people, teams]) => {
      directory.people = people ?? []
      directory.teams = teams.data ?? []
      directory.loaded = true
    })
    .finally(() => {
      pending = null
    })
  return pending
}

export function personOf(id: string | undefined | null): StaffMember | undefined {
  return id ? directory.people.find((p) => p.id === id) : undefined
}

export function teamOf(id: string | undefined | null): Team | undefined {
  return id ? directory.teams.find((t) => t.id === id) : undefined
}

/** Active people: the ones a case can be given to. */
export function activePeople(): StaffMember[] {
  return directory.people.filter((p) => p.active)
}

/** The names of a person's teams, in the directory's (name) order. */
export function teamNames(person: StaffMember): string[] {
  return directory.teams.filter((t) => person.team_ids.includes(t.id)).map((t) => t.name)
}

/** Case-insensitive match of every word of `query` against the given texts. */
export function matchesQuery(query: string, ...texts: Array<string | undefined>): boolean {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean)
  const hay = texts.filter(Boolean).join(' ').toLowerCase()
  return words.every((w) => hay.includes(w))
}
