import type { SavedViewFilters } from '../../types'
import { LIST_FILTERS, ONE_WAY, type useInboxQuery } from './useInboxQuery'

/** The address parameter naming the saved view the inbox shows. */
export const SAVED_PARAM = 'saved'

type InboxQuery = Pick<ReturnType<typeof useInboxQuery>, 'view' | 'q' | 'sort' | 'order' | 'filters'>

/**
 * The address's filters and sort as a saved view keeps them (the names of GET /cases's query
 * parameters). The date range is not kept: a saved view is a standing queue, not a report.
 */
export function filtersFromQuery(query: InboxQuery): SavedViewFilters {
  const f = query.filters.value
  const out: SavedViewFilters = {}
  if (query.view.value !== 'all') out.view = query.view.value
  if (query.q.value) out.q = query.q.value
  for (const key of LIST_FILTERS) if (f[key].length) out[key] = [...f[key]]
  if (f.assignee_id) out.assignee_id = [f.assignee_id]
  if (f.team_id) out.team_id = [f.team_id]
  if (f.tag) out.tag = [f.tag]
  const sort = query.sort.value
  if (sort) {
    out.sort = sort
    if (!ONE_WAY.includes(sort)) out.order = query.order.value
  }
  return out
}

/** The address for a saved view's filters (a view without a built-in view shows all cases). */
export function queryFromFilters(filters: SavedViewFilters): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = { view: filters.view || 'all' }
  if (filters.q) out.q = filters.q
  for (const key of LIST_FILTERS) {
    const values = filters[key]
    if (values?.length) out[key] = [...values]
  }
  // The inbox's address holds one assignee, team and tag.
  if (filters.assignee_id?.[0]) out.assignee_id = filters.assignee_id[0]
  if (filters.team_id?.[0]) out.team_id = filters.team_id[0]
  if (filters.tag?.[0]) out.tag = filters.tag[0]
  if (filters.sort) out.sort = filters.sort
  if (filters.order) out.order = filters.order
  return out
}
