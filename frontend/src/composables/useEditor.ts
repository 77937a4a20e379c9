import { nextTick, reactive, ref } from 'vue'
import { ApiError } from '../api'

// The plumbing the admin editors of versioned resources (rules, SLA policies) share: loading
// one by id with its not-found and error states, field errors keyed by the server's JSON
// paths, and saving, where a 409 means "changed meanwhile: reload" (the notice with
// conflictId gets the focus), a 404 that the resource is gone, field errors go to their
// inputs and anything else to the banner.

export interface EditorOptions {
  /** Turns a failure into the text shown (describeError with the page's t). */
  describe: (e: unknown) => string
  /** The id of the element that tells of a conflict, focused when one happens. */
  conflictId: string
}

export function useEditor(options: EditorOptions) {
  const loading = ref(false)
  const loadError = ref('')
  const notFound = ref(false)
  const saving = ref(false)
  const banner = ref('')
  const conflict = ref(false)
  const errors = reactive<Record<string, string>>({})
  /** Raised with every set of errors shown, so the summary takes the focus again. */
  const submitCount = ref(0)

  function clearErrors() {
    banner.value = ''
    for (const key of Object.keys(errors)) delete errors[key]
  }

  /** Drops the errors of rows whose indexes a change made stale. */
  function clearErrorsUnder(prefix: string) {
    for (const key of Object.keys(errors)) if (key === prefix || key.startsWith(`${prefix}[`) || key.startsWith(`${prefix}.`)) delete errors[key]
  }

  /** Shows these errors (message turns each into the text shown) instead of the earlier ones. */
  function showErrors(fields: Record<string, string>, message: (key: string, text: string) => string = (_, text) => text) {
    clearErrors()
    for (const [key, text] of Object.entries(fields)) errors[key] = message(key, text)
    submitCount.value++
  }

  /** Clears every error and notice, as for a new form. */
  function reset() {
    clearErrors()
    conflict.value = false
    notFound.value = false
    loadError.value = ''
  }

  /** Resets the page's states and fetches the resource; undefined when that failed. */
  async function loadWith<T>(fetch: () => Promise<T>): Promise<T | undefined> {
    reset()
    loading.value = true
    try {
      return await fetch()
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) notFound.value = true
      else loadError.value = options.describe(e)
      return undefined
    } finally {
      loading.value = false
    }
  }

  /**
   * Runs save once at a time and shows what went wrong. fieldMessage, if given, words each
   * field error from the server's own text (for forms that read more out of it), with the
   * app's words for its code as the fallback.
   */
  async function saveWith(save: () => Promise<void>, fieldMessage?: (key: string, serverText: string, words: string) => string) {
    if (saving.value) return
    saving.value = true
    conflict.value = false
    try {
      await save()
    } catch (e) {
      if (e instanceof ApiError && e.status === 409) {
        clearErrors()
        conflict.value = true
        await nextTick()
        document.getElementById(options.conflictId)?.focus()
      } else if (e instanceof ApiError && e.status === 404) {
        notFound.value = true
      } else if (e instanceof ApiError && e.hasFieldErrors) {
        const words = e.fields
        if (fieldMessage) showErrors(e.serverFields, (key, text) => fieldMessage(key, text, words[key] ?? ''))
        else showErrors(words)
      } else {
        clearErrors()
        banner.value = options.describe(e)
      }
    } finally {
      saving.value = false
    }
  }

  return { loading, loadError, notFound, saving, banner, conflict, errors, submitCount, clearErrors, clearErrorsUnder, showErrors, reset, loadWith, saveWith }
}
