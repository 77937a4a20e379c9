import { describe, expect, it } from 'vitest'
import en from '../src/locales/en'
import fi from '../src/locales/fi'
import { webhookUrlErrorKey } from '../src/webhooks'

// The server's URL refusal codes (webhook/guard.go) become translated field errors.
const refusals: Array<[string, string]> = [
  ['private_address', 'urlPrivate'],
  ['unresolved', 'urlUnresolved'],
  ['credentials', 'urlCredentials'],
  ['not_http', 'urlScheme'],
  ['required', 'urlRequired'],
  ['too_long', 'urlTooLong'],
  ['bad_port', 'urlInvalid'],
  ['no_host', 'urlInvalid'],
]

describe('webhook URL errors', () => {
  it.each(refusals)('%s', (message, key) => {
    expect(webhookUrlErrorKey(message)).toBe(`webhooks.errors.${key}`)
    expect(en.webhooks.errors[key as keyof typeof en.webhooks.errors]).toBeTruthy()
    expect(fi.webhooks.errors[key as keyof typeof fi.webhooks.errors]).toBeTruthy()
  })
})
