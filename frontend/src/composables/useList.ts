import { ref, type Ref } from 'vue'
import { ApiError } from '../api'

// The list and confirm-action plumbing the admin pages share: load a list with its loading
// and error states, keep it in step after a save or delete, and run a confirmed action
// (delete, revoke, disable) from a dialog, where a 404 means "already gone" and a 409 means
// "changed meanwhile: reload".

export interface ListOptions {
  /** Turns a failure into the text shown (describeError with the page's t). */
  describe: (e: unknown) => string
  /** Set instead of an error when the list answers 404 (the server does not offer it). */
  unavailable?: Ref<boolean>
}

export function useList<T extends { id?: string }>(fetchList: () => Promise<T[] | null | undefined>, options: ListOptions) {
  const items = ref([]) as Ref<T[]>
  const loading = ref(true)
  const loadError = ref('')

  async function load() {
    loading.value = true
    loadError.value = ''
    if (options.unavailable) options.unavailable.value = false
    try {
      items.value = (await fetchList()) ?? []
    } catch (e) {
      if (options.unavailable && e instanceof ApiError && e.status === 404) options.unavailable.value = true
      else loadError.value = options.describe(e)
    } finally {
      loading.value = false
    }
  }

  /** Puts a saved item in place of the one with its id. */
  function replace(saved: T) {
    items.value = items.value.map((x) => (x.id === saved.id ? saved : x))
  }

  /** Drops the item with this id. */
  function remove(id: string | undefined) {
    items.value = items.value.filter((x) => x.id !== id)
  }

  return { items, loading, loadError, load, replace, remove }
}

export interface ConfirmOptions {
  describe: (e: unknown) => string
  /** Runs when the dialog opens (e.g. to clear the page's last flash message). */
  onAsk?: () => void
}

export interface RunHandlers<T> {
  /** 404: the item is gone already; the dialog closes without a message. */
  gone?: (item: T) => void
  /** 409: the item changed meanwhile; returns the message to show (and may reload). */
  conflict?: () => string
}

export function useConfirmAction<T>(options: ConfirmOptions) {
  const target = ref(null) as Ref<T | null>
  const busy = ref(false)
  const error = ref('')

  function ask(item: T) {
    options.onAsk?.()
    error.value = ''
    target.value = item
  }

  function cancel() {
    target.value = null
  }

  /** Runs action on the item the dialog is open for; closes the dialog when it succeeds. */
  async function run(action: (item: T) => Promise<void>, handlers: RunHandlers<T> = {}) {
    const item = target.value
    if (!item || busy.value) return
    busy.value = true
    error.value = ''
    try {
      await action(item)
      target.value = null
    } catch (e) {
      if (handlers.gone && e instanceof ApiError && e.status === 404) {
        handlers.gone(item)
        target.value = null
      } else if (handlers.conflict && e instanceof ApiError && e.status === 409) {
        error.value = handlers.conflict()
      } else {
        error.value = options.describe(e)
      }
    } finally {
      busy.value = false
    }
  }

  return { target, busy, error, ask, cancel, run }
}

export interface DeleteOptions<T> extends ConfirmOptions {
  /** The API call that deletes (or revokes) the item. */
  del: (item: T) => Promise<unknown>
  /** Drops the item from the page's list; also when it turns out to be gone already. */
  remove: (id: string) => void
  /** After a delete, e.g. the flash message. */
  done?: (item: T) => void
}

/** The usual confirmed delete: a 404 means someone else deleted it first, which is fine too. */
export function useConfirmDelete<T extends { id: string }>(options: DeleteOptions<T>) {
  const action = useConfirmAction<T>(options)
  function confirm() {
    return action.run(
      async (item) => {
        await options.del(item)
        options.remove(item.id)
        options.done?.(item)
      },
      { gone: (item) => options.remove(item.id) },
    )
  }
  return { ...action, confirm }
}
