import { defineStore } from 'pinia'
import { apiJson } from '../lib/api.js'

/**
 * What the server says the forms may offer (GET /api/capabilities): its request limits, and the image worker's
 * samplers, schedules, model families and request defaults. `images` stays null until the image worker has
 * answered once; load() again (the Images page does when the worker comes up) fills it in.
 */
export const useCapabilitiesStore = defineStore('capabilities', {
  state: () => ({ limits: null, images: null, error: null, loading: null }),
  getters: {
    ready: (s) => !!(s.limits && s.images),
    samplers: (s) => s.images?.samplers ?? [],
    schedules: (s) => s.images?.schedules ?? [],
    rngs: (s) => s.images?.rngs ?? [],
    upscalers: (s) => s.images?.upscalers ?? [],
    imageDefaults: (s) => s.images?.defaults ?? {},
  },
  actions: {
    /** Asks the server; a call while one is under way shares it. */
    load() {
      this.loading ??= (async () => {
        try {
          const answer = await apiJson('/api/capabilities')
          this.limits = answer.limits
          this.images = answer.images
          this.error = null
        } catch (e) {
          this.error = e.message
        } finally {
          this.loading = null
        }
      })()
      return this.loading
    },

    /** Resolves once the image part is known, or asking failed: loads it if it is not. */
    async whenImagesKnown() {
      if (!this.images) await this.load()
      return this.images
    },
  },
})
