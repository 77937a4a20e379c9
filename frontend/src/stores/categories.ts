// The complaint categories, for showing a case's category by name and for the
// category pickers. Staff read GET /categories (both languages); if that is not
// available the public form options (active ones, current language) are used.

import { reactive } from 'vue'
import { ApiError, formOptions, listCategories } from '../api'
import type { Category, Locale } from '../types'

const state = reactive<{ list: Category[]; loaded: boolean }>({ list: [], loaded: false })
let pending: Promise<void> | null = null

export const categoryState = state

export function loadCategories(locale: Locale, force = false): Promise<void> {
  if (state.loaded && !force) return Promise.resolve()
  if (pending && !force) return pending
  pending = (async () => {
    try {
      state.list = (await listCategories()) ?? []
    } catch (error) {
      if (!(error instanceof ApiError) || (error.status !== 404 && error.status !== 405)) throw error
      const options = await formOptions(locale)
      state.list = options.categories.map((c) => ({ id: c.id, name_en: c.name, name_fi: c.name, active: true }))
    }
    state.loaded = true
  })().finally(() => {
    pending = null
  })
  return pending
}

/** Replaces the cached list (after an admin saved it). */
export function setCategories(list: Category[]): void {
  state.list = list
  state.loaded = true
}

export function categoryName(id: string | undefined | null, locale: string): string {
  if (!id) return ''
  const c = state.list.find((x) => x.id === id)
  if (!c) return id
  return (locale === 'fi' ? c.name_fi : c.name_en) || c.name_en || c.name_fi || id
}
