import { defineStore } from 'pinia'
import { apiFetch, apiJson } from '../lib/api.js'
import { readSse } from '../lib/sse.js'

/** Live state of the two workers, pushed by the orchestrator over /api/events. */
export const useWorkersStore = defineStore('workers', {
  state: () => ({
    workers: {},
    connected: false,
    everConnected: false,
    error: null,
  }),
  getters: {
    list: (s) => ['llm', 'sd'].map((name) => s.workers[name]).filter(Boolean),
  },
  actions: {
    apply({ event, data }) {
      const payload = JSON.parse(data)
      if (event === 'workers') this.workers = payload
      else if (event === 'worker') this.workers = { ...this.workers, [payload.name]: payload }
    },

    /** Keeps the event stream open, reconnecting with a short pause when it drops. */
    async connect(signal) {
      while (!signal?.aborted) {
        try {
          const response = await apiFetch('/api/events', { signal, headers: { Accept: 'text/event-stream' } })
          if (!response.ok) throw new Error(`HTTP ${response.status}`)
          this.connected = true
          this.everConnected = true
          this.error = null
          await readSse(response, (e) => this.apply(e))
        } catch (e) {
          if (signal?.aborted) return
          this.error = e.message
        }
        this.connected = false
        await new Promise((r) => setTimeout(r, 1000))
      }
    },

    async restart(name) {
      await apiJson(`/api/workers/${name}/restart`, { method: 'POST' })
    },
  },
})
