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
  /** Null: the role's default monthly limit. */
  monthly_limit_cents?: number | null
  currency: string
  locale: Locale
  active: boolean
  created_at: string
  updated_at: string
}

/** A colleague in the staff directory (GET /staff); a deactivated one has only id and name. */
export interface StaffMember {
  id: string
  name: string
  email?: string
  role?: Role
  team_ids: string[]
  active: boolean
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
  monthly_limit_cents?: number
  locale: Locale
}

export type UserPatch = Partial<{
  name: string
  role: Role
  team_ids: string[]
  authority_limit_cents: number
  monthly_limit_cents: number
  reset_monthly_limit: boolean
  locale: Locale
  active: boolean
  password: string
  revoke_api_tokens: boolean
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
export type InboxView = 'unassigned' | 'mine' | 'all_open' | 'escalated' | 'waiting' | 'resolved'

export interface CaseSummary {
  id: string
  expected_outcome?: string
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
  /** The soonest due time of the case's outstanding SLA clocks; absent when there is none. */
  due_at?: string
  /** 0 when not escalated; escalation rules raise it (at most 10). */
  escalation_level?: number
  /** Search matches: HTML-escaped text in which only <mark> and </mark> are markup. */
  highlights?: Partial<Record<'subject' | 'body' | 'customer_name' | string, string[]>>
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
  /** On a message moved in by a merge: the duplicate case it was written on. */
  merged_from?: string
}

/** A case field a rule changed; for tags, from is the tag removed and to the tag added. */
export interface FieldChange {
  field: string
  from?: string
  to?: string
}

export interface TimelineEvent {
  at: string
  actor_id?: string
  actor: string
  type: string
  data?: Record<string, string>
  /** On rule_fired entries: what the rule's actions changed. */
  changes?: FieldChange[]
}

export interface AttachmentRef {
  id: string
  message_id: string
  name: string
  content_type: string
  size: number
  public?: boolean
  created_at?: string
}

export interface FollowUp {
  resolved: boolean
  rating: number
  comment: string
  at: string
}

export interface Case extends CaseSummary {
  description: string
  customer: Customer
  expected_outcome: string
  messages?: CaseMessage[]
  timeline?: TimelineEvent[]
  attachments?: AttachmentRef[]
  follow_up?: FollowUp | null
  order_ref?: string
  locale?: string
  merged_into?: string
  first_response_at?: string
  resolved_at?: string
  /** The SLA policy the case is under; absent when no policy matched. */
  sla_policy_id?: string
  /** The case's SLA clocks in the order they started; null or [] without clocks. */
  sla?: SLAClock[] | null
}

// --- SLA ----------------------------------------------------------------------------

export type SLAKind = 'first_response' | 'next_response' | 'resolution' | 'final_answer'
export type SLAState = 'running' | 'paused' | 'met' | 'breached'

/** One SLA timer of a case (times are RFC 3339). */
export interface SLAClock {
  kind: SLAKind | string
  policy_id?: string
  warn_at_percent?: number
  target_seconds: number
  started_at: string
  due_at?: string | null
  warn_at?: string | null
  paused_at?: string | null
  elapsed_before_pause_seconds?: number
  state: SLAState | string
  warned_at?: string | null
  breached_at?: string | null
  met_at?: string | null
}

export type Weekday = 'monday' | 'tuesday' | 'wednesday' | 'thursday' | 'friday' | 'saturday' | 'sunday'

export interface SLAInterval {
  start: string
  end: string
}

export interface SLAHoliday {
  date: string
  name: string
}

export interface SLACalendar {
  time_zone: string
  hours: Record<Weekday, SLAInterval[]>
  holidays: SLAHoliday[]
}

export interface SLATargets {
  first_response_minutes: number
  next_response_minutes: number
  resolution_minutes: number
}

export interface SLAConditions {
  channels: string[]
  categories: string[]
  touchpoints: string[]
}

export interface SLAPolicy {
  id: string
  name: string
  enabled: boolean
  position: number
  calendar: SLACalendar
  targets: Partial<Record<CasePriority, SLATargets>>
  final_answer_days: number
  warn_at_percent: number
  conditions: SLAConditions
  created_at: string
  updated_at: string
  version: number
}

/** POST /sla-policies (PATCH sends the same fields plus `version`). */
export interface SLAPolicyInput {
  name: string
  enabled: boolean
  position: number
  calendar: SLACalendar
  targets: Partial<Record<CasePriority, SLATargets>>
  final_answer_days: number
  warn_at_percent: number
  conditions: SLAConditions
}

export type SLAPolicyPatch = Partial<SLAPolicyInput> & { version: number }

// --- Canned replies -------------------------------------------------------------------

export interface CannedReply {
  id: string
  title: string
  body: string
  locale: Locale
  created_by?: string
  created_at?: string
  updated_at?: string
}

export interface CannedReplyListMeta {
  total: number
  placeholders: string[]
}

export interface CannedReplyInput {
  title: string
  body: string
  locale: Locale
}

export interface MergeRequest {
  into: string
  version: number
}

/** What an agent may change with PATCH /cases/{id}; version is required. */
export interface CasePatch {
  version: number
  subject?: string
  status?: CaseStatus
  priority?: CasePriority
  category?: string
  touchpoint?: string
  expected_outcome?: string
  tags?: string[]
  assignee_id?: string
  team_id?: string
}

export interface NewStaffMessage {
  kind: 'reply' | 'note'
  body: string
  status?: 'open' | 'waiting' | 'resolved'
  version: number
}

export interface NewCase {
  subject: string
  description: string
  customer: Customer
  priority?: CasePriority
  channel?: string
  category?: string
  touchpoint?: string
  expected_outcome?: string
  tags?: string[]
  assignee_id?: string
  team_id?: string
}

export interface Viewer {
  user_id: string
  name: string
}

/** An event of GET /api/v1/events (server-sent events). */
export interface LiveEvent {
  id: string
  type: 'case.created' | 'case.updated' | 'case.presence' | string
  case_id: string
  data?: Record<string, unknown> | null
  at: string
}

// --- Customer side (public, no account) ----------------------------------------

export interface FormCategory {
  id: string
  name: string
}

export interface FormOptions {
  categories: FormCategory[]
  touchpoints: string[]
  expected_outcomes: string[]
}

export interface ComplaintReceipt {
  reference: string
  tracking_url: string
  tracking_token: string
  first_response_hours: number
}

export interface PublicMessage {
  id: string
  from: 'you' | 'support' | string
  author: string
  body: string
  created_at: string
}

export interface PublicCase {
  reference: string
  subject: string
  status: CaseStatus
  status_text: string
  category: string
  touchpoint: string
  expected_outcome: string
  created_at: string
  updated_at: string
  messages: PublicMessage[]
  attachments: AttachmentRef[]
  follow_up: FollowUp | null
  can_follow_up: boolean
}

export interface FollowUpAnswer {
  resolved: boolean
  rating: number
  comment: string
}

// --- Admin ----------------------------------------------------------------------

export interface Category {
  id?: string
  name_en: string
  name_fi: string
  active: boolean
}

export interface OutboxMail {
  id: string
  to: string
  to_name: string
  subject: string
  kind: string
  case_id: string
  status: 'stored' | 'sent' | 'failed' | string
  created_at: string
  sent_at: string | null
  error: string
  text?: string
}

export interface Facet {
  value: string
  count: number
}

export type FacetField = 'status' | 'priority' | 'category' | 'touchpoint' | 'channel'

export interface CaseListMeta {
  total: number
  next_cursor: string
  facets?: Partial<Record<FacetField | string, Facet[]>>
}

export type CaseSort = 'updated_at' | 'created_at' | 'priority' | 'due' | 'escalation' | 'relevance'

/**
 * GET /cases parameters (handlers/cases.go caseListParams). Lists go out as the parameter
 * repeated, never comma-joined: a value (a category name) may contain a comma.
 */
export interface CaseListQuery {
  view?: InboxView
  q?: string
  status?: string[]
  priority?: string[]
  assignee_id?: string[]
  team_id?: string[]
  category?: string[]
  touchpoint?: string[]
  channel?: string[]
  tag?: string[]
  created_from?: string
  created_to?: string
  /** Only cases escalated at least this far (1: every escalated case). */
  min_escalation_level?: number
  sort?: CaseSort
  order?: 'desc' | 'asc'
  limit?: number
  cursor?: string
  facets?: string[]
}

export interface ListMeta {
  total: number
}

// --- Escalation rules and notifications ---------------------------------------

export type TriggerType = 'case_created' | 'case_updated' | 'customer_replied' | 'sla_warning' | 'sla_breach' | 'no_agent_activity' | 'approval_requested'
export type ConditionField =
  | 'status' | 'priority' | 'channel' | 'category' | 'touchpoint' | 'tags' | 'expected_outcome' | 'assignee_id'
  | 'team_id' | 'escalation_level' | 'customer_email' | 'customer_domain' | 'repeat_complainant' | 'text' | 'sla_clock' | 'option' | 'amount_minor'
export type ConditionOp =
  | 'eq' | 'neq' | 'in' | 'not_in' | 'contains' | 'not_contains' | 'gt' | 'gte' | 'lt' | 'lte'
  | 'changed' | 'changed_to' | 'contains_any' | 'matches_regex'
export type ConditionValue = string | string[] | number | { cases: number; days: number } | null
export type ActionType =
  | 'set_priority' | 'assign_team' | 'assign_agent' | 'round_robin_team' | 'raise_escalation'
  | 'add_tag' | 'remove_tag' | 'notify' | 'webhook' | 'apply_sla_policy'
export type RecipientRole = 'agents' | 'managers' | 'admins'
export type NotifyChannel = 'app' | 'email'

export interface RuleTrigger {
  type: TriggerType
  idle_minutes?: number
}

export interface RuleCondition {
  field: ConditionField
  op: ConditionOp
  value: ConditionValue
}

export interface RuleAction {
  type: ActionType
  priority?: CasePriority
  only_raise?: boolean
  team_id?: string
  agent_id?: string
  level?: number
  tag?: string
  user_ids?: string[]
  role?: RecipientRole
  case_team?: boolean
  case_assignee?: boolean
  fallback_role?: RecipientRole
  channels?: NotifyChannel[]
  message?: string
  endpoint_id?: string
  policy_id?: string
}

export interface Rule {
  id: string
  name: string
  description: string
  enabled: boolean
  position: number
  trigger: RuleTrigger
  match: 'all' | 'any'
  conditions: RuleCondition[] | null
  actions: RuleAction[]
  created_at: string
  updated_at: string
  version: number
}

export interface RuleInput {
  name: string
  description?: string
  enabled?: boolean
  position?: number
  trigger?: RuleTrigger
  match?: 'all' | 'any'
  conditions?: RuleCondition[]
  actions: RuleAction[]
}

export type RulePatch = Partial<RuleInput> & { version: number }

export interface PreviewMatch {
  case_id: string
  subject: string
  matched: string
}

export interface AppNotification {
  id: string
  case_id: string
  title: string
  message: string
  created_at: string
  read_at: string | null
}

export interface NotificationListMeta {
  total: number
  unread: number
}
