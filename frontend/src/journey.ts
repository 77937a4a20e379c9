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

/** A share as a percentage: "12 %" in Finnish, "12%" in English. */
export function formatShare(share: number, locale: string): string {
  return new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 0 }).format(share)
}
