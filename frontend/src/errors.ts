import { ApiError } from './api'

type Translate = (key: string, values?: Record<string, unknown>) => string

/** A sentence for an error banner. */
export function describeError(error: unknown, t: Translate): string {
  if (error instanceof ApiError) {
    if (error.code === 'network_error') return t('common.networkError')
    return t('common.genericError', { message: error.message })
  }
  if (error instanceof Error) return t('common.genericError', { message: error.message })
  return t('common.errorTitle')
}

/** The server's per-field messages, keyed by JSON field name. */
export function fieldErrors(error: unknown): Record<string, string> {
  return error instanceof ApiError ? { ...error.fields } : {}
}
