import { before, test } from 'node:test'
import assert from 'node:assert/strict'
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { Ollama } from 'ollama'
import { BASE, TINY, api, workerReady } from './browser.mjs'

// Ollama's own JavaScript client, unchanged, against the orchestrator.
const ollama = new Ollama({ host: BASE })

before(async () => {
  await workerReady('llm')
  const loaded = await api('/v1/llm/load', { method: 'POST', body: { model: TINY.llm } })
  assert.equal(loaded.status, 200, JSON.stringify(loaded.body))
})

test('the ollama client lists, shows, chats (whole and streamed) and generates', async () => {
  assert.ok((await ollama.version()).version)
  const { models } = await ollama.list()
  assert.ok(models.some((m) => m.name === TINY.llm), JSON.stringify(models))
  const shown = await ollama.show({ model: TINY.llm })
  assert.match(shown.template, /<\|im_start\|>/)
  assert.equal((await ollama.ps()).models[0].name, TINY.llm)

  const messages = [{ role: 'user', content: 'Say hello.' }]
  const options = { num_predict: 4, seed: 3, temperature: 0.7 }
  const whole = await ollama.chat({ model: TINY.llm, messages, options })
  assert.equal(whole.message.role, 'assistant')
  assert.equal(whole.done, true)
  assert.ok(whole.eval_count >= 1 && whole.eval_count <= 4)
  let streamed = ''
  let last
  for await (const part of await ollama.chat({ model: TINY.llm, messages, options, stream: true })) {
    streamed += part.message.content
    last = part
  }
  assert.equal(last.done, true)
  assert.equal(streamed, whole.message.content, 'the same seed, the same words')

  const generated = await ollama.generate({ model: TINY.llm, prompt: 'Once upon a time', raw: true, options })
  assert.equal(generated.done, true)
  await assert.rejects(ollama.pull({ model: 'llama3' }), /not a Hugging Face model/)
})

test('the ollama client pulls a Hub model with progress, then chats with it by the name it pulled', async () => {
  const name = 'hf.co/mysti/tiny-GGUF:Q4_K_M' // from the stand-in Hub the runner starts (e2e/fakeHub.mjs)
  const statuses = []
  let completed = 0
  for await (const part of await ollama.pull({ model: name, stream: true })) {
    statuses.push(part.status)
    if (part.total) completed = Math.max(completed, part.completed)
  }
  assert.equal(statuses[0], 'pulling manifest')
  assert.equal(statuses.at(-1), 'success')
  assert.ok(statuses.some((s) => s.startsWith('pulling ')), JSON.stringify(statuses))
  assert.ok(completed > 0)
  assert.ok((await ollama.list()).models.some((m) => m.name === 'tiny-Q4_K_M.gguf'))
  const reply = await ollama.chat({ model: name, messages: [{ role: 'user', content: 'hi' }], options: { num_predict: 2 } })
  assert.equal(reply.done, true)
  assert.equal((await ollama.pull({ model: name, stream: false })).status, 'success', 'pulled already')
  // leave the worker as the other tests expect it
  assert.equal((await api('/v1/llm/load', { method: 'POST', body: { model: TINY.llm } })).status, 200)
  rmSync(join(process.env.MYSTI_MODELS, 'llm', 'tiny-Q4_K_M.gguf'), { force: true })
})
