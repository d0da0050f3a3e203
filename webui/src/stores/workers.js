import { defineStore } from 'pinia'
import { apiFetch, apiJson } from '../lib/api.js'
import { readSse } from '../lib/sse.js'
import { useChatStore } from './chat.js'
import { useGalleryStore } from './gallery.js'
import { useDownloadsStore } from './downloads.js'

const ENDED = new Set(['done', 'failed', 'cancelled'])

/**
 * Live state pushed by the orchestrator over /api/events: the two workers, every image job the SD worker
 * has (whoever started it: this page, another tab, an A1111 script), and images and chats other pages saved
 * or deleted.
 */
export const useWorkersStore = defineStore('workers', {
  state: () => ({
    workers: {},
    imageJobs: {}, // job id -> its latest image-job event, while queued or running
    connected: false,
    everConnected: false,
    error: null,
  }),
  getters: {
    list: (s) => ['llm', 'sd'].map((name) => s.workers[name]).filter(Boolean),
    /** The image job running now, if any: {job, step, steps, image, n, progress}. */
    runningImageJob: (s) => Object.values(s.imageJobs).find((j) => j.state === 'running') ?? null,
    queuedImageJobs: (s) => Object.values(s.imageJobs).filter((j) => j.state === 'queued').length,
  },
  actions: {
    apply({ event, data }) {
      const payload = JSON.parse(data)
      if (event === 'workers') {
        this.workers = payload
      } else if (event === 'image-jobs') { // on connecting: the jobs queued or running now
        this.imageJobs = Object.fromEntries(payload.map((j) => [j.job, j]))
      } else if (event === 'worker') {
        const before = this.workers[payload.name]
        this.workers = { ...this.workers, [payload.name]: payload }
        // Jobs die with their worker; a new one starts with none.
        if (payload.name === 'sd' && (payload.state !== 'ready' || payload.pid !== before?.pid)) this.imageJobs = {}
      } else if (event === 'image-job') {
        const { [payload.job]: _, ...others } = this.imageJobs
        this.imageJobs = ENDED.has(payload.state) ? others : { ...others, [payload.job]: payload }
      } else if (event === 'gallery-image') {
        const gallery = useGalleryStore()
        if (gallery.loaded) gallery.add(payload.image)
      } else if (event === 'gallery-image-deleted') {
        useGalleryStore().forget({ id: payload.id })
      } else if (event === 'conversation-deleted') {
        useChatStore().forget(payload.id)
        useGalleryStore().forget({ conversationId: payload.id }) // its images went with it
      } else if (event === 'downloads' || event === 'download') {
        useDownloadsStore().apply(event, payload)
      }
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
