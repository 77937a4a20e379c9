// The remedies API: the catalogue of resolution options (Admin → Resolution options), grants
// on a case, the caller's limits, and approval requests (Approvals). Money is always an
// integer of minor units (cents); it is never divided into a float, not even for display
// (see formatMinor).
import { request } from './api'
import type { ListMeta } from './types'
import type { components } from './generated/openapi'

// formatMinor lives in money.ts so the customers' tracking page formats a grant without this module.
export { formatMinor } from './money'

// The API's shapes are the types generated from handlers/openapi.json (see types.ts).
type Schemas = components['schemas']

export type Texts = Schemas['Texts']
export type ResolutionOption = Schemas['ResolutionOption']
export type ResolutionOptionCreate = Schemas['ResolutionOptionCreate']
export type ResolutionOptionPatch = Schemas['ResolutionOptionPatch']
export type Grant = Schemas['Grant']
export type Approval = Schemas['Approval']
export type ApprovalStatus = Approval['status']
/** Where a request's own clock stands. */
export type ApprovalClock = Schemas['ApprovalClock']
export type ApprovalClockState = ApprovalClock['state']
/** The installation's target for deciding a request (business minutes; 0 runs no clock). */
export type ApprovalClockSettings = Schemas['ApprovalClockSettings']
export type GrantResult = Schemas['GrantResult']
export type Spending = Schemas['Spending']
export type ApprovalListMeta = Schemas['ApprovalListMeta']
export type Decision = Schemas['DecisionCreate']

export type ApprovalFilter = 'waiting_for_me' | 'mine' | 'all'

export function listResolutionOptions(signal?: AbortSignal) {
  return request<ResolutionOption[], ListMeta>('GET', '/resolution-options', { signal }).then((r) => r.data ?? [])
}

export function createResolutionOption(body: ResolutionOptionCreate) {
  return request<ResolutionOption>('POST', '/resolution-options', { body }).then((r) => r.data)
}

export function updateResolutionOption(id: string, body: ResolutionOptionPatch) {
  return request<ResolutionOption>('PATCH', `/resolution-options/${encodeURIComponent(id)}`, { body }).then((r) => r.data)
}

export function grantRemedy(caseId: string, body: { option_id?: string; amount_minor?: number; message?: string; reverses?: string }) {
  return request<GrantResult>('POST', `/cases/${encodeURIComponent(caseId)}/resolution`, { body }).then((r) => r.data)
}

export function mySpending(signal?: AbortSignal) {
  return request<Spending>('GET', '/me/spending', { signal }).then((r) => r.data)
}

export function listApprovals(filter: ApprovalFilter, status = '', cursor = '', signal?: AbortSignal) {
  const query: Record<string, string> = { filter }
  if (status) query.status = status
  if (cursor) query.cursor = cursor
  return request<Approval[], ApprovalListMeta>('GET', '/approvals', { query, signal })
}

// caseApprovals lists a case's approval requests, waiting or decided (the remedies card).
export function caseApprovals(caseId: string, signal?: AbortSignal) {
  return request<Approval[], ListMeta>('GET', `/cases/${encodeURIComponent(caseId)}/approval-requests`, { signal }).then((r) => r.data ?? [])
}

export function approvalCount(signal?: AbortSignal) {
  return request<{ waiting_for_me: number }>('GET', '/approvals/count', { signal }).then((r) => r.data.waiting_for_me)
}

export function getApprovalClock(signal?: AbortSignal) {
  return request<ApprovalClockSettings>('GET', '/approval-clock', { signal }).then((r) => r.data)
}

export function setApprovalClock(body: { target_minutes: number; warn_at_percent: number; version: number }) {
  return request<ApprovalClockSettings>('PUT', '/approval-clock', { body }).then((r) => r.data)
}

export function decideApproval(id: string, body: Decision) {
  return request<Approval>('POST', `/approvals/${encodeURIComponent(id)}/decision`, { body }).then((r) => r.data)
}

/**
 * Reads an amount a person typed into minor units, by the same rule as the server
 * (remedies.ParseAmount): the locale's decimal mark ('.' in English, ',' in Finnish), or the
 * other mark when it is the only one, once, and not followed by exactly three digits
 * ("1000.50" in Finnish, "12,5" in English). More decimals than the currency has, a negative
 * or a value over 2^53-1 minor units give null: refused, never rounded.
 */
export function parseAmount(text: string, digits: number, locale: string): number | null {
  const s = text.trim().replace(/[\s\u00a0\u202f]/g, '')
  if (!s) return null
  let decimal = locale === 'fi' ? ',' : '.'
  let group = locale === 'fi' ? '.' : ','
  if (!s.includes(decimal) && s.split(group).length === 2 && s.length - s.indexOf(group) - 1 !== 3) {
    ;[decimal, group] = [group, decimal]
  }
  let whole = s
  let frac = ''
  const at = s.indexOf(decimal)
  if (at >= 0) {
    whole = s.slice(0, at)
    frac = s.slice(at + 1)
    if (!frac || frac.includes(decimal) || frac.includes(group)) return null
  }
  if (whole.includes(group)) {
    const groups = whole.split(group)
    if (groups.some((g, i) => (i === 0 ? g.length === 0 || g.length > 3 : g.length !== 3))) return null
    whole = groups.join('')
  }
  if (frac.length > digits) return null
  const all = (whole || '0') + frac.padEnd(digits, '0')
  if (!/^\d+$/.test(all)) return null
  const trimmed = all.replace(/^0+(?=\d)/, '')
  // Compare as text first, so nothing is ever read past the last exact integer.
  if (trimmed.length > 16 || (trimmed.length === 16 && trimmed > String(Number.MAX_SAFE_INTEGER))) return null
  return Number(trimmed)
}

/** What a role may grant in a calendar month unless an admin sets the person's own limit
 * (models.DefaultMonthlyLimit on the server). */
export const DEFAULT_MONTHLY_LIMIT: Record<'agent' | 'manager' | 'admin', number> = {
  agent: 100_000,
  manager: 2_000_000,
  admin: 10_000_000,
}

/** Minor units as plain decimal text for an input ("1000.50"), without a float. */
export function minorToInput(minor: number, digits: number): string {
  const negative = minor < 0
  let text = String(Math.abs(Math.trunc(minor))).padStart(digits + 1, '0')
  if (digits > 0) text = `${text.slice(0, -digits)}.${text.slice(-digits)}`
  return (negative ? '-' : '') + text
}
