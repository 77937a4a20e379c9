// Re-creates dist/.placeholder after `vite build` (emptyOutDir removes it).
// The placeholder is tracked in git so that `//go:embed all:dist` compiles on
// a clean checkout without a frontend build; its content must stay identical
// to the tracked file so that a build leaves `git status` clean.
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const PLACEHOLDER_TEXT =
  'Placeholder so that go:embed finds frontend/dist on a clean checkout.\n' +
  'Run `npm run build` in frontend/ to build the web app into this folder.\n'

const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist')
mkdirSync(dist, { recursive: true })
writeFileSync(join(dist, '.placeholder'), PLACEHOLDER_TEXT)
