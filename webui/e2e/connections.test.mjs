import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { api, openBrowser, openPage } from './browser.mjs'
import { startFakeOpenAi } from './fakeOpenAi.mjs'

let browser
let remote
before(async () => {
  browser = await openBrowser()
  remote = await startFakeOpenAi()
})
after(async () => {
  for (const c of (await api('/api/connections')).body.connections) await api(`/api/connections/${c.id}`, { method: 'DELETE' })
  remote?.close()
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
