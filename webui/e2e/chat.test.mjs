import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { api, loadModels, openBrowser, openPage, recordTexts, screenshot } from './browser.mjs'

let browser
before(async () => {
  browser = await openBrowser()
  await loadModels({ llm: true })
  // New chats start from these defaults; with this seed the tiny model tells a story of a few hundred tokens.
  await api('/api/settings', { method: 'PUT', body: { 'chat.defaults': { seed: 1, max_tokens: 400 } } })
})
after(async () => {
  await api('/api/settings', { method: 'PUT', body: { 'chat.defaults': null } })
  await browser?.close()
})

const lastReply = (page) => page.getByTestId('message-assistant').last()

/** Saves the chat settings dialog and waits until it has closed, which it does once the server has them. */
async function saveChatSettings(page) {
  await page.getByTestId('save-chat-settings').click()
  await page.getByTestId('save-chat-settings').waitFor({ state: 'detached' })
}

/** Sends `text` from the composer and waits until the reply has ended (complete or incomplete). */
async function send(page, text) {
  await page.getByTestId('composer').fill(text)
  await page.getByTestId('composer').press('Enter')
  await page.locator('[data-testid=message-assistant]:not([data-status=streaming])').last().waitFor({ timeout: 60_000 })
}

test('a chat streams its reply token by token, shows token counts, and is still there after a reload', async () => {
  const page = await openPage(browser, '/#/chat')
  await page.getByTestId('new-chat').click()
  const growing = await recordTexts(page, '[data-testid=message-assistant] [data-testid=message-body]')
  await send(page, 'Tell me a story about a lighthouse')
  const reply = lastReply(page)
  assert.equal(await reply.getAttribute('data-status'), 'complete')
  const texts = await growing()
  assert.ok(texts.length >= 3, `the reply should have grown in steps, saw ${JSON.stringify(texts.slice(0, 5))}`)
  // Compared by their letters: the random text is rendered as Markdown, and a "*" that opens an emphasis
  // mid-stream disappears once its closing one arrives, but no letter comes or goes.
  const letters = (t) => t.replace(/[^\p{L}]/gu, '')
  const last = letters(texts.at(-1))
  const notPrefix = texts.slice(1, -1).find((t) => !last.startsWith(letters(t)))
  assert.equal(notPrefix, undefined, `each step shows a prefix of the final reply ${JSON.stringify(texts.at(-1))}`)
  assert.match(await reply.getByTestId('token-stats').textContent(), /\d+ \+ \d+ tokens · [\d.]+ tokens\/s/)
  const replyText = await reply.getByTestId('message-body').textContent()
  const id = page.url().split('/').pop()
  await page.getByTestId(`conversation-${id}`).getByText('Tell me a story about a lighthouse').waitFor()
  await screenshot(page, 'chat')

  await page.reload()
  await lastReply(page).waitFor()
  assert.equal(await page.getByTestId('chat-title').textContent(), 'Tell me a story about a lighthouse')
  assert.equal(await page.getByTestId('message-user').textContent().then((t) => t.includes('Tell me a story about a lighthouse')), true)
  assert.equal(await lastReply(page).getByTestId('message-body').textContent(), replyText)
  assert.deepEqual(page.problems(), [])
})

test('Esc stops a reply and keeps its text, marked incomplete; regenerate and edit-and-resend replace it', async () => {
  const page = await openPage(browser, '/#/chat')
  await page.getByTestId('new-chat').click()
  await send(page, 'first question')
  const id = page.url().split('/').pop()
  // A long reply to stop: the per-chat settings dialog, saved with the conversation.
  await page.getByTestId('chat-settings-button').click()
  await page.getByTestId('chat-max_tokens').fill('3000')
  await page.getByTestId('system-prompt').fill('You are a storyteller.')
  await saveChatSettings(page)
  const { body: saved } = await api(`/api/conversations/${id}`)
  assert.equal(saved.conversation.settings.max_tokens, 3000)
  assert.equal(saved.conversation.systemPrompt, 'You are a storyteller.')

  // The tiny model writes thousands of tokens a second: Esc is pressed from inside the page as soon as
  // the first words show, as a user would, but without a round trip through the test runner.
  await page.evaluate(() => {
    const watcher = new MutationObserver(() => {
      if (document.querySelector('[data-testid=message-assistant][data-status=streaming] .markdown')) {
        watcher.disconnect()
        window.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true }))
      }
    })
    watcher.observe(document.body, { subtree: true, childList: true, attributes: true })
  })
  await page.getByTestId('composer').fill('a long answer please')
  await page.getByTestId('composer').press('Enter')
  await lastReply(page).getByTestId('incomplete').waitFor({ timeout: 10_000 })
  const stopped = (await lastReply(page).getByTestId('message-body').textContent()).trim()
  assert.ok(stopped.length > 0)
  await page.getByTestId('send').waitFor() // Stop became Send again

  await page.getByTestId('chat-settings-button').click()
  await page.getByTestId('chat-max_tokens').fill('40')
  await saveChatSettings(page)
  await page.getByTestId('regenerate').click()
  await page.locator('[data-testid=message-assistant][data-status=complete]').nth(1).waitFor({ timeout: 60_000 })
  let messages = (await api(`/api/conversations/${id}`)).body.messages
  assert.deepEqual(messages.map((m) => [m.role, m.status]), [['user', 'complete'], ['assistant', 'complete'], ['user', 'complete'], ['assistant', 'complete']])

  await page.getByTestId('message-user').first().getByTestId('edit').click()
  await page.getByLabel('Edit message').fill('a better first question')
  await page.getByTestId('save-edit').click()
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=message-assistant]').length === 1
    && document.querySelector('[data-testid=message-assistant]').dataset.status === 'complete', null, { timeout: 60_000 })
  messages = (await api(`/api/conversations/${id}`)).body.messages
  assert.deepEqual(messages.map((m) => [m.role, m.content.startsWith('a better') ? m.content : m.status]),
    [['user', 'a better first question'], ['assistant', 'complete']])
  assert.deepEqual(page.problems(), [])
})

test('conversations can be searched, renamed and deleted', async () => {
  const page = await openPage(browser, '/#/chat')
  await page.getByTestId('new-chat').click()
  await send(page, 'zebras are striped')
  const id = page.url().split('/').pop()
  const item = page.getByTestId(`conversation-${id}`)
  await page.getByTestId('chat-search').fill('zebras')
  await page.waitForFunction(() => document.querySelectorAll('[data-testid^=conversation-]:not([data-testid=conversation-list])').length === 1)
  await item.getByLabel(/^Rename/).click()
  await item.getByLabel('New title').fill('Zebra facts')
  await item.getByLabel('New title').press('Enter')
  await item.getByText('Zebra facts').waitFor()
  assert.equal((await api(`/api/conversations/${id}`)).body.conversation.title, 'Zebra facts')
  await item.getByLabel(/^Delete/).click()
  await item.getByTestId('confirm-delete').click()
  await item.waitFor({ state: 'detached' })
  assert.equal((await api(`/api/conversations/${id}`)).status, 404)
  assert.deepEqual(page.problems(), [])
})

test('on a phone the conversation list is an offcanvas panel; the theme switches to dark', async () => {
  const page = await openPage(browser, '/#/chat', { viewport: { width: 390, height: 800 } })
  const list = page.getByTestId('conversation-list')
  await page.getByTestId('open-conversations').click()
  await list.waitFor({ state: 'visible' })
  await screenshot(page, 'chat-phone-conversations')
  await page.keyboard.press('Escape')
  await list.waitFor({ state: 'hidden' })
  await page.getByLabel('Menu').click()
  await page.getByTestId('theme-toggle').click()
  assert.equal(await page.evaluate(() => document.documentElement.dataset.bsTheme), 'dark')
  await page.reload()
  assert.equal(await page.evaluate(() => document.documentElement.dataset.bsTheme), 'dark') // kept
  await screenshot(page, 'chat-phone-dark')
  assert.deepEqual(page.problems(), [])
})
