import { describe, expect, it } from 'vitest'
import { defineComponent, h } from 'vue'
import { mount } from '@vue/test-utils'
import { createMemoryHistory, createRouter } from 'vue-router'
import { useInboxQuery } from '../src/composables/inbox/useInboxQuery'

// The inbox keeps its state in the address: what the address says is what GET /cases gets.

async function inboxAt(path: string) {
  const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/inbox', component: { render: () => null } }] })
  await router.push(path)
  await router.isReady()
  let query!: ReturnType<typeof useInboxQuery>
  const Probe = defineComponent({
    setup() {
      query = useInboxQuery()
      return () => h('div')
    },
  })
  mount(Probe, { global: { plugins: [router] } })
  return { query, router }
}

describe('useInboxQuery', () => {
  it('sends the default view with its own order and the facets', async () => {
    const { query } = await inboxAt('/inbox')
    expect(query.view.value).toBe('unassigned')
    expect(query.apiQuery(50)).toMatchObject({ view: 'unassigned', sort: 'updated_at', order: 'desc', limit: 50, facets: ['status', 'priority', 'category', 'touchpoint', 'channel'] })
  })

  it('keeps a category with a comma whole and splits old comma-joined status lists', async () => {
    const { query } = await inboxAt('/inbox?view=all&category=Tables%2C+chairs&status=open,waiting&priority=urgent')
    const sent = query.apiQuery(50)
    expect(sent.view).toBeUndefined()
    expect(sent.category).toEqual(['Tables, chairs'])
    expect(sent.status).toEqual(['open', 'waiting'])
    expect(query.activeFilterCount.value).toBe(4)
  })

  it('searches by relevance without a sort, and a one-way sort sends no order', async () => {
    const searched = await inboxAt('/inbox?q=blender')
    expect(searched.query.apiQuery(50).sort).toBeUndefined()
    expect(searched.query.defaultSort.value).toBe('relevance')
    const due = await inboxAt('/inbox?sort=due&order=asc')
    expect(due.query.apiQuery(50)).toMatchObject({ sort: 'due' })
    expect(due.query.apiQuery(50).order).toBeUndefined()
  })

  it('drops empty values from the address and repeats list parameters', async () => {
    const { query, router } = await inboxAt('/inbox?tag=vip&status=new')
    query.toggleValue('status', 'open')
    await new Promise((resolve) => router.afterEach(() => resolve(undefined)))
    expect(router.currentRoute.value.query).toEqual({ tag: 'vip', status: ['new', 'open'] })
    query.clearFilters()
    await new Promise((resolve) => router.afterEach(() => resolve(undefined)))
    expect(router.currentRoute.value.query).toEqual({})
  })

  it('asks for all of the words only with match=all and a search', async () => {
    expect((await inboxAt('/inbox?q=charged+twice')).query.apiQuery(50).match).toBeUndefined()
    const all = await inboxAt('/inbox?q=charged+twice&match=all')
    expect(all.query.allWords.value).toBe(true)
    expect(all.query.apiQuery(50).match).toBe('all')
    expect((await inboxAt('/inbox?match=all')).query.apiQuery(50).match).toBeUndefined()
  })
})
