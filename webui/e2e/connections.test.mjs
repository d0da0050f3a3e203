import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { api, openBrowser, openPage } from './browser.mjs'
import { startFakeA1111, startFakeOpenAi } from './fakeOpenAi.mjs'

let browser
let remote
let forge
before(async () => {
  browser = await openBrowser()
  remote = await startFakeOpenAi()
  forge = await startFakeA1111()
})
after(async () => {
  for (const c of (await api('/api/connections')).body.connections) await api(`/api/connections/${c.id}`, { method: 'DELETE' })
  remote?.close()
  forge?.close()
  await browser?.close()
})

test('another server added in Settings lends its model to a chat, which is answered there and saved', async () => {
  const page = await openPage(browser, '/#/settings')
  const section = page.getByTestId('settings-connections')
  await section.getByTestId('connection-name').fill('gpu box')
  await section.getByTestId('connection-url').fill(remote.url)
  await section.getByPlaceholder('API key').fill('sk-remote')
  await section.getByTestId('connection-add').click()
  const row = section.getByTestId('connection').filter({ hasText: 'gpu box' })
  await row.getByTestId('connection-models').filter({ hasText: remote.model }).waitFor()
  assert.match(await row.textContent(), /key set/)
  assert.equal(await row.getByTestId('connection-state').textContent(), 'up')
  assert.ok(!JSON.stringify((await api('/api/connections')).body).includes('sk-remote'), 'the key never comes back')

  // a conversation (made here, as the first message would make it) whose settings then pick the other server's model
  const conversation = (await api('/api/conversations', { method: 'POST', body: { title: 'far away' } })).body
  await page.goto(page.url().replace(/#.*$/, `#/chat/${conversation.id}`))
  await page.getByTestId('chat-settings-button').click()
  await page.getByTestId('chat-model').selectOption(remote.model)
  await page.getByTestId('save-chat-settings').click()
  await page.getByTestId('save-chat-settings').waitFor({ state: 'detached' })
  await page.getByTestId('composer').fill('Who answers?')
  await page.getByTestId('composer').press('Enter')
  const reply = page.locator('[data-testid=message-assistant]:not([data-status=streaming])').last()
  await reply.getByText(remote.reply).waitFor({ timeout: 30_000 })
  const asked = remote.seen.filter((s) => s.path === '/v1/chat/completions').at(-1)
  assert.equal(asked.authorization, 'Bearer sk-remote')
  assert.equal(asked.body.model, remote.model)
  assert.ok(asked.body.messages.some((m) => m.content === 'Who answers?'))

  await page.reload()
  await page.locator('[data-testid=message-assistant]').last().getByText(remote.reply).waitFor()
  assert.deepEqual(page.problems(), [])
})

test('an A1111 server\'s checkpoint is offered in the Images form, and a job on it is saved to the gallery', async () => {
  assert.equal((await api('/api/connections', { method: 'POST', body: { name: 'forge box', kind: 'a1111', url: forge.url } })).status, 201)
  const page = await openPage(browser, '/#/images')
  const option = page.getByTestId('img-checkpoint').locator('option', { hasText: `${forge.model} · on forge box` })
  await option.waitFor({ state: 'attached' })
  await page.getByTestId('img-checkpoint').selectOption(forge.model)
  await page.getByTestId('img-prompt').fill('a castle far away')
  await page.getByTestId('img-seed').fill('77')
  await page.getByTestId('generate').click()
  await page.getByTestId('result').waitFor({ timeout: 30_000 })
  assert.match(await page.getByTestId('result').textContent(), /seed 77/)
  assert.equal(forge.jobs.at(-1).prompt, 'a castle far away')
  assert.equal(forge.jobs.at(-1).override_settings.sd_model_checkpoint, `${forge.model}.safetensors [0123456789]`)
  const gallery = (await api('/api/gallery')).body
  const items = gallery.data ?? gallery.images ?? []
  assert.ok(items.some((i) => i.prompt === 'a castle far away' && i.model === forge.model), JSON.stringify(items.slice(0, 2)))
  assert.deepEqual(page.problems(), [])
})
