import { readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import en from '../src/locales/en'
import { cataloguePart, CUSTOMER_SECTIONS } from '../build/precompileLocales.ts'

type Tree = { [key: string]: string | Tree }

const src = resolve(__dirname, '../src')

// The customers' pages and what loads with them (the app's entry and shell, without the lazy
// staff chunks).
const CUSTOMER_ROOTS = ['main.ts', 'App.vue', 'views/ComplainView.vue', 'views/TrackView.vue']
// router.ts names every route's title key; a staff route's title is shown on that route only,
// after the staff texts have loaded.
// generated/openapi.ts is the API's types and enum values, which hold no message keys.
const SKIP = new Set(['router.ts', 'openapi.ts'])

/** Every source file the roots import statically (dynamic imports are separate chunks). */
function staticClosure(roots: string[]): string[] {
  const seen = new Set<string>()
  const visit = (file: string) => {
    if (seen.has(file)) return
    seen.add(file)
    const code = readFileSync(file, 'utf8')
    for (const [, spec] of code.matchAll(/(?:^|\n)\s*import\s+(?!type\b)[^'"]*?from\s+'(\.[^']+)'/g)) {
      if (!spec) continue
      const base = resolve(dirname(file), spec)
      const candidates = [base, `${base}.ts`, join(base, 'index.ts')]
      const found = candidates.find((c) => /\.(ts|vue)$/.test(c) && safeExists(c))
      if (found) visit(found)
    }
  }
  roots.forEach((root) => visit(join(src, root)))
  return [...seen]
}

function safeExists(file: string): boolean {
  try {
    readFileSync(file)
    return true
  } catch {
    return false
  }
}

describe('message catalogue parts', () => {
  it('split every section into exactly one part', () => {
    const catalogue = en as unknown as Tree
    const customer = cataloguePart(catalogue, 'customer')
    const staff = cataloguePart(catalogue, 'staff')
    expect(Object.keys({ ...customer, ...staff }).sort()).toEqual(Object.keys(catalogue).sort())
    expect(Object.keys(customer).filter((k) => k in staff)).toEqual([])
    // A renamed or removed section must leave the list too.
    expect(CUSTOMER_SECTIONS.filter((s) => !(s in catalogue))).toEqual([])
    expect(Object.keys(customer)).toContain('complain')
    expect(Object.keys(customer)).toContain('track')
  })

  it('give the customers\u2019 pages every text they use', () => {
    const files = staticClosure(CUSTOMER_ROOTS)
    expect(files.length).toBeGreaterThan(5)
    const used: string[] = []
    for (const file of files) {
      if (SKIP.has(file.replace(/^.*[\\/]/, ''))) continue
      const code = readFileSync(file, 'utf8')
      for (const [, section] of code.matchAll(/['"`]([a-zA-Z]+)\.[a-zA-Z$]/g)) {
        if (section && section in en && !CUSTOMER_SECTIONS.includes(section)) used.push(`${file.slice(src.length + 1)}: ${section}`)
      }
    }
    expect(used).toEqual([])
  })
})
