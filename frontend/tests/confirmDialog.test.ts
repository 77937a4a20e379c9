import { afterEach, describe, expect, it, vi } from 'vitest'
import { reactive } from 'vue'
import { RouterLinkStub, flushPromises, mount } from '@vue/test-utils'
import ConfirmDialog from '../src/components/ConfirmDialog.vue'
import ListState from '../src/components/ListState.vue'
import { createAppI18n } from '../src/i18n'

afterEach(() => {
  document.body.innerHTML = ''
})

const global = { plugins: [createAppI18n('en')] }

describe('ConfirmDialog', () => {
  it('is open while its action has a target; asks, shows the error, and wires Cancel and the danger button', async () => {
    const confirm = vi.fn()
    const action = reactive({ target: { id: 'r1' } as unknown, busy: false, error: 'It failed', confirm, cancel: () => (action.target = null) })
    const wrapper = mount(ConfirmDialog, {
      props: { action, title: 'Delete rule', label: 'Delete', busyLabel: 'Deleting…', testid: 'confirm-delete' },
      slots: { default: '<p class="question">Delete “Escalate VIP”?</p>', actions: '<button type="button" data-testid="other">Disable instead</button>' },
      global,
      attachTo: document.body,
    })
    await flushPromises()
    expect(wrapper.get('dialog').attributes('open')).toBeDefined()
    expect(wrapper.find('.question').exists()).toBe(true)
    expect(wrapper.get('[role=alert]').text()).toBe('It failed')
    const buttons = wrapper.findAll('.form__actions button').map((b) => b.text())
    expect(buttons).toEqual(['Cancel', 'Disable instead', 'Delete'])
    await wrapper.get('[data-testid=confirm-delete]').trigger('click')
    expect(confirm).toHaveBeenCalledOnce()

    action.busy = true
    await flushPromises()
    expect(wrapper.get('[data-testid=confirm-delete]').text()).toBe('Deleting…')
    expect(wrapper.get('[data-testid=confirm-delete]').attributes('disabled')).toBeDefined()

    await wrapper.get('.form__actions .btn--secondary').trigger('click')
    expect(action.target).toBeNull()
    await flushPromises()
    expect(wrapper.get('dialog').attributes('open')).toBeUndefined()
  })
})

describe('ListState', () => {
  it('shows loading, then the error with a retry, then the list', async () => {
    const wrapper = mount(ListState, { props: { loading: true, error: '', errorTitle: 'Could not load' }, slots: { default: '<p class="list">rows</p>' }, global })
    expect(wrapper.find('[role=status]').exists()).toBe(true)
    expect(wrapper.find('.list').exists()).toBe(false)
    await wrapper.setProps({ loading: false, error: 'Server down' })
    expect(wrapper.get('[role=alert]').text()).toContain('Could not load')
    expect(wrapper.get('[role=alert]').text()).toContain('Server down')
    await wrapper.get('button').trigger('click')
    expect(wrapper.emitted('retry')).toHaveLength(1)
    await wrapper.setProps({ error: '' })
    expect(wrapper.find('.list').exists()).toBe(true)
  })

  it('shows not found with the way back before any error', async () => {
    const wrapper = mount(ListState, {
      props: { loading: false, error: '', errorTitle: 'Could not load', notFound: true, notFoundTitle: 'No such rule', backTo: '/admin/rules', backLabel: 'Back to rules' },
      slots: { default: '<form class="edit"></form>' },
      global: { ...global, stubs: { RouterLink: RouterLinkStub } },
    })
    expect(wrapper.get('[role=alert]').text()).toContain('No such rule')
    expect(wrapper.getComponent(RouterLinkStub).props('to')).toBe('/admin/rules')
    expect(wrapper.find('.edit').exists()).toBe(false)
  })
})
