// The resolution options' names, for showing a remedy on a case's timeline by the name the
// admins gave it (in the reader's language) instead of its id. Loaded once per page load.

import { reactive } from 'vue'
import { listResolutionOptions, type ResolutionOption } from '../remedies'

const state = reactive<{ list: ResolutionOption[]; loaded: boolean }>({ list: [], loaded: false })
let pending: Promise<void> | null = null

export function loadResolutionOptions(): Promise<void> {
  if (state.loaded) return Promise.resolve()
  if (pending) return pending
  pending = listResolutionOptions()
    .then((list) => {
      state.list = list
      state.loaded = true
    })
    .finally(() => {
      pending = null
    })
  return pending
}

/** Replaces the cached list (a test, or a page that has just read it). */
export function setResolutionOptions(list: ResolutionOption[]): void {
  state.list = list
  state.loaded = true
}

/** The option's name in locale; its id, spaced, while the names are not known (or it is gone). */
export function resolutionOptionName(id: string | undefined | null, locale: string): string {
  if (!id) return ''
  const o = state.list.find((x) => x.id === id)
  if (!o) return id.replace(/_/g, ' ')
  return (locale === 'fi' ? o.name.fi : o.name.en) || o.name.en || id
}
