// Live updates for the signed-in staff app: one EventSource on
// /api/v1/events (the session cookie authenticates it) shared by every page.
// Pages subscribe with onLiveEvent(); after a reconnect they get a
// { type: 'reconnected' } event and should refetch what they show, because
// events sent while the connection was down are not replayed.

import { reactive, readonly } from 'vue'
import { API_BASE } from '../api'
import type { LiveEvent } from '../types'

export const LIVE_EVENT_TYPES = ['case.created', 'case.updated', 'case.presence', 'notification.created'] as const
export const RECONNECTED = 'reconnected'

type Listener = (event: LiveEvent) => void

const listeners = new Set<Listener>()
const state = reactive({ connected: false })
export const liveState = readonly(state)

let source: EventSource | null = null
let hadError = false
let retryTimer: ReturnType<typeof setTimeout> | undefined
let wanted = false

function dispatch(event: LiveEvent): void {
  for (const listener of [...listeners]) {
    try {
      listener(event)
    } catch (error) {
      console.error('live update listener failed', error)
    }
  }
}

/** Parses the `data` of a server-sent event; null when it is not an event object. */
export function parseLiveEvent(type: string, raw: string): LiveEvent | null {
  try {
    const value = JSON.parse(raw) as Partial<LiveEvent>
    if (!value || typeof value !== 'object') return null
    return {
      id: String(value.id ?? ''),
      // An event type this app does not know is passed on; the listeners ignore it.
      type: (typeof value.type === 'string' ? value.type : type) as LiveEvent['type'],
      case_id: String(value.case_id ?? ''),
      data: value.data && typeof value.data === 'object' ? value.data : null,
      at: String(value.at ?? ''),
    }
  } catch {
    return null
  }
}

function connect(): void {
  if (typeof EventSource === 'undefined') return
  const es = new EventSource(`${API_BASE}/events`, { withCredentials: true })
  source = es
  es.onopen = () => {
    state.connected = true
    if (hadError) {
      hadError = false
      dispatch({ id: '', type: RECONNECTED, case_id: '', data: null, at: new Date().toISOString() })
    }
  }
  es.onerror = () => {
    state.connected = false
    hadError = true
    // EventSource reconnects by itself after a network error; after an HTTP
    // error (401, 503) it gives up (CLOSED): then try again a little later.
    if (es.readyState === EventSource.CLOSED && source === es) {
      source = null
      clearTimeout(retryTimer)
      retryTimer = setTimeout(() => {
        if (wanted && !source) connect()
      }, 5_000)
    }
  }
  for (const type of LIVE_EVENT_TYPES) {
    es.addEventListener(type, (message) => {
      const event = parseLiveEvent(type, (message as MessageEvent<string>).data)
      if (event) dispatch(event)
    })
  }
}

/** Opens the stream (once); called when the staff app shell appears. */
export function startLive(): void {
  wanted = true
  if (!source) connect()
}

/** Closes the stream (on sign-out). */
export function stopLive(): void {
  wanted = false
  clearTimeout(retryTimer)
  source?.close()
  source = null
  state.connected = false
  hadError = false
}

/** Subscribes to live events; returns the unsubscribe function. */
export function onLiveEvent(listener: Listener): () => void {
  listeners.add(listener)
  return () => listeners.delete(listener)
}

/** For tests: deliver an event as if it came from the server. */
export function emitLiveEvent(event: LiveEvent): void {
  dispatch(event)
}
