import { describe, expect, it } from 'vitest'
import {
  FIELD_OPS,
  addWords,
  buildRule,
  controlIdFor,
  emptyAction,
  emptyCondition,
  emptyRuleForm,
  fieldsFor,
  formFromRule,
  idleFromMinutes,
  opsFor,
  valueKind,
} from '../src/ruleForm'
import type { Rule } from '../src/types'

describe('rule form', () => {
  it('offers the ops each field takes, changed/changed_to only with case_updated', () => {
    expect(FIELD_OPS.text).toEqual(['contains_any', 'matches_regex'])
    expect(opsFor('status', 'case_created')).toEqual(['eq', 'neq', 'in', 'not_in'])
    expect(opsFor('status', 'case_updated')).toContain('changed_to')
    expect(opsFor('priority', 'case_created')).toContain('gte')
    expect(fieldsFor('case_created')).not.toContain('sla_clock')
    expect(fieldsFor('sla_breach')).toContain('sla_clock')
  })

  it('shapes values by field and op', () => {
    expect(valueKind('status', 'changed')).toBe('none')
    expect(valueKind('text', 'contains_any')).toBe('many')
    expect(valueKind('text', 'matches_regex')).toBe('one')
    expect(valueKind('escalation_level', 'lt')).toBe('number')
    expect(valueKind('repeat_complainant', 'gte')).toBe('repeat')
  })

  it('builds the request body, keeping only each action type’s fields', () => {
    const form = emptyRuleForm()
    form.name = 'Lawyers'
    const c = emptyCondition('text')
    c.many = addWords([], 'lawyer, asianajaj*')
    const r = emptyCondition('repeat_complainant')
    form.conditions = [c, r]
    const notify = emptyAction('notify')
    notify.role = 'managers'
    notify.fallback_role = 'admins'
    const priority = emptyAction('set_priority')
    priority.priority = 'urgent'
    priority.team_id = 'ignored'
    form.actions = [priority, emptyAction('raise_escalation'), notify]
    expect(buildRule(form)).toEqual({
      name: 'Lawyers',
      description: '',
      enabled: true,
      position: 0,
      trigger: { type: 'case_created' },
      match: 'all',
      conditions: [
        { field: 'text', op: 'contains_any', value: ['lawyer', 'asianajaj*'] },
        { field: 'repeat_complainant', op: 'gte', value: { cases: 3, days: 90 } },
      ],
      actions: [
        { type: 'set_priority', priority: 'urgent' },
        { type: 'raise_escalation' },
        { type: 'notify', channels: ['app'], role: 'managers' },
      ],
    })
    form.trigger = 'no_agent_activity'
    form.idle_amount = 2
    form.idle_unit = 'hours'
    expect(buildRule(form).trigger).toEqual({ type: 'no_agent_activity', idle_minutes: 120 })
    form.idle_amount = 1.5
    expect(buildRule(form).trigger).toEqual({ type: 'no_agent_activity', idle_minutes: 90 })
    form.idle_amount = 45
    form.idle_unit = 'minutes'
    expect(buildRule(form).trigger).toEqual({ type: 'no_agent_activity', idle_minutes: 45 })
    form.idle_amount = ''
    expect(buildRule(form).trigger).toEqual({ type: 'no_agent_activity', idle_minutes: 0 })
  })

  it('shows a stored idle time in whole hours when it is one', () => {
    expect(idleFromMinutes(120)).toEqual({ amount: 2, unit: 'hours' })
    expect(idleFromMinutes(90)).toEqual({ amount: 90, unit: 'minutes' })
    const base: Rule = { id: 'r', name: 'R', description: '', enabled: true, position: 0, trigger: { type: 'no_agent_activity', idle_minutes: 480 },
      match: 'all', conditions: [], actions: [{ type: 'raise_escalation' }], created_at: '', updated_at: '', version: 1 }
    const f = formFromRule(base)
    expect([f.idle_amount, f.idle_unit]).toEqual([8, 'hours'])
    expect(buildRule(f).trigger).toEqual({ type: 'no_agent_activity', idle_minutes: 480 })
  })

  it('reads a stored rule back into the form', () => {
    const rule: Rule = {
      id: 'r1', name: 'R', description: '', enabled: false, position: 3, trigger: { type: 'case_updated' }, match: 'any',
      conditions: [{ field: 'text', op: 'contains_any', value: 'refund' }, { field: 'escalation_level', op: 'lt', value: 2 }],
      actions: [{ type: 'notify', case_team: true, fallback_role: 'managers', channels: ['email'] }],
      created_at: '', updated_at: '', version: 2,
    }
    const form = formFromRule(rule)
    expect(form.conditions[0]!.many).toEqual(['refund'])
    expect(form.conditions[1]!.num).toBe(2)
    expect(buildRule(form).actions).toEqual([{ type: 'notify', channels: ['email'], case_team: true, fallback_role: 'managers' }])
  })

  it('places server error keys at their controls', () => {
    expect(controlIdFor('name')).toBe('rule-name')
    expect(controlIdFor('trigger.idle_minutes')).toBe('rule-idle')
    expect(controlIdFor('actions')).toBe('rule-add-action')
    expect(controlIdFor('conditions[0].value')).toBe('rule-c0-value')
    expect(controlIdFor('conditions[2].value[1]')).toBe('rule-c2-value')
    expect(controlIdFor('conditions[3].value.days')).toBe('rule-c3-days')
    expect(controlIdFor('conditions[1].op')).toBe('rule-c1-op')
    expect(controlIdFor('actions[1].recipients')).toBe('rule-a1-recipients')
    expect(controlIdFor('actions[1].channels[0]')).toBe('rule-a1-channels')
    expect(controlIdFor('actions[0].priority')).toBe('rule-a0-priority')
  })
})
