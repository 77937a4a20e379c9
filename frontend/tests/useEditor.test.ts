import { afterEach, describe, expect, it } from 'vitest'
import { ApiError } from '../src/api'
import { useEditor } from '../src/composables/useEditor'

function editor() {
  return useEditor({ describe: (e) => `failed: ${(e as Error).message}`, conflictId: 'x-conflict' })
}

afterEach(() => {
  document.body.innerHTML = ''
})

describe('useEditor', () => {
  it('loads, and tells a missing resource from a failure', async () => {
    const ed = editor()
    expect(await ed.loadWith(async () => 'rule')).toBe('rule')
    expect(ed.loading.value).toBe(false)

    expect(await ed.loadWith(async () => Promise.reject(new ApiError(404, 'not_found', 'gone')))).toBeUndefined()
    expect(ed.notFound.value).toBe(true)

    expect(await ed.loadWith(async () => Promise.reject(new ApiError(500, 'internal', 'boom')))).toBeUndefined()
    expect(ed.notFound.value).toBe(false)
    expect(ed.loadError.value).toBe('failed: boom')
  })

  it('sorts what goes wrong on save: conflict, gone, field errors, anything else', async () => {
    const notice = document.createElement('div')
    notice.id = 'x-conflict'
    notice.tabIndex = -1
    document.body.appendChild(notice)
    const ed = editor()

    await ed.saveWith(async () => Promise.reject(new ApiError(409, 'version_conflict', 'stale')))
    expect(ed.conflict.value).toBe(true)
    expect(document.activeElement).toBe(notice)

    await ed.saveWith(async () => Promise.reject(new ApiError(400, 'invalid', 'bad', { name: 'required' })), (key, text) => `${key} ${text}`)
    expect(ed.conflict.value).toBe(false)
    expect({ ...ed.errors }).toEqual({ name: 'name required' })
    expect(ed.submitCount.value).toBe(1)

    await ed.saveWith(async () => Promise.reject(new Error('offline')))
    expect(ed.errors).toEqual({})
    expect(ed.banner.value).toBe('failed: offline')

    await ed.saveWith(async () => Promise.reject(new ApiError(404, 'not_found', 'gone')))
    expect(ed.notFound.value).toBe(true)
    expect(ed.saving.value).toBe(false)
  })

  it('saves once at a time and drops errors of stale rows', async () => {
    const ed = editor()
    let calls = 0
    let finish = () => {}
    const first = ed.saveWith(() => new Promise<void>((resolve) => { calls++; finish = resolve }))
    await ed.saveWith(async () => { calls++ })
    expect(calls).toBe(1)
    finish()
    await first

    ed.showErrors({ 'actions[0].tag': 'x', 'actions[1].tag': 'y', name: 'z' })
    ed.clearErrorsUnder('actions')
    expect({ ...ed.errors }).toEqual({ name: 'z' })
  })
})
