import { computed, type Ref } from 'vue'
import { useI18n } from 'vue-i18n'
import { categoryName } from '../../stores/categories'
import { loadResolutionOptions, resolutionOptionName } from '../../stores/resolutionOptions'
import { teamOf } from '../../stores/staff'
import { formatDateTime } from '../../format'
import type { AttachmentRef, Case, FieldChange, TimelineEvent } from '../../types'
import type { ChangeGroup, TimelineEntry } from '../../timelineGroups'
import { useLabel } from './useLabel'
import { formatMinor } from '../../remedies'

// The case's conversation and history in one list, and every timeline entry in words.

export type { TimelineEntry } from '../../timelineGroups'

/** Timeline events a message already shows. */
const SHOWN_BY_MESSAGE = new Set(['replied', 'noted', 'customer_replied'])

const REASONS: Record<string, string> = {
  merged: 'timeline.reasons.merged',
  'customer replied': 'timeline.reasons.customerReplied',
  'follow-up: not resolved': 'timeline.reasons.followUpNotResolved',
}

export function useTimeline(item: Ref<Case | null>, nameOf: (userId: string | undefined | null) => string) {
  const { t, te, locale } = useI18n()
  const label = useLabel()
  // Remedies are named as the catalogue names them (the entry keeps the option's id).
  void loadResolutionOptions().catch(() => undefined)

  const entries = computed<TimelineEntry[]>(() => {
    const c = item.value
    if (!c) return []
    const list: TimelineEntry[] = []
    if (c.description) {
      list.push({
        kind: 'message',
        at: c.created_at,
        key: 'original',
        original: true,
        message: { id: 'original', kind: 'customer', author: c.customer.name, body: c.description, created_at: c.created_at },
      })
    }
    for (const m of c.messages ?? []) list.push({ kind: 'message', at: m.created_at, key: `m-${m.id}`, message: m })
    ;(c.timeline ?? []).forEach((event, index) => {
      if (SHOWN_BY_MESSAGE.has(event.type)) return
      list.push({ kind: 'event', at: event.at, key: `e-${index}`, event })
    })
    // Oldest first; at the same moment a message comes before the changes it caused.
    return list
      .map((entry, order) => ({ entry, order }))
      .sort((a, b) => {
        const ta = Date.parse(a.entry.at)
        const tb = Date.parse(b.entry.at)
        if (ta !== tb) return ta - tb
        if (a.entry.kind !== b.entry.kind) return a.entry.kind === 'message' ? -1 : 1
        return a.order - b.order
      })
      .map((x) => x.entry)
  })

  function attachmentsOf(messageId: string): AttachmentRef[] {
    return (item.value?.attachments ?? []).filter((a) => a.message_id === messageId)
  }

  function fieldValue(field: string, value: string | undefined): string {
    if (field === 'assignee_id') return value ? nameOf(value) : t('case.nobody')
    if (!value) return t('case.none')
    if (field === 'team_id') return teamOf(value)?.name ?? value
    if (field === 'status') return label('status', value)
    if (field === 'priority') return label('priority', value)
    if (field === 'expected_outcome') return label('outcomes', value)
    if (field === 'touchpoint') return label('touchpoints', value)
    if (field === 'category') return categoryName(value, locale.value)
    if (field === 'tags') return value.split(',').join(', ')
    return value
  }

  function describeEvent(event: TimelineEvent): string {
    const actor = event.actor || t('timeline.system')
    const data = event.data ?? {}
    switch (event.type) {
      case 'created':
        return data.channel ? t('timeline.createdVia', { actor, channel: label('channels', data.channel) }) : t('timeline.created', { actor })
      case 'changed': {
        const field = data.field ?? ''
        if (field === 'assignee_id' && data.to && data.to === event.actor_id) return t('timeline.claimed', { actor })
        if (field === 'review_edited') return t('reviews.timelineEdited', { actor })
        return t('timeline.changed', { actor, field: te(`caseFields.${field}`) ? t(`caseFields.${field}`) : field })
      }
      case 'rule_fired':
        return t('timeline.ruleFired', { rule: data.rule || event.actor, matched: data.matched ?? '' })
      case 'first_response':
        return t('timeline.firstResponse', { actor })
      case 'merged_in':
        return t('timeline.mergedIn', { actor, id: data.from ?? '' })
      case 'merged_into':
        return t('timeline.mergedInto', { actor, id: data.into ?? '' })
      case 'follow_up':
        return t('timeline.followUp', {
          actor,
          answer: data.resolved === 'true' ? t('timeline.followUpSolved') : t('timeline.followUpNotSolved'),
          rating: data.rating ?? '?',
        })
      case 'follow_up_scheduled':
        return t('timeline.followUpScheduled', { at: data.ask_at ? formatDateTime(data.ask_at, locale.value) : '' })
      case 'follow_up_asked':
      case 'follow_up_no_response':
      case 'follow_up_cancelled':
        return t(`timeline.${event.type}`)
      case 'promise_made':
      case 'promise_kept':
      case 'promise_broken':
        return t(`timeline.${event.type}`, { actor, promise: data.promise ?? '', at: data.due_at ? formatDateTime(data.due_at, locale.value) : '' })
      case 'promise_delayed':
        return t('timeline.promise_delayed', { actor, promise: data.promise ?? '', at: data.to ? formatDateTime(data.to, locale.value) : '' })
      case 'remedy_granted':
      case 'remedy_reversed':
      case 'approval_requested': {
        const amount = Number(data.amount_minor ?? '0')
        const money = amount ? formatMinor(amount, data.currency || item.value?.grants?.[0]?.currency || 'EUR', locale.value) : ''
        const option = resolutionOptionName(data.option, locale.value)
        const key = { remedy_granted: 'granted', remedy_reversed: 'reversed', approval_requested: 'approvalRequested' }[event.type]
        return t(`timeline.remedies.${key}`, { actor, option: money ? `${option}, ${money}` : option })
      }
      case 'approval_rejected':
        return t('timeline.remedies.approvalRejected', { actor, comment: data.comment ?? '' })
      case 'review_deleted':
        return t('reviews.timelineDeleted', { actor })
      case 'linked':
        return t('reviewLinks.timeline', { actor, id: data.case ?? '' })
      case 'review_reply_submitted':
      case 'review_reply_approved':
      case 'review_reply_returned':
      case 'review_reply_published':
      case 'review_reply_edited':
      case 'review_reply_withdrawn':
        return t(`reviewReply.timeline.${event.type.slice('review_reply_'.length)}`, {
          actor,
          comment: data.comment ?? '',
          via: te(`reviewReply.via.${data.via}`) ? t(`reviewReply.via.${data.via}`) : '',
        })
      // Complaints by e-mail (issue 17).
      case 'email_linked':
        return t('mailboxes.timeline.linked', { case: data.case ?? '' })
      case 'email_auto':
        return t('mailboxes.timeline.auto', { reason: data.reason ?? '' })
      case 'email_bounced':
        return t('mailboxes.timeline.bounced', { recipient: data.recipient ?? '', status: data.status ?? '' })
      default:
        if (event.type.startsWith('sla_')) return describeSla(event)
        return t('timeline.other', { actor, type: event.type })
    }
  }

  /** SLA clock events (started, warned, met, breached, paused, resumed) in words. */
  function describeSla(event: TimelineEvent): string {
    const data = event.data ?? {}
    const what = event.type.slice(4)
    const clock = data.clock && te(`timeline.sla.clocks.${data.clock}`) ? t(`timeline.sla.clocks.${data.clock}`) : data.clock || 'SLA'
    const due = data.due_at ? formatDateTime(data.due_at, locale.value) : ''
    if (!te(`timeline.sla.${what}`)) return t('timeline.other', { actor: 'SLA', type: event.type })
    let text = t(`timeline.sla.${what}`, { clock })
    if (due && (what === 'started' || what === 'resumed')) text += ` ${t('timeline.sla.due', { due })}`
    if (data.late === 'true' && what === 'met') text += ` ${t('timeline.sla.late')}`
    return text
  }

  function isSla(event: TimelineEvent): boolean {
    return event.type.startsWith('sla_')
  }

  /** A rule's change of one field in words: a tag added or removed, or the field's new value. */
  function ruleChangeOf(change: FieldChange): { text: string; from?: string; to?: string } {
    if (change.field === 'tags') {
      return { text: change.to ? t('timeline.tagAdded', { tag: change.to }) : t('timeline.tagRemoved', { tag: change.from ?? '' }) }
    }
    const key = `rules.fields.${change.field}`
    return { text: te(key) ? t(key) : change.field, from: fieldValue(change.field, change.from), to: fieldValue(change.field, change.to) }
  }

  function changeOf(event: TimelineEvent): { from: string; to: string; reason: string } | null {
    if (event.type !== 'changed' || !event.data?.field) return null
    const { field, from, to, reason } = event.data
    if (field === 'assignee_id' && to && to === event.actor_id && !from) return null
    const reasonKey = reason ? REASONS[reason] : undefined
    return {
      from: fieldValue(field, from),
      to: fieldValue(field, to),
      reason: reason ? (reasonKey ? t(reasonKey) : reason) : '',
    }
  }

  /**
   * A field's name as a line's label ("Käsittelijä: …"). `caseFields` holds the forms that
   * follow "changed" (Finnish partitive, "muutti käsittelijää"), which read wrong standing alone.
   */
  function fieldName(field: string): string {
    for (const key of [`rules.fields.${field}`, `caseFields.${field}`]) if (te(key)) return t(key)
    return field
  }

  /** A grouped run of one person's changes in words: who, then each change. */
  function describeGroup(group: ChangeGroup): { actor: string; lines: Array<{ text: string; from?: string; to?: string }> } {
    const lines: Array<{ text: string; from?: string; to?: string }> = group.changes.map((c) => ({
      text: fieldName(c.field),
      from: fieldValue(c.field, c.from),
      to: fieldValue(c.field, c.to),
    }))
    for (const tag of group.tagsAdded) lines.push({ text: t('timeline.tagAdded', { tag }) })
    for (const tag of group.tagsRemoved) lines.push({ text: t('timeline.tagRemoved', { tag }) })
    return { actor: t('timeline.grouped', { actor: group.actor || t('timeline.system'), n: group.events.length }), lines }
  }

  return { entries, attachmentsOf, describeEvent, describeGroup, isSla, ruleChangeOf, changeOf }
}
