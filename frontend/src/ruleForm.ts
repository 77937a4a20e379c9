// The escalation rule form: which ops each condition field takes (per the API's
// ConditionField description), the shape of each value, the form model and
// the request body it makes, and where a server field error belongs.

import type {
  ActionType,
  CasePriority,
  ConditionField,
  ConditionOp,
  ConditionValue,
  NotifyChannel,
  RecipientRole,
  Rule,
  RuleAction,
  RuleCondition,
  RuleInput,
  TriggerType,
} from './types'
import { currentLocale } from './i18n'
import { minorToInput, parseAmount } from './remedies'
import { REVIEW_SOURCE_KINDS } from './reviews'
import { ACTION_TYPES, CHANNELS, EXPECTED_OUTCOMES, NOTIFY_CHANNELS, PRIORITIES, RECIPIENT_ROLES, SLA_KINDS, STATUSES, TOUCHPOINTS, TRIGGERS } from './enums'

export { ACTION_TYPES, NOTIFY_CHANNELS, PRIORITIES, TRIGGERS }
export const ROLES = RECIPIENT_ROLES


const EQ: ConditionOp[] = ['eq', 'neq', 'in', 'not_in']
const CHANGE: ConditionOp[] = ['changed', 'changed_to']
const ORDERED: ConditionOp[] = ['gt', 'gte', 'lt', 'lte']

export const FIELD_OPS: Record<ConditionField, ConditionOp[]> = {
  status: [...EQ, ...CHANGE],
  priority: [...EQ, ...ORDERED, ...CHANGE],
  channel: EQ,
  category: [...EQ, ...CHANGE],
  touchpoint: [...EQ, ...CHANGE],
  expected_outcome: [...EQ, ...CHANGE],
  tags: ['contains', 'not_contains', ...CHANGE],
  assignee_id: [...EQ, ...CHANGE],
  team_id: [...EQ, ...CHANGE],
  escalation_level: ['eq', 'neq', ...ORDERED, ...CHANGE],
  customer_email: EQ,
  customer_domain: EQ,
  repeat_complainant: ['gte', 'lt'],
  text: ['contains_any', 'matches_regex'],
  sla_clock: EQ,
  option: EQ,
  amount_minor: ORDERED,
  review_rating: ['eq', 'neq', ...ORDERED],
  review_source: EQ,
  review_edited: ['changed'],
}
export const CONDITION_FIELDS = Object.keys(FIELD_OPS) as ConditionField[]

/** Fixed choices of a field's values (the others are typed in, or teams and users). */
export const FIELD_CHOICES: Partial<Record<ConditionField, readonly string[]>> = {
  status: STATUSES,
  priority: PRIORITIES,
  channel: CHANNELS,
  touchpoint: TOUCHPOINTS,
  expected_outcome: EXPECTED_OUTCOMES,
  sla_clock: SLA_KINDS,
  review_source: REVIEW_SOURCE_KINDS,
}

export type ValueKind = 'none' | 'one' | 'many' | 'number' | 'repeat' | 'money'

export function valueKind(field: ConditionField, op: ConditionOp): ValueKind {
  if (op === 'changed') return 'none'
  if (field === 'repeat_complainant') return 'repeat'
  if (field === 'escalation_level' || field === 'review_rating') return 'number'
  if (field === 'amount_minor') return 'money'
  if (op === 'in' || op === 'not_in' || op === 'contains_any') return 'many'
  return 'one'
}

/** The ops a field offers under a trigger: `changed`/`changed_to` only with `case_updated`. */
export function opsFor(field: ConditionField, trigger: TriggerType, current?: ConditionOp): ConditionOp[] {
  return FIELD_OPS[field].filter((op) => trigger === 'case_updated' || !CHANGE.includes(op) || op === current)
}

/** The fields a trigger offers: `sla_clock` only with the SLA triggers, the remedy's `option`
 * and `amount_minor` only with `approval_requested`. */
export function fieldsFor(trigger: TriggerType, current?: ConditionField): ConditionField[] {
  const sla = trigger === 'sla_warning' || trigger === 'sla_breach'
  const remedy = trigger === 'approval_requested'
  return CONDITION_FIELDS.filter(
    (f) => f === current || (f === 'sla_clock' ? sla : f === 'option' || f === 'amount_minor' ? remedy : true),
  )
}

let nextKey = 1

export interface ConditionForm {
  key: number
  field: ConditionField
  op: ConditionOp
  one: string
  many: string[]
  num: number | ''
  cases: number | ''
  days: number | ''
}

export interface ActionForm {
  key: number
  type: ActionType
  priority: CasePriority
  only_raise: boolean
  team_id: string
  agent_id: string
  level: number | ''
  tag: string
  user_ids: string[]
  role: RecipientRole | ''
  case_team: boolean
  case_assignee: boolean
  fallback_role: RecipientRole | ''
  channels: NotifyChannel[]
  message: string
  endpoint_id: string
  policy_id: string
}

export type IdleUnit = 'minutes' | 'hours'

/** The idle time of a stored rule in the unit a manager would have typed: whole hours as hours. */
export function idleFromMinutes(minutes: number): { amount: number; unit: IdleUnit } {
  return minutes > 0 && minutes % 60 === 0 ? { amount: minutes / 60, unit: 'hours' } : { amount: minutes, unit: 'minutes' }
}

/** The form's idle time in business minutes (what the API stores); 0 when it is not a number. */
export function idleMinutes(amount: number | '', unit: IdleUnit): number {
  const n = num(amount)
  if (n === undefined) return 0
  return Math.round(unit === 'hours' ? n * 60 : n)
}

export interface RuleForm {
  name: string
  description: string
  enabled: boolean
  position: number | ''
  trigger: TriggerType
  /** no_agent_activity: how long, in idle_unit, of business time */
  idle_amount: number | ''
  idle_unit: IdleUnit
  match: 'all' | 'any'
  conditions: ConditionForm[]
  actions: ActionForm[]
}

export function emptyCondition(field: ConditionField = 'text'): ConditionForm {
  return { key: nextKey++, field, op: FIELD_OPS[field][0]!, one: '', many: [], num: '', cases: 3, days: 90 }
}

export function emptyAction(type: ActionType = 'set_priority'): ActionForm {
  return {
    key: nextKey++, type, priority: 'high', only_raise: false, team_id: '', agent_id: '', level: 0, tag: '',
    user_ids: [], role: '', case_team: false, case_assignee: false, fallback_role: '', channels: ['app'], message: '',
    endpoint_id: '', policy_id: '',
  }
}

export function emptyRuleForm(): RuleForm {
  return { name: '', description: '', enabled: true, position: 0, trigger: 'case_created', idle_amount: 1, idle_unit: 'hours', match: 'all', conditions: [], actions: [emptyAction()] }
}

function conditionForm(c: RuleCondition): ConditionForm {
  const f = emptyCondition(c.field)
  f.op = c.op
  const v = c.value
  if (Array.isArray(v)) f.many = v.map(String)
  else if (typeof v === 'number' && c.field === 'amount_minor') f.one = minorToInput(v, 2)
  else if (typeof v === 'number') f.num = v
  else if (typeof v === 'string') {
    if (valueKind(c.field, c.op) === 'many') f.many = [v]
    else if (c.field === 'escalation_level') f.num = Number(v)
    else f.one = v
  } else if (v && typeof v === 'object') {
    f.cases = v.cases
    f.days = v.days
  }
  return f
}

function actionForm(a: RuleAction): ActionForm {
  const f = emptyAction(a.type)
  Object.assign(f, {
    priority: a.priority ?? f.priority,
    only_raise: !!a.only_raise,
    team_id: a.team_id ?? '',
    agent_id: a.agent_id ?? '',
    level: a.level ?? 0,
    tag: a.tag ?? '',
    user_ids: [...(a.user_ids ?? [])],
    role: a.role ?? '',
    case_team: !!a.case_team,
    case_assignee: !!a.case_assignee,
    fallback_role: a.fallback_role ?? '',
    channels: [...(a.channels ?? (a.type === 'notify' ? [] : ['app']))],
    message: a.message ?? '',
    endpoint_id: a.endpoint_id ?? '',
    policy_id: a.policy_id ?? '',
  })
  return f
}

export function formFromRule(r: Rule): RuleForm {
  const idle = idleFromMinutes(r.trigger.idle_minutes ?? 60)
  return {
    name: r.name,
    description: r.description ?? '',
    enabled: r.enabled,
    position: r.position,
    trigger: r.trigger.type,
    idle_amount: idle.amount,
    idle_unit: idle.unit,
    match: r.match,
    conditions: (r.conditions ?? []).map(conditionForm),
    actions: r.actions.map(actionForm),
  }
}

function num(v: number | ''): number | undefined {
  return v === '' || Number.isNaN(Number(v)) ? undefined : Number(v)
}

export function conditionValue(c: ConditionForm): ConditionValue {
  switch (valueKind(c.field, c.op)) {
    case 'none':
      return null
    case 'many':
      return c.many
    case 'number':
      return c.num === '' ? null : Number(c.num)
    case 'repeat':
      return { cases: num(c.cases) ?? 0, days: num(c.days) ?? 0 }
    case 'money':
      // Minor units of a two-decimal currency, read exactly; text the server cannot read as a
      // number is sent as typed, and refused there with the field named.
      return parseAmount(c.one, 2, currentLocale()) ?? c.one
    default:
      return c.one
  }
}

export function buildAction(a: ActionForm): RuleAction {
  switch (a.type) {
    case 'set_priority':
      return a.only_raise ? { type: a.type, priority: a.priority, only_raise: true } : { type: a.type, priority: a.priority }
    case 'assign_team':
    case 'round_robin_team':
      return { type: a.type, team_id: a.team_id }
    case 'assign_agent':
      return { type: a.type, agent_id: a.agent_id }
    case 'raise_escalation':
      return num(a.level) ? { type: a.type, level: num(a.level) } : { type: a.type }
    case 'add_tag':
    case 'remove_tag':
      return { type: a.type, tag: a.tag }
    case 'notify': {
      const out: RuleAction = { type: a.type, channels: [...a.channels] }
      if (a.user_ids.length) out.user_ids = [...a.user_ids]
      if (a.team_id) out.team_id = a.team_id
      if (a.role) out.role = a.role
      if (a.case_team) out.case_team = true
      if (a.case_assignee) out.case_assignee = true
      if (a.fallback_role && (a.case_team || a.case_assignee)) out.fallback_role = a.fallback_role
      if (a.message.trim()) out.message = a.message.trim()
      return out
    }
    case 'webhook':
      return { type: a.type, endpoint_id: a.endpoint_id }
    case 'apply_sla_policy':
      return { type: a.type, policy_id: a.policy_id }
  }
}

export function buildRule(f: RuleForm): RuleInput {
  const trigger = f.trigger === 'no_agent_activity' ? { type: f.trigger, idle_minutes: idleMinutes(f.idle_amount, f.idle_unit) } : { type: f.trigger }
  return {
    name: f.name,
    description: f.description,
    enabled: f.enabled,
    position: num(f.position) ?? 0,
    trigger,
    match: f.match,
    conditions: f.conditions.map((c) => ({ field: c.field, op: c.op, value: conditionValue(c) })),
    actions: f.actions.map(buildAction),
  }
}

/** Adds the words typed (comma or line separated) to a list, without blanks or duplicates. */
export function addWords(list: string[], typed: string): string[] {
  const out = [...list]
  for (const word of typed.split(/[,\n]/).map((w) => w.trim()).filter(Boolean)) if (!out.includes(word)) out.push(word)
  return out
}

/**
 * The id of the control a server error key belongs to: `name`, `trigger.idle_minutes`,
 * `conditions[0].value[1]`, `conditions[3].value.days`, `actions[1].recipients`,
 * `actions[1].channels[0]`, ...
 */
export function controlIdFor(key: string): string {
  const top: Record<string, string> = {
    name: 'rule-name', description: 'rule-description', enabled: 'rule-enabled', position: 'rule-position',
    trigger: 'rule-trigger', 'trigger.type': 'rule-trigger', 'trigger.idle_minutes': 'rule-idle', match: 'rule-match-all',
    conditions: 'rule-add-condition', actions: 'rule-add-action',
  }
  if (top[key]) return top[key]
  let m = key.match(/^conditions\[(\d+)\](?:\.(\w+))?(?:\.(cases|days))?/)
  if (m) {
    const i = m[1]
    const part = m[2] ?? 'field'
    if (part === 'value' && m[3]) return `rule-c${i}-${m[3]}`
    return `rule-c${i}-${part === 'field' || part === 'op' ? part : 'value'}`
  }
  m = key.match(/^actions\[(\d+)\](?:\.(\w+))?/)
  if (m) {
    const i = m[1]
    const part = m[2] ?? 'type'
    const known = ['type', 'priority', 'team_id', 'agent_id', 'level', 'tag', 'recipients', 'channels', 'message', 'endpoint_id', 'policy_id', 'fallback_role']
    if (part === 'user_ids' || part === 'role' || part === 'case_team' || part === 'case_assignee') return `rule-a${i}-recipients`
    return `rule-a${i}-${known.includes(part) ? part : 'type'}`
  }
  return 'rule-name'
}
