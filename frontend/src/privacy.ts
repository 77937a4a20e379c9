// A customer's data-protection requests (issue 18): look a customer up, erase their data.
import { request } from './api'
import type { components } from './generated/openapi'

type Schemas = components['schemas']
export type CustomerCases = Schemas['CustomerCases']

export async function lookUpCustomer(email: string): Promise<CustomerCases> {
  return (await request<CustomerCases>('GET', '/privacy/cases', { query: { email } })).data
}

export async function eraseCustomer(email: string, confirmEmail: string): Promise<number> {
  const res = await request<Schemas['EraseCustomerResult']>('POST', '/privacy/erase', { body: { email, confirm_email: confirmEmail } })
  return res.data.cases
}

export async function getRetentionMonths(): Promise<number> {
  return (await request<Schemas['RetentionSettings']>('GET', '/settings/retention')).data.months ?? 0
}

export async function saveRetentionMonths(months: number): Promise<number> {
  return (await request<Schemas['RetentionSettings']>('PUT', '/settings/retention', { body: { months } })).data.months ?? 0
}
