// Putting a canned reply into the reply draft.

export interface Insertion {
  value: string
  /** Where the cursor goes: just after the inserted text. */
  cursor: number
}

/**
 * Inserts `text` into `draft` at the cursor (`start`..`end`, the textarea's
 * selection; the selected text is kept, the insertion goes at its end so
 * nothing the agent wrote is lost). An empty (or blank) draft is replaced.
 * At the end of a draft that does not end with a blank line, the text starts
 * on a new paragraph.
 */
export function insertIntoDraft(draft: string, text: string, start?: number | null, end?: number | null): Insertion {
  if (!draft.trim()) return { value: text, cursor: text.length }
  const at = Math.min(Math.max(end ?? start ?? draft.length, 0), draft.length)
  const before = draft.slice(0, at)
  const after = draft.slice(at)
  let lead = ''
  if (at === draft.length) {
    if (!before.endsWith('\n')) lead = '\n\n'
    else if (!before.endsWith('\n\n')) lead = '\n'
  }
  const inserted = lead + text
  return { value: before + inserted + after, cursor: before.length + inserted.length }
}

/** The draft replaced by the text (the agent confirmed it). */
export function replaceDraft(text: string): Insertion {
  return { value: text, cursor: text.length }
}
