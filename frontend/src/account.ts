// The signed-in user's own account (issue 18): password, sessions, two-factor sign-in,
// "forgot password", the admins' security setting and audit log.
import { request } from './api'
import type { components } from './generated/openapi'
import type { Session } from './types'

type Schemas = components['schemas']

export type SessionInfo = Schemas['SessionInfo']
export type TwoFactorStatus = Schemas['TwoFactorStatus']
export type TwoFactorEnrolment = Schemas['TwoFactorEnrolment']
export type AuditEntry = Schemas['AuditEntry']
export type LoginChallenge = Schemas['LoginChallenge']

export { enrolmentRequired } from './stores/session'

const data = async <T>(p: Promise<{ data: T }>): Promise<T> => (await p).data

export function loginStep(email: string, password: string): Promise<Session | LoginChallenge> {
  return data(request<Session | LoginChallenge>('POST', '/auth/login', { body: { email, password }, noAuthRedirect: true }))
}

export function isChallenge(v: Session | LoginChallenge): v is LoginChallenge {
  return (v as LoginChallenge).two_factor_required === true
}

export function loginSecondFactor(challenge: string, code: string): Promise<Session> {
  return data(request<Session>('POST', '/auth/login/second-factor', { body: { challenge, code }, noAuthRedirect: true }))
}

export async function requestPasswordReset(email: string, locale: string): Promise<void> {
  await request<unknown>('POST', '/auth/password-reset', { body: { email, locale }, noAuthRedirect: true })
}

export async function confirmPasswordReset(token: string, password: string): Promise<void> {
  await request<void>('POST', '/auth/password-reset/confirm', { body: { token, password }, noAuthRedirect: true })
}

export async function changePassword(current: string, next: string): Promise<void> {
  await request<void>('POST', '/account/password', { body: { current_password: current, new_password: next } })
}

export function listSessions(): Promise<SessionInfo[]> {
  return data(request<SessionInfo[]>('GET', '/account/sessions'))
}

export async function endSession(id: string): Promise<void> {
  await request<void>('DELETE', `/account/sessions/${encodeURIComponent(id)}`)
}

export function twoFactorStatus(): Promise<TwoFactorStatus> {
  return data(request<TwoFactorStatus>('GET', '/account/two-factor'))
}

export function startTwoFactor(): Promise<TwoFactorEnrolment> {
  return data(request<TwoFactorEnrolment>('POST', '/account/two-factor/setup'))
}

export function confirmTwoFactor(code: string): Promise<string[]> {
  return data(request<{ recovery_codes: string[] }>('POST', '/account/two-factor/confirm', { body: { code } })).then((r) => r.recovery_codes)
}

export async function disableTwoFactor(password: string): Promise<void> {
  await request<void>('POST', '/account/two-factor/disable', { body: { password } })
}

export function getSecuritySettings(): Promise<Schemas['SecuritySettings']> {
  return data(request<Schemas['SecuritySettings']>('GET', '/settings/security'))
}

export function saveSecuritySettings(requireTwoFactor: boolean): Promise<Schemas['SecuritySettings']> {
  return data(request<Schemas['SecuritySettings']>('PUT', '/settings/security', { body: { require_two_factor: requireTwoFactor } }))
}

export interface AuditQuery {
  actor?: string
  kind?: string
  from?: string
  to?: string
  cursor?: string
}

export async function listAudit(q: AuditQuery): Promise<{ entries: AuditEntry[]; next: string }> {
  const query: Record<string, string> = {}
  for (const [k, v] of Object.entries(q)) if (v) query[k] = v
  const res = await request<AuditEntry[], { next_cursor: string }>('GET', '/audit-log', { query })
  return { entries: res.data, next: res.meta?.next_cursor ?? '' }
}
