// The signed-in user, shared by the whole app.
import { reactive, readonly, ref } from 'vue'
import { ApiError, me, setCsrfToken } from '../api'
import type { Role, Session, User } from '../types'

/**
 * Set while the signed-in user must set up two-factor sign-in before anything else. It lives
 * here, beside the session, so the customers' pages (which load this store) never load the
 * staff account module.
 */
export const enrolmentRequired = ref(false)

interface SessionState {
  user: User | null
  /** True once /me has answered (logged in or not). */
  checked: boolean
}

const state = reactive<SessionState>({ user: null, checked: false })

export const session = readonly(state)

let pending: Promise<User | null> | null = null

export function setSession(value: Session): void {
  state.user = value.user
  state.checked = true
  setCsrfToken(value.csrf_token ?? '')
  enrolmentRequired.value = value.two_factor_enrolment_required === true
}

export function clearSession(): void {
  lastInboxPath.value = '/inbox'
  inboxOrder.value = []
  state.user = null
  state.checked = true
  pending = null
  setCsrfToken('')
}

/** Forgets everything, so the next ensureSession() asks the server again. */
export function resetSession(): void {
  state.user = null
  state.checked = false
  pending = null
  setCsrfToken('')
}

/** Asks the server once who is signed in; later calls reuse the answer. */
export function ensureSession(): Promise<User | null> {
  if (state.checked) return Promise.resolve(state.user as User | null)
  pending ??= me()
    .then((value) => {
      setSession(value)
      return value.user
    })
    .catch((error: unknown) => {
      pending = null
      if (error instanceof ApiError && error.status === 401) {
        clearSession()
        return null
      }
      // Server unreachable or failing: treat as signed out for now, ask again later.
      return null
    })
  return pending
}

export function hasRole(user: Pick<User, 'role'> | null | undefined, ...roles: Role[]): boolean {
  return !!user && roles.includes(user.role)
}

/** Managers and admins may see users and teams; only admins may change them. */
export function canViewUsers(user: Pick<User, 'role'> | null | undefined): boolean {
  return hasRole(user, 'manager', 'admin')
}

export function canManageUsers(user: Pick<User, 'role'> | null | undefined): boolean {
  return hasRole(user, 'admin')
}

/** The inbox view last shown, so "Back to inbox" returns to it. */
export const lastInboxPath = ref('/inbox')

/** The case ids of the inbox list last shown, in order: j/k on a case page move along it. */
export const inboxOrder = ref<string[]>([])
