import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { api, openBrowser, openPage, screenshot } from './browser.mjs'

let browser
before(async () => { browser = await openBrowser() })
after(async () => { await browser?.close() })

test('the page shows both workers live, and a killed worker comes back', async () => {
  const page = await openPage(browser)
  const llm = page.getByTestId('worker-llm')
  const sd = page.getByTestId('worker-sd')
  await llm.getByTestId('state').filter({ hasText: 'ready' }).waitFor({ timeout: 60_000 })
  await sd.getByTestId('state').filter({ hasText: 'ready' }).waitFor({ timeout: 60_000 })
  assert.match(await llm.textContent(), /pid \d+ · port \d+/)
  await screenshot(page, 'workers')

  const { body } = await api('/api/workers')
  const pid = body.workers.sd.pid
  process.kill(pid, 'SIGKILL')
  await sd.getByText('Last problem: exited on signal 9').waitFor({ timeout: 30_000 })
  await sd.getByTestId('state').filter({ hasText: 'ready' }).waitFor({ timeout: 60_000 })
  assert.doesNotMatch(await sd.textContent(), new RegExp(`pid ${pid} `))
  assert.deepEqual(page.consoleErrors, [])
})
