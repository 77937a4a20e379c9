// Online reviews in the app: the source kinds (from the OpenAPI document) and the inbox's
// review filters, kept in the address like the other filters.

import { request } from './api'
import type { components } from './generated/openapi'
import type { Case } from './types'
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

export type GoogleCheck = components['schemas']['GoogleCheck']

/** Lists the first page of a Google source's reviews with its stored settings; files nothing. */
export async function testReviewSourceGoogle(id: string): Promise<GoogleCheck> {
  return (await request<GoogleCheck>('POST', `${sourcePath(id)}/google-test`)).data
}

// --- Import ---------------------------------------------------------------------------------

export type ReviewImport = components['schemas']['ReviewImport']
export type ReviewImportError = components['schemas']['ReviewImportError']
export type ReviewImportField = components['schemas']['ReviewImportField']
export type ReviewReplyRequest = components['schemas']['ReviewReplyRequest']
export type PublicReply = components['schemas']['PublicReply']
export type ReplyStep = PublicReply['step']

/**
 * Rows per import request: about a twentieth of the file, so the bar moves in steady steps,
 * at least 10 and at most 500 (big windows share the server's group commits).
 */
export function importWindow(totalRows: number): number {
  return Math.min(500, Math.max(10, Math.ceil(totalRows / 20)))
}

export interface ImportStep {
  sourceId: string
  file: Blob
  fileName: string
  mapping?: Record<string, string>
  dryRun?: boolean
  offset?: number
  limit?: number
}

/** One step of an import: a dry run (preview) or a window of rows. */
export async function importReviews(step: ImportStep, signal?: AbortSignal): Promise<ReviewImport> {
  const form = new FormData()
  form.append('source_id', step.sourceId)
  if (step.mapping) form.append('mapping', JSON.stringify(step.mapping))
  if (step.dryRun) form.append('dry_run', 'true')
  if (step.offset) form.append('offset', String(step.offset))
  if (step.limit) form.append('limit', String(step.limit))
  form.append('file', step.file, step.fileName)
  return (await request<ReviewImport>('POST', '/reviews/import', { form, signal })).data
}

/**
 * A spreadsheet cell that cannot run: a value starting with =, +, -, @, a tab or a carriage
 * return is a formula to Excel and its kin (CSV injection), so it gets a leading apostrophe.
 */
export function neutraliseCell(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value
}

function csvCell(value: string): string {
  const v = neutraliseCell(value)
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v
}

/** The per-row error report as CSV (RFC 4180, CRLF, a header row), every cell neutralised. */
export function errorReportCsv(errors: ReviewImportError[], header: [string, string, string, string]): string {
  const lines = [header.map(csvCell).join(',')]
  for (const e of errors) lines.push([String(e.row), e.external_id, e.field, e.message].map(csvCell).join(','))
  return lines.join('\r\n') + '\r\n'
}

// --- Public replies ---------------------------------------------------------------------------

/** A reply's length as the server counts it: in code points, not UTF-16 units. */
export function replyLength(text: string): number {
  return [...text.trim()].length
}

export async function replyToReview(caseId: string, body: ReviewReplyRequest): Promise<Case> {
  return (await request<Case>('POST', `/cases/${encodeURIComponent(caseId)}/review-reply`, { body })).data
}

// --- Linking a review to the customer's other case -----------------------------------------

export type ReviewLinkSuggestion = components['schemas']['ReviewLinkSuggestion']

export async function reviewLinkSuggestions(caseId: string): Promise<ReviewLinkSuggestion[]> {
  return (await request<ReviewLinkSuggestion[]>('GET', `/cases/${encodeURIComponent(caseId)}/review-links`)).data ?? []
}

export async function linkReview(caseId: string, otherId: string): Promise<Case> {
  return (await request<Case>('POST', `/cases/${encodeURIComponent(caseId)}/review-links`, { body: { case_id: otherId } })).data
}
