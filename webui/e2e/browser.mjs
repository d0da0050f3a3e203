// Shared by the browser tests: Debian's Chromium, headless, with the flags this sandboxed machine needs.
import { chromium } from 'playwright-core'
import { mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

export const BASE = process.env.MYSTI_URL || 'http://127.0.0.1:1234'
/**
 * Where screenshots go: a temp folder, so a test run changes no tracked file. To refresh the ones in the docs, run
 * with MYSTI_SCREENSHOTS=docs/screenshots (a relative folder is taken from the repository's root).
 */
export const SCREENSHOTS = process.env.MYSTI_SCREENSHOTS
  ? resolve(new URL('../../', import.meta.url).pathname, process.env.MYSTI_SCREENSHOTS)
  : join(tmpdir(), 'mysticanvas-e2e-screenshots')
export const TINY = { llm: 'tiny-llama.gguf', sd: 'tiny-sd.safetensors', lora: 'tiny-lora.safetensors', vae: 'tiny-vae.safetensors' }

export async function openBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  })
}

/**
 * A page that records console errors, Vue warnings and uncaught exceptions in page.problems().
 * The browser also logs every non-2xx answer ("Failed to load resource"); those are the server's
 * answers, which the page shows in its own words, so they are not counted.
 */
export async function openPage(browser, path = '/', { viewport = { width: 1280, height: 800 }, colorScheme = 'light' } = {}) {
  const page = await browser.newPage({ viewport, colorScheme })
  const problems = []
  page.on('console', (m) => {
    const text = m.text()
    if ((m.type() === 'error' && !text.startsWith('Failed to load resource')) || text.includes('[Vue warn]')) problems.push(text)
  })
  page.on('pageerror', (e) => problems.push(String(e)))
  page.problems = () => problems
  await page.goto(BASE + path)
  return page
}

export async function screenshot(page, name) {
  mkdirSync(SCREENSHOTS, { recursive: true })
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) })
}

export async function api(path, options = {}) {
  const response = await fetch(BASE + path, {
    ...options,
    body: options.body && typeof options.body !== 'string' ? JSON.stringify(options.body) : options.body,
    headers: { 'Content-Type': 'application/json', ...(options.headers || {}) },
  })
  return { status: response.status, body: await response.json().catch(() => null) }
}

/** Waits until the image worker has no job running or queued: the end of a job, whoever started it. */
export async function imageWorkerIdle(timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const { body } = await api('/v1/images/progress?preview=false')
    if (body?.state === 'idle' && !body.queued) return
    if (Date.now() > deadline) throw new Error(`the image worker is still busy: ${JSON.stringify(body)}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

/** Waits until a worker is ready (after a start or a crash). */
export async function workerReady(name, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const { body } = await api('/api/workers')
    if (body?.workers?.[name]?.state === 'ready') return body.workers[name]
    if (Date.now() > deadline) throw new Error(`${name} worker not ready: ${JSON.stringify(body)}`)
    await new Promise((r) => setTimeout(r, 200))
  }
}

/** Loads the tiny test models the tests need (through the API: the models test does it through the page). */
export async function loadModels({ llm = false, sd = false }) {
  if (llm) {
    await workerReady('llm')
    const r = await api('/v1/llm/load', { method: 'POST', body: { model: TINY.llm } })
    if (r.status !== 200) throw new Error(`loading ${TINY.llm}: ${JSON.stringify(r.body)}`)
  }
  if (sd) {
    await workerReady('sd')
    const r = await api('/v1/models/load', { method: 'POST', body: { checkpoint: TINY.sd } })
    if (r.status !== 200) throw new Error(`loading ${TINY.sd}: ${JSON.stringify(r.body)}`)
  }
}

/**
 * Starts recording, inside the page, every text the elements matching `selector` show, so a test can
 * tell afterwards what appeared on the way (progress steps, growing replies) however fast it went.
 */
export async function recordTexts(page, selector) {
  await page.evaluate((sel) => {
    window.__seen = window.__seen || {}
    const seen = (window.__seen[sel] = [])
    const note = () => document.querySelectorAll(sel).forEach((el) => {
      const t = el.textContent.trim()
      if (t && seen[seen.length - 1] !== t) seen.push(t)
    })
    new MutationObserver(note).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true })
  }, selector)
  return () => page.evaluate((sel) => window.__seen[sel], selector)
}
