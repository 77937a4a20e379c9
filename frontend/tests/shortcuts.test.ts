import { afterEach, describe, expect, it, vi } from 'vitest'
import { createShortcutHandler, isTypingTarget, shouldIgnore } from '../src/shortcuts'

function press(target: Element, key: string, init: KeyboardEventInit = {}): KeyboardEvent {
  const event = new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true, ...init })
  target.dispatchEvent(event)
  return event
}

afterEach(() => {
  document.body.innerHTML = ''
})

describe('shortcut handler', () => {
  function setup() {
    const j = vi.fn()
    const help = vi.fn()
    const handler = createShortcutHandler({ j, '?': help })
    document.addEventListener('keydown', handler)
    return { j, help, cleanup: () => document.removeEventListener('keydown', handler) }
  }

  it('runs the bound action for a key press on the page and prevents the default', () => {
    const { j, help, cleanup } = setup()
    const event = press(document.body, 'j')
    expect(j).toHaveBeenCalledTimes(1)
    expect(event.defaultPrevented).toBe(true)
    press(document.body, '?', { shiftKey: true })
    expect(help).toHaveBeenCalledTimes(1)
    cleanup()
  })

  it.each([
    ['<input type="text">'],
    ['<input type="search">'],
    ['<input>'],
    ['<textarea></textarea>'],
    ['<select><option>a</option></select>'],
    ['<div contenteditable="true"></div>'],
  ])('ignores key presses inside %s', (html) => {
    const { j, cleanup } = setup()
    document.body.innerHTML = html
    const el = document.body.firstElementChild!
    if (el.hasAttribute('contenteditable')) Object.defineProperty(el, 'isContentEditable', { value: true })
    const event = press(el, 'j')
    expect(j).not.toHaveBeenCalled()
    expect(event.defaultPrevented).toBe(false)
    cleanup()
  })

  it('works on buttons, links and radio buttons', () => {
    const { j, cleanup } = setup()
    document.body.innerHTML = '<button>b</button><a href="#x">a</a><input type="radio">'
    for (const el of Array.from(document.body.children)) press(el, 'j')
    expect(j).toHaveBeenCalledTimes(3)
    cleanup()
  })

  it('ignores modifier combinations, unbound keys and open dialogs', () => {
    const { j, cleanup } = setup()
    press(document.body, 'j', { ctrlKey: true })
    press(document.body, 'j', { metaKey: true })
    press(document.body, 'j', { altKey: true })
    press(document.body, 'x')
    document.body.innerHTML = '<dialog open><button>ok</button></dialog>'
    press(document.body.querySelector('button')!, 'j')
    expect(j).not.toHaveBeenCalled()
    cleanup()
  })

  it('does not act on an event another handler already handled', () => {
    const event = new KeyboardEvent('keydown', { key: 'j', cancelable: true })
    event.preventDefault()
    expect(shouldIgnore(event)).toBe(true)
  })

  it('knows typing targets', () => {
    expect(isTypingTarget(null)).toBe(false)
    expect(isTypingTarget(document.createElement('textarea'))).toBe(true)
    const checkbox = document.createElement('input')
    checkbox.type = 'checkbox'
    expect(isTypingTarget(checkbox)).toBe(false)
  })
})
