// The API's fixed value lists, in one place. The values come from the OpenAPI document
// (src/generated/openapi.ts, generated with --enum-values); what the document only describes
// in words (the status lifecycle) and the orders the UI shows them in are written here once.

import {
  actionChannelsValues,
  actionRoleValues,
  actionTypeValues,
  channelValues,
  componentsParametersCaseSortValues,
  componentsParametersCaseViewValues,
  expectedOutcomeValues,
  priorityValues,
  roleValues,
  sLAClockKindValues,
  statusValues,
  touchpointValues,
  triggerTypeValues,
} from './generated/openapi'
import type { CaseStatus } from './types'

export const STATUSES = statusValues
/** Low to urgent. */
export const PRIORITIES = priorityValues
/** Urgent first, as the inbox's filters list them. */
export const PRIORITIES_URGENT_FIRST = [...priorityValues].reverse()
export const CHANNELS = channelValues
export const TOUCHPOINTS = touchpointValues
export const EXPECTED_OUTCOMES = expectedOutcomeValues
export const ROLES = roleValues
export const INBOX_VIEWS = componentsParametersCaseViewValues
export const CASE_SORTS = componentsParametersCaseSortValues
export const SLA_KINDS = sLAClockKindValues
export const TRIGGERS = triggerTypeValues
export const ACTION_TYPES = actionTypeValues
export const RECIPIENT_ROLES = actionRoleValues
export const NOTIFY_CHANNELS = actionChannelsValues

/**
 * The case lifecycle (PATCH /cases/{id} answers 422 invalid_transition otherwise): the
 * statuses a case may move to from each status.
 */
export const STATUS_TRANSITIONS: Readonly<Record<CaseStatus, readonly CaseStatus[]>> = {
  new: ['open', 'waiting', 'resolved', 'closed'],
  open: ['waiting', 'resolved', 'closed'],
  waiting: ['open', 'resolved', 'closed'],
  resolved: ['open', 'closed'],
  closed: ['open'],
}
