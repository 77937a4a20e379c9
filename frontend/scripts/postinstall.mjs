// Marks node_modules/ as a separate Go module so that `go build ./...`,
// `go vet ./...` and `go test ./...` in the repository never descend into it
// (some npm packages ship .go files).
import { existsSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const nodeModules = join(dirname(fileURLToPath(import.meta.url)), '..', 'node_modules')
if (existsSync(nodeModules)) {
  writeFileSync(join(nodeModules, 'go.mod'), 'module kaiku.invalid/frontend/node_modules\n')
}
