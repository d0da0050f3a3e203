import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { api, openBrowser, openPage, screenshot, workerReady } from './browser.mjs'

let browser
before(async () => { browser = await openBrowser() })
after(async () => { await browser?.close() })

test('the Models page shows both workers live; a killed worker shows a banner that goes away when it is back', async () => {
  const page = await openPage(browser, '/#/models')
  const llm = page.getByTestId('worker-llm')
  const sd = page.getByTestId('worker-sd')
  await llm.getByTestId('state').filter({ hasText: 'ready' }).waitFor({ timeout: 60_000 })
  await sd.getByTestId('state').filter({ hasText: 'ready' }).waitFor({ timeout: 60_000 })
  assert.match(await llm.textContent(), /pid \d+ · port \d+/)
  for (const card of [llm, sd]) { // what each computes on, from its health: its GPUs, or the CPU when it has none
    const devices = card.getByTestId('worker-devices')
    await devices.waitFor({ timeout: 30_000 })
    assert.match(await devices.textContent(), /CPU only \(.+\)|GB free/)
  }
  await screenshot(page, 'workers')

  const { pid } = await workerReady('sd')
  process.kill(pid, 'SIGKILL')
  const banner = page.getByTestId('worker-banner')
  await banner.waitFor({ timeout: 30_000 })
  assert.match(await banner.textContent(), /image worker (stopped \(exited on signal 9|is coming back)/)
  assert.equal(await banner.getAttribute('role'), 'alert')
  await screenshot(page, 'worker-down-banner')
  await sd.getByText('Last problem: exited on signal 9').waitFor({ timeout: 30_000 })
  await workerReady('sd', 90_000)
  await sd.getByTestId('state').filter({ hasText: 'ready' }).waitFor({ timeout: 10_000 })
  await banner.waitFor({ state: 'detached', timeout: 10_000 })
  assert.doesNotMatch(await sd.textContent(), new RegExp(`pid ${pid} `))
  assert.equal((await api('/api/workers')).body.workers.sd.state, 'ready')
  assert.deepEqual(page.problems(), [])
})
