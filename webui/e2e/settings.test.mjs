import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { api, openBrowser, openPage, screenshot } from './browser.mjs'

let browser
before(async () => { browser = await openBrowser() })
after(async () => {
  await api('/api/settings', { method: 'PUT', body: { 'images.defaults': null, 'chat.defaults': null, threads: null, extraModelDirs: null } })
  await browser?.close()
})

test('defaults and the thread split are saved on the server; new forms start from them', async () => {
  const page = await openPage(browser, '/#/settings')
  const images = page.getByTestId('settings-image-defaults')
  await images.getByTestId('default-width').fill('128')
  await images.getByTestId('default-height').fill('64')
  await images.getByTestId('default-steps').fill('3')
  await page.getByTestId('save-image-defaults').click()
  await images.getByText('Saved.').waitFor()
  await page.getByTestId('defaults-temperature').fill('0.3')
  await page.getByTestId('save-chat-defaults').click()
  await page.getByTestId('settings-chat-defaults').getByText('Saved.').waitFor()
  await page.getByTestId('threads-llm').fill('1')
  await page.getByTestId('threads-sd').fill('1')
  await page.getByTestId('save-threads').click()
  await page.getByTestId('settings-threads').getByText('Saved.').waitFor()
  await page.getByTestId('extra-model-dirs').fill(' /opt/ComfyUI \n\n~/.lmstudio/models\n')
  await page.getByTestId('save-model-folders').click()
  await page.getByTestId('settings-model-folders').getByText('Saved.').waitFor()
  await screenshot(page, 'settings')

  const { body } = await api('/api/settings')
  assert.deepEqual({ w: body['images.defaults'].width, h: body['images.defaults'].height, s: body['images.defaults'].steps }, { w: 128, h: 64, s: 3 })
  assert.equal(body['chat.defaults'].temperature, 0.3)
  assert.deepEqual(body.threads, { llm: 1, sd: 1 })
  assert.deepEqual(body.extraModelDirs, ['/opt/ComfyUI', '~/.lmstudio/models'])

  // workers on other machines: saved for the next start, the token never read back
  await page.getByTestId('remote-llm').fill('http://gpu-box:7001\n http://spare-box:7001 ')
  await page.getByTestId('remote-llm-local').check()
  await page.getByTestId('remote-token').fill('s3cret-worker-token')
  await page.getByTestId('save-remote-workers').click()
  await page.getByTestId('settings-remote-workers').getByText('Saved.').waitFor()
  const saved = await api('/api/settings')
  assert.deepEqual(saved.body.remoteWorkers, { llm: ['http://gpu-box:7001', 'http://spare-box:7001'], sd: [], local: ['llm'], hasToken: true })
  assert.doesNotMatch(JSON.stringify(saved.body), /s3cret-worker-token/)
  assert.equal(await page.getByTestId('remote-token').inputValue(), '')
  assert.match(await page.getByTestId('remote-token').getAttribute('placeholder'), /saved/)
  await api('/api/settings', { method: 'PUT', body: { remoteWorkers: null } }) // the later tests' orchestrators keep their own workers

  const fresh = await openPage(browser, '/#/images')
  await fresh.waitForFunction(() => document.querySelector('[data-testid=img-width]')?.value === '128')
  assert.equal(await fresh.getByTestId('img-height').inputValue(), '64')
  assert.equal(await fresh.getByTestId('img-steps').inputValue(), '3')
  assert.deepEqual([...page.problems(), ...fresh.problems()], [])
})
