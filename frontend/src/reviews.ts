// Online reviews in the app: the source kinds (from the OpenAPI document) and the inbox's
// review filters, kept in the address like the other filters.

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
