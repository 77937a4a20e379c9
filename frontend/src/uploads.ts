// Client-side checks of attachments before upload. The server checks again by
// content (a renamed file is caught there); these give a quick, clear answer.

export const MAX_FILES = 5
export const MAX_FILE_BYTES = 5 * 1024 * 1024

const ALLOWED_TYPES = ['image/jpeg', 'image/png', 'image/gif', 'image/webp', 'application/pdf']
const ALLOWED_EXTENSIONS = ['jpg', 'jpeg', 'png', 'gif', 'webp', 'pdf']

/** What the file picker offers. */
export const ACCEPT = '.jpg,.jpeg,.png,.gif,.webp,.pdf,image/jpeg,image/png,image/gif,image/webp,application/pdf'

export type FileProblem =
  | { kind: 'too_many'; max: number }
  | { kind: 'too_large'; name: string; maxMb: number }
  | { kind: 'wrong_type'; name: string }
  | { kind: 'empty'; name: string }

interface FileLike {
  name: string
  size: number
  type: string
}

function extension(name: string): string {
  const dot = name.lastIndexOf('.')
  return dot < 0 ? '' : name.slice(dot + 1).toLowerCase()
}

/** True for an image or a PDF by its type, or by its extension when the browser gives no type. */
export function isAllowedType(file: FileLike): boolean {
  const type = (file.type || '').toLowerCase()
  if (type) return ALLOWED_TYPES.includes(type)
  return ALLOWED_EXTENSIONS.includes(extension(file.name))
}

/**
 * Checks a selection of files: at most `max` files, each an image or PDF of at
 * most `maxBytes`, none empty. Returns every problem found (empty when fine).
 */
export function checkFiles(
  files: readonly FileLike[],
  { max = MAX_FILES, maxBytes = MAX_FILE_BYTES }: { max?: number; maxBytes?: number } = {},
): FileProblem[] {
  const problems: FileProblem[] = []
  if (files.length > max) problems.push({ kind: 'too_many', max })
  for (const file of files) {
    if (!isAllowedType(file)) problems.push({ kind: 'wrong_type', name: file.name })
    else if (file.size > maxBytes) problems.push({ kind: 'too_large', name: file.name, maxMb: Math.round(maxBytes / 1024 / 1024) })
    else if (file.size === 0) problems.push({ kind: 'empty', name: file.name })
  }
  return problems
}

/** "1.2 MB", "340 kB", "12 B" in the given locale. */
export function formatBytes(bytes: number, locale: string): string {
  const nf = (n: number, digits: number) => new Intl.NumberFormat(locale, { maximumFractionDigits: digits }).format(n)
  if (bytes >= 1024 * 1024) return `${nf(bytes / 1024 / 1024, 1)} MB`
  if (bytes >= 1024) return `${nf(bytes / 1024, 0)} kB`
  return `${bytes} B`
}
