// One-line descriptions of a rule's conditions and actions for the rules list.
import type { Rule, RuleAction, RuleCondition, Team, User } from './types'
import { minorToInput } from './remedies'

type T = (key: string, values?: Record<string, unknown>) => string
type Te = (key: string) => boolean

export interface Names {
  teams: Team[]
  users: User[]
  /** Webhook endpoints by id and name (optional: a webhook action shows its id without). */
  webhooks?: Array<{ id: string; name: string }>
}

function named(t: T, te: Te, key: string, value: string): string {
  return te(`${key}.${value}`) ? t(`${key}.${value}`) : value
}

function valueText(c: RuleCondition, t: T, te: Te, names: Names): string {
  const v = c.value
  const one = (s: string): string => {
    if (c.field === 'priority') return named(t, te, 'priority', s)
    if (c.field === 'status') return named(t, te, 'status', s)
    if (c.field === 'channel') return named(t, te, 'channels', s)
    if (c.field === 'touchpoint') return named(t, te, 'touchpoints', s)
    if (c.field === 'expected_outcome') return named(t, te, 'outcomes', s)
    if (c.field === 'sla_clock') return named(t, te, 'timeline.sla.clocks', s)
    if (c.field === 'review_source') return named(t, te, 'reviews.sources', s)
    if (c.field === 'team_id') return names.teams.find((x) => x.id === s)?.name ?? s
    if (c.field === 'assignee_id') return names.users.find((x) => x.id === s)?.name ?? s
    return `“${s}”`
  }
  if (v === null || v === undefined) return ''
  if (Array.isArray(v)) return v.map(one).join(', ')
  if (typeof v === 'number' && c.field === 'amount_minor') return minorToInput(v, 2)
  if (typeof v === 'number') return String(v)
  if (typeof v === 'object') return t('rules.repeatValue', { cases: v.cases, days: v.days })
  return one(v)
}

export function describeCondition(c: RuleCondition, t: T, te: Te, names: Names): string {
  if (c.field === 'review_edited') return named(t, te, 'rules.fields', c.field)
  return [named(t, te, 'rules.fields', c.field), named(t, te, 'rules.ops', c.op), valueText(c, t, te, names)].filter(Boolean).join(' ')
}

export function describeAction(a: RuleAction, t: T, te: Te, names: Names): string {
  const type = named(t, te, 'rules.actionTypes', a.type)
  const team = (id?: string) => names.teams.find((x) => x.id === id)?.name ?? id ?? ''
  const user = (id?: string) => names.users.find((x) => x.id === id)?.name ?? id ?? ''
  switch (a.type) {
    case 'set_priority':
      return `${type}: ${named(t, te, 'priority', a.priority ?? '')}${a.only_raise ? ` (${t('rules.onlyRaiseShort')})` : ''}`
    case 'assign_team':
    case 'round_robin_team':
      return `${type}: ${team(a.team_id)}`
    case 'assign_agent':
      return `${type}: ${user(a.agent_id)}`
    case 'raise_escalation':
      return `${type} ${a.level ? t('rules.toLevel', { n: a.level }) : t('rules.oneLevel')}`
    case 'add_tag':
    case 'remove_tag':
      return `${type}: ${a.tag ?? ''}`
    case 'notify': {
      const who = [
        ...(a.role ? [named(t, te, 'rules.roles', a.role)] : []),
        ...(a.user_ids ?? []).map(user),
        ...(a.team_id ? [team(a.team_id)] : []),
        ...(a.case_team ? [t('rules.caseTeam')] : []),
        ...(a.case_assignee ? [t('rules.caseAssignee')] : []),
      ]
      const channels = (a.channels ?? []).map((c) => named(t, te, 'rules.channels', c)).join(', ')
      return `${type}: ${who.join(', ') || t('rules.nobody')} (${channels})`
    }
    case 'webhook':
      return `${type}: ${names.webhooks?.find((w) => w.id === a.endpoint_id)?.name ?? a.endpoint_id ?? ''}`
    case 'apply_sla_policy':
      return `${type}: ${a.policy_id ?? ''}`
    default:
      return type
  }
}

export function describeConditions(r: Rule, t: T, te: Te, names: Names): string {
  const list = r.conditions ?? []
  if (!list.length) return t('rules.everyEvent')
  const text = list.map((c) => describeCondition(c, t, te, names)).join('; ')
  return list.length > 1 ? `${r.match === 'any' ? t('rules.matchAny') : t('rules.matchAll')}: ${text}` : text
}

export function describeActions(r: Rule, t: T, te: Te, names: Names): string {
  return r.actions.map((a) => describeAction(a, t, te, names)).join(' · ')
}
