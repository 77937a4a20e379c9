// Reports (issue 16): the figures API, the inbox address behind each figure, and CSV export.
import { request } from './api'
import type { components } from './generated/openapi'
import { formatMinutes as formatDuration } from './sla'

type Schemas = components['schemas']
export type Report = Schemas['Report']
export type ReportFigures = Schemas['ReportFigures']
export type ReportStat = Schemas['ReportStat']
export type ReportPeriod = Schemas['ReportPeriod']
export type ReportGroup = Schemas['ReportGroup']
export type ReportBacklogBucket = Schemas['ReportBacklogBucket']

export const GROUP_BYS = ['team', 'agent', 'category', 'touchpoint', 'channel', 'priority', 'source', 'expected_outcome', 'option', 'outcome_gap', 'sla', 'follow_up'] as const
export type GroupBy = (typeof GROUP_BYS)[number]

/** The report filters: inbox parameter names, as the API takes them. */
export interface ReportFilters {
  team_id?: string
  assignee_id?: string
  channel?: string
  category?: string
  priority?: string
}

export interface ReportQuery {
  from: string // yyyy-mm-dd, inclusive
  to: string // yyyy-mm-dd, inclusive
  interval: 'week' | 'month'
  group_by?: GroupBy[] // the first gives groups, the others breakdowns (one pass)
  group_series?: boolean
  filters: ReportFilters
  extra?: Record<string, string> // more filters (channel=review for the reviews section)
}

export async function fetchReport(q: ReportQuery, signal?: AbortSignal): Promise<Report> {
  const query: Record<string, string | string[] | boolean | undefined> = {
    from: q.from,
    to: q.to,
    interval: q.interval,
    group_by: q.group_by,
    group_series: q.group_series || undefined,
  }
  for (const [k, v] of Object.entries({ ...q.filters, ...q.extra })) if (v) query[k] = v
  return (await request<Report>('GET', '/reports/measures', { query, signal })).data
}

/** The inbox address listing exactly a figure's cases: every view, the figure's filters. */
export function drillLocation(drill: Record<string, string[]> | undefined) {
  if (!drill) return undefined
  return { path: '/inbox', query: { view: 'all', ...drill } }
}

/**
 * A spreadsheet would run a cell starting with = + - @ (or a tab or carriage return) as a
 * formula: such cells get a leading apostrophe, which spreadsheets show as text.
 */
export function neutralizeCell(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value
}

/** CSV (RFC 4180) of a table: every cell quoted, formulas neutralised. */
export function toCsv(header: string[], rows: Array<Array<string | number | null | undefined>>): string {
  const line = (cells: Array<string | number | null | undefined>) =>
    cells.map((c) => `"${neutralizeCell(c === null || c === undefined ? '' : String(c)).replace(/"/g, '""')}"`).join(',')
  return [line(header), ...rows.map(line)].join('\r\n') + '\r\n'
}

/** Offers text as a download. */
export function download(filename: string, text: string, type = 'text/csv;charset=utf-8') {
  // A byte order mark makes spreadsheets read the file as UTF-8 (ä, ö).
  const url = URL.createObjectURL(new Blob(['\ufeff', text], { type }))
  const a = document.createElement('a')
  a.href = url
  a.download = filename
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 1000)
}

/** Whole minutes for times to respond, resolve and reply, in the app's one duration format
 *  (the SLA panel's: "3 d 4 h", Finnish "3 pv 4 t"), or a dash. */
export function formatMinutes(m: number | null | undefined, t: (key: string, values?: Record<string, unknown>) => string): string {
  if (m === null || m === undefined) return '–'
  return formatDuration(m, t)
}

/** A rate (0..1) as a whole percentage, or a dash. */
export function formatRate(r: number | null | undefined, locale: string): string {
  if (r === null || r === undefined) return '–'
  return new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 0 }).format(r)
}

export function formatAverage(v: number | null | undefined, locale: string): string {
  if (v === null || v === undefined) return '–'
  return new Intl.NumberFormat(locale, { minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(v)
}

/** yyyy-mm-dd of a date in the browser's zone. */
export function isoDay(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`
}

/** The inbox filters only reports link to (a drill-down), kept in the inbox's address. */
export const REPORT_FILTERS = ['expected_outcome', 'option_granted', 'outcome_gap', 'sla_outcome', 'follow_up_outcome'] as const
export type ReportFilter = (typeof REPORT_FILTERS)[number]

/** Turns the caller's weekly summary mail on or off (managers and admins). */
export async function setWeeklySummary(enabled: boolean): Promise<boolean> {
  const user = (await request<{ weekly_summary?: boolean }>('PUT', '/me/weekly-summary', { body: { enabled } })).data
  return !!user.weekly_summary
}
