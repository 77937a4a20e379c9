import { afterEach, describe, expect, it } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createMemoryHistory, createRouter } from 'vue-router'
import { createAppI18n } from '../src/i18n'
import { buildPolicy, controlId, emptyForm, formFromPolicy, localizeSlaError, placeOf } from '../src/slaPolicyForm'
import SlaPolicyEditView from '../src/views/SlaPolicyEditView.vue'
import type { SLAPolicy } from '../src/types'
import { vi } from 'vitest'
import { json, type RecordedCall } from './helpers'

/** Answers by method and path (GET /categories may be cached by an earlier test); records the calls. */
function routeFetch(routes: Record<string, Array<() => Response>>) {
  const calls: RecordedCall[] = []
  vi.stubGlobal(
    'fetch',
    vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}) => {
      calls.push({ url: String(input), init })
      const key = `${init.method ?? 'GET'} ${String(input)}`
      const next = routes[key]?.shift()
      if (!next) throw new Error(`unexpected fetch ${key}`)
      return next()
    }),
  )
  return { calls }
}

const CATEGORIES = () => json(200, { data: [{ id: 'delivery', name_en: 'Delivery', name_fi: 'Toimitus', active: true }] })

const i18n = createAppI18n('en')
const t = i18n.global.t as unknown as (key: string, values?: Record<string, unknown>) => string

const standard: SLAPolicy = {
  id: 'default',
  name: 'Standard',
  enabled: true,
  position: 0,
  calendar: {
    time_zone: 'Europe/Helsinki',
    hours: {
      monday: [{ start: '08:00', end: '16:00' }],
      tuesday: [{ start: '08:00', end: '12:00' }, { start: '13:00', end: '16:00' }],
      wednesday: [],
      thursday: [],
      friday: [{ start: '22:00', end: '06:00' }],
      saturday: [],
      sunday: [],
    },
    holidays: [{ date: '2026-12-24', name: 'Christmas Eve' }],
  },
  targets: {
    normal: { first_response_minutes: 480, next_response_minutes: 480, resolution_minutes: 2400 },
    urgent: { first_response_minutes: 60, next_response_minutes: 90, resolution_minutes: 480 },
  },
  final_answer_days: 56,
  warn_at_percent: 80,
  conditions: { channels: ['web_form'], categories: ['delivery'], touchpoints: [] },
  created_at: '2026-01-01T00:00:00Z',
  updated_at: '2026-01-01T00:00:00Z',
  version: 4,
}

describe('the policy form model', () => {
  it('round-trips a policy: priorities without targets of their own use normal’s', () => {
    const form = formFromPolicy(standard)
    expect(form.targets.urgent).toMatchObject({ inherit: false, first_response: { h: '1', m: '0' }, next_response: { h: '1', m: '30' } })
    expect(form.targets.high.inherit).toBe(true)
    expect(form.targets.low.inherit).toBe(true)
    const { body, errors } = buildPolicy(form, t)
    expect(errors).toEqual({})
    expect(body).toEqual({
      name: 'Standard',
      enabled: true,
      position: 0,
      warn_at_percent: 80,
      final_answer_days: 56,
      targets: standard.targets,
      calendar: standard.calendar,
      conditions: standard.conditions,
    })
  })

  it('starts a new policy from the server’s defaults', () => {
    const form = emptyForm()
    form.name = '  Weekend  '
    const { body } = buildPolicy(form, t)
    expect(body!.name).toBe('Weekend')
    expect(body!.calendar?.time_zone).toBe('Europe/Helsinki')
    expect(body!.calendar?.hours?.monday).toEqual([{ start: '08:00', end: '16:00' }])
    expect(body!.calendar?.hours?.sunday).toEqual([])
    expect(body!.targets).toEqual({ normal: { first_response_minutes: 480, next_response_minutes: 480, resolution_minutes: 2400 } })
    expect(body!.warn_at_percent).toBe(75)
  })

  it('sends hours and minutes as minutes, and blank rows as they are (the server names them by index)', () => {
    const form = emptyForm()
    form.name = 'X'
    form.targets.high.inherit = false
    form.targets.high.first_response = { h: '2', m: '30' }
    form.targets.high.next_response = { h: '', m: '' }
    form.targets.high.resolution = { h: '24', m: '' }
    form.hours.monday.push({ key: 1, start: '', end: '' })
    form.holidays.push({ key: 2, date: '', name: ' x ' })
    const { body } = buildPolicy(form, t)
    expect(body!.targets.high).toEqual({ first_response_minutes: 150, next_response_minutes: 0, resolution_minutes: 1440 })
    expect(body!.calendar?.hours?.monday).toEqual([{ start: '08:00', end: '16:00' }, { start: '', end: '' }])
    expect(body!.calendar?.holidays).toEqual([{ date: '', name: 'x' }])
  })

  it('catches what the browser can tell: name, numbers, hours and minutes (keyed like the server)', () => {
    const form = emptyForm()
    form.position = '-1'
    form.warn_at_percent = '100'
    form.final_answer_days = 'many'
    form.targets.normal.first_response = { h: '1', m: '75' }
    form.targets.normal.resolution = { h: '9000', m: '0' }
    const { body, errors } = buildPolicy(form, t)
    expect(body).toBeNull()
    expect(errors).toEqual({
      name: 'Give the policy a name (at most 120 characters).',
      position: 'Enter a whole number from 0 to 100000.',
      warn_at_percent: 'Enter a whole number from 0 to 99.',
      final_answer_days: 'Enter a whole number from 0 to 366.',
      'targets[normal].first_response_minutes': 'Enter whole hours, and minutes from 0 to 59.',
      'targets[normal].resolution_minutes': 'At most a year (8784 hours).',
    })
  })
})

describe('where a server field error goes', () => {
  const form = formFromPolicy(standard)
  const cases: Array<[string, ReturnType<typeof placeOf>, string]> = [
    ['name', { at: 'field', field: 'name' }, 'sla-name'],
    ['warn_at_percent', { at: 'field', field: 'warn_at_percent' }, 'sla-warn'],
    ['targets', { at: 'targets' }, 'sla-t-normal-first_response-h'],
    ['targets[extreme]', { at: 'priority', priority: 'extreme' }, 'sla-t-extreme-first_response-h'],
    ['targets[high]', { at: 'priority', priority: 'high' }, 'sla-t-high-inherit'],
    ['targets[normal].first_response_minutes', { at: 'target', priority: 'normal', kind: 'first_response' }, 'sla-t-normal-first_response-h'],
    ['targets[urgent].resolution_minutes', { at: 'target', priority: 'urgent', kind: 'resolution' }, 'sla-t-urgent-resolution-h'],
    ['calendar.time_zone', { at: 'field', field: 'time_zone' }, 'sla-tz'],
    ['calendar.hours', { at: 'hours' }, 'sla-h-monday-0-start'],
    ['calendar.hours.wednesday', { at: 'day', day: 'wednesday' }, 'sla-h-wednesday-add'],
    ['calendar.hours.monday[0].start', { at: 'interval', day: 'monday', index: 0, part: 'start' }, 'sla-h-monday-0-start'],
    ['calendar.hours.tuesday[1].end', { at: 'interval', day: 'tuesday', index: 1, part: 'end' }, 'sla-h-tuesday-1-end'],
    ['calendar.hours.tuesday[1]', { at: 'interval', day: 'tuesday', index: 1 }, 'sla-h-tuesday-1-start'],
    ['calendar.holidays[1].date', { at: 'holiday', index: 1, part: 'date' }, 'sla-hol-1-date'],
    ['calendar.holidays[0].name', { at: 'holiday', index: 0, part: 'name' }, 'sla-hol-0-name'],
    ['calendar.holidays', { at: 'holidays' }, 'sla-hol-0-date'],
    ['conditions.channels[0]', { at: 'condition', list: 'channels' }, 'sla-cond-channels'],
    ['conditions.categories', { at: 'condition', list: 'categories' }, 'sla-cond-categories'],
    ['version', { at: 'other' }, 'sla-name'],
  ]
  for (const [key, place, id] of cases) {
    it(key, () => {
      expect(placeOf(key)).toEqual(place)
      expect(controlId(key, form)).toBe(id)
    })
  }
})

describe('the server’s messages in words', () => {
  const en: Array<[string, string]> = [
    ['is required', 'This is required.'],
    ['must be at least 0', 'Enter at least 0.'],
    ['must be at most 527040', 'Enter at most 527040.'],
    ['must be between 0 and 99', 'Enter a whole number from 0 to 99.'],
    ['must be a time of day as HH:MM, 00:00 to 23:59', 'Enter the start as HH:MM, from 00:00 to 23:59.'],
    ['must be a time of day as HH:MM, 00:00 to 24:00', 'Enter the end as HH:MM, from 00:00 to 24:00.'],
    ['must differ from the start (use 00:00 to 24:00 for a whole day)', 'The end must differ from the start (use 00:00–24:00 for the whole day).'],
    ['overlaps hours.monday[0]', 'Overlaps Monday hours 1.'],
    ['must have at least one opening interval', 'Open the calendar at least once a week.'],
    ['must be a date as YYYY-MM-DD', 'Enter a date that exists, as YYYY-MM-DD.'],
    ['repeats holidays[0]', 'The same date as holiday 1.'],
    ['unknown time zone (use an IANA name such as Europe/Helsinki)', 'Choose a known time zone.'],
    ['set at least one target above 0, or final_answer_days', 'Set at least one target above 0, or a final answer deadline.'],
    ['must be one of: web_form email phone walk_in review api', 'Choose one of the values offered.'],
    ['something new', 'Something new.'],
  ]
  for (const [message, expected] of en) it(message, () => expect(localizeSlaError(message, t)).toBe(expected))

  it('in Finnish', () => {
    i18n.global.locale.value = 'fi'
    expect(localizeSlaError('overlaps hours.tuesday[1]', t)).toBe('Menee päällekkäin: tiistai, aika 2.')
    i18n.global.locale.value = 'en'
  })
})

async function mountEdit(path: string) {
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/admin/sla-policies', component: { template: '<p>list</p>' } },
      { path: '/admin/sla-policies/new', name: 'sla-policy-new', component: SlaPolicyEditView },
      { path: '/admin/sla-policies/:id', name: 'sla-policy', component: SlaPolicyEditView },
    ],
  })
  await router.push(path)
  await router.isReady()
  const wrapper = mount(SlaPolicyEditView, { global: { plugins: [router, createAppI18n('en')] }, attachTo: document.body })
  await flushPromises()
  return { wrapper, router }
}

afterEach(() => {
  document.body.innerHTML = ''
})

describe('the policy form page', () => {
  it('shows the server’s field errors at their inputs and in a summary', async () => {
    const { calls } = routeFetch({
      'GET /api/v1/sla-policies/default': [() => json(200, { data: standard })],
      'GET /api/v1/categories': [CATEGORIES],
      'PATCH /api/v1/sla-policies/default': [() => json(400, {
        error: {
          code: 'invalid_request',
          message: 'the SLA policy is not valid',
          fields: {
            'calendar.hours.tuesday[1]': 'overlaps hours.tuesday[0]',
            'calendar.holidays[0].date': 'must be a date as YYYY-MM-DD',
            'targets[normal].first_response_minutes': 'must be at most 527040',
            'calendar.time_zone': 'unknown time zone (use an IANA name such as Europe/Helsinki)',
          },
        },
      })],
    })
    const { wrapper } = await mountEdit('/admin/sla-policies/default')
    expect((wrapper.get('#sla-name').element as HTMLInputElement).value).toBe('Standard')
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    const sent = JSON.parse(String(calls.find((c) => c.init.method === 'PATCH')!.init.body))
    expect(sent.version).toBe(4)
    expect(sent.calendar.hours.tuesday).toHaveLength(2)

    const summary = wrapper.get('[data-testid=error-summary]')
    expect(summary.findAll('a').map((a) => a.attributes('href'))).toEqual(['#sla-t-normal-first_response-h', '#sla-tz', '#sla-h-tuesday-1-start', '#sla-hol-0-date'])
    expect(summary.text()).toContain('Tuesday, hours 2: Overlaps Tuesday hours 1.')
    expect(document.activeElement).toBe(summary.element)
    expect(wrapper.get('#sla-h-tuesday-1-start').attributes('aria-invalid')).toBe('true')
    expect(wrapper.get('#sla-h-tuesday-1-end').attributes('aria-invalid')).toBe('true')
    expect(wrapper.get('#sla-h-tuesday-0-start').attributes('aria-invalid')).toBeUndefined()
    expect(wrapper.get('#sla-h-tuesday-1-error').text()).toBe('Overlaps Tuesday hours 1.')
    expect(wrapper.get('#sla-hol-0-date').attributes('aria-describedby')).toBe('sla-hol-0-error')
    expect(wrapper.get('#sla-t-normal-first_response-error').text()).toBe('Enter at most 527040.')
    expect(wrapper.get('#sla-tz').attributes('aria-invalid')).toBe('true')

    // Removing the overlapping hours clears that day's (now stale) errors.
    const tuesday = wrapper.get('[data-day=tuesday]')
    await tuesday.findAll('li button')[1]!.trigger('click')
    expect(wrapper.find('#sla-h-tuesday-1-start').exists()).toBe(false)
    expect(wrapper.get('[data-testid=error-summary]').text()).not.toContain('Tuesday')
  })

  it('409: says someone else saved first and reloads their version', async () => {
    routeFetch({
      'GET /api/v1/sla-policies/default': [() => json(200, { data: standard }), () => json(200, { data: { ...standard, name: 'Standard (theirs)', version: 5 } })],
      'GET /api/v1/categories': [CATEGORIES],
      'PATCH /api/v1/sla-policies/default': [() => json(409, { error: { code: 'version_conflict', message: 'the policy was changed by someone else; reload and try again' } })],
    })
    const { wrapper } = await mountEdit('/admin/sla-policies/default')
    await wrapper.get('#sla-name').setValue('Mine')
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(wrapper.get('[data-testid=sla-conflict]').text()).toContain('Someone else changed this policy')
    await wrapper.get('[data-testid=sla-reload]').trigger('click')
    await flushPromises()
    expect(wrapper.find('[data-testid=sla-conflict]').exists()).toBe(false)
    expect((wrapper.get('#sla-name').element as HTMLInputElement).value).toBe('Standard (theirs)')
  })

  it('creates with POST and goes back to the list', async () => {
    const { calls } = routeFetch({
      'GET /api/v1/categories': [CATEGORIES],
      'POST /api/v1/sla-policies': [() => json(201, { data: { ...standard, id: 'new1', name: 'Night' } })],
    })
    const { wrapper, router } = await mountEdit('/admin/sla-policies/new')
    await wrapper.get('#sla-name').setValue('Night')
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    const post = calls.find((c) => c.init.method === 'POST')!
    expect(post.url).toBe('/api/v1/sla-policies')
    expect(JSON.parse(String(post.init.body)).name).toBe('Night')
    expect(router.currentRoute.value.path).toBe('/admin/sla-policies')
  })
})
