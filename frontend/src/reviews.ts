// Online reviews in the app: the source kinds (from the OpenAPI document) and the inbox's
// review filters, kept in the address like the other filters.

import { request } from './api'
import type { components } from './generated/openapi'
import { reviewSourceKindValues } from './generated/openapi'

export const REVIEW_SOURCE_KINDS = reviewSourceKindValues
export const REVIEW_RATINGS = ['1', '2', '3', '4', '5'] as const
export const REVIEW_REPLIES = ['none', 'published'] as const

/** The review filters of GET /cases, by their address (and API) parameter. */
export const REVIEW_FILTERS = ['review_rating', 'review_source', 'review_reply'] as const
export type ReviewFilter = (typeof REVIEW_FILTERS)[number]
export const REVIEW_FILTER_VALUES: Record<ReviewFilter, readonly string[]> = {
  review_rating: REVIEW_RATINGS,
  review_source: REVIEW_SOURCE_KINDS,
  review_reply: REVIEW_REPLIES,
}


export type ReviewSource = components['schemas']['ReviewSource']
export type ReviewSourceCreate = components['schemas']['ReviewSourceCreate']
export type ReviewSourcePatch = components['schemas']['ReviewSourcePatch']
export type ReviewSourceKind = components['schemas']['ReviewSourceKind']
export type Review = components['schemas']['Review']

const sourcePath = (id: string) => `/review-sources/${encodeURIComponent(id)}`

export async function listReviewSources(): Promise<ReviewSource[]> {
  return (await request<ReviewSource[]>('GET', '/review-sources')).data ?? []
}

/** The new source with its secret in full: the only time it is shown. */
export async function createReviewSource(body: ReviewSourceCreate): Promise<ReviewSource> {
  return (await request<ReviewSource>('POST', '/review-sources', { body })).data
}

export async function updateReviewSource(id: string, body: ReviewSourcePatch): Promise<ReviewSource> {
  return (await request<ReviewSource>('PATCH', sourcePath(id), { body })).data
}

export async function rotateReviewSourceSecret(id: string): Promise<ReviewSource> {
  return (await request<ReviewSource>('POST', `${sourcePath(id)}/secret`)).data
}
