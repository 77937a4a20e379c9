// A small typed client for the Kaiku API.
//
// - Success bodies are `{"data": ...}` (lists add `"meta"`); `request` unwraps them.
// - Errors are `{"error": {"code", "message", "fields"}}`; they become `ApiError`.
// - The session is an HttpOnly cookie: every request uses credentials 'same-origin',
//   and every non-GET request carries the CSRF token in `X-CSRF-Token`.
// - A 401 on an authenticated call runs the unauthorized handler (the app sends the
//   user to /login and remembers where they were).

import { issueText, type FieldIssue } from './fieldErrors'
import { i18n } from './i18n'
import type {
  ApiToken,
  BulkChange,
  BulkResult,
  SavedView,
  SavedViewCreate,
  SavedViewPatch,
  AppNotification,
  NotificationListMeta,
  PreviewMatch,
  Rule,
  RuleInput,
  RulePatch,
  CannedReply,
  CannedReplyInput,
  CannedReplyListMeta,
  Case,
  CaseListMeta,
  CaseListQuery,
  CasePatch,
  CaseSummary,
  Category,
  ComplaintReceipt,
  CreatedApiToken,
  FollowUpAnswer,
  PromiseDelayInput,
  PromiseInput,
  FormOptions,
  InboxView,
  ListMeta,
  Locale,
  NewCase,
  NewStaffMessage,
  NewTeam,
  NewUser,
  OutboxMail,
  PublicCase,
  RenderedReply,
  SLAPolicy,
  SLAPolicyInput,
  SLAPolicyPatch,
  Session,
  StaffMember,
  Team,
  TeamPatch,
  User,
  UserPatch,
  Viewer,
} from './types'

export const API_BASE = '/api/v1'

/** An error answer from the API, or a failure to reach it (status 0). */
export class ApiError extends Error {
  readonly status: number
  readonly code: string
  /** Per-field messages in the user's language, chosen by each field's issue code. */
  readonly fields: Record<string, string>
  /** Seconds the server asks to wait before trying again (Retry-After), 0 when it did not say. */
  readonly retryAfter: number
  /** Per-field reasons as the server sent them (`field_issues`). */
  readonly issues: Record<string, FieldIssue>
  /**
   * The server's own per-field text, for the few forms that read more out of it than its
   * code says (an overlap names the other interval); never to be shown as it is.
   */
  readonly serverFields: Record<string, string>

  constructor(
    status: number,
    code: string,
    message: string,
    fields: Record<string, string> = {},
    issues: Record<string, FieldIssue> = {},
    retryAfter = 0,
  ) {
    super(message)
    this.name = 'ApiError'
    this.status = status
    this.code = code
    this.retryAfter = retryAfter
    this.issues = issues
    this.serverFields = fields
    // Never the server's English: a field with a reason is worded here, in the user's language.
    const translate = (key: string, values?: Record<string, unknown>) => i18n.global.t(key, values ?? {})
    this.fields = Object.fromEntries(
      Object.entries(fields).map(([field, text]) => [field, issues[field] ? issueText(issues[field]!, translate) : text]),
    )
  }

  /** True when the server rejected individual fields (validation errors). */
  get hasFieldErrors(): boolean {
    return Object.keys(this.fields).length > 0
  }
}

export interface Envelope<T, M = undefined> {
  data: T
  meta: M
}

type QueryValue = string | number | boolean | undefined | null

/** Query parameters; a list is sent as the parameter repeated (`status=open&status=new`). */
export type Query = Record<string, QueryValue | readonly QueryValue[]>

export interface RequestOptions {
  query?: Query
  /** A JSON body. */
  body?: unknown
  /** A multipart/form-data body (the browser sets the Content-Type with its boundary). */
  form?: FormData
  /** Extra request headers (e.g. Idempotency-Key). */
  headers?: Record<string, string>
  /** Keep the request alive while the page unloads (fetch keepalive). */
  keepalive?: boolean
  /** Do not run the unauthorized handler on 401 (login, session probe). */
  noAuthRedirect?: boolean
  signal?: AbortSignal
}

let csrfToken = ''
let unauthorizedHandler: (() => void) | null = null

export function setCsrfToken(token: string): void {
  csrfToken = token
}

export function getCsrfToken(): string {
  return csrfToken
}

/** Called when an authenticated request gets 401 (the session ended). */
export function setUnauthorizedHandler(handler: (() => void) | null): void {
  unauthorizedHandler = handler
}

export function buildUrl(path: string, query?: Query): string {
  let url = API_BASE + path
  if (query) {
    const params = new URLSearchParams()
    for (const [key, value] of Object.entries(query)) {
      // Never joined with commas: a value (a category name) may contain one.
      for (const item of Array.isArray(value) ? value : [value]) {
        if (item === undefined || item === null || item === '') continue
        params.append(key, String(item))
      }
    }
    const qs = params.toString()
    if (qs) url += '?' + qs
  }
  return url
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function toIssues(value: unknown): Record<string, FieldIssue> {
  const issues: Record<string, FieldIssue> = {}
  if (!isRecord(value)) return issues
  for (const [key, issue] of Object.entries(value)) {
    if (!isRecord(issue) || typeof issue.code !== 'string') continue
    issues[key] = {
      code: issue.code,
      limit: typeof issue.limit === 'number' ? issue.limit : undefined,
      file: typeof issue.file === 'string' ? issue.file : undefined,
    }
  }
  return issues
}

function toFields(value: unknown): Record<string, string> {
  const fields: Record<string, string> = {}
  if (!isRecord(value)) return fields
  for (const [key, message] of Object.entries(value)) {
    if (typeof message === 'string') fields[key] = message
    else if (message !== null && message !== undefined) fields[key] = String(message)
  }
  return fields
}

/** Turns a non-2xx response body into an ApiError (tolerating non-JSON bodies). */
export function errorFromBody(status: number, body: unknown, statusText = '', retryAfter = 0): ApiError {
  if (isRecord(body) && isRecord(body.error)) {
    const err = body.error
    const code = typeof err.code === 'string' && err.code ? err.code : `http_${status}`
    const message =
      typeof err.message === 'string' && err.message ? err.message : statusText || `HTTP ${status}`
    return new ApiError(status, code, message, toFields(err.fields), toIssues(err.field_issues), retryAfter)
  }
  return new ApiError(status, `http_${status}`, statusText || `HTTP ${status}`, {}, {}, retryAfter)
}

async function readJson(response: Response): Promise<unknown> {
  const text = await response.text()
  if (!text) return undefined
  try {
    return JSON.parse(text) as unknown
  } catch {
    return undefined
  }
}

export async function request<T, M = undefined>(
  method: string,
  path: string,
  options: RequestOptions = {},
): Promise<Envelope<T, M>> {
  const headers: Record<string, string> = { Accept: 'application/json', ...options.headers }
  const init: RequestInit = { method, headers, credentials: 'same-origin', signal: options.signal }
  if (options.keepalive) init.keepalive = true
  if (options.form !== undefined) {
    init.body = options.form
  } else if (options.body !== undefined) {
    headers['Content-Type'] = 'application/json'
    init.body = JSON.stringify(options.body)
  }
  if (method !== 'GET' && method !== 'HEAD' && csrfToken) {
    headers['X-CSRF-Token'] = csrfToken
  }

  let response: Response
  try {
    response = await fetch(buildUrl(path, options.query), init)
  } catch (cause) {
    if (cause instanceof DOMException && cause.name === 'AbortError') throw cause
    throw new ApiError(0, 'network_error', 'The server could not be reached.')
  }

  const body = response.status === 204 ? undefined : await readJson(response)
  if (!response.ok) {
    const wait = Number(response.headers.get('Retry-After'))
    const error = errorFromBody(response.status, body, response.statusText, Number.isFinite(wait) && wait > 0 ? wait : 0)
    if (response.status === 401 && !options.noAuthRedirect && unauthorizedHandler) {
      unauthorizedHandler()
    }
    throw error
  }
  if (isRecord(body) && 'data' in body) {
    return { data: body.data as T, meta: body.meta as M }
  }
  // 204 No Content, or a body without the envelope.
  return { data: body as T, meta: undefined as M }
}

async function data<T>(promise: Promise<Envelope<T, unknown>>): Promise<T> {
  return (await promise).data
}

// --- Auth -------------------------------------------------------------------

export function login(email: string, password: string): Promise<Session> {
  return data(
    request<Session>('POST', '/auth/login', { body: { email, password }, noAuthRedirect: true }),
  )
}

export async function logout(): Promise<void> {
  await request<void>('POST', '/auth/logout', { noAuthRedirect: true })
}

/** The current session; rejects with status 401 when nobody is logged in. */
export function me(): Promise<Session> {
  return data(request<Session>('GET', '/me', { noAuthRedirect: true }))
}

// --- Users and teams ----------------------------------------------------------

export function listUsers(): Promise<Envelope<User[], ListMeta>> {
  return request<User[], ListMeta>('GET', '/users')
}

/**
 * The staff directory (any staff role): active people with their role and teams, then
 * deactivated ones with their name only.
 */
export function listStaff(signal?: AbortSignal): Promise<StaffMember[]> {
  return data(request<StaffMember[]>('GET', '/staff', { signal }))
}

export function createUser(user: NewUser): Promise<User> {
  return data(request<User>('POST', '/users', { body: user }))
}

export function updateUser(id: string, patch: UserPatch): Promise<User> {
  return data(request<User>('PATCH', `/users/${encodeURIComponent(id)}`, { body: patch }))
}

export function listTeams(): Promise<Envelope<Team[], ListMeta>> {
  return request<Team[], ListMeta>('GET', '/teams')
}

export function createTeam(team: NewTeam): Promise<Team> {
  return data(request<Team>('POST', '/teams', { body: team }))
}

export function updateTeam(id: string, patch: TeamPatch): Promise<Team> {
  return data(request<Team>('PATCH', `/teams/${encodeURIComponent(id)}`, { body: patch }))
}

// --- API tokens ---------------------------------------------------------------

export function listApiTokens(): Promise<ApiToken[]> {
  return data(request<ApiToken[]>('GET', '/api-tokens'))
}

export function createApiToken(name: string): Promise<CreatedApiToken> {
  return data(request<CreatedApiToken>('POST', '/api-tokens', { body: { name } }))
}

export async function deleteApiToken(id: string): Promise<void> {
  await request<void>('DELETE', `/api-tokens/${encodeURIComponent(id)}`)
}

// --- Cases --------------------------------------------------------------------

export function listCases(
  query: CaseListQuery,
  signal?: AbortSignal,
): Promise<Envelope<CaseSummary[], CaseListMeta>> {
  return request<CaseSummary[], CaseListMeta>('GET', '/cases', { query: { ...query }, signal })
}

/**
 * Number of cases in each inbox view. Uses GET /cases/counts (one call) and
 * falls back to `limit=1` list queries when the server does not offer it.
 */
export async function caseViewCounts(views: readonly InboxView[], signal?: AbortSignal): Promise<Partial<Record<InboxView, number>>> {
  try {
    const counts = await data(request<Partial<Record<InboxView, number>>>('GET', '/cases/counts', { signal }))
    if (counts && views.every((v) => typeof counts[v] === 'number')) return counts
  } catch (error) {
    if (!(error instanceof ApiError) || (error.status !== 404 && error.status !== 405)) throw error
  }
  const entries = await Promise.all(
    views.map(async (view) => [view, (await listCases({ view, limit: 1 }, signal)).meta?.total] as const),
  )
  const counts: Partial<Record<InboxView, number>> = {}
  for (const [view, total] of entries) if (typeof total === 'number') counts[view] = total
  return counts
}

/** The counts of the given saved views (GET /cases/counts?saved_view=…), by id. */
export async function savedViewCounts(ids: readonly string[], signal?: AbortSignal): Promise<Record<string, number>> {
  if (!ids.length) return {}
  const counts = await data(request<{ saved_views?: Record<string, number> }>('GET', '/cases/counts', { query: { saved_view: [...ids] }, signal }))
  return counts?.saved_views ?? {}
}

/** One change for many cases; each case is checked against the version sent with it. */
export function bulkUpdateCases(change: BulkChange): Promise<BulkResult> {
  return data(request<BulkResult>('POST', '/cases/bulk', { body: change }))
}

const casePath = (id: string) => `/cases/${encodeURIComponent(id)}`

export function getCase(id: string, signal?: AbortSignal): Promise<Case> {
  return data(request<Case>('GET', casePath(id), { signal }))
}

export function createCase(body: NewCase): Promise<Case> {
  return data(request<Case>('POST', '/cases', { body }))
}

/** Changes fields of a case; a stale `version` gets 409 version_conflict. */
export function patchCase(id: string, patch: CasePatch): Promise<Case> {
  return data(request<Case>('PATCH', casePath(id), { body: patch }))
}

/**
 * A reply (mailed to the customer) or an internal note; 201 with the updated case. With files it goes as multipart/form-data (the same fields as text
 * parts, the files as `attachments`); a reply's files reach the customer, a note's never do.
 */
export function addCaseMessage(id: string, message: NewStaffMessage, files: readonly File[] = []): Promise<Case> {
  if (!files.length) return data(request<Case>('POST', `${casePath(id)}/messages`, { body: message }))
  const form = new FormData()
  form.append('kind', message.kind)
  form.append('body', message.body)
  if (message.status) form.append('status', message.status)
  if (message.version) form.append('version', String(message.version))
  for (const file of files) form.append('attachments', file, file.name)
  return data(request<Case>('POST', `${casePath(id)}/messages`, { form }))
}

/** An agent records the customer's answer to the follow-up check (a phone call). */
export function recordFollowUp(id: string, answer: FollowUpAnswer): Promise<Case> {
  return data(request<Case>('POST', `${casePath(id)}/follow-up`, { body: answer }))
}

/** Records a promise made to the customer (`due_at` RFC 3339). */
export function addPromise(id: string, promise: PromiseInput): Promise<Case> {
  return data(request<Case>('POST', `${casePath(id)}/promises`, { body: promise }))
}

export function keepPromise(id: string, promiseId: string): Promise<Case> {
  return data(request<Case>('POST', `${casePath(id)}/promises/${encodeURIComponent(promiseId)}/kept`))
}

/** Moves a promise to a later time and mails the customer about the delay. */
export function delayPromise(id: string, promiseId: string, delay: PromiseDelayInput): Promise<Case> {
  return data(request<Case>('POST', `${casePath(id)}/promises/${encodeURIComponent(promiseId)}/delay`, { body: delay }))
}

/** The cases whose text is most like this case's own, best first (issue 15). */
export function similarCases(id: string, signal?: AbortSignal): Promise<CaseSummary[]> {
  return data(request<CaseSummary[]>('GET', `${casePath(id)}/similar`, { signal }))
}

export function customerHistory(id: string, signal?: AbortSignal): Promise<CaseSummary[]> {
  return data(request<CaseSummary[]>('GET', `${casePath(id)}/customer-history`, { signal }))
}

export function caseAttachmentUrl(caseId: string, attachmentId: string): string {
  return buildUrl(`${casePath(caseId)}/attachments/${encodeURIComponent(attachmentId)}`)
}

/** Says "I have this case open" (call again every 20 s); returns everyone viewing it. */
export function touchPresence(id: string): Promise<Viewer[]> {
  return data(request<Viewer[]>('POST', `${casePath(id)}/presence`))
}

/** Says "I left the case". keepalive lets it finish while the page unloads. */
export async function leavePresence(id: string, keepalive = false): Promise<void> {
  await request<unknown>('DELETE', `${casePath(id)}/presence`, { keepalive, noAuthRedirect: true })
}

/**
 * Merges the case `id` (the duplicate) into `into`; answers the target case.
 * 409: stale version (`version_conflict`) or merged already (`already_merged`);
 * 400 with `fields.into`: no such target, the case itself, or a merged target.
 */
export function mergeCase(id: string, into: string, version: number): Promise<Case> {
  return data(request<Case>('POST', `${casePath(id)}/merge`, { body: { into, version } }))
}

// --- Canned replies ---------------------------------------------------------------

export function listCannedReplies(signal?: AbortSignal): Promise<Envelope<CannedReply[], CannedReplyListMeta>> {
  return request<CannedReply[], CannedReplyListMeta>('GET', '/canned-replies', { signal })
}

const cannedPath = (id: string) => `/canned-replies/${encodeURIComponent(id)}`

export function createCannedReply(reply: CannedReplyInput): Promise<CannedReply> {
  return data(request<CannedReply>('POST', '/canned-replies', { body: reply }))
}

export function updateCannedReply(id: string, patch: Partial<CannedReplyInput>): Promise<CannedReply> {
  return data(request<CannedReply>('PATCH', cannedPath(id), { body: patch }))
}

export async function deleteCannedReply(id: string): Promise<void> {
  await request<void>('DELETE', cannedPath(id))
}

/** A canned reply with its placeholders filled in for one case (nothing is sent). */
export async function renderCannedReply(caseId: string, replyId: string): Promise<string> {
  const rendered = await data(
    request<RenderedReply>('GET', `${casePath(caseId)}/canned-replies/${encodeURIComponent(replyId)}`),
  )
  return rendered?.body ?? ''
}

// --- SLA policies -------------------------------------------------------------------

const slaPath = (id: string) => `/sla-policies/${encodeURIComponent(id)}`

export function listSlaPolicies(): Promise<SLAPolicy[]> {
  return data(request<SLAPolicy[]>('GET', '/sla-policies'))
}

export function getSlaPolicy(id: string): Promise<SLAPolicy> {
  return data(request<SLAPolicy>('GET', slaPath(id)))
}

export function createSlaPolicy(policy: SLAPolicyInput): Promise<SLAPolicy> {
  return data(request<SLAPolicy>('POST', '/sla-policies', { body: policy }))
}

/** A stale `version` gets 409 version_conflict and nothing is written. */
export function updateSlaPolicy(id: string, patch: SLAPolicyPatch): Promise<SLAPolicy> {
  return data(request<SLAPolicy>('PATCH', slaPath(id), { body: patch }))
}

export async function deleteSlaPolicy(id: string): Promise<void> {
  await request<void>('DELETE', slaPath(id))
}

// --- Complaint categories and the mail outbox (admins) -------------------------

export function listCategories(): Promise<Category[]> {
  return data(request<Category[]>('GET', '/categories'))
}

export function saveCategories(categories: Category[]): Promise<Category[]> {
  return data(request<Category[]>('PUT', '/categories', { body: { categories } }))
}

export function listOutbox(): Promise<OutboxMail[]> {
  return data(request<OutboxMail[]>('GET', '/mail/outbox'))
}

/** One mail in the list's shape, with its bodies. */
export function getOutboxMail(id: string): Promise<OutboxMail> {
  return data(request<OutboxMail>('GET', `/mail/outbox/${encodeURIComponent(id)}`))
}

// --- Customers (public, no account) --------------------------------------------

export function formOptions(locale: Locale, signal?: AbortSignal): Promise<FormOptions> {
  return data(request<FormOptions>('GET', '/form-options', { query: { locale }, signal, noAuthRedirect: true }))
}

/**
 * Files a complaint (multipart/form-data). The idempotency key must stay the
 * same for every retry of one form fill, so a retry never files twice.
 */
export function submitComplaint(form: FormData, idempotencyKey: string): Promise<ComplaintReceipt> {
  return data(
    request<ComplaintReceipt>('POST', '/complaints', {
      form,
      headers: { 'Idempotency-Key': idempotencyKey },
      noAuthRedirect: true,
    }),
  )
}

// The tracking page opens from a mail link /track/<token>. It exchanges the token once for a
// cookie scoped to that case (HttpOnly, so this code never sees it) and from then on addresses
// the case by its reference.

/** Sent on every customer write and on the exchange: the server refuses them without it (CSRF). */
const TRACK_HEADERS = { 'X-Kaiku-Track': '1' }

/** True for a case reference (K-2026-000042); a tracking token is long and random instead. */
export function isCaseReference(key: string): boolean {
  return /^[A-Z]+-\d{4}-\d+$/.test(key)
}

/** Exchanges a tracking token for its case's cookie; answers with the case it opens. */
export function openTracking(token: string, signal?: AbortSignal): Promise<PublicCase> {
  return data(request<PublicCase>('POST', '/track/session', { body: { token }, headers: TRACK_HEADERS, signal, noAuthRedirect: true }))
}

const trackPath = (reference: string) => `/track/case/${encodeURIComponent(reference)}`

export function getTrackedCase(reference: string, signal?: AbortSignal): Promise<PublicCase> {
  return data(request<PublicCase>('GET', trackPath(reference), { signal, noAuthRedirect: true }))
}

/** The customer's reply (multipart: `body` and `attachments`); 201 with the updated case. */
export function replyTrackedCase(reference: string, form: FormData): Promise<PublicCase> {
  return data(request<PublicCase>('POST', `${trackPath(reference)}/messages`, { form, headers: TRACK_HEADERS, noAuthRedirect: true }))
}

export function answerFollowUp(reference: string, answer: FollowUpAnswer): Promise<PublicCase> {
  return data(request<PublicCase>('POST', `${trackPath(reference)}/follow-up`, { body: answer, headers: TRACK_HEADERS, noAuthRedirect: true }))
}

export function trackedAttachmentUrl(reference: string, attachmentId: string): string {
  return buildUrl(`${trackPath(reference)}/attachments/${encodeURIComponent(attachmentId)}`)
}

// --- Escalation rules -----------------------------------------------------------------

const rulePath = (id: string) => `/rules/${encodeURIComponent(id)}`

export function listRules(): Promise<Rule[]> {
  return data(request<Rule[]>('GET', '/rules'))
}

export async function getRule(id: string): Promise<Rule> {
  // The API has no single-rule GET: the list is small, so find it there.
  const rule = (await listRules()).find((r) => r.id === id)
  if (!rule) throw new ApiError(404, 'not_found', 'No such rule.')
  return rule
}

export function createRule(rule: RuleInput): Promise<Rule> {
  return data(request<Rule>('POST', '/rules', { body: rule }))
}

export function updateRule(id: string, patch: RulePatch): Promise<Rule> {
  return data(request<Rule>('PATCH', rulePath(id), { body: patch }))
}

export async function deleteRule(id: string): Promise<void> {
  await request<void>('DELETE', rulePath(id))
}

export async function previewRule(rule: RuleInput): Promise<PreviewMatch[]> {
  return (await data(request<PreviewMatch[]>('POST', '/rules/preview', { body: rule }))) ?? []
}

// --- Notifications ----------------------------------------------------------------------

export function listNotifications(): Promise<Envelope<AppNotification[], NotificationListMeta>> {
  return request<AppNotification[], NotificationListMeta>('GET', '/notifications')
}

export async function markNotificationRead(id: string): Promise<void> {
  await request<void>('POST', `/notifications/${encodeURIComponent(id)}/read`)
}

// --- Saved views ---------------------------------------------------------------------

// A view's id has a colon (`team:…`); the server reads the path segment as it is sent, so the
// colon stays unescaped, as in a path (everything else is escaped).
const savedViewPath = (id: string) => `/saved-views/${encodeURIComponent(id).replace(/%3A/gi, ':')}`

export function listSavedViews(signal?: AbortSignal): Promise<SavedView[]> {
  return data(request<SavedView[]>('GET', '/saved-views', { signal }))
}

export function createSavedView(view: SavedViewCreate): Promise<SavedView> {
  return data(request<SavedView>('POST', '/saved-views', { body: view }))
}

/** Renames a view or replaces its filters; a stale `version` gets 409 version_conflict. */
export function updateSavedView(id: string, patch: SavedViewPatch): Promise<SavedView> {
  return data(request<SavedView>('PATCH', savedViewPath(id), { body: patch }))
}

export async function deleteSavedView(id: string): Promise<void> {
  await request<void>('DELETE', savedViewPath(id))
}
