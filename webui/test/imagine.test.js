import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { cleanPrompt, imagineCommand, imagineMessage, promptRequest } from '../src/lib/imagine.js'
import { useChatStore } from '../src/stores/chat.js'
import { useImagineStore } from '../src/stores/imagine.js'
import { useSettingsStore } from '../src/stores/settings.js'
import { apiError, fakeServer, json, sse } from './fakeServer.js'

const chunk = (content) => ['message', { choices: [{ delta: { content } }] }]

describe('imagine, the text part', () => {
  it('recognises the command', () => {
    expect(imagineCommand('/imagine a red fox ')).toBe('a red fox')
    expect(imagineCommand('/IMAGINE')).toBe('')
    expect(imagineCommand('/imagined things')).toBeNull()
    expect(imagineCommand('please /imagine x')).toBeNull()
  })

  it('asks with the recent conversation as context, leaving out earlier commands', () => {
    const req = promptRequest([
      { role: 'user', content: 'we talked about foxes' }, { role: 'user', content: '/imagine x' }, { role: 'assistant', content: 'foxes are red' },
    ], 'a red fox')
    expect(req.stream).toBe(true)
    expect(req.messages[0].role).toBe('system')
    expect(req.messages[1].content).toBe('Conversation so far:\nuser: we talked about foxes\nassistant: foxes are red\n\nWrite an image prompt for: a red fox')
  })

  it('keeps the prompt line only, and falls back to the user\'s words when the model wrote nothing usable', () => {
    expect(cleanPrompt('<think>hmm</think>\n\nPrompt: "a red fox, snow, dusk"\nThis prompt shows...', 'x')).toBe('a red fox, snow, dusk')
    expect(cleanPrompt(' \n ... \n', 'a red fox')).toBe('a red fox')
    expect(cleanPrompt('x'.repeat(900), '')).toHaveLength(400)
    expect(imagineMessage('a *bold* <b>fox</b>')).toBe('Imagined an image: *a \\*bold\\* \\<b\\>fox\\</b\\>*')
    expect(cleanPrompt('a\u0004fox\fin\u200b snow \uFFFD\rsecond line', '')).toBe('a fox in snow')
  })
})

describe('imagine store', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    vi.unstubAllGlobals()
  })

  it('writes the prompt with the LLM, draws it in the conversation, and saves one message with the image', async () => {
    const gallery = { id: 'g1', seed: 5, prompt: 'a red fox, snow' }
    const server = fakeServer({
      'POST /api/conversations/c1/messages': (signal, req) => json({ id: `m${req.body.role}`, seq: 9, ...req.body }, 201),
      'POST /v1/chat/completions': sse([chunk('a red fox'), chunk(', snow'), ['message', '[DONE]']]),
      'POST /api/images': sse([['queued', { job: 'j' }], ['progress', { job: 'j', step: 1, steps: 2 }], ['image', { image: gallery }], ['done', { images: [gallery] }]]),
      'GET /api/conversations': json({ data: [] }),
      'PATCH /api/conversations/c1': json({ id: 'c1', title: 'a fox' }),
    })
    useSettingsStore().values = { 'images.defaults': { width: 64, height: 64, steps: 2 } }
    const chat = useChatStore()
    chat.current = { id: 'c1', title: 'New chat' }
    await useImagineStore().fromCommand('c1', 'a fox', '/imagine a fox')

    expect(server.calls('POST', '/v1/chat/completions')[0].body.messages[1].content).toMatch(/Write an image prompt for: a fox$/)
    expect(server.calls('POST', '/api/images')[0].body).toMatchObject({ prompt: 'a red fox, snow', width: 64, height: 64, steps: 2, n: 1, conversation_id: 'c1' })
    expect(server.calls('POST', '/api/conversations/c1/messages').map((r) => r.body)).toEqual([
      { role: 'user', content: '/imagine a fox' },
      { role: 'assistant', content: 'Imagined an image: *a red fox, snow*', imageId: 'g1' },
    ])
    expect(chat.messages.map((m) => m.role)).toEqual(['user', 'assistant'])
    expect(server.calls('PATCH', '/api/conversations/c1').map((r) => r.body)).toEqual([{ title: 'a fox' }])
    expect(useImagineStore().run).toBeNull()
  })

  it('says which step failed and what to do', async () => {
    fakeServer({ 'POST /v1/chat/completions': apiError(503, 'no model loaded', 'no_model_loaded') })
    useChatStore().current = { id: 'c1' }
    const imagine = useImagineStore()
    await imagine.fromMessage('c1', { content: 'a castle' })
    expect(imagine.error).toEqual({ conversationId: 'c1', message: 'Imagine could not finish: no model loaded. Load a language model on the Models page; if its list is empty, put models/llm/ (a .gguf file) in your models folder.' })
  })
})
