// Single-key keyboard shortcuts (j, k, r, n, a, A, /, ?) for the inbox and the
// case page. They never fire while the person types in a field, holds a
// modifier key, or has a dialog open.

export type ShortcutMap = Record<string, (event: KeyboardEvent) => void>

/** True when the key press belongs to a text field, select or editable element. */
export function isTypingTarget(target: EventTarget | null): boolean {
  if (!target || typeof (target as Element).tagName !== 'string') return false
  const el = target as HTMLElement
  if (el.isContentEditable) return true
  const tag = el.tagName
  if (tag === 'TEXTAREA' || tag === 'SELECT') return true
  if (tag !== 'INPUT') return false
  const type = ((el as HTMLInputElement).type || 'text').toLowerCase()
  // Buttons and toggles do not take text: shortcuts may still work there.
  return !['button', 'submit', 'reset', 'checkbox', 'radio', 'range', 'color', 'file', 'image'].includes(type)
}

/** True when a key press should be left alone by the shortcuts. */
export function shouldIgnore(event: KeyboardEvent): boolean {
  if (event.defaultPrevented || event.isComposing) return true
  if (event.altKey || event.ctrlKey || event.metaKey) return true
  if (isTypingTarget(event.target)) return true
  if (typeof document !== 'undefined' && document.querySelector('dialog[open]')) return true
  return false
}

/**
 * Returns a keydown listener that runs the action bound to event.key (case
 * sensitive: "?" is Shift+/ on most layouts) and prevents the default.
 */
export function createShortcutHandler(map: ShortcutMap): (event: KeyboardEvent) => boolean {
  return (event: KeyboardEvent) => {
    if (shouldIgnore(event)) return false
    const action = map[event.key]
    if (!action) return false
    event.preventDefault()
    action(event)
    return true
  }
}

/** The shortcut list shown in the help overlay: key and i18n key of its description. */
export const SHORTCUT_HELP: ReadonlyArray<{ keys: string[]; label: string }> = [
  { keys: ['j'], label: 'shortcuts.next' },
  { keys: ['k'], label: 'shortcuts.previous' },
  { keys: ['Enter'], label: 'shortcuts.open' },
  { keys: ['r'], label: 'shortcuts.reply' },
  { keys: ['n'], label: 'shortcuts.note' },
  { keys: ['a'], label: 'shortcuts.assign' },
  { keys: ['Shift', 'A'], label: 'shortcuts.assignTo' },
  { keys: ['x'], label: 'shortcuts.select' },
  { keys: ['/'], label: 'shortcuts.search' },
  { keys: ['?'], label: 'shortcuts.help' },
  { keys: ['Esc'], label: 'shortcuts.close' },
]
