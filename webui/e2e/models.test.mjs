import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { TINY, api, openBrowser, openPage, screenshot, workerReady } from './browser.mjs'

let browser
before(async () => {
  browser = await openBrowser()
  await workerReady('llm')
  await workerReady('sd')
})
after(async () => { await browser?.close() })

for (const [kind, file] of [['llm', TINY.llm], ['sd', TINY.sd]]) {
  test(`the Models page lists ${file} and loads and unloads it`, async () => {
    const page = await openPage(browser, '/#/models')
    const card = page.getByTestId(`${kind}-models`)
    const row = card.getByTestId(`${kind}-file`).filter({ hasText: file })
    await row.waitFor()
    if ((await card.getByTestId(`${kind}-loaded`).textContent()) !== 'none') {
      await card.getByTestId(`${kind}-unload`).click()
      await card.getByTestId(`${kind}-loaded`).filter({ hasText: /^none$/ }).waitFor({ timeout: 30_000 })
    }
    await row.getByTestId(`${kind}-load`).click()
    await card.getByTestId(`${kind}-loaded`).filter({ hasText: file }).waitFor({ timeout: 60_000 })
    await page.getByTestId(`worker-${kind}`).getByText(file).waitFor({ timeout: 15_000 }) // the worker's own report
    if (kind === 'sd') await screenshot(page, 'models')

    await card.getByTestId(`${kind}-unload`).click()
    await card.getByTestId(`${kind}-loaded`).filter({ hasText: /^none$/ }).waitFor({ timeout: 30_000 })
    const path = kind === 'llm' ? '/v1/llm/models' : '/v1/models/checkpoints'
    assert.equal((await api(path)).body.data.find((m) => m.id === file).loaded, false)
    assert.deepEqual(page.problems(), [])
  })
}

test('a broken model file is shown as such, and loading it fails in words', async () => {
  const broken = join(process.env.MYSTI_MODELS, 'llm', 'broken.gguf')
  writeFileSync(broken, 'this is not a GGUF file')
  try {
    const page = await openPage(browser, '/#/models')
    await page.getByTestId('refresh-models').click()
    const row = page.getByTestId('llm-file').filter({ hasText: 'broken.gguf' })
    await row.getByText(/Cannot use this file/).waitFor()
    await row.getByTestId('llm-load').click()
    const failure = page.getByTestId('llm-failure')
    await failure.waitFor({ timeout: 30_000 })
    assert.match(await failure.textContent(), /broken\.gguf/)
    assert.equal(await page.getByTestId('llm-loaded').textContent(), 'none')
    assert.deepEqual(page.problems(), [])
  } finally {
    rmSync(broken, { force: true })
  }
})

test('the model library finds a GGUF on the Hub, shows it fits, downloads it with progress and loads it', async () => {
  const page = await openPage(browser, '/#/models')
  const library = page.getByTestId('model-library')
  await library.getByTestId('hub-search').fill('tiny')
  await library.getByTestId('hub-search-go').click()
  await library.getByTestId('hub-result').filter({ hasText: 'mysti/tiny-GGUF' }).getByText('Files').click()
  const quant = library.getByTestId('hub-quant').filter({ hasText: 'Q4_K_M' })
  await quant.getByText(/fits in (RAM|VRAM)/).waitFor()
  assert.match(await quant.textContent(), /583\.4 KB/)

  await quant.getByTestId('hub-quant-download').click()
  const row = library.getByTestId('download').filter({ hasText: 'tiny-Q4_K_M.gguf' })
  await row.getByTestId('progress').waitFor() // the stand-in Hub sends it over about three seconds
  await row.getByTestId('progress-label').filter({ hasNotText: /^0 B/ }).waitFor()
  assert.match(await row.getByTestId('progress-label').textContent(), /of 583\.4 KB/)
  await screenshot(page, 'model-library')
  await row.and(page.locator('[data-state="done"]')).waitFor({ timeout: 30_000 })
  assert.match(await row.textContent(), /SHA-256 [0-9a-f]{12}… checked/)
  await page.getByTestId('llm-file').filter({ hasText: 'tiny-Q4_K_M.gguf' }).waitFor()

  await row.getByTestId('download-load').click()
  await page.getByTestId('llm-models').getByTestId('llm-loaded').filter({ hasText: 'tiny-Q4_K_M.gguf' }).waitFor({ timeout: 60_000 })

  await library.getByTestId('download-source').fill('hf.co/mysti/absent')
  await library.getByTestId('download-start').click()
  assert.match(await library.getByTestId('download-error').textContent(), /mysti\/absent/)
  assert.deepEqual(page.problems(), [])
  // leave the worker as the other tests expect it: the synth model loaded, the downloaded copy gone
  assert.equal((await api('/v1/llm/load', { method: 'POST', body: { model: TINY.llm } })).status, 200)
  rmSync(join(process.env.MYSTI_MODELS, 'llm', 'tiny-Q4_K_M.gguf'), { force: true })
})
