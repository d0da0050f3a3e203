import { defineStore } from 'pinia'
import { apiJson } from '../lib/api.js'
import { applyTheme, storedTheme } from '../lib/theme.js'

export const CHAT_DEFAULTS = { systemPrompt: '', temperature: 0.8, top_p: 0.95, max_tokens: 1024, seed: null }

/**
 * User settings kept by the server (GET/PUT /api/settings): chat and image defaults, the thread split.
 * The theme stays in localStorage (it must apply before the first paint).
 */
export const useSettingsStore = defineStore('settings', {
  state: () => ({
    values: {},
    loaded: false,
    firstLoad: null, // the first load()'s promise, which whenLoaded() waits for
    error: null,
    theme: storedTheme(),
  }),
  getters: {
    chatDefaults: (s) => ({ ...CHAT_DEFAULTS, ...(s.values['chat.defaults'] || {}) }),
    imageDefaults: (s) => s.values['images.defaults'] || {},
    threads: (s) => s.values.threads || { llm: null, sd: null },
  },
  actions: {
    load() {
      const loading = this.fetchValues()
      this.firstLoad ??= loading
      return loading
    },

    /** Resolves once the settings have been read (or reading them failed), loading them if nobody has. */
    whenLoaded() {
      return this.firstLoad ?? this.load()
    },

    async fetchValues() {
      try {
        this.values = await apiJson('/api/settings')
        this.loaded = true
        this.error = null
      } catch (e) {
        this.error = e.message
      }
    },

    /** Merges keys into the stored settings (null removes one). */
    async save(changes) {
      this.values = await apiJson('/api/settings', { method: 'PUT', body: changes })
    },

    setTheme(choice) {
      this.theme = choice
      applyTheme(choice)
    },

    cycleTheme() {
      const dark = document.documentElement.getAttribute('data-bs-theme') === 'dark'
      this.setTheme(dark ? 'light' : 'dark')
    },
  },
})
