import { computed } from 'vue'
import { useRoute, useRouter, type LocationQueryRaw } from 'vue-router'
import { CASE_SORTS, CHANNELS, PRIORITIES_URGENT_FIRST, STATUSES, TOUCHPOINTS } from '../../enums'
import { REVIEW_FILTERS, type ReviewFilter } from '../../reviews'
import { REPORT_FILTERS, type ReportFilter } from '../../reports'
import type { CaseChannel, CaseListQuery, CasePriority, CaseSort, CaseStatus, FacetField, InboxView } from '../../types'

// The inbox's state lives in its address (view, search, filters, sort), so a reload, the back
// button and a shared link show the same list. Every part of the inbox page reads it here.

export type TabView = InboxView | 'all'
export const VIEWS: TabView[] = ['unassigned', 'mine', 'all_open', 'escalated', 'waiting', 'resolved', 'reviews', 'follow_ups_due', 'waiting_for_my_approval', 'all']
export const COUNTED: InboxView[] = ['unassigned', 'mine', 'all_open', 'escalated', 'waiting', 'resolved', 'reviews', 'follow_ups_due', 'waiting_for_my_approval']
export const DEFAULT_VIEW: TabView = 'unassigned'
export const PAGE_SIZE = 50

/** Filters kept in the address (all of GET /cases's filter parameters). */
export const LIST_FILTERS = ['status', 'priority', 'category', 'touchpoint', 'channel'] as const
export type ListFilter = (typeof LIST_FILTERS)[number]
export const FILTER_VALUES: Record<Exclude<ListFilter, 'category'>, readonly string[]> = {
  status: STATUSES,
  priority: PRIORITIES_URGENT_FIRST,
  touchpoint: TOUCHPOINTS,
  channel: CHANNELS,
}
const FACETS: FacetField[] = ['status', 'priority', 'category', 'touchpoint', 'channel']
/** Sorts with one direction: `order` does not apply. */
export const ONE_WAY: Array<CaseSort | ''> = ['due', 'escalation', 'follow_up', 'relevance']

function isView(value: unknown): value is TabView {
  return typeof value === 'string' && (VIEWS as string[]).includes(value)
}

export function useInboxQuery() {
  const route = useRoute()
  const router = useRouter()

  function queryString(key: string): string {
    const value = route.query[key]
    const first = Array.isArray(value) ? value[0] : value
    return typeof first === 'string' ? first : ''
  }

  /**
   * A filter's values: the parameter repeated in the address (`category=a&category=b`), never
   * split on commas, because a category name may contain one. Addresses from before kept
   * the fixed lists (status, priority, ...) comma-joined; their values never contain a comma.
   */
  function queryList(key: ListFilter | ReviewFilter | ReportFilter): string[] {
    const raw = route.query[key]
    const values = (Array.isArray(raw) ? raw : [raw]).filter((v): v is string => typeof v === 'string')
    const split = key === 'category' || key === 'option_granted' ? values : values.flatMap((v) => v.split(','))
    return [...new Set(split.map((v) => v.trim()).filter(Boolean))]
  }

  const view = computed<TabView>(() => (isView(route.query.view) ? route.query.view : DEFAULT_VIEW))
  const q = computed(() => queryString('q'))
  /** "All of these words" (match=all) or, by default, most of them. */
  const allWords = computed(() => queryString('match') === 'all')
  const sort = computed<CaseSort | ''>(() => {
    const s = queryString('sort')
    return (CASE_SORTS as readonly string[]).includes(s) ? (s as CaseSort) : ''
  })
  /** The order without a chosen sort: best match for a search, else the view's own. */
  const defaultSort = computed<CaseSort>(() =>
    q.value ? 'relevance' : view.value === 'escalated' ? 'escalation' : view.value === 'follow_ups_due' ? 'follow_up' : 'updated_at',
  )
  const order = computed<'asc' | 'desc'>(() => (queryString('order') === 'asc' ? 'asc' : 'desc'))
  const filters = computed(() => ({
    status: queryList('status'),
    priority: queryList('priority'),
    category: queryList('category'),
    touchpoint: queryList('touchpoint'),
    channel: queryList('channel'),
    assignee_id: queryString('assignee_id'),
    team_id: queryString('team_id'),
    tag: queryString('tag'),
    created_from: queryString('created_from'),
    created_to: queryString('created_to'),
    review_rating: queryList('review_rating'),
    review_source: queryList('review_source'),
    review_reply: queryList('review_reply'),
    topic: queryString('topic'),
    granted_option: queryString('granted_option'),
    // A report's drill-down (issue 16).
    expected_outcome: queryList('expected_outcome'),
    option_granted: queryList('option_granted'),
    outcome_gap: queryList('outcome_gap'),
    sla_outcome: queryList('sla_outcome'),
    follow_up_outcome: queryList('follow_up_outcome'),
  }))
  const activeFilterCount = computed(() => {
    const f = filters.value
    return (
      [...LIST_FILTERS, ...REVIEW_FILTERS, ...REPORT_FILTERS].reduce((n, key) => n + f[key].length, 0) +
      (f.assignee_id ? 1 : 0) +
      (f.team_id ? 1 : 0) +
      (f.tag ? 1 : 0) +
      (f.created_from ? 1 : 0) +
      (f.created_to ? 1 : 0) +
      (f.topic ? 1 : 0) +
      (f.granted_option ? 1 : 0)
    )
  })
  const searching = computed(() => !!q.value || activeFilterCount.value > 0)

  /** The API query for the address's state. */
  function apiQuery(limit: number, cursor = ''): CaseListQuery {
    const f = filters.value
    const query: CaseListQuery = {
      view: view.value === 'all' ? undefined : view.value,
      q: q.value || undefined,
      match: q.value && allWords.value ? 'all' : undefined,
      // Lists go out as repeated parameters: a category name may contain a comma. The values
      // come from the address as they are; the server refuses one it does not know (400).
      status: f.status as CaseStatus[],
      priority: f.priority as CasePriority[],
      category: f.category,
      touchpoint: f.touchpoint,
      channel: f.channel as CaseChannel[],
      assignee_id: f.assignee_id ? [f.assignee_id] : undefined,
      team_id: f.team_id ? [f.team_id] : undefined,
      tag: f.tag ? [f.tag] : undefined,
      created_from: f.created_from || undefined,
      created_to: f.created_to || undefined,
      limit,
      cursor: cursor || undefined,
      facets: view.value === 'reviews' ? [...FACETS, ...REVIEW_FILTERS] : FACETS,
      review_rating: f.review_rating as CaseListQuery['review_rating'],
      review_source: f.review_source as CaseListQuery['review_source'],
      review_reply: f.review_reply as CaseListQuery['review_reply'],
      topic: f.topic ? [f.topic] : undefined,
      granted_option: f.granted_option ? [f.granted_option] : undefined,
      expected_outcome: f.expected_outcome.length ? f.expected_outcome : undefined,
      option_granted: f.option_granted.length ? f.option_granted : undefined,
      outcome_gap: f.outcome_gap.length ? (f.outcome_gap as CaseListQuery['outcome_gap']) : undefined,
      sla_outcome: f.sla_outcome.length ? (f.sla_outcome as CaseListQuery['sla_outcome']) : undefined,
      follow_up_outcome: f.follow_up_outcome.length ? (f.follow_up_outcome as CaseListQuery['follow_up_outcome']) : undefined,
    }
    // Without a sort the server orders a search by relevance and a view by its own default
    // (last update; the escalated view by level, then due time).
    const chosen = sort.value || (q.value ? '' : defaultSort.value)
    if (chosen) {
      query.sort = chosen
      // "Due soonest" and "Most escalated" have one direction.
      if (!ONE_WAY.includes(chosen)) query.order = order.value
    }
    return query
  }

  /** Changes the address's query; empty values are dropped, lists become repeated parameters. */
  function updateQuery(changes: Record<string, string | string[] | undefined>) {
    const next: LocationQueryRaw = { ...route.query }
    for (const [key, value] of Object.entries(changes)) {
      if (value === undefined || value === '' || (Array.isArray(value) && !value.length)) delete next[key]
      else next[key] = value
    }
    void router.replace({ query: next })
  }

  /** Replaces the address's whole query (opening a saved view). */
  function replaceQuery(next: LocationQueryRaw) {
    void router.replace({ query: next })
  }

  function toggleValue(key: ListFilter | ReviewFilter, value: string) {
    const current = filters.value[key]
    const next = current.includes(value) ? current.filter((v) => v !== value) : [...current, value]
    updateQuery({ [key]: next })
  }

  function clearFilters() {
    const changes: Record<string, undefined> = {}
    for (const key of [...LIST_FILTERS, ...REVIEW_FILTERS, ...REPORT_FILTERS, 'assignee_id', 'team_id', 'tag', 'created_from', 'created_to', 'topic', 'granted_option']) changes[key] = undefined
    updateQuery(changes)
  }

  return { view, q, allWords, sort, defaultSort, order, filters, activeFilterCount, searching, apiQuery, updateQuery, replaceQuery, toggleValue, clearFilters }
}
