import { defineStore } from 'pinia'
import { apiJson } from '../lib/api.js'
import { describeError } from '../lib/advice.js'

/** Where each list comes from and which worker answers it. */
export const FOLDERS = {
  llm: { path: '/v1/llm/models', worker: 'llm', folder: 'models/llm' },
  checkpoints: { path: '/v1/models/checkpoints', worker: 'sd', folder: 'models/sd/checkpoints' },
  loras: { path: '/v1/models/loras', worker: 'sd', folder: 'models/sd/loras' },
  vaes: { path: '/v1/models/vaes', worker: 'sd', folder: 'models/sd/vae' },
}
const POLL_MS = 500

/** The LLM worker's /v1/llm/status, read leniently: {loading, progress 0..1 or null, model name or null}. */
export function readLlmStatus(s) {
  const model = typeof s?.model === 'string' ? s.model : (s?.model?.name ?? s?.model?.file ?? s?.model?.id ?? null)
  const progress = s?.load_progress ?? s?.loadProgress ?? s?.progress ?? null
  return { loading: s?.loading ?? null, progress: typeof progress === 'number' ? progress : null, model }
}

/**
 * The Models page: the files in each models folder, and loading/unloading them. A load shows its
 * progress (the LLM worker reports a fraction; the image worker only "loading") and its failure in words.
 */
export const useModelsStore = defineStore('models', {
  state: () => ({
    files: { llm: [], checkpoints: [], loras: [], vaes: [] },
    errors: { llm: null, checkpoints: null, loras: null, vaes: null },
    refreshed: false,
    busy: { llm: null, sd: null }, // { action: 'load'|'unload', name, progress }
    failure: { llm: null, sd: null },
    vae: '',
  }),
  getters: {
    /** True when neither worker found a model file: the page explains where files go. */
    firstRun: (s) => s.refreshed && !s.files.llm.length && !s.files.checkpoints.length
      && !s.errors.llm && !s.errors.checkpoints,
  },
  actions: {
    async refresh() {
      await Promise.all(Object.entries(FOLDERS).map(async ([key, { path, worker }]) => {
        try {
          this.files[key] = (await apiJson(path)).data
          this.errors[key] = null
        } catch (e) {
          this.files[key] = []
          this.errors[key] = describeError(e, worker)
        }
      }))
      this.refreshed = true
    },

    async loadLlm(model) {
      await this.run('llm', 'load', model, () => apiJson('/v1/llm/load', { method: 'POST', body: { model } }))
    },

    async unloadLlm() {
      await this.run('llm', 'unload', null, () => apiJson('/v1/llm/unload', { method: 'POST', body: {} }))
    },

    async loadCheckpoint(checkpoint) {
      const body = { checkpoint }
      if (this.vae) body.vae = this.vae
      await this.run('sd', 'load', checkpoint, () => apiJson('/v1/models/load', { method: 'POST', body }))
    },

    async unloadCheckpoint() {
      await this.run('sd', 'unload', null, () => apiJson('/v1/models/unload', { method: 'POST', body: {} }))
    },

    /** One load/unload: busy while it runs (polling the LLM's progress), then fresh lists. */
    async run(worker, action, name, call) {
      if (this.busy[worker]) return
      this.busy[worker] = { action, name, progress: null }
      this.failure[worker] = null
      const poll = worker === 'llm' && action === 'load' ? setInterval(() => this.pollLlm(), POLL_MS) : null
      try {
        await call()
      } catch (e) {
        this.failure[worker] = describeError(e, worker)
      } finally {
        clearInterval(poll)
        this.busy[worker] = null
        await this.refresh()
      }
    },

    async pollLlm() {
      try {
        const { progress } = readLlmStatus(await apiJson('/v1/llm/status'))
        if (this.busy.llm && progress != null) this.busy.llm.progress = progress
      } catch {
        // the load request itself reports failures
      }
    },
  },
})
