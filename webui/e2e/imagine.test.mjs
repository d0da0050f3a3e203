import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { api, loadModels, openBrowser, openPage, recordTexts, screenshot } from './browser.mjs'

let browser
before(async () => {
  browser = await openBrowser()
  await loadModels({ llm: true, sd: true })
  await api('/api/settings', { method: 'PUT', body: { 'images.defaults': { width: 64, height: 64, steps: 4 } } })
})
after(async () => {
  await api('/api/settings', { method: 'PUT', body: { 'images.defaults': null } })
  await browser?.close()
})

test('/imagine asks the language model for a prompt, then draws it into the chat', async () => {
  const page = await openPage(browser, '/#/chat')
  await page.getByTestId('new-chat').click()
  const steps = await recordTexts(page, '[data-testid=imagine-card] strong')
  await page.getByTestId('composer').fill('/imagine a red fox in the snow')
  await page.getByTestId('composer').press('Enter')
  await page.getByTestId('message-image').locator('img').waitFor({ timeout: 60_000 })
  const seen = await steps()
  assert.ok(seen.some((s) => s.startsWith('1. Writing the image prompt')), JSON.stringify(seen))
  assert.ok(seen.some((s) => s.includes('2. Drawing it')), JSON.stringify(seen))
  await page.getByTestId('imagine-card').waitFor({ state: 'detached' })
  await screenshot(page, 'imagine')

  const id = page.url().split('/').pop()
  const { messages } = (await api(`/api/conversations/${id}`)).body
  assert.deepEqual(messages.map((m) => m.role), ['user', 'assistant'])
  assert.equal(messages[0].content, '/imagine a red fox in the snow')
  assert.match(messages[1].content, /^Imagined an image: \*[^\p{Cc}]+\*$/u)
  const image = (await api(`/api/gallery/${messages[1].imageId}`)).body
  assert.equal(image.conversationId, id)
  assert.equal(image.width, 64)

  // The button on a message does the same from that message, and a reload keeps both pictures.
  await page.getByTestId('message-user').getByTestId('imagine').click()
  await page.getByTestId('message-image').nth(1).locator('img').waitFor({ timeout: 60_000 })
  await page.reload()
  await page.getByTestId('message-image').nth(1).locator('img').waitFor()
  assert.deepEqual(page.problems(), [])
})
