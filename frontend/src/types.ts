// Types of the Kaiku staff and customer API (/api/v1). They are aliases of the types generated
// from the OpenAPI document (handlers/openapi.json → src/generated/openapi.ts, `npm run
// gen:api`), so the contract is written once; only the app's own shapes are declared here.

import type { components, operations } from './generated/openapi'

type Schemas = components['schemas']

export type Role = Schemas['Role']
export type Locale = Schemas['Locale']

export type User = Schemas['User']
/** A colleague in the staff directory (GET /staff); a deactivated one has only id and name. */
export type StaffMember = Schemas['StaffMember']
export type Session = Schemas['Me']
export type Team = Schemas['Team']
export type NewUser = Schemas['UserCreate']
export type UserPatch = Schemas['UserPatch']
export type NewTeam = Schemas['TeamCreate']
export type TeamPatch = Schemas['TeamPatch']
export type ApiToken = Schemas['APIToken']
export type CreatedApiToken = Schemas['NewAPIToken']

export type CaseStatus = Schemas['Status']
export type CasePriority = Schemas['Priority']
export type CaseChannel = Schemas['Channel']
export type ExpectedOutcome = Schemas['ExpectedOutcome']
export type Touchpoint = Schemas['Touchpoint']
/** The inbox views with a count (GET /cases?view=…). */
export type InboxView = components['parameters']['CaseView']

export type CaseSummary = Schemas['CaseSummary']
export type Customer = Schemas['Customer']
export type CaseMessage = Schemas['Message']
export type MessageKind = CaseMessage['kind']
export type TimelineEvent = Schemas['TimelineEvent']
/** A case field a rule changed; for tags, from is the tag removed and to the tag added. */
export type FieldChange = NonNullable<TimelineEvent['changes']>[number]
export type AttachmentRef = Schemas['AttachmentRef']
export type FollowUp = Schemas['FollowUp']
export type Case = Schemas['Case']

// --- SLA ----------------------------------------------------------------------------

/** One SLA timer of a case (times are RFC 3339). */
export type SLAClock = Schemas['SLAClock']
export type SLAKind = SLAClock['kind']
export type SLAState = SLAClock['state']
export type SLACalendar = Schemas['Calendar']
export type Weekday = keyof Schemas['WeeklyHours']
export type SLAInterval = Schemas['Interval']
export type SLAHoliday = Schemas['Holiday']
export type SLATargets = Schemas['SLATargets']
export type SLAConditions = Schemas['SLAConditions']
export type SLAPolicy = Schemas['SLAPolicy']
/** POST /sla-policies (PATCH sends the same fields plus `version`). */
export type SLAPolicyInput = Schemas['SLAPolicyCreate']
export type SLAPolicyPatch = Schemas['SLAPolicyPatch']

// --- Canned replies -------------------------------------------------------------------

export type CannedReply = Schemas['CannedReply']
export type CannedReplyListMeta = Schemas['CannedReplyListMeta']
export type CannedReplyInput = Schemas['CannedReplyCreate']
export type CannedReplyPatch = Schemas['CannedReplyPatch']
export type RenderedReply = Schemas['RenderedReply']

export type MergeRequest = Schemas['MergeRequest']
/** What an agent may change with PATCH /cases/{id}; version is required. */
export type CasePatch = Schemas['CasePatch']
export type NewStaffMessage = Schemas['MessageCreate']
export type NewCase = Schemas['CaseCreate']
export type Viewer = Schemas['Viewer']
/** An event of GET /api/v1/events (server-sent events), or the app's own `reconnected` (live.ts). */
export type LiveEvent = Omit<Schemas['Event'], 'type' | 'data'> & {
  type: Schemas['Event']['type'] | 'reconnected'
  data: Schemas['Event']['data'] | null
}

// --- Customer side (public, no account) ----------------------------------------

export type FormCategory = Schemas['FormCategory']
export type FormOptions = Schemas['FormOptions']
export type ComplaintReceipt = Schemas['Receipt']
export type PublicMessage = Schemas['PublicMessage']
export type RemedyOutcome = Schemas['RemedyOutcome']
export type PublicCase = Schemas['PublicCase']
export type FollowUpAnswer = Schemas['FollowUpCreate']
export type CasePromise = Schemas['Promise']
export type PromiseInput = Schemas['PromiseCreate']
export type PromiseDelayInput = Schemas['PromiseDelay']
export type FollowUpCheck = Schemas['FollowUpCheck']

// --- Admin ----------------------------------------------------------------------

/** A category as the admin page edits it: a new one has no id until it is saved. */
export type Category = Schemas['CategoryInput']

/** One finished mail, in one shape in the list and on its own (only the latter has the bodies). */
export type OutboxMail = Schemas['OutboxMail']

export type Facet = Schemas['FacetValue']
export type FacetField = NonNullable<components['parameters']['CaseFacets']>[number]
export type CaseListMeta = Schemas['CaseListMeta']
export type CaseSort = components['parameters']['CaseSort']

/**
 * GET /cases parameters. Lists go out as the parameter repeated, never comma-joined: a value
 * (a category name) may contain a comma.
 */
export type CaseListQuery = NonNullable<operations['listCases']['parameters']['query']>
export type CaseCounts = Schemas['CaseCounts']

// --- Bulk changes and saved views ---------------------------------------------------------
export type BulkChange = Schemas['BulkChange']
export type BulkCaseResult = Schemas['BulkCaseResult']
export type BulkOutcome = BulkCaseResult['outcome']
export type BulkResult = Schemas['BulkResult']
export type SavedView = Schemas['SavedView']
export type SavedViewScope = SavedView['scope']
export type SavedViewFilters = Schemas['SavedViewFilters']
export type SavedViewCreate = Schemas['SavedViewCreate']
export type SavedViewPatch = Schemas['SavedViewPatch']

export type ListMeta = Schemas['ListMeta']

// --- Escalation rules and notifications ---------------------------------------

export type TriggerType = Schemas['TriggerType']
export type ConditionField = Schemas['ConditionField']
export type ConditionOp = Schemas['ConditionOp']
export type ConditionValue = Schemas['ConditionValue']
export type ActionType = Schemas['ActionType']
export type RuleTrigger = Schemas['Trigger']
export type RuleCondition = Schemas['Condition']
export type RuleAction = Schemas['Action']
export type RecipientRole = NonNullable<RuleAction['role']>
export type NotifyChannel = NonNullable<RuleAction['channels']>[number]
export type Rule = Schemas['Rule']
export type RuleInput = Schemas['RuleCreate']
export type RulePatch = Schemas['RulePatch']
export type PreviewMatch = Schemas['PreviewMatch']
export type AppNotification = Schemas['Notification']
export type NotificationListMeta = Schemas['NotificationListMeta']
