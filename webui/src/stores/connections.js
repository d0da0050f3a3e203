import { defineStore } from 'pinia'
import { apiJson } from '../lib/api.js'

/**
 * External backends (/api/connections): OpenAI-compatible servers whose models chats can use. Their keys go to the
 * server and never come back (a connection says only has_key).
 */
export const useConnectionsStore = defineStore('connections', {
  state: () => ({ list: [], models: [], error: null, loaded: false }),
  actions: {
    async refresh() {
      try {
        this.list = (await apiJson('/api/connections')).connections
        // the backends' models, as /v1/models marks them
        this.models = (await apiJson('/v1/models')).data.filter((m) => m.backend)
        this.error = null
      } catch (e) {
        this.error = e.message
      }
      this.loaded = true
    },
    async add(connection) {
      await apiJson('/api/connections', { method: 'POST', body: connection })
      await this.refresh()
    },
    async setEnabled(id, enabled) {
      await apiJson(`/api/connections/${id}`, { method: 'PUT', body: { enabled } })
      await this.refresh()
    },
    async remove(id) {
      await apiJson(`/api/connections/${id}`, { method: 'DELETE' })
      await this.refresh()
    },
  },
})
