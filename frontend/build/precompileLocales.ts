// Build-time compilation of the message catalogues (src/locales/*.ts) so the app can use
// vue-i18n's runtime-only build: no message compiler in the bundle (about 60 KB less), no
// compiling in the browser. Each message becomes the (minified) AST that vue-i18n's runtime evaluates
// (no eval, so the strict CSP holds).
//
// @intlify/unplugin-vue-i18n does this for files that `export default { ... }` an object
// literal; our catalogues are `const en = { ... }; export default en` (fi.ts is typed against
// en), so this plugin evaluates the module instead and compiles what it exports, keeping the
// files in the form everyone edits.
import { baseCompile, type CompileError } from '@intlify/message-compiler'
import { transformWithOxc, type Plugin } from 'vite'

const LOCALE_FILE = /[\\/]src[\\/]locales[\\/][a-z]{2}\.ts$/

type Catalogue = { [key: string]: string | Catalogue }

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

export function precompileLocales(): Plugin {
  return {
    name: 'kaiku:precompile-locales',
    // Dev server and unit tests keep the full vue-i18n build, which compiles at run time.
    apply: 'build',
    enforce: 'pre',
    async transform(code, id) {
      if (!LOCALE_FILE.test(id)) return null
      // The catalogue is plain data: strip the types and evaluate it as a module.
      const js = await transformWithOxc(code, id, { lang: 'ts' })
      const url = `data:text/javascript;base64,${Buffer.from(js.code).toString('base64')}`
      const mod = (await import(/* @vite-ignore */ url)) as { default?: Catalogue }
      if (!mod.default || typeof mod.default !== 'object') throw new Error(`${id}: no default export of messages`)
      const name = id.replace(/^.*[\\/]/, '').replace(/\.ts$/, '')
      return { code: `export default ${compileCatalogue(mod.default, name)}\n`, map: null }
    },
  }
}
