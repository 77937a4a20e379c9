// Search highlights: the server HTML-escapes the matched text and marks the
// matches with <mark>…</mark>. The app never renders them as HTML (no v-html):
// it splits on exactly those two tags and shows the rest as text.

export interface HighlightPart {
  text: string
  mark: boolean
}

const ENTITIES: Record<string, string> = {
  '&amp;': '&',
  '&lt;': '<',
  '&gt;': '>',
  '&quot;': '"',
  '&#34;': '"',
  '&#39;': "'",
  '&#x27;': "'",
  '&apos;': "'",
  '&#x2F;': '/',
  '&#47;': '/',
}

/** Undoes the server's HTML escaping, so "&lt;b&gt;" shows as "<b>" (as text). */
export function unescapeHtml(text: string): string {
  return text.replace(/&(?:amp|lt|gt|quot|apos|#34|#39|#x27|#x2F|#47);/gi, (entity) => {
    return ENTITIES[entity] ?? ENTITIES[entity.toLowerCase()] ?? entity
  })
}

/**
 * Splits a highlight fragment into text and marked parts. Only the literal
 * tags <mark> and </mark> are markup; any other tag-like text (which the
 * server would have escaped anyway) stays text. Unbalanced tags are tolerated.
 */
export function splitHighlight(fragment: string): HighlightPart[] {
  const parts: HighlightPart[] = []
  let mark = false
  for (const piece of fragment.split(/(<mark>|<\/mark>)/)) {
    if (piece === '<mark>') {
      mark = true
      continue
    }
    if (piece === '</mark>') {
      mark = false
      continue
    }
    if (!piece) continue
    const text = unescapeHtml(piece)
    const last = parts[parts.length - 1]
    if (last && last.mark === mark) last.text += text
    else parts.push({ text, mark })
  }
  return parts
}

/** The plain text of a fragment (no marks), e.g. for a title attribute. */
export function highlightText(fragment: string): string {
  return splitHighlight(fragment)
    .map((p) => p.text)
    .join('')
}
