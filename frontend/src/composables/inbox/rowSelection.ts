import { computed, shallowRef, type Ref } from 'vue'

// The inbox's row selection for bulk changes: click toggles a row, shift-click sets the range
// from the last clicked row to this one, `x` toggles the focused row, "select all" takes the
// page. Each selected case keeps the version the list showed when it was picked, so a bulk
// change made after someone else changed the case is refused (a conflict), never applied
// over their change.

export interface SelectableRow {
  id: string
  version: number
}

export interface Selection {
  /** Selected case ids with the version each had when selected, in selection order. */
  readonly picked: ReadonlyMap<string, number>
  /** The row a shift-click ranges from: the last one clicked or toggled. */
  readonly anchor: string | null
}

export const emptySelection: Selection = { picked: new Map(), anchor: null }

/** Selects the row, or unselects it when it was selected; it becomes the range's anchor. */
export function toggleRow(sel: Selection, row: SelectableRow): Selection {
  const picked = new Map(sel.picked)
  if (picked.has(row.id)) picked.delete(row.id)
  else picked.set(row.id, row.version)
  return { picked, anchor: row.id }
}

/**
 * Shift-click: every row from the anchor to this one (either direction) takes the state the
 * clicked row is switched to, as in mail clients. Without an anchor on the page it is a toggle.
 */
export function rangeTo(sel: Selection, rows: readonly SelectableRow[], row: SelectableRow): Selection {
  const to = rows.findIndex((r) => r.id === row.id)
  const from = sel.anchor === null ? -1 : rows.findIndex((r) => r.id === sel.anchor)
  if (to < 0 || from < 0) return toggleRow(sel, row)
  const select = !sel.picked.has(row.id)
  const picked = new Map(sel.picked)
  const [lo, hi] = from < to ? [from, to] : [to, from]
  for (const r of rows.slice(lo, hi + 1)) {
    if (select) {
      if (!picked.has(r.id)) picked.set(r.id, r.version)
    } else picked.delete(r.id)
  }
  return { picked, anchor: row.id }
}

/** Selects every row of the page (keeping the versions of rows already selected). */
export function selectAll(sel: Selection, rows: readonly SelectableRow[]): Selection {
  const picked = new Map(sel.picked)
  for (const r of rows) if (!picked.has(r.id)) picked.set(r.id, r.version)
  return { picked, anchor: sel.anchor }
}

/** Keeps only the rows still listed (a refresh may drop some); the anchor too. */
export function keepListed(sel: Selection, rows: readonly SelectableRow[]): Selection {
  const listed = new Set(rows.map((r) => r.id))
  if ([...sel.picked.keys()].every((id) => listed.has(id)) && (sel.anchor === null || listed.has(sel.anchor))) return sel
  const picked = new Map([...sel.picked].filter(([id]) => listed.has(id)))
  return { picked, anchor: sel.anchor !== null && listed.has(sel.anchor) ? sel.anchor : null }
}

/** The request's case list: each id with the version the list showed. */
export function selectedRefs(sel: Selection): Array<{ id: string; version: number }> {
  return [...sel.picked].map(([id, version]) => ({ id, version }))
}

/** The selection over a reactive list of rows, for the inbox page. */
export function useRowSelection(rows: Ref<readonly SelectableRow[]>) {
  const selection = shallowRef<Selection>(emptySelection)
  const count = computed(() => selection.value.picked.size)
  const allOnPage = computed(() => rows.value.length > 0 && rows.value.every((r) => selection.value.picked.has(r.id)))

  return {
    selection,
    count,
    allOnPage,
    isSelected: (id: string) => selection.value.picked.has(id),
    /** A click on a row's checkbox; with shift the range from the anchor. */
    click(row: SelectableRow, shift = false) {
      selection.value = shift ? rangeTo(selection.value, rows.value, row) : toggleRow(selection.value, row)
    },
    /** Select every row of the page, or clear when they all are selected. */
    toggleAll() {
      selection.value = allOnPage.value ? emptySelection : selectAll(selection.value, rows.value)
    },
    clear() {
      selection.value = emptySelection
    },
    keepListed() {
      selection.value = keepListed(selection.value, rows.value)
    },
    refs: () => selectedRefs(selection.value),
  }
}
