/** Copies text; false when the browser refuses (no permission, not a secure context). */
export async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text)
    return true
  } catch {
    return false
  }
}

/** Shows "Copied" (or why not) on a button for a moment. */
export async function copyWithFeedback(button, text) {
  const label = button.textContent
  button.textContent = (await copyText(text)) ? 'Copied' : 'Copy failed'
  setTimeout(() => { button.textContent = label }, 1500)
}
