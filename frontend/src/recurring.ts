// The recurring-issues API: topics learned from the cases' text with their weekly counts and
// rising flag, and root-cause records (managers).
import { request } from './api'
import type { components } from './generated/openapi'

type Schemas = components['schemas']
export type Topic = Schemas['Topic']
export type TopicDetail = Schemas['TopicDetail']
export type RootCause = Schemas['RootCause']
export type RootCauseSummary = Schemas['RootCauseSummary']
export type RootCauseWeeks = Schemas['RootCauseWeeks']
export type RootCauseState = RootCause['state']
export type RootCauseDetail = RootCause & { weeks: RootCauseWeeks }
export type RootCauseCreate = Schemas['RootCauseCreate']
export type RootCausePatch = Schemas['RootCausePatch']

export const ROOT_CAUSE_STATES: RootCauseState[] = ['investigating', 'fix_planned', 'fixed']

export interface TopicListMeta {
  week_starts: string[]
  learned_at?: string | null
  alpha: number
}

export function listTopics(signal?: AbortSignal) {
  return request<Topic[], TopicListMeta>('GET', '/topics', { signal })
}

export function getTopic(id: string, signal?: AbortSignal): Promise<TopicDetail> {
  return request<TopicDetail>('GET', `/topics/${encodeURIComponent(id)}`, { signal }).then((r) => r.data)
}

export function relearnTopics(): Promise<number> {
  return request<{ topics: number }>('POST', '/topics/relearn').then((r) => r.data.topics)
}

export function listRootCauses(signal?: AbortSignal): Promise<RootCauseSummary[]> {
  return request<RootCauseSummary[]>('GET', '/root-causes', { signal }).then((r) => r.data ?? [])
}

export function createRootCause(body: RootCauseCreate): Promise<RootCause> {
  return request<RootCause>('POST', '/root-causes', { body }).then((r) => r.data)
}

export function getRootCause(id: string, signal?: AbortSignal): Promise<RootCauseDetail> {
  return request<RootCauseDetail>('GET', `/root-causes/${encodeURIComponent(id)}`, { signal }).then((r) => r.data)
}

export function patchRootCause(id: string, body: RootCausePatch): Promise<RootCause> {
  return request<RootCause>('PATCH', `/root-causes/${encodeURIComponent(id)}`, { body }).then((r) => r.data)
}

export function linkCases(id: string, body: { case_ids?: string[]; q?: string; topic?: string }): Promise<{ root_cause: RootCause; added: number }> {
  return request<{ root_cause: RootCause; added: number }>('POST', `/root-causes/${encodeURIComponent(id)}/cases`, { body }).then((r) => r.data)
}

export function rootCausesOfCase(caseId: string, signal?: AbortSignal): Promise<RootCauseSummary[]> {
  return request<RootCauseSummary[]>('GET', `/cases/${encodeURIComponent(caseId)}/root-causes`, { signal }).then((r) => r.data ?? [])
}

/** A week's label: its first day, short ("3 Mar", "3.3."). */
export function weekLabel(iso: string, locale: string): string {
  return new Intl.DateTimeFormat(locale === 'fi' ? 'fi-FI' : 'en-GB', { day: 'numeric', month: 'short', timeZone: 'UTC' }).format(new Date(iso))
}
