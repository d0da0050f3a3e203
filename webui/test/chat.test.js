import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { useChatStore } from '../src/stores/chat.js'
import { apiError, fakeServer, json, sse } from './fakeServer.js'

const conversation = { id: 'c1', title: 'New chat', systemPrompt: '', settings: {}, messageCount: 0 }
const msg = (id, seq, role, content, extra = {}) => ({ id, conversationId: 'c1', seq, role, content, reasoning: '', status: 'complete', ...extra })

describe('chat store', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    vi.unstubAllGlobals()
  })

  it('streams a reply token by token into the message the server created, then takes the saved one', async () => {
    const seen = []
    const server = fakeServer({
      'POST /api/conversations/c1/chat': sse([
        ['start', { user: msg('u1', 1, 'user', 'hi'), assistant: msg('a1', 2, 'assistant', '', { status: 'streaming' }) }],
        ['delta', { content: 'Hel', reasoning: '' }],
        ['delta', { content: 'lo', reasoning: 'thinking' }],
        ['done', { message: msg('a1', 2, 'assistant', 'Hello', { completionTokens: 2, tokensPerSecond: 9.5 }) }],
      ]),
      'PATCH /api/conversations/c1': json({ ...conversation, title: 'hi' }),
      'GET /api/conversations': json({ data: [] }),
    })
    const chat = useChatStore()
    chat.current = { ...conversation }
    chat.draft = 'hi'
    chat.$onAction(({ name, after }) => name === 'onStart' && after(() => seen.push(chat.messages.map((m) => m.status))))

    expect(await chat.send()).toBe(true)
    expect(seen).toEqual([['complete', 'streaming']])
    expect(chat.messages.map((m) => [m.role, m.content, m.status])).toEqual([['user', 'hi', 'complete'], ['assistant', 'Hello', 'complete']])
    expect(chat.messages[1].tokensPerSecond).toBe(9.5)
    expect(chat.draft).toBe('')
    expect(chat.turn).toBeNull()
    expect(server.calls('POST', '/api/conversations/c1/chat')[0].body).toEqual({ content: 'hi' })
    expect(server.calls('PATCH', '/api/conversations/c1')[0].body).toEqual({ title: 'hi' }) // first message names the chat
  })

  it('says so when older messages were left out to fit the context', async () => {
    fakeServer({
      'POST /api/conversations/c1/chat': sse([['start', { leftOut: 3, user: {}, assistant: msg('a1', 9, 'assistant', '') }], ['done', { message: msg('a1', 9, 'assistant', 'ok') }]]),
      'GET /api/conversations': json({ data: [] }),
    })
    const chat = useChatStore()
    chat.current = { ...conversation, title: 'long' }
    await chat.runTurn({})
    expect(chat.notice).toBe("The 3 oldest messages did not fit in the model's context and were left out of this reply.")
  })

  it('gives the text back and explains what to do when no model is loaded', async () => {
    fakeServer({ 'POST /api/conversations/c1/chat': apiError(503, 'no model loaded', 'no_model_loaded'), 'GET /api/conversations': json({ data: [] }) })
    const chat = useChatStore()
    chat.current = { ...conversation }
    chat.draft = 'are you there?'
    expect(await chat.send()).toBe(false)
    expect(chat.draft).toBe('are you there?')
    expect(chat.error).toMatch(/no model loaded\. Load a language model on the Models page/)
    expect(chat.messages).toEqual([])
  })

  it('stop aborts the stream and keeps the text, marked incomplete', async () => {
    fakeServer({
      'POST /api/conversations/c1/chat': sse([
        ['start', { user: {}, assistant: msg('a1', 2, 'assistant', '', { status: 'streaming' }) }],
        ['delta', { content: 'partial', reasoning: '' }],
      ], { hold: true }),
      'GET /api/conversations': json({ data: [] }),
    })
    const chat = useChatStore()
    chat.current = { ...conversation }
    chat.messages = [msg('u1', 1, 'user', 'go on')]
    const turn = chat.runTurn({})
    await vi.waitFor(() => expect(chat.messages[1]?.content).toBe('partial'))
    expect(chat.streaming).toBe(true)
    chat.stop()
    await turn
    expect(chat.messages[1]).toMatchObject({ content: 'partial', status: 'incomplete', error: 'stopped' })
    expect(chat.streaming).toBe(false)
  })

  it('regenerate deletes the reply, then asks for a new one without new text', async () => {
    const server = fakeServer({
      'DELETE /api/conversations/c1/messages/a1': json({ deleted: 1 }),
      'POST /api/conversations/c1/chat': sse([['start', { user: {}, assistant: msg('a2', 2, 'assistant', '') }], ['done', { message: msg('a2', 2, 'assistant', 'again') }]]),
      'GET /api/conversations': json({ data: [] }),
    })
    const chat = useChatStore()
    chat.current = { ...conversation }
    chat.messages = [msg('u1', 1, 'user', 'q'), msg('a1', 2, 'assistant', 'first')]
    await chat.regenerate(chat.messages[1])
    expect(server.requests.map((r) => `${r.method} ${r.url.split('?')[0]}`)).toEqual([
      'DELETE /api/conversations/c1/messages/a1', 'POST /api/conversations/c1/chat', 'GET /api/conversations'])
    expect(server.calls('POST', '/api/conversations/c1/chat')[0].body).toEqual({})
    expect(chat.messages.map((m) => m.content)).toEqual(['q', 'again'])
  })

  it('edit and resend saves the new text, drops the later messages and replies again', async () => {
    const server = fakeServer({
      'PATCH /api/conversations/c1/messages/u1': json(msg('u1', 1, 'user', 'better question')),
      'DELETE /api/conversations/c1/messages/a1': json({ deleted: 1 }),
      'POST /api/conversations/c1/chat': sse([['start', { user: {}, assistant: msg('a2', 2, 'assistant', '') }], ['done', { message: msg('a2', 2, 'assistant', 'better answer') }]]),
      'GET /api/conversations': json({ data: [] }),
    })
    const chat = useChatStore()
    chat.current = { ...conversation }
    chat.messages = [msg('u1', 1, 'user', 'question'), msg('a1', 2, 'assistant', 'answer')]
    await chat.editAndResend(chat.messages[0], 'better question')
    expect(server.calls('PATCH', '/api/conversations/c1/messages/u1')[0].body).toEqual({ content: 'better question' })
    expect(server.calls('DELETE', '/api/conversations/c1/messages/a1')).toHaveLength(1)
    expect(chat.messages.map((m) => m.content)).toEqual(['better question', 'better answer'])
  })

  it('a new chat starts with the saved defaults, even when asked for before they were read; search goes to the server as ?q=', async () => {
    const server = fakeServer({
      'GET /api/settings': json({ 'chat.defaults': { systemPrompt: 'be brief', temperature: 0.2, top_p: '', seed: 7 } }),
      'POST /api/conversations': json(conversation, 201),
      'GET /api/conversations?q=whisk%20ers': json({ data: [conversation] }),
    })
    const chat = useChatStore()
    await chat.create() // the app's settings.load() has not been called yet
    expect(server.calls('GET', '/api/settings')).toHaveLength(1)
    expect(server.calls('POST', '/api/conversations')[0].body).toEqual({
      title: 'New chat', systemPrompt: 'be brief', settings: { temperature: 0.2, max_tokens: 1024, seed: 7 } })
    chat.search = 'whisk ers'
    await chat.refreshList()
    expect(chat.conversations).toEqual([conversation])
  })

  it('a slow answer to an older list request does not overwrite a newer search', async () => {
    let answerAll
    fakeServer({
      'GET /api/conversations': () => new Promise((resolve) => { answerAll = () => resolve(json({ data: [conversation, { ...conversation, id: 'c2' }] })) }),
      'GET /api/conversations?q=zebra': json({ data: [conversation] }),
    })
    const chat = useChatStore()
    const everything = chat.refreshList()
    chat.search = 'zebra'
    await chat.refreshList()
    answerAll()
    await everything
    expect(chat.conversations.map((c) => c.id)).toEqual(['c1'])
  })
})
