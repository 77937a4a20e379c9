import { onBeforeUnmount, onMounted, ref, type Ref } from 'vue'

/** A search takes at most 16 words of at most 64 characters (the server's limits). */
const MAX_WORDS = 16
const MAX_WORD_CHARS = 64

/**
 * The words of a text selection as a search: runs of letters and digits, at most 16, none
 * longer than 64 characters (a longer run is left out, as a pasted code would be).
 */
export function selectionQuery(text: string): string {
  const words = text.match(/[\p{L}\p{N}\p{M}]+/gu) ?? []
  return words
    .filter((w) => [...w].length <= MAX_WORD_CHARS)
    .slice(0, MAX_WORDS)
    .join(' ')
}

/**
 * Follows the text selected inside root (the case's conversation): its words, and where to
 * show the "Find cases like this" button (below the selection, relative to root).
 */
export function useFindLikeSelection(root: Ref<HTMLElement | null>) {
  const text = ref('')
  const position = ref<{ top: number; left: number } | null>(null)

  function update() {
    const sel = document.getSelection()
    const el = root.value
    if (!sel || sel.isCollapsed || !sel.rangeCount || !el) {
      clear()
      return
    }
    const range = sel.getRangeAt(0)
    if (!el.contains(range.commonAncestorContainer)) {
      clear()
      return
    }
    const query = selectionQuery(sel.toString())
    if (!query) {
      clear()
      return
    }
    const box = range.getBoundingClientRect()
    const base = el.getBoundingClientRect()
    text.value = query
    position.value = {
      top: box.bottom - base.top + 6,
      left: Math.max(0, Math.min(box.left - base.left, base.width - 220)),
    }
  }

  function clear() {
    text.value = ''
    position.value = null
  }

  // Only on the end of a selection (mouse or keyboard), not on every change while dragging.
  const onUp = () => window.setTimeout(update, 0)
  onMounted(() => {
    document.addEventListener('mouseup', onUp)
    document.addEventListener('keyup', onUp)
  })
  onBeforeUnmount(() => {
    document.removeEventListener('mouseup', onUp)
    document.removeEventListener('keyup', onUp)
  })

  return { text, position, clear }
}
