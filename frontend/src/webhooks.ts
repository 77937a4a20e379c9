// The outbound webhooks API (Admin → Webhooks, and the rule editor's endpoint picker).
import { request } from './api'

/** An endpoint; `secret` is in full only in the answers to create and rotate, masked otherwise. */
export interface WebhookEndpoint {
  id: string
  name: string
  url: string
  secret: string
  enabled: boolean
  created_at: string
  updated_at: string
  version: number
}

/** An endpoint as the rule editor offers it (managers too): no secret, only the URL's host. */
export interface WebhookChoice {
  id: string
  name: string
  host: string
  enabled: boolean
}

export type WebhookDeliveryStatus = 'pending' | 'delivered' | 'failed'

export interface WebhookDelivery {
  id: string
  endpoint_id: string
  /** `rule.fired` or `ping` (a test delivery). */
  event: string
  rule_name?: string
  case_id?: string
  status: WebhookDeliveryStatus
  attempts: number
  max_attempts: number
  response_code?: number
  response_body?: string
  error?: string
  duration_ms: number
  created_at: string
  last_attempt_at?: string
  next_attempt_at?: string
  done_at?: string
}

export interface WebhookCreate {
  name: string
  url: string
  enabled?: boolean
}

export interface WebhookPatch {
  version: number
  name?: string
  url?: string
  enabled?: boolean
}

const path = (id: string) => `/webhooks/${encodeURIComponent(id)}`

export async function listWebhooks(): Promise<WebhookEndpoint[]> {
  return (await request<WebhookEndpoint[]>('GET', '/webhooks')).data ?? []
}

export async function listWebhookChoices(): Promise<WebhookChoice[]> {
  return (await request<WebhookChoice[]>('GET', '/webhooks/choices')).data ?? []
}

export async function createWebhook(body: WebhookCreate): Promise<WebhookEndpoint> {
  return (await request<WebhookEndpoint>('POST', '/webhooks', { body })).data
}

export async function updateWebhook(id: string, body: WebhookPatch): Promise<WebhookEndpoint> {
  return (await request<WebhookEndpoint>('PATCH', path(id), { body })).data
}

export async function rotateWebhookSecret(id: string, version: number): Promise<WebhookEndpoint> {
  return (await request<WebhookEndpoint>('POST', `${path(id)}/secret`, { body: { version } })).data
}

export async function deleteWebhook(id: string): Promise<void> {
  await request<void>('DELETE', path(id))
}

export async function sendWebhookTest(id: string): Promise<WebhookDelivery> {
  return (await request<WebhookDelivery>('POST', `${path(id)}/test`)).data
}

export async function listWebhookDeliveries(id: string): Promise<WebhookDelivery[]> {
  return (await request<WebhookDelivery[]>('GET', `${path(id)}/deliveries`)).data ?? []
}

/**
 * The i18n key for the reason the server refused an endpoint's URL: the address guard's codes
 * (webhook/guard.go) and the validator's.
 */
export function webhookUrlErrorKey(code: string | undefined): string {
  switch (code) {
    case 'private_address':
      return 'webhooks.errors.urlPrivate'
    case 'unresolved':
      return 'webhooks.errors.urlUnresolved'
    case 'credentials':
      return 'webhooks.errors.urlCredentials'
    case 'not_http':
      return 'webhooks.errors.urlScheme'
    case 'required':
      return 'webhooks.errors.urlRequired'
    case 'too_long':
      return 'webhooks.errors.urlTooLong'
    default:
      return 'webhooks.errors.urlInvalid'
  }
}
