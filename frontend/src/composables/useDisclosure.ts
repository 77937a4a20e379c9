import { onBeforeUnmount, onMounted, ref } from 'vue'

// The plumbing of a disclosure in the top bar (a menu, the notifications panel): bind `root`
// to the element holding the button and what it shows, `button` to the button, and
// `onFocusOut` and Escape (`close(true)`) on the root. Focus or a click going elsewhere closes
// it; Escape closes it and gives the focus back to the button.
export function useDisclosure() {
  const open = ref(false)
  const root = ref<HTMLElement | null>(null)
  const button = ref<HTMLButtonElement | null>(null)

  function close(refocus = false) {
    if (!open.value) return
    open.value = false
    if (refocus) button.value?.focus()
  }

  function onFocusOut(event: FocusEvent) {
    const next = event.relatedTarget as Node | null
    if (next && root.value?.contains(next)) return
    open.value = false
  }

  function onDocumentClick(event: MouseEvent) {
    if (open.value && !root.value?.contains(event.target as Node)) open.value = false
  }
  onMounted(() => document.addEventListener('click', onDocumentClick))
  onBeforeUnmount(() => document.removeEventListener('click', onDocumentClick))

  return { open, root, button, close, onFocusOut }
}
