import { describe, expect, it } from 'vitest'
import { errorFromBody } from '../src/api'
import { localizeFieldError } from '../src/fieldErrors'
import { parseLiveEvent } from '../src/stores/live'
import { createAppI18n, i18n as appI18n } from '../src/i18n'

describe('server validation messages in the user\'s language', () => {
  const i18n = createAppI18n('fi')
  const t = (key: string, values?: Record<string, unknown>) => i18n.global.t(key, values ?? {})

  it('uses field-specific sentences', () => {
    expect(localizeFieldError('name', 'is required', t)).toBe('Kirjoita nimesi.')
    expect(localizeFieldError('email', 'must be an e-mail address', t)).toBe('Kirjoita kelvollinen sähköpostiosoite.')
    expect(localizeFieldError('description', 'must be at least 10 characters', t)).toBe('Kerro hieman enemmän: vähintään 10 merkkiä.')
    expect(localizeFieldError('category', 'choose one of the listed categories', t)).toBe('Valitse, mitä reklamaatiosi koskee.')
  })

  it('translates the attachment messages, keeping the file name', () => {
    expect(localizeFieldError('attachments', 'fake.png is not an image or a PDF', t)).toBe('fake.png ei ole kuva eikä PDF-tiedosto.')
    expect(localizeFieldError('attachments', 'at most 5 files', t)).toBe('Voit liittää enintään 5 tiedostoa.')
  })

  it('shows unknown messages as a sentence', () => {
    expect(localizeFieldError('phone', 'looks odd', t)).toBe('Looks odd.')
  })
})

describe('live events', () => {
  it('parses the data line of a server-sent event', () => {
    expect(parseLiveEvent('case.updated', '{"id":"1","type":"case.updated","case_id":"K-1","data":{"by":"u1"},"at":"t"}')).toEqual({
      id: '1',
      type: 'case.updated',
      case_id: 'K-1',
      data: { by: 'u1' },
      at: 't',
    })
    expect(parseLiveEvent('case.created', '{"case_id":"K-2"}')).toMatchObject({ type: 'case.created', case_id: 'K-2', data: null })
    expect(parseLiveEvent('case.created', 'not json')).toBeNull()
  })
})

describe('field errors are chosen by their code, never the server\'s English', () => {
  const body = {
    error: {
      code: 'invalid_request',
      message: 'some fields are not valid',
      fields: { description: 'must be at least 10 characters', name: 'is required', rule: 'expensive regex' },
      field_issues: { description: { code: 'too_short', limit: 10 }, name: { code: 'required' }, rule: { code: 'invalid' } },
    },
  }

  it('words every field in the app\'s language', () => {
    appI18n.global.locale.value = 'en'
    expect(errorFromBody(400, body).fields).toEqual({
      description: 'Too short: at least 10 characters.',
      name: 'Fill in this field.',
      rule: 'This value is not valid.',
    })
    appI18n.global.locale.value = 'fi'
    expect(errorFromBody(400, body).fields).toEqual({
      description: 'Liian lyhyt: vähintään 10 merkkiä.',
      name: 'Täytä tämä kenttä.',
      rule: 'Arvo ei kelpaa.',
    })
    appI18n.global.locale.value = 'en'
  })

  it('keeps the public form\'s own wording for its fields', () => {
    const i18n = createAppI18n('fi')
    const t = (key: string, values?: Record<string, unknown>) => i18n.global.t(key, values ?? {})
    expect(localizeFieldError('description', 'whatever', t, { code: 'too_short', limit: 10 })).toBe('Kerro hieman enemmän: vähintään 10 merkkiä.')
    expect(localizeFieldError('attachments', 'whatever', t, { code: 'wrong_file_type', file: 'x.png' })).toBe('x.png ei ole kuva eikä PDF-tiedosto.')
    expect(localizeFieldError('phone', 'must be at most 40 characters', t, { code: 'too_long', limit: 40 })).toBe('Liian pitkä: enintään 40 merkkiä.')
  })
})
