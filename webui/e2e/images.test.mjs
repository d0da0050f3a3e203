import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { BASE, TINY, api, imageWorkerIdle, loadModels, openBrowser, openPage, recordTexts, screenshot } from './browser.mjs'

let browser
before(async () => {
  browser = await openBrowser()
  await loadModels({ sd: true })
})
after(async () => { await browser?.close() })

async function fillForm(page, { prompt, size = '64x64', steps = '6', seed = '' }) {
  await page.getByTestId('img-prompt').fill(prompt)
  await page.getByTestId('img-size').selectOption(size)
  await page.getByTestId('img-steps').fill(steps)
  if (seed) await page.getByTestId('img-seed').fill(seed)
}

test('an image shows its progress, then lands in the gallery; "reuse settings" fills the form again', async () => {
  const page = await openPage(browser, '/#/images')
  await page.getByTestId('img-checkpoint').filter({ hasText: `As loaded: ${TINY.sd}` }).waitFor()
  await fillForm(page, { prompt: 'a lighthouse at dusk', seed: '1234' })
  await page.getByTestId('img-negative').fill('fog')
  await page.getByText('LoRAs and VAE').click()
  await page.getByTestId('lora-choice').selectOption(TINY.lora) // the LoRA picker, from models/sd/loras
  await page.getByTestId('lora-add').click()
  await page.getByTestId('lora-weight').fill('0.5')
  const progress = await recordTexts(page, '[data-testid=image-job] [data-testid=progress-label]')
  await page.getByTestId('generate').click()
  await page.getByTestId('result').waitFor({ timeout: 60_000 })
  const labels = await progress()
  assert.ok(labels.some((l) => /^step \d of 6$/.test(l)), `progress steps should show, saw ${JSON.stringify(labels)}`)
  assert.match(await page.getByTestId('result').textContent(), /seed 1234/)
  await page.evaluate(() => document.querySelector('.view-scroll')?.scrollTo(0, 0)) // the form's top and the result
  await screenshot(page, 'images')

  await page.getByTestId('nav-gallery').click()
  await page.getByTestId('gallery-item').first().click()
  const detail = page.getByTestId('image-detail')
  await detail.waitFor()
  assert.equal(await detail.getByTestId('detail-seed').textContent(), '1234')
  assert.equal(await detail.getByTestId('detail-prompt').textContent(), 'a lighthouse at dusk')
  assert.match(await detail.textContent(), /tiny-lora\.safetensors \(0\.5\)/)
  await screenshot(page, 'gallery')

  // A fresh page: the form comes back only from the gallery image.
  const fresh = await openPage(browser, '/#/gallery')
  await fresh.getByTestId('gallery-item').first().click()
  await fresh.getByTestId('reuse').click()
  await fresh.getByTestId('img-prompt').waitFor()
  assert.equal(await fresh.getByTestId('img-prompt').inputValue(), 'a lighthouse at dusk')
  assert.equal(await fresh.getByTestId('img-negative').inputValue(), 'fog')
  assert.equal(await fresh.getByTestId('img-seed').inputValue(), '1234')
  assert.equal(await fresh.getByTestId('img-size').inputValue(), '64x64')
  assert.equal(await fresh.getByTestId('img-steps').inputValue(), '6')
  assert.equal(await fresh.getByTestId('lora-weight').inputValue(), '0.5')
  assert.deepEqual([...page.problems(), ...fresh.problems()], [])
})

test('hires fix: the checkbox and its fields make the larger image, with progress over both passes', async () => {
  const page = await openPage(browser, '/#/images')
  await page.getByTestId('img-checkpoint').filter({ hasText: `As loaded: ${TINY.sd}` }).waitFor()
  await fillForm(page, { prompt: 'a harbour at night', steps: '4', seed: '77' })
  await page.getByText('Hires fix').click()
  await page.getByTestId('img-hires').check()
  const upscalers = await page.getByTestId('img-hr-upscaler').locator('option').allTextContents()
  assert.ok(upscalers.includes('tiny-esrgan-4x'), `the upscaler models should be offered, saw ${upscalers}`)
  await page.getByTestId('img-hr-upscaler').selectOption('Latent (bicubic)')
  await page.getByTestId('img-hr-scale').fill('1.5')
  assert.equal(await page.getByTestId('hires-size').textContent(), ' → 96 × 96')
  const progress = await recordTexts(page, '[data-testid=image-job] [data-testid=progress-label]')
  await page.getByTestId('generate').click()
  await page.getByTestId('result').waitFor({ timeout: 60_000 })
  // 4 first-pass steps, then denoising 0.7 of 4: int(0.7 * 4) + 1 = 3 more.
  const labels = await progress()
  assert.ok(labels.some((l) => /^step [5-7] of 7$/.test(l)), `both passes should count, saw ${JSON.stringify(labels)}`)
  const size = await page.getByTestId('result').locator('img').evaluate(async (img) => {
    await img.decode()
    return [img.naturalWidth, img.naturalHeight]
  })
  assert.deepEqual(size, [96, 96])

  await page.getByTestId('nav-gallery').click()
  await page.getByTestId('gallery-item').first().click()
  const detail = page.getByTestId('image-detail')
  await detail.waitFor()
  assert.match(await detail.textContent(), /96 × 96.*Hires upscaler\s*Latent \(bicubic\)/s)
  assert.match(await detail.textContent(), /Hires upscale: 1\.5, Hires upscaler: Latent \(bicubic\)/)
  await page.getByTestId('reuse').click()
  await page.getByTestId('img-hires').waitFor()
  assert.ok(await page.getByTestId('img-hires').isChecked())
  assert.equal(await page.getByTestId('img-hr-upscaler').inputValue(), 'Latent (bicubic)')
  assert.deepEqual(page.problems(), [])
})

test("the gallery's Upscale action makes a bigger copy with an upscaler model and opens it", async () => {
  const newest = (await api('/api/gallery?limit=1')).body.data[0]
  const page = await openPage(browser, `/#/gallery/${newest.id}`)
  const detail = page.getByTestId('image-detail')
  await detail.waitFor()
  await page.getByTestId('upscale').click()
  await page.getByTestId('upscale-with').selectOption('tiny-compact-4x')
  await page.getByTestId('upscale-by').fill('2')
  const progress = await recordTexts(page, '[data-testid=upscale-progress] [data-testid=progress-label]')
  await page.getByTestId('upscale-run').click()
  await page.waitForFunction((id) => (location.hash.startsWith('#/gallery/') && !location.hash.endsWith(id))
    || document.querySelector('[data-testid=image-detail] .alert-danger'), newest.id, { timeout: 60_000 })
  assert.equal(await detail.locator('.alert-danger').count(), 0, await detail.textContent())
  const labels = await progress()
  assert.ok(labels.some((l) => /^(upscaling…|tile \d+ of \d+)$/.test(l)), `the upscale should show progress, saw ${labels}`)
  await detail.getByText('Upscaled from').waitFor()
  const text = await detail.textContent()
  assert.match(text, new RegExp(`${newest.width * 2} × ${newest.height * 2}`))
  assert.match(text, /Postprocess upscaler: tiny-compact-4x/)
  const upscaled = (await api('/api/gallery?limit=1')).body.data[0]
  assert.equal(upscaled.params.source_image, newest.id)
  assert.equal(upscaled.prompt, newest.prompt)
  await screenshot(page, 'gallery-upscaled')
  await detail.getByTestId('upscale-source').click()
  await page.waitForFunction((id) => location.hash.endsWith(id), newest.id)
  assert.deepEqual(page.problems(), [])
})

test('"send to img2img" with a painted mask makes an inpainted image, which can be deleted', async () => {
  const page = await openPage(browser, '/#/gallery')
  await page.getByTestId('gallery-item').first().click()
  await page.getByTestId('to-img2img').click()
  const canvas = page.getByTestId('mask-canvas')
  await canvas.scrollIntoViewIfNeeded()
  const box = await canvas.boundingBox()
  const swipe = async () => {
    await page.mouse.move(box.x + box.width * 0.2, box.y + box.height * 0.5)
    await page.mouse.down()
    await page.mouse.move(box.x + box.width * 0.8, box.y + box.height * 0.5, { steps: 5 })
    await page.mouse.up()
  }
  await swipe()
  await page.getByTestId('mask-clear').waitFor({ state: 'visible' })
  assert.equal(await page.getByTestId('mask-clear').isEnabled(), true)
  // The eraser, at the largest size, takes the stroke away again: no mask left.
  await page.getByText('Eraser').click()
  await page.locator('#brush-size').fill('256')
  await swipe()
  await page.waitForFunction(() => document.querySelector('[data-testid=mask-clear]').disabled)
  await page.getByText('Brush', { exact: true }).click()
  await page.locator('#brush-size').fill('32')
  await swipe()
  await page.waitForFunction(() => !document.querySelector('[data-testid=mask-clear]').disabled)
  await page.getByTestId('img-strength').fill('0.6')
  await page.getByTestId('generate').click()
  await page.getByTestId('result').waitFor({ timeout: 60_000 })
  const newest = (await api('/api/gallery?limit=1')).body.data[0]
  assert.equal(newest.params.mode, 'inpaint')
  assert.equal(newest.params.strength, 0.6)

  // Deleting it from its detail removes the row and the file.
  await page.getByTestId('result').click()
  await page.getByTestId('delete-image').click()
  await page.getByTestId('confirm-delete-image').click()
  await page.getByTestId('image-detail').waitFor({ state: 'detached' })
  assert.equal((await api(`/api/gallery/${newest.id}`)).status, 404)
  assert.equal((await fetch(`${BASE}/api/gallery/${newest.id}/image`)).status, 404)
  assert.deepEqual(page.problems(), [])
})

test('an image dropped on the form becomes the init image, and opens its section', async () => {
  const page = await openPage(browser, '/#/images')
  await page.getByTestId('img-prompt').waitFor()
  await page.evaluate(async () => {
    const canvas = Object.assign(document.createElement('canvas'), { width: 48, height: 32 })
    canvas.getContext('2d').fillRect(0, 0, 48, 32)
    const blob = await new Promise((resolve) => canvas.toBlob(resolve, 'image/png'))
    const data = new DataTransfer()
    data.items.add(new File([blob], 'dropped.png', { type: 'image/png' }))
    document.querySelector('[data-testid=img-prompt]').dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }))
  })
  await page.getByTestId('mask-canvas').waitFor()
  await page.waitForFunction(() => document.querySelector('[data-testid=mask-canvas]').width === 48)
  await page.getByTestId('init-clear').click()
  assert.deepEqual(page.problems(), [])
})

test('cancel stops a long job: no image, no error', async () => {
  const before = (await api('/api/gallery?limit=500')).body.data.length
  const page = await openPage(browser, '/#/images')
  await fillForm(page, { prompt: 'a very long job', size: '512x512', steps: '150' })
  await page.getByTestId('generate').click()
  await page.getByTestId('progress-label').filter({ hasText: /step \d+ of 150/ }).waitFor({ timeout: 60_000 })
  await page.getByTestId('cancel').click()
  await page.getByTestId('generate').waitFor({ timeout: 10_000 })
  assert.equal(await page.getByTestId('images-error').count(), 0)
  assert.equal(await page.getByTestId('result').count(), 0)
  await imageWorkerIdle() // the job's end on the worker: after it, nothing can still be saved
  assert.equal((await api('/api/gallery?limit=500')).body.data.length, before)
  assert.deepEqual(page.problems(), [])
})

test("another client's job (an A1111 script) shows on the Images page and in the header while it runs", async () => {
  await imageWorkerIdle() // the job seen below must be the script's, not one an earlier test left finishing
  const page = await openPage(browser, '/#/images')
  await page.getByTestId('img-prompt').waitFor()
  const script = api('/sdapi/v1/txt2img', { method: 'POST', body: { prompt: 'from a script', steps: 150, width: 512, height: 512 } })
  const other = page.getByTestId('other-image-job')
  await other.getByText(/^Another job is running \(another tab or an API client\): step \d+ of 150$/).waitFor({ timeout: 30_000 })
  await page.getByTestId('pill-sd-job').getByText(/\d+%/).waitFor()
  await api('/sdapi/v1/interrupt', { method: 'POST' })
  assert.equal((await script).status, 200) // A1111's interrupt: the image is finished from where it stood
  await other.waitFor({ state: 'detached', timeout: 10_000 })
  assert.equal(await page.getByTestId('pill-sd-job').count(), 0)
  assert.deepEqual(page.problems(), [])
})

test('an SDXL checkpoint offers its 1024² sizes and paints with its own LoRA', async () => {
  const page = await openPage(browser, '/#/images')
  await page.getByTestId('img-checkpoint').filter({ hasText: `As loaded: ${TINY.sd}` }).waitFor()
  await page.getByTestId('img-checkpoint').selectOption('tiny-sdxl.safetensors')
  await page.getByTestId('img-family').filter({ hasText: 'Stable Diffusion XL' }).waitFor()
  assert.equal(await page.getByTestId('img-size').inputValue(), '1024x1024') // moved to the family's native size
  const sizes = await page.getByTestId('img-size').locator('option').evaluateAll((os) => os.map((o) => o.value))
  assert.deepEqual(sizes.slice(0, 3), ['1024x1024', '1152x896', '896x1152'])
  await fillForm(page, { prompt: 'a lighthouse at dusk', steps: '3', seed: '77' }) // 64x64: the tiny model
  await page.getByText('LoRAs and VAE').click()
  await page.getByTestId('lora-choice').selectOption('tiny-sdxl-lora.safetensors')
  await page.getByTestId('lora-add').click()
  await page.getByTestId('generate').click()
  await page.getByTestId('result').waitFor({ timeout: 60_000 })
  assert.match(await page.getByTestId('result').textContent(), /seed 77/)
  await page.getByTestId('img-checkpoint').filter({ hasText: 'As loaded: tiny-sdxl.safetensors' }).waitFor()
  assert.deepEqual(page.problems(), [])
  await loadModels({ sd: true }) // back to the SD 1.x model the other files expect
})
