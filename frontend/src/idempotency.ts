// Idempotency keys for the public complaint form: one key per form fill, the
// same on every retry (a double click, a network error, a timeout), so the
// server files the complaint once and answers each retry with the same receipt.

import { ApiError, submitComplaint } from './api'
import type { ComplaintReceipt } from './types'

/** A random RFC 4122 version 4 UUID (crypto.randomUUID needs a secure context). */
export function newUuid(): string {
  const c = globalThis.crypto
  if (typeof c?.randomUUID === 'function') {
    try {
      return c.randomUUID()
    } catch {
      // Not a secure context: fall through to getRandomValues.
    }
  }
  const bytes = new Uint8Array(16)
  c.getRandomValues(bytes)
  bytes[6] = (bytes[6]! & 0x0f) | 0x40
  bytes[8] = (bytes[8]! & 0x3f) | 0x80
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

/** The key of one form fill: created on first use, kept until reset(). */
export class FormFill {
  private value: string | null = null

  constructor(private readonly generate: () => string = newUuid) {}

  get key(): string {
    this.value ??= this.generate()
    return this.value
  }

  /** Starts a new fill (after the complaint was accepted). */
  reset(): void {
    this.value = null
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

export interface SubmitOptions {
  /** How often to ask again while the server says the same key is still being filed. */
  inProgressRetries?: number
  inProgressDelayMs?: number
}

/**
 * Sends the complaint with the fill's key. Every call of one fill (until a
 * success) uses the same key. While another request with the key is still in
 * flight the server answers 409 in_progress; then this waits (Retry-After)
 * and asks again, for about 15 seconds: a filing lost in a server crash is
 * taken over by a retry after 10 seconds.
 */
export async function submitWithKey(
  fill: FormFill,
  form: FormData,
  { inProgressRetries = 15, inProgressDelayMs = 1000 }: SubmitOptions = {},
): Promise<ComplaintReceipt> {
  for (let attempt = 0; ; attempt++) {
    try {
      const receipt = await submitComplaint(form, fill.key)
      fill.reset()
      return receipt
    } catch (error) {
      const inProgress = error instanceof ApiError && error.status === 409 && error.code === 'in_progress'
      if (!inProgress || attempt >= inProgressRetries) throw error
      await sleep(error.retryAfter ? Math.min(error.retryAfter, 5) * 1000 : inProgressDelayMs)
    }
  }
}
