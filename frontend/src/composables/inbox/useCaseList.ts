import { reactive, ref, watch } from 'vue'
import { useI18n } from 'vue-i18n'
import { caseViewCounts, listCases } from '../../api'
import { debounce } from '../../debounce'
import { describeError } from '../../errors'
import { onLiveEvent, RECONNECTED } from '../../stores/live'
import { inboxOrder } from '../../stores/session'
import type { CaseSummary, Facet, InboxView } from '../../types'
import { COUNTED, PAGE_SIZE, useInboxQuery } from './useInboxQuery'

const MAX_PAGE = 200

function isAbort(e: unknown): boolean {
  return e instanceof DOMException && e.name === 'AbortError'
}

/**
 * The inbox's cases for the address's query, page by page, with the views' counts; reloaded
 * when the query changes and shortly after a live change (a burst of changes refetches once).
 */
export function useCaseList(options: { loaded?: () => void } = {}) {
  const { t } = useI18n()
  const { view, q, activeFilterCount, apiQuery } = useInboxQuery()

  const counts = reactive<Record<InboxView, number | null>>({
    unassigned: null,
    mine: null,
    all_open: null,
    escalated: null,
    waiting: null,
    resolved: null,
    follow_ups_due: null,
    reviews: null,
    waiting_for_my_approval: null,
  })
  const items = ref<CaseSummary[]>([])
  const total = ref(0)
  const nextCursor = ref('')
  const facets = ref<Partial<Record<string, Facet[]>>>({})
  const loading = ref(true)
  const loadingMore = ref(false)
  const error = ref('')
  const moreError = ref('')
  let controller: AbortController | null = null

  async function loadList(opts: { quiet?: boolean } = {}) {
    controller?.abort()
    const current = new AbortController()
    controller = current
    if (!opts.quiet) loading.value = true
    error.value = ''
    moreError.value = ''
    // A live refresh keeps what was loaded with "load more".
    const limit = opts.quiet ? Math.min(Math.max(PAGE_SIZE, items.value.length), MAX_PAGE) : PAGE_SIZE
    try {
      const result = await listCases(apiQuery(limit), current.signal)
      if (current.signal.aborted) return
      items.value = result.data ?? []
      total.value = result.meta?.total ?? items.value.length
      nextCursor.value = result.meta?.next_cursor ?? ''
      facets.value = result.meta?.facets ?? {}
      if (view.value !== 'all' && !q.value && !activeFilterCount.value) counts[view.value] = total.value
      options.loaded?.()
      inboxOrder.value = items.value.map((c) => c.id)
    } catch (e) {
      if (isAbort(e) || current.signal.aborted) return
      if (!opts.quiet) items.value = []
      error.value = describeError(e, t)
    } finally {
      if (controller === current) loading.value = false
    }
  }

  /** The next page; answers the index of its first row (-1 when nothing was added). */
  async function loadMore(): Promise<number> {
    if (!nextCursor.value || loadingMore.value) return -1
    const current = controller
    loadingMore.value = true
    moreError.value = ''
    const firstNew = items.value.length
    try {
      const result = await listCases(apiQuery(PAGE_SIZE, nextCursor.value), current?.signal)
      if (current !== controller) return -1
      const seen = new Set(items.value.map((c) => c.id))
      items.value = items.value.concat((result.data ?? []).filter((c) => !seen.has(c.id)))
      total.value = result.meta?.total ?? total.value
      nextCursor.value = result.meta?.next_cursor ?? ''
      inboxOrder.value = items.value.map((c) => c.id)
      return firstNew
    } catch (e) {
      if (!isAbort(e)) moreError.value = describeError(e, t)
      return -1
    } finally {
      loadingMore.value = false
    }
  }

  // A live change while the counts load asks again: the earlier answer is given up, or it
  // could land last and put back the counts from before the change.
  let countsController: AbortController | null = null

  async function loadCounts() {
    countsController?.abort()
    const current = new AbortController()
    countsController = current
    try {
      const result = await caseViewCounts(COUNTED, current.signal)
      if (current.signal.aborted) return
      for (const v of COUNTED) counts[v] = result[v] ?? null
    } catch {
      // Counts are a convenience; the list itself reports errors.
    }
  }

  function refresh() {
    void loadList()
    void loadCounts()
  }

  const liveRefresh = debounce(() => {
    void loadList({ quiet: true })
    void loadCounts()
  }, 300)

  const stopLive = onLiveEvent((event) => {
    if (event.type === 'case.created' || event.type === 'case.updated' || event.type === RECONNECTED) liveRefresh()
  })

  watch(
    () => JSON.stringify(apiQuery(PAGE_SIZE)),
    () => void loadList(),
  )

  function stop() {
    controller?.abort()
    countsController?.abort()
    liveRefresh.cancel()
    stopLive()
  }

  return { counts, items, total, nextCursor, facets, loading, loadingMore, error, moreError, loadList, loadMore, refresh, liveRefresh, stop }
}
