import { describe, expect, it, vi } from 'vitest'
import { ref } from 'vue'
import { ApiError } from '../src/api'
import { useConfirmAction, useConfirmDelete, useList } from '../src/composables/useList'

interface Item {
  id: string
  name: string
}

const describeErr = (e: unknown) => `failed: ${e instanceof Error ? e.message : String(e)}`
const a: Item = { id: 'a', name: 'A' }
const b: Item = { id: 'b', name: 'B' }

function deferred<T>() {
  let resolve!: (v: T) => void
  let reject!: (e: unknown) => void
  const promise = new Promise<T>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

describe('useList', () => {
  it('loads, showing loading until the answer, and treats no list as empty', async () => {
    const answer = deferred<Item[] | null>()
    const list = useList<Item>(() => answer.promise, { describe: describeErr })
    expect(list.loading.value).toBe(true)
    const done = list.load()
    expect(list.loading.value).toBe(true)
    answer.resolve(null)
    await done
    expect(list.loading.value).toBe(false)
    expect(list.items.value).toEqual([])
    expect(list.loadError.value).toBe('')
  })

  it('shows a failure, and a retry clears it', async () => {
    const fetchList = vi.fn<() => Promise<Item[]>>().mockRejectedValueOnce(new ApiError(500, 'internal', 'boom')).mockResolvedValueOnce([a, b])
    const list = useList<Item>(fetchList, { describe: describeErr })
    await list.load()
    expect(list.loadError.value).toBe('failed: boom')
    expect(list.loading.value).toBe(false)
    await list.load()
    expect(list.loadError.value).toBe('')
    expect(list.items.value).toEqual([a, b])
  })

  it('replaces and removes by id', async () => {
    const list = useList<Item>(async () => [a, b], { describe: describeErr })
    await list.load()
    list.replace({ id: 'b', name: 'B2' })
    expect(list.items.value.map((x) => x.name)).toEqual(['A', 'B2'])
    list.remove('a')
    expect(list.items.value.map((x) => x.id)).toEqual(['b'])
  })

  it('sets the unavailable flag on 404 instead of an error, and clears it on the next load', async () => {
    const unavailable = ref(false)
    const fetchList = vi.fn<() => Promise<Item[]>>().mockRejectedValueOnce(new ApiError(404, 'not_found', 'nope')).mockResolvedValueOnce([a])
    const list = useList<Item>(fetchList, { describe: describeErr, unavailable })
    await list.load()
    expect(unavailable.value).toBe(true)
    expect(list.loadError.value).toBe('')
    await list.load()
    expect(unavailable.value).toBe(false)
    expect(list.items.value).toEqual([a])
  })

  it('shows a 404 as an error when the page has no unavailable state', async () => {
    const list = useList<Item>(() => Promise.reject(new ApiError(404, 'not_found', 'nope')), { describe: describeErr })
    await list.load()
    expect(list.loadError.value).toBe('failed: nope')
  })
})

describe('useConfirmAction', () => {
  it('opens for an item, runs the action once, and closes on success', async () => {
    const onAsk = vi.fn()
    const confirm = useConfirmAction<Item>({ describe: describeErr, onAsk })
    confirm.error.value = 'old'
    confirm.ask(a)
    expect(onAsk).toHaveBeenCalledOnce()
    expect(confirm.target.value).toEqual(a)
    expect(confirm.error.value).toBe('')

    const answer = deferred<void>()
    const action = vi.fn(() => answer.promise)
    const first = confirm.run(action)
    expect(confirm.busy.value).toBe(true)
    await confirm.run(action) // a double click while busy does nothing
    expect(action).toHaveBeenCalledTimes(1)
    expect(action).toHaveBeenCalledWith(a)
    answer.resolve()
    await first
    expect(confirm.busy.value).toBe(false)
    expect(confirm.target.value).toBeNull()
  })

  it('does nothing without an item', async () => {
    const confirm = useConfirmAction<Item>({ describe: describeErr })
    const action = vi.fn(async () => undefined)
    await confirm.run(action)
    expect(action).not.toHaveBeenCalled()
  })

  it('treats 404 as already gone when the page says so, and closes without an error', async () => {
    const confirm = useConfirmAction<Item>({ describe: describeErr })
    const gone = vi.fn()
    confirm.ask(b)
    await confirm.run(() => Promise.reject(new ApiError(404, 'not_found', 'gone')), { gone })
    expect(gone).toHaveBeenCalledWith(b)
    expect(confirm.target.value).toBeNull()
    expect(confirm.error.value).toBe('')
  })

  it('shows the conflict message on 409 and keeps the dialog open', async () => {
    const confirm = useConfirmAction<Item>({ describe: describeErr })
    const reload = vi.fn()
    confirm.ask(a)
    await confirm.run(() => Promise.reject(new ApiError(409, 'version_conflict', 'stale')), {
      conflict: () => {
        reload()
        return 'changed meanwhile'
      },
    })
    expect(reload).toHaveBeenCalledOnce()
    expect(confirm.error.value).toBe('changed meanwhile')
    expect(confirm.target.value).toEqual(a)
    expect(confirm.busy.value).toBe(false)
  })

  it('shows any other failure, and 404/409 too when the page has no handler for them', async () => {
    const confirm = useConfirmAction<Item>({ describe: describeErr })
    confirm.ask(a)
    await confirm.run(() => Promise.reject(new ApiError(404, 'not_found', 'gone')))
    expect(confirm.error.value).toBe('failed: gone')
    await confirm.run(() => Promise.reject(new ApiError(409, 'conflict', 'stale')))
    expect(confirm.error.value).toBe('failed: stale')
    expect(confirm.target.value).toEqual(a)
  })
})

describe('useConfirmDelete', () => {
  it('deletes, drops the item and reports; a 404 drops it quietly; other failures keep the dialog open', async () => {
    const list = useList<Item>(async () => [a, b], { describe: describeErr })
    await list.load()
    const del = vi.fn<(item: Item) => Promise<void>>().mockResolvedValueOnce(undefined).mockRejectedValueOnce(new ApiError(404, 'not_found', 'gone'))
    const done = vi.fn()
    const confirm = useConfirmDelete<Item>({ describe: describeErr, del, remove: list.remove, done })

    confirm.ask(a)
    await confirm.confirm()
    expect(del).toHaveBeenCalledWith(a)
    expect(done).toHaveBeenCalledWith(a)
    expect(list.items.value).toEqual([b])
    expect(confirm.target.value).toBeNull()

    confirm.ask(b)
    await confirm.confirm()
    expect(done).toHaveBeenCalledTimes(1)
    expect(list.items.value).toEqual([])
    expect(confirm.target.value).toBeNull()

    del.mockRejectedValueOnce(new ApiError(0, 'network_error', 'offline'))
    confirm.ask(a)
    await confirm.confirm()
    expect(confirm.error.value).toBe('failed: offline')
    expect(confirm.target.value).toEqual(a)
  })
})
