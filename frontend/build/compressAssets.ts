// Writes a brotli (.br) and a gzip (.gz) copy beside every text file of the build, so the Go
// server answers with the smallest encoding the browser accepts and spends no CPU on it
// (handlers/static.go). Node's zlib does both at their highest levels; no extra dependency.
import { readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { brotliCompressSync, constants, gzipSync } from 'node:zlib'
import type { Plugin } from 'vite'

const TEXT_FILE = /\.(html|js|mjs|css|svg|json|txt|map|webmanifest|xml)$/

async function* filesUnder(dir: string): AsyncGenerator<string> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) yield* filesUnder(path)
    else if (entry.isFile()) yield path
  }
}

/** Writes path.br and path.gz when each is smaller than the file itself. */
export async function compressFile(path: string): Promise<void> {
  const raw = await readFile(path)
  const br = brotliCompressSync(raw, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
      [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
      [constants.BROTLI_PARAM_SIZE_HINT]: raw.length,
    },
  })
  const gz = gzipSync(raw, { level: 9 })
  if (br.length < raw.length) await writeFile(`${path}.br`, br)
  if (gz.length < raw.length) await writeFile(`${path}.gz`, gz)
}

export async function compressDir(dir: string): Promise<void> {
  for await (const path of filesUnder(dir)) {
    if (TEXT_FILE.test(path)) await compressFile(path)
  }
}

export function compressAssets(): Plugin {
  let outDir = 'dist'
  return {
    name: 'kaiku:compress-assets',
    apply: 'build',
    configResolved(config) {
      outDir = join(config.root, config.build.outDir)
    },
    async closeBundle() {
      await compressDir(outDir)
    },
  }
}
