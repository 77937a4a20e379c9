// The journey view (issue 16): touchpoints mapped to REAN stages, and each station's figures.

import { request } from './api'
import type { components } from './generated/openapi'

export type JourneyStage = components['schemas']['JourneyStage']['stage']
export type StageAssignment = components['schemas']['JourneyStage']
export type Journey = components['schemas']['Journey']
export type JourneyStation = components['schemas']['JourneyStation']
export type JourneyStageFigures = components['schemas']['JourneyStageFigures']

/** The stages in journey order. */
export const JOURNEY_STAGES: readonly JourneyStage[] = ['reach', 'engage', 'activate', 'nurture']

/** The periods the page offers, in days back from today. */
export const JOURNEY_PERIODS = [30, 90, 365] as const

export async function getJourney(from: string, to: string, signal?: AbortSignal): Promise<Journey> {
  return (await request<Journey>('GET', '/journey', { query: { from, to }, signal })).data
}

export async function listJourneyStages(): Promise<StageAssignment[]> {
  return (await request<StageAssignment[]>('GET', '/journey/stages')).data ?? []
}

export async function saveJourneyStages(stages: StageAssignment[]): Promise<StageAssignment[]> {
  return (await request<StageAssignment[]>('PUT', '/journey/stages', { body: { stages } })).data ?? []
}

/** A date as the API's day parameter (UTC). */
export function isoDay(d: Date): string {
  return d.toISOString().slice(0, 10)
}

/** The inbox address of a station's cases in the period: every status, that touchpoint. */
export function inboxOfStation(touchpoint: string, from: string, to: string) {
  return { path: '/inbox', query: { view: 'all', touchpoint, created_from: from, created_to: to } }
}

/** Minutes as a short duration: "45 min", "6 h", "2.5 d". */
export function formatMinutes(minutes: number, locale: string): string {
  const nf = (v: number, digits = 0) => new Intl.NumberFormat(locale, { maximumFractionDigits: digits }).format(v)
  if (minutes < 60) return `${nf(minutes)} min`
  if (minutes < 48 * 60) return `${nf(minutes / 60, minutes < 600 ? 1 : 0)} h`
  return `${nf(minutes / 1440, 1)} d`
}

/** A share as a percentage: "12 %" in Finnish, "12%" in English. */
export function formatShare(share: number, locale: string): string {
  return new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 0 }).format(share)
}
