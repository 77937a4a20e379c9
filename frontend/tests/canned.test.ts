import { afterEach, describe, expect, it } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import CannedReplyPicker from '../src/components/CannedReplyPicker.vue'
import { createAppI18n } from '../src/i18n'
import { insertIntoDraft, replaceDraft } from '../src/draft'
import { json, mockFetch } from './helpers'

describe('inserting a canned reply into the draft', () => {
  it('replaces an empty or blank draft', () => {
    expect(insertIntoDraft('', 'Hello Maija')).toEqual({ value: 'Hello Maija', cursor: 11 })
    expect(insertIntoDraft('  \n ', 'Hi', 2, 2)).toEqual({ value: 'Hi', cursor: 2 })
  })

  it('inserts at the cursor without losing text', () => {
    expect(insertIntoDraft('Dear X, thanks.', 'SORRY ', 8, 8)).toEqual({ value: 'Dear X, SORRY thanks.', cursor: 14 })
  })

  it('keeps a selection and inserts after it', () => {
    expect(insertIntoDraft('abc def', '+', 0, 3)).toEqual({ value: 'abc+ def', cursor: 4 })
  })

  it('starts a new paragraph at the end of the draft', () => {
    expect(insertIntoDraft('Hello', 'Text', 5, 5).value).toBe('Hello\n\nText')
    expect(insertIntoDraft('Hello\n', 'Text').value).toBe('Hello\n\nText')
    expect(insertIntoDraft('Hello\n\n', 'Text').value).toBe('Hello\n\nText')
    expect(insertIntoDraft('Hello', 'Text').cursor).toBe('Hello\n\nText'.length)
  })

  it('clamps a cursor outside the draft', () => {
    expect(insertIntoDraft('ab', 'X', 99, 99).value).toBe('ab\n\nX')
    expect(insertIntoDraft('ab', 'X', -3, -3).value).toBe('Xab')
  })

  it('replaces on request', () => {
    expect(replaceDraft('New')).toEqual({ value: 'New', cursor: 3 })
  })
})

const list = {
  data: [
    { id: 'r1', title: 'Apology', body: 'Hello {{customer_name}}, we are sorry.', locale: 'en' },
    { id: 'r2', title: 'Anteeksipyyntö', body: 'Hei {{customer_name}}, pahoittelemme.', locale: 'fi' },
    { id: 'r3', title: 'Refund on its way', body: 'Your refund for {{reference}} is on its way.', locale: 'en' },
  ],
  meta: { total: 3, placeholders: ['customer_name', 'reference', 'agent_name', 'subject'] },
}

function mountPicker(draftHasText: boolean) {
  return mount(CannedReplyPicker, {
    props: { open: true, caseId: 'K-2026-000001', draftHasText, caseLocale: 'fi' },
    global: { plugins: [createAppI18n('en')] },
    attachTo: document.body,
  })
}

afterEach(() => {
  document.body.innerHTML = ''
})

describe('the canned reply picker', () => {
  it('lists replies in the customer’s language first and filters by title or text', async () => {
    mockFetch(json(200, list))
    const wrapper = mountPicker(false)
    await flushPromises()
    const titles = () => wrapper.findAll('.canned-item__title').map((e) => e.text())
    expect(titles()).toEqual(['Anteeksipyyntö', 'Apology', 'Refund on its way'])
    await wrapper.get('[data-testid=canned-search]').setValue('refund')
    expect(titles()).toEqual(['Refund on its way'])
    await wrapper.get('[data-testid=canned-search]').setValue('SORRY')
    expect(titles()).toEqual(['Apology'])
    expect(wrapper.get('#canned-count').text()).toBe('1 of 3 shown')
    await wrapper.get('[data-testid=canned-search]').setValue('nothing like this')
    expect(wrapper.text()).toContain('No canned reply matches “nothing like this”.')
  })

  it('fills the reply in for the case and hands it over when the draft is empty', async () => {
    const { calls } = mockFetch(json(200, list), json(200, { data: { body: 'Hello Maija, we are sorry.' } }))
    const wrapper = mountPicker(false)
    await flushPromises()
    await wrapper.get('[data-reply=r1]').trigger('click')
    await flushPromises()
    expect(calls[1]!.url).toBe('/api/v1/cases/K-2026-000001/canned-replies/r1')
    expect(wrapper.emitted('insert')).toEqual([['Hello Maija, we are sorry.', 'replace', 'Apology']])
  })

  it('asks before touching a draft that has text', async () => {
    mockFetch(json(200, list), json(200, { data: { body: 'Filled' } }), json(200, list), json(200, { data: { body: 'Filled again' } }))
    const wrapper = mountPicker(true)
    await flushPromises()
    await wrapper.get('[data-reply=r3]').trigger('click')
    await flushPromises()
    expect(wrapper.emitted('insert')).toBeUndefined()
    expect(wrapper.get('[data-testid=canned-confirm]').text()).toContain('Insert “Refund on its way” at the cursor, or replace the whole draft with it?')
    expect(document.activeElement).toBe(wrapper.get('[data-testid=canned-insert-at-cursor]').element)
    await wrapper.get('[data-testid=canned-insert-at-cursor]').trigger('click')
    expect(wrapper.emitted('insert')).toEqual([['Filled', 'insert', 'Refund on its way']])

    // Opened again: the list is back, and replacing is a choice too.
    await wrapper.setProps({ open: false })
    await wrapper.setProps({ open: true })
    await flushPromises()
    await wrapper.get('[data-reply=r3]').trigger('click')
    await flushPromises()
    await wrapper.get('[data-testid=canned-replace]').trigger('click')
    expect(wrapper.emitted('insert')![1]).toEqual(['Filled again', 'replace', 'Refund on its way'])
  })

  it('shows why a reply could not be filled in', async () => {
    mockFetch(json(200, list), json(404, { error: { code: 'not_found', message: 'canned reply not found' } }))
    const wrapper = mountPicker(false)
    await flushPromises()
    await wrapper.get('[data-reply=r1]').trigger('click')
    await flushPromises()
    expect(wrapper.get('[role=alert]').text()).toContain('canned reply not found')
    expect(wrapper.emitted('insert')).toBeUndefined()
  })
})
