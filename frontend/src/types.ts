// Types of the Kaiku staff API (/api/v1). The OpenAPI document served at
// /api/openapi.json is the contract; these mirror the parts the web app uses.

export type Role = 'agent' | 'manager' | 'admin'
export type Locale = 'en' | 'fi'

export interface User {
  id: string
  email: string
  name: string
  role: Role
  team_ids: string[]
  authority_limit_cents: number
  currency: string
  locale: Locale
  active: boolean
  created_at: string
  updated_at: string
}

export interface Session {
  user: User
  csrf_token: string
}

export interface Team {
  id: string
  name: string
  description: string
  created_at: string
  updated_at: string
}

export interface NewUser {
  email: string
  name: string
  role: Role
  password: string
  team_ids: string[]
  authority_limit_cents: number
  locale: Locale
}

export type UserPatch = Partial<{
  name: string
  role: Role
  team_ids: string[]
  authority_limit_cents: number
  locale: Locale
  active: boolean
  password: string
}>

export interface NewTeam {
  name: string
  description: string
}

export type TeamPatch = Partial<NewTeam>

export interface ApiToken {
  id: string
  name: string
  created_at: string
  last_used_at: string | null
}

export interface CreatedApiToken {
  token: ApiToken
  secret: string
}

export type CaseStatus = 'new' | 'open' | 'waiting' | 'resolved' | 'closed'
export type CasePriority = 'low' | 'normal' | 'high' | 'urgent'
export type InboxView = 'unassigned' | 'mine' | 'all_open' | 'waiting' | 'resolved'

export interface CaseSummary {
  id: string
  subject: string
  status: CaseStatus
  priority: CasePriority
  channel: string
  category: string
  touchpoint: string
  tags: string[]
  assignee_id: string
  team_id: string
  customer_name: string
  customer_email: string
  created_at: string
  updated_at: string
  version: number
}

export interface Customer {
  name: string
  email: string
  phone?: string
}

export type MessageKind = 'customer' | 'reply' | 'note'

export interface CaseMessage {
  id: string
  kind: MessageKind | string
  author_id?: string
  author: string
  body: string
  created_at: string
}

export interface TimelineEvent {
  at: string
  actor_id?: string
  actor: string
  type: string
  data?: Record<string, string>
}

export interface Case extends CaseSummary {
  description: string
  customer: Customer
  expected_outcome: string
  messages?: CaseMessage[]
  timeline?: TimelineEvent[]
  first_response_at?: string
  resolved_at?: string
}

export interface Facet {
  value: string
  count: number
}

export interface CaseListMeta {
  total: number
  next_cursor: string
  facets?: {
    status?: Facet[]
    priority?: Facet[]
  }
}

export interface CaseListQuery {
  view?: InboxView
  status?: string
  priority?: string
  q?: string
  sort?: 'updated_at' | 'created_at' | 'priority'
  order?: 'desc' | 'asc'
  limit?: number
  cursor?: string
}

export interface ListMeta {
  total: number
}
