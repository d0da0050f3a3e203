// Bootstrap's colour modes: data-bs-theme on <html>. The choice lives in localStorage so the first
// paint already has it; "auto" follows the system.
const KEY = 'mysticanvas.theme'
export const THEMES = ['auto', 'light', 'dark']

export function storedTheme() {
  const t = localStorage.getItem(KEY)
  return THEMES.includes(t) ? t : 'auto'
}

export function effectiveTheme(choice) {
  if (choice !== 'auto') return choice
  return globalThis.matchMedia?.('(prefers-color-scheme: light)').matches ? 'light' : 'dark'
}

export function applyTheme(choice) {
  localStorage.setItem(KEY, choice)
  document.documentElement.setAttribute('data-bs-theme', effectiveTheme(choice))
}
