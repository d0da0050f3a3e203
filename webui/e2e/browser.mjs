// Shared by the browser tests: Debian's Chromium, headless, with the flags this sandboxed machine needs.
import { chromium } from 'playwright-core'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'

export const BASE = process.env.MYSTI_URL || 'http://127.0.0.1:1234'
export const SCREENSHOTS = new URL('../../docs/screenshots/', import.meta.url).pathname

export async function openBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  })
}

/** A page that fails the test on any console error or uncaught exception. */
export async function openPage(browser, path = '/', viewport = { width: 1280, height: 800 }) {
  const page = await browser.newPage({ viewport })
  page.consoleErrors = []
  page.on('console', (m) => m.type() === 'error' && page.consoleErrors.push(m.text()))
  page.on('pageerror', (e) => page.consoleErrors.push(String(e)))
  await page.goto(BASE + path)
  return page
}

export async function screenshot(page, name) {
  mkdirSync(SCREENSHOTS, { recursive: true })
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true })
}

export async function api(path, options = {}) {
  const response = await fetch(BASE + path, {
    ...options,
    headers: { 'Content-Type': 'application/json', ...(options.headers || {}) },
  })
  return { status: response.status, body: await response.json().catch(() => null) }
}
