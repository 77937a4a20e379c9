// Mailboxes whose mail becomes cases (issue 17): the admin API. The password is write-only:
// the server answers only whether one is set.

import { request } from './api'
import type { components } from './generated/openapi'

export type Mailbox = components['schemas']['Mailbox']
export type MailboxCreate = components['schemas']['MailboxCreate']
export type MailboxPatch = components['schemas']['MailboxPatch']

export const MAILBOX_TLS_MODES = ['tls', 'starttls', 'none'] as const
export const DEFAULT_PORTS: Record<(typeof MAILBOX_TLS_MODES)[number], number> = { tls: 993, starttls: 143, none: 143 }

const path = (id: string) => `/mailboxes/${encodeURIComponent(id)}`

export async function listMailboxes(): Promise<Mailbox[]> {
  return (await request<Mailbox[]>('GET', '/mailboxes')).data ?? []
}

export async function createMailbox(body: MailboxCreate): Promise<Mailbox> {
  return (await request<Mailbox>('POST', '/mailboxes', { body })).data
}

export async function updateMailbox(id: string, body: MailboxPatch): Promise<Mailbox> {
  return (await request<Mailbox>('PATCH', path(id), { body })).data
}

export async function deleteMailbox(id: string): Promise<void> {
  await request<void>('DELETE', path(id))
}
