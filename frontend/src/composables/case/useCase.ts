import { ref, type Ref } from 'vue'
import { useI18n } from 'vue-i18n'
import { ApiError, getCase, patchCase } from '../../api'
import { describeError } from '../../errors'
import type { Case, CasePatch } from '../../types'

// One case as the case page holds it: loading it (quietly, for a live refresh), and changing
// its fields with the version it was read at, where a 409 shows the conflict notice instead.

export function useCase(id: Ref<string>, options: { loaded?: (fresh: Case, quiet: boolean) => void } = {}) {
  const { t } = useI18n()
  const item = ref<Case | null>(null)
  const loading = ref(true)
  const error = ref('')
  const notFound = ref(false)
  let controller: AbortController | null = null

  async function load(opts: { quiet?: boolean } = {}): Promise<Case | null> {
    controller?.abort()
    const current = new AbortController()
    controller = current
    if (!opts.quiet) {
      loading.value = true
      notFound.value = false
      error.value = ''
    }
    try {
      const fresh = await getCase(id.value, current.signal)
      item.value = fresh
      notFound.value = false
      error.value = ''
      options.loaded?.(fresh, !!opts.quiet)
      return fresh
    } catch (e) {
      if (current.signal.aborted) return null
      if (opts.quiet) return null
      item.value = null
      if (e instanceof ApiError && (e.status === 404 || e.status === 403)) notFound.value = true
      else error.value = describeError(e, t)
      return null
    } finally {
      if (controller === current) loading.value = false
    }
  }

  function abort() {
    controller?.abort()
  }

  const conflict = ref(false)
  const externalUpdate = ref(false)
  const actionError = ref('')
  /** The field being saved ('' when none). */
  const saving = ref('')
  /** Bumped to put the side panel's controls back to the case's values. */
  const controlsKey = ref(0)
  /** Read out by the page's live region. */
  const announce = ref('')

  function handleWriteError(e: unknown) {
    if (e instanceof ApiError && e.status === 409) {
      conflict.value = true
      actionError.value = ''
    } else if (e instanceof ApiError && e.code === 'invalid_transition') {
      actionError.value = t('case.invalidTransition')
    } else if (e instanceof ApiError && e.hasFieldErrors) {
      actionError.value = Object.values(e.fields).join(' ')
    } else {
      actionError.value = describeError(e, t)
    }
  }

  async function change(field: string, patch: Omit<CasePatch, 'version'>): Promise<void> {
    const c = item.value
    if (!c) return
    if (saving.value) {
      controlsKey.value++
      return
    }
    saving.value = field
    actionError.value = ''
    try {
      item.value = await patchCase(c.id, { version: c.version, ...patch })
      announce.value = t('case.saved')
    } catch (e) {
      handleWriteError(e)
      controlsKey.value++ // put the controls back to the case's values
    } finally {
      saving.value = ''
    }
  }

  async function reloadAfterConflict() {
    const fresh = await load({ quiet: true })
    if (fresh) {
      conflict.value = false
      externalUpdate.value = false
      controlsKey.value++
    }
  }

  return {
    item, loading, error, notFound, load, abort,
    conflict, externalUpdate, actionError, saving, controlsKey, announce, change, reloadAfterConflict,
  }
}
