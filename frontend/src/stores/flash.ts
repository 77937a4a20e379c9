// A message for the next page to show (e.g. "saved" after a form sends the
// user back to a list): set it before navigating, the next page takes it.
let pending = ''

export function setNextFlash(message: string): void {
  pending = message
}

export function takeFlash(): string {
  const message = pending
  pending = ''
  return message
}
