import { afterEach, describe, expect, it } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import ConfirmDialog from '../src/components/ConfirmDialog.vue'
import ListState from '../src/components/ListState.vue'
import { createAppI18n } from '../src/i18n'

afterEach(() => {
  document.body.innerHTML = ''
})

const global = { plugins: [createAppI18n('en')] }

describe('ConfirmDialog', () => {
  it('asks, shows the error, and says which button does what', async () => {
    const wrapper = mount(ConfirmDialog, {
      props: { open: true, title: 'Delete rule', error: 'It failed', busy: false, label: 'Delete', busyLabel: 'Deleting…', testid: 'confirm-delete' },
      slots: { default: '<p class="question">Delete “Escalate VIP”?</p>', actions: '<button type="button" data-testid="other">Disable instead</button>' },
      global,
      attachTo: document.body,
    })
    await flushPromises()
    expect(wrapper.find('.question').exists()).toBe(true)
    expect(wrapper.get('[role=alert]').text()).toBe('It failed')
    const buttons = wrapper.findAll('.form__actions button').map((b) => b.text())
    expect(buttons).toEqual(['Cancel', 'Disable instead', 'Delete'])
    await wrapper.get('[data-testid=confirm-delete]').trigger('click')
    await wrapper.get('.form__actions .btn--secondary').trigger('click')
    expect(wrapper.emitted('confirm')).toHaveLength(1)
    expect(wrapper.emitted('close')).toHaveLength(1)

    await wrapper.setProps({ busy: true })
    expect(wrapper.get('[data-testid=confirm-delete]').text()).toBe('Deleting…')
    expect(wrapper.get('[data-testid=confirm-delete]').attributes('disabled')).toBeDefined()
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
})
