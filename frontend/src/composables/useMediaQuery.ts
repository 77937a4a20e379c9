import { onBeforeUnmount, ref, type Ref } from 'vue'

/** Whether a CSS media query matches, kept up to date while the component lives. */
export function useMediaQuery(query: string): Ref<boolean> {
  const list = typeof window !== 'undefined' && window.matchMedia ? window.matchMedia(query) : null
  const matches = ref(list?.matches ?? false)
  const onChange = (event: MediaQueryListEvent) => (matches.value = event.matches)
  list?.addEventListener('change', onChange)
  onBeforeUnmount(() => list?.removeEventListener('change', onChange))
  return matches
}

/** The width from which the inbox shows the selected case beside the list. */
export const SPLIT_VIEW_QUERY = '(min-width: 1200px)'
