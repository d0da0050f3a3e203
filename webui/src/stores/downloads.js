import { defineStore } from 'pinia'
import { apiJson } from '../lib/api.js'

const ACTIVE = new Set(['queued', 'downloading', 'verifying'])

/**
 * The model library: Hub search, a repo's quantisations with whether they fit this machine, and the downloads
 * (their live state arrives over /api/events as `downloads` on connecting, then one `download` per change).
 */
export const useDownloadsStore = defineStore('downloads', {
  state: () => ({
    jobs: {}, // id -> the job as the orchestrator reports it
    results: [],
    searching: false,
    searchError: null,
    repo: null,
    quants: [],
    singleFiles: [], // the repo's top-level .safetensors / .ckpt / .pth models
    memory: null,
    quantsError: null,
    startError: null,
  }),
  getters: {
    list: (s) => Object.values(s.jobs).sort((a, b) => b.created_at - a.created_at),
    active: (s) => Object.values(s.jobs).filter((j) => ACTIVE.has(j.state)).length,
  },
  actions: {
    apply(event, payload) {
      if (event === 'downloads') this.jobs = Object.fromEntries(payload.map((j) => [j.id, j]))
      else if (event === 'download') this.jobs = { ...this.jobs, [payload.id]: payload }
    },

    async search(query, ggufOnly = true) {
      this.searching = true
      this.searchError = null
      try {
        const q = new URLSearchParams({ q: query, gguf: String(ggufOnly) })
        this.results = (await apiJson(`/api/hub/search?${q}`)).models
      } catch (e) {
        this.results = []
        this.searchError = e.message
      } finally {
        this.searching = false
      }
    },

    async pick(repo) {
      this.repo = repo
      this.quants = []
      this.singleFiles = []
      this.quantsError = null
      try {
        const answer = await apiJson(`/api/hub/quants?${new URLSearchParams({ repo })}`)
        this.quants = answer.quants
        this.singleFiles = answer.files ?? []
        this.memory = answer.memory
      } catch (e) {
        this.quantsError = e.message
      }
    },

    /** Starts a download; true when the orchestrator took it. */
    async start(source, kind) {
      this.startError = null
      try {
        const job = await apiJson('/api/downloads', { method: 'POST', body: kind ? { source, kind } : { source } })
        if (!this.jobs[job.id]) this.jobs = { ...this.jobs, [job.id]: job } // an event may have come first
        return true
      } catch (e) {
        this.startError = e.message
        return false
      }
    },

    async act(id, action) {
      const job = action === 'cancel'
        ? await apiJson(`/api/downloads/${id}`, { method: 'DELETE' })
        : await apiJson(`/api/downloads/${id}/${action}`, { method: 'POST', body: {} })
      if (action === 'cancel' && ['done', 'failed', 'cancelled'].includes(this.jobs[id]?.state)) {
        const { [id]: _, ...rest } = this.jobs
        this.jobs = rest
      } else {
        this.jobs = { ...this.jobs, [id]: job }
      }
    },
  },
})
