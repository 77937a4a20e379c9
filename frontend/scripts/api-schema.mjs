// Generates src/generated/openapi.ts, the web app's API types and enum values, from the
// server's OpenAPI document (handlers/openapi.json), so the API's shape is written once.
//   node scripts/api-schema.mjs          regenerate the checked-in file
//   node scripts/api-schema.mjs --check  fail when the checked-in file differs from a fresh one
// The options live here only, so the check and the regeneration cannot disagree.
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const frontend = join(dirname(fileURLToPath(import.meta.url)), '..')
const spec = join(frontend, '..', 'handlers', 'openapi.json')
const target = join(frontend, 'src', 'generated', 'openapi.ts')
const cli = join(frontend, 'node_modules', 'openapi-typescript', 'bin', 'cli.js')

function generate(out) {
  // --enum-values also exports each enum's values as an array (priorityValues, statusValues…),
  // the one place the UI takes its option lists from.
  execFileSync(process.execPath, [cli, spec, '--enum-values', '--output', out], { stdio: ['ignore', 'ignore', 'inherit'] })
}

if (!process.argv.includes('--check')) {
  generate(target)
  process.exit(0)
}

const dir = mkdtempSync(join(tmpdir(), 'kaiku-api-schema-'))
try {
  const fresh = join(dir, 'openapi.ts')
  generate(fresh)
  if (readFileSync(fresh, 'utf8') === readFileSync(target, 'utf8')) process.exit(0)
  const shown = relative(process.cwd(), target)
  console.error(`${shown} does not match handlers/openapi.json.`)
  console.error('Regenerate it with `cd frontend && npm run gen:api` and commit the result. Difference:')
  spawnSync('diff', ['-u', target, fresh], { stdio: ['ignore', 'inherit', 'inherit'] })
  process.exit(1)
} finally {
  rmSync(dir, { recursive: true, force: true })
}
