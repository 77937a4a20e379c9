// index.html's entry (src/main.ts) imports the app (src/app.ts) dynamically, so that it can ask
// for the language's messages and a customer's page first. Vite preloads from the HTML only
// what an entry imports statically; this adds the app's own chunks and its stylesheet, so the
// framework still starts loading with the HTML instead of one round trip later.
import type { HtmlTagDescriptor, Plugin } from 'vite'

const APP_MODULE = /[\\/]src[\\/]app\.ts$/

export function preloadApp(): Plugin {
  let base = '/'
  return {
    name: 'kaiku:preload-app',
    apply: 'build',
    configResolved(config) {
      base = config.base
    },
    transformIndexHtml: {
      order: 'post',
      handler(_html, { bundle, chunk: entry }) {
        if (!bundle || !entry) return []
        const app = entry.dynamicImports
          .map((file) => bundle[file])
          .find((c) => c?.type === 'chunk' && c.facadeModuleId != null && APP_MODULE.test(c.facadeModuleId))
        if (!app || app.type !== 'chunk') throw new Error('kaiku:preload-app: the entry does not import src/app.ts')
        const scripts = new Set<string>()
        const styles = new Set<string>()
        const visit = (file: string) => {
          const c = bundle[file]
          if (!c || c.type !== 'chunk' || scripts.has(file) || file === entry.fileName) return
          // The entry's own imports are preloaded by Vite already.
          if (entry.imports.includes(file)) return
          scripts.add(file)
          c.viteMetadata?.importedCss.forEach((css) => styles.add(css))
          c.imports.forEach(visit)
        }
        visit(app.fileName)
        const tags: HtmlTagDescriptor[] = [
          ...[...styles].map((href) => ({ tag: 'link', attrs: { rel: 'stylesheet', crossorigin: true, href: base + href }, injectTo: 'head' as const })),
          ...[...scripts].map((href) => ({ tag: 'link', attrs: { rel: 'modulepreload', crossorigin: true, href: base + href }, injectTo: 'head' as const })),
        ]
        return tags
      },
    },
  }
}
