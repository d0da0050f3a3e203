import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { readLlmStatus, useModelsStore } from '../src/stores/models.js'
import { apiError, fakeServer, json } from './fakeServer.js'

const list = (...ids) => json({ object: 'list', data: ids.map((id) => ({ id, size: 10 })) })

describe('models store', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    vi.unstubAllGlobals()
  })

  it('knows a first run: both workers answer, and no model file anywhere', async () => {
    fakeServer({ 'GET /v1/llm/models': list(), 'GET /v1/models/checkpoints': list(), 'GET /v1/models/loras': list(), 'GET /v1/models/vaes': list() })
    const models = useModelsStore()
    expect(models.firstRun).toBe(false) // not before it looked
    await models.refresh()
    expect(models.firstRun).toBe(true)
  })

  it('a worker that is restarting is not a first run, and its list says why in words', async () => {
    fakeServer({
      'GET /v1/llm/models': apiError(503, 'the llm-worker is restarting', 'worker_unavailable'),
      'GET /v1/models/checkpoints': list('a.safetensors'), 'GET /v1/models/loras': list(), 'GET /v1/models/vaes': list(),
    })
    const models = useModelsStore()
    await models.refresh()
    expect(models.firstRun).toBe(false)
    expect(models.errors.llm).toMatch(/restarting\. The language model worker is not available right now.*try again/)
    expect(models.files.checkpoints.map((f) => f.id)).toEqual(['a.safetensors'])
  })

  it('loads a checkpoint with the chosen VAE, then refreshes; a failure is kept in words', async () => {
    const server = fakeServer({
      'POST /v1/models/load': json({ model: 'a.safetensors' }),
      'GET /v1/llm/models': list(), 'GET /v1/models/checkpoints': list('a.safetensors'), 'GET /v1/models/loras': list(), 'GET /v1/models/vaes': list('v.safetensors'),
      'POST /v1/llm/load': apiError(400, "tiny.gguf is not a GGUF file (bad magic)"),
    })
    const models = useModelsStore()
    models.vae = 'v.safetensors'
    await models.loadCheckpoint('a.safetensors')
    expect(server.calls('POST', '/v1/models/load')[0].body).toEqual({ checkpoint: 'a.safetensors', vae: 'v.safetensors' })
    expect(server.calls('GET', '/v1/models/checkpoints')).toHaveLength(1)
    expect(models.busy.sd).toBeNull()
    await models.loadLlm('tiny.gguf')
    expect(models.failure.llm).toBe('tiny.gguf is not a GGUF file (bad magic)')
  })

  it('shows the load progress the LLM worker reports while its load request runs', async () => {
    let finish
    const server = fakeServer({
      'POST /v1/llm/load': () => new Promise((resolve) => { finish = () => resolve(json({ status: 'loaded' })) }),
      'GET /v1/llm/status': json({ model: null, loading: 'big.gguf', load_progress: 0.42 }),
      'GET /v1/llm/models': list('big.gguf'), 'GET /v1/models/checkpoints': list(), 'GET /v1/models/loras': list(), 'GET /v1/models/vaes': list(),
    })
    const models = useModelsStore()
    const started = vi.spyOn(globalThis, 'setInterval')
    const cleared = vi.spyOn(globalThis, 'clearInterval')
    const load = models.loadLlm('big.gguf')
    await vi.waitFor(() => expect(models.busy.llm?.progress).toBe(0.42), { timeout: 3000 })
    expect(models.busy.llm).toMatchObject({ action: 'load', name: 'big.gguf' })
    finish()
    await load
    expect(models.busy.llm).toBeNull()
    expect(server.calls('GET', '/v1/llm/status').length).toBeGreaterThan(0)
    // Polling stopped with the load: the one interval it started is the one cleared (no waiting to see nothing happen).
    expect(started).toHaveBeenCalledTimes(1)
    expect(cleared).toHaveBeenCalledWith(started.mock.results[0].value)
    started.mockRestore()
    cleared.mockRestore()
  })

  it('reads the LLM status leniently', () => {
    expect(readLlmStatus({ model: null, loading: 'a.gguf', load_progress: 0.25 })).toEqual({ loading: 'a.gguf', progress: 0.25, model: null })
    expect(readLlmStatus({ model: { name: 'b.gguf' }, loading: null })).toEqual({ loading: null, progress: null, model: 'b.gguf' })
  })
})
