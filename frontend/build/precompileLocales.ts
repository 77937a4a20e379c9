// The message catalogues (src/locales/*.ts) as the app loads them: each language in two parts,
// `?part=customer` (what the customers' pages need) and `?part=staff` (the sections only the
// staff app uses), so a customer's phone never downloads the staff app's texts.
//
// In the production build every message is also compiled to the (minified) AST that vue-i18n's
// runtime evaluates, so the app uses vue-i18n without its message compiler (about 60 KB less)
// and compiles nothing in the browser (no eval: the strict CSP holds). The dev server and the
// unit tests get the plain messages, which the full vue-i18n compiles at run time.
//
// @intlify/unplugin-vue-i18n precompiles only files that `export default { ... }` an object
// literal; our catalogues are `const en = { ... }; export default en` (fi.ts is typed against
// en), so this plugin evaluates the module instead, keeping the files in the form everyone edits.
import { readFile } from 'node:fs/promises'
import { baseCompile, type CompileError } from '@intlify/message-compiler'
import { transformWithOxc, type Plugin } from 'vite'

/**
 * Top-level sections the customers' pages use; every other section is in the staff part, so a
 * section added for a new staff feature never reaches a customer's phone. A customer page that
 * uses a section missing here fails tests/localeParts.test.ts.
 */
export const CUSTOMER_SECTIONS: readonly string[] = [
  'app', 'common', 'nav', 'languages', 'status', 'priority', 'channels', 'outcomes', 'messageKinds',
  'public', 'forms', 'files', 'touchpoints', 'complain', 'track', 'errors',
  'trackRemedies',
]

export type CataloguePart = 'customer' | 'staff'

const PART_ID = /^(.*[\\/]src[\\/]locales[\\/][a-z]{2})(?:\.ts)?\?part=(customer|staff)$/

type Catalogue = { [key: string]: string | Catalogue }

/** The sections of a catalogue that belong to a part. */
export function cataloguePart(catalogue: Catalogue, part: CataloguePart): Catalogue {
  return Object.fromEntries(
    Object.entries(catalogue).filter(([section]) => CUSTOMER_SECTIONS.includes(section) === (part === 'customer')),
  )
}

/** The catalogue as JavaScript source, every message compiled to its AST. */
export function compileCatalogue(tree: Catalogue, where: string): string {
  const entries = Object.entries(tree).map(([key, value]) => {
    const path = `${where}.${key}`
    const code = typeof value === 'string' ? compileMessage(value, path) : compileCatalogue(value, path)
    return `${JSON.stringify(key)}:${code}`
  })
  return `{${entries.join(',')}}`
}

function compileMessage(message: string, path: string): string {
  const errors: CompileError[] = []
  const { ast } = baseCompile(message, {
    jit: true,
    location: false,
    minify: true,
    onError: (err) => errors.push(err),
  })
  if (errors.length > 0) {
    throw new Error(`${path}: cannot compile message ${JSON.stringify(message)}: ${errors.map((e) => e.message).join('; ')}`)
  }
  return JSON.stringify(ast)
}

/** Evaluates a catalogue file (plain data with types) and returns what it exports. */
async function evaluateCatalogue(file: string): Promise<Catalogue> {
  const js = await transformWithOxc(await readFile(file, 'utf8'), file, { lang: 'ts' })
  const url = `data:text/javascript;base64,${Buffer.from(js.code).toString('base64')}`
  const mod = (await import(/* @vite-ignore */ url)) as { default?: Catalogue }
  if (!mod.default || typeof mod.default !== 'object') throw new Error(`${file}: no default export of messages`)
  return mod.default
}

export function precompileLocales(): Plugin {
  let compile = false
  return {
    name: 'kaiku:precompile-locales',
    enforce: 'pre',
    configResolved(config) {
      compile = config.command === 'build'
    },
    async resolveId(source, importer) {
      if (!source.includes('?part=') || !importer) return null
      const resolved = await this.resolve(source.replace(/\?part=.*$/, ''), importer, { skipSelf: true })
      if (!resolved) return null
      return `${resolved.id}${source.slice(source.indexOf('?part='))}`
    },
    async load(id) {
      const match = PART_ID.exec(id)
      if (!match) return null
      const file = `${match[1]}.ts`
      const part = match[2] as CataloguePart
      this.addWatchFile(file)
      const messages = cataloguePart(await evaluateCatalogue(file), part)
      const name = file.replace(/^.*[\\/]/, '').replace(/\.ts$/, '')
      const code = compile ? compileCatalogue(messages, name) : JSON.stringify(messages)
      return { code: `export default ${code}\n`, map: null }
    },
  }
}
