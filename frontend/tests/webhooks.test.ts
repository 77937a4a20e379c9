import { describe, expect, it } from 'vitest'
import en from '../src/locales/en'
import fi from '../src/locales/fi'
import { webhookUrlErrorKey } from '../src/webhooks'

// The server's URL refusals (webhook/guard.go) become translated field errors.
const refusals: Array<[string, string]> = [
  ['points to a private, loopback or link-local address; an admin must allow the host in KAIKU_WEBHOOK_ALLOW_HOSTS', 'urlPrivate'],
  ['resolves to a private, loopback or link-local address; an admin must allow the host in KAIKU_WEBHOOK_ALLOW_HOSTS', 'urlPrivate'],
  ['the host name could not be resolved', 'urlUnresolved'],
  ['must not contain a user name or password', 'urlCredentials'],
  ['must use http or https', 'urlScheme'],
  ['must be an absolute http or https URL', 'urlScheme'],
  ['has an invalid port', 'urlInvalid'],
  ['must name a host', 'urlInvalid'],
]

describe('webhook URL errors', () => {
  it.each(refusals)('%s', (message, key) => {
    expect(webhookUrlErrorKey(message)).toBe(`webhooks.errors.${key}`)
    expect(en.webhooks.errors[key as keyof typeof en.webhooks.errors]).toBeTruthy()
    expect(fi.webhooks.errors[key as keyof typeof fi.webhooks.errors]).toBeTruthy()
  })
})
