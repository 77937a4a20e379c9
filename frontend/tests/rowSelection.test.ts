import { describe, expect, it } from 'vitest'
import { ref } from 'vue'
import {
  emptySelection,
  keepListed,
  rangeTo,
  selectAll,
  selectedRefs,
  toggleRow,
  useRowSelection,
  type SelectableRow,
} from '../src/composables/inbox/rowSelection'

const rows: SelectableRow[] = ['a', 'b', 'c', 'd', 'e'].map((id, i) => ({ id, version: i + 1 }))
const [a, b, c, d, e] = rows as [SelectableRow, SelectableRow, SelectableRow, SelectableRow, SelectableRow]
const ids = (sel: { picked: ReadonlyMap<string, number> }) => [...sel.picked.keys()].sort()

describe('row selection', () => {
  it('toggles a row and makes it the anchor', () => {
    const one = toggleRow(emptySelection, b)
    expect(ids(one)).toEqual(['b'])
    expect(one.anchor).toBe('b')
    const none = toggleRow(one, b)
    expect(ids(none)).toEqual([])
    expect(none.anchor).toBe('b')
  })

  it('shift-click selects the range from the anchor, downwards and upwards', () => {
    expect(ids(rangeTo(toggleRow(emptySelection, b), rows, d))).toEqual(['b', 'c', 'd'])
    expect(ids(rangeTo(toggleRow(emptySelection, d), rows, a))).toEqual(['a', 'b', 'c', 'd'])
  })

  it('shift-click on a selected row clears the range', () => {
    const all = selectAll(emptySelection, rows)
    const anchored = toggleRow(toggleRow(all, b), b) // b clicked twice: selected, anchor b
    expect(ids(rangeTo(anchored, rows, d))).toEqual(['a', 'e'])
  })

  it('shift-click without an anchor on the page toggles the row alone', () => {
    expect(ids(rangeTo(emptySelection, rows, c))).toEqual(['c'])
    const gone = { picked: new Map([['z', 9]]), anchor: 'z' }
    expect(ids(rangeTo(gone, rows, c))).toEqual(['c', 'z'])
  })

  it('keeps the version each case had when it was selected', () => {
    const sel = toggleRow(emptySelection, c)
    const changed = rows.map((r) => (r.id === 'c' ? { ...r, version: 7 } : r))
    const more = rangeTo(toggleRow(sel, b), changed, d)
    expect(selectedRefs(more)).toEqual([
      { id: 'c', version: 3 },
      { id: 'b', version: 2 },
      { id: 'd', version: 4 },
    ])
  })

  it('drops rows a refresh no longer lists, and the anchor with them', () => {
    const sel = rangeTo(toggleRow(emptySelection, a), rows, c)
    const kept = keepListed(sel, [a, c, d, e])
    expect(ids(kept)).toEqual(['a', 'c'])
    expect(kept.anchor).toBe('c')
    expect(keepListed(sel, [a, b, d]).anchor).toBeNull()
    expect(keepListed(sel, rows)).toBe(sel)
  })

  it('select all takes the page and, when all are selected, clears', () => {
    const list = ref<SelectableRow[]>(rows)
    const s = useRowSelection(list)
    s.click(a)
    s.click(c, true)
    expect(s.count.value).toBe(3)
    expect(s.allOnPage.value).toBe(false)
    s.toggleAll()
    expect(s.count.value).toBe(5)
    expect(s.allOnPage.value).toBe(true)
    s.toggleAll()
    expect(s.count.value).toBe(0)
    s.click(e)
    list.value = [a, b]
    s.keepListed()
    expect(s.count.value).toBe(0)
    expect(s.isSelected('e')).toBe(false)
  })
})
