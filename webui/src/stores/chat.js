import { defineStore } from 'pinia'
import { apiJson } from '../lib/api.js'
import { isAbort, postSse } from '../lib/sse.js'
import { describeError } from '../lib/advice.js'
import { useSettingsStore } from './settings.js'

const NEW_TITLE = 'New chat'
const SAMPLING = ['temperature', 'top_p', 'max_tokens', 'seed']
let listRequests = 0 // refreshList() calls so far, so a late answer to an older one is dropped

function titleFrom(text) {
  const line = text.trim().split('\n')[0]
  return line.length > 60 ? `${line.slice(0, 57)}…` : line
}

/**
 * Conversations and the open one's messages, all kept by the server. A reply streams into the
 * message object the server created for it (event `start`), token by token (`delta`), and is replaced
 * by the saved message at the end (`done` / `error`), so what is shown is what a reload would show.
 */
export const useChatStore = defineStore('chat', {
  state: () => ({
    conversations: [],
    search: '',
    listError: null,
    current: null,
    messages: [],
    openError: null,
    draft: '',
    error: null,
    notice: null, // e.g. older turns left out to fit the model's context
    turn: null, // { conversationId, controller, message } while a reply streams
  }),
  getters: {
    streaming: (s) => !!s.turn && s.turn.conversationId === s.current?.id,
  },
  actions: {
    async refreshList() {
      const request = ++listRequests // answers can overtake each other; only the newest request's counts
      try {
        const q = this.search.trim()
        const { data } = await apiJson(`/api/conversations${q ? `?q=${encodeURIComponent(q)}` : ''}`)
        if (request !== listRequests) return
        this.conversations = data
        this.listError = null
      } catch (e) {
        if (request === listRequests) this.listError = describeError(e)
      }
    },

    async open(id) {
      if (!id) {
        this.current = null
        this.messages = []
        this.openError = null
        return
      }
      try {
        const { conversation, messages } = await apiJson(`/api/conversations/${encodeURIComponent(id)}`)
        const live = this.turn?.conversationId === id ? this.turn.message : null
        this.current = conversation
        this.messages = messages.map((m) => (live && m.id === live.id ? live : m))
        this.openError = null
        this.error = null
        this.notice = null
      } catch (e) {
        this.current = null
        this.messages = []
        this.openError = e.status === 404 ? 'This conversation does not exist any more.' : describeError(e)
      }
    },

    /** A new conversation with the user's default system prompt and sampling settings. */
    async create() {
      const settingsStore = useSettingsStore()
      await settingsStore.whenLoaded()
      const d = settingsStore.chatDefaults
      const settings = Object.fromEntries(SAMPLING.filter((k) => d[k] != null && d[k] !== '').map((k) => [k, d[k]]))
      const conversation = await apiJson('/api/conversations', {
        method: 'POST',
        body: { title: NEW_TITLE, systemPrompt: d.systemPrompt || '', settings },
      })
      this.current = conversation
      this.messages = []
      this.conversations = [conversation, ...this.conversations]
      return conversation
    },

    /** Changes any of {title, systemPrompt, settings} of a conversation. */
    async update(id, changes) {
      const updated = await apiJson(`/api/conversations/${encodeURIComponent(id)}`, { method: 'PATCH', body: changes })
      if (this.current?.id === id) this.current = updated
      this.conversations = this.conversations.map((c) => (c.id === id ? updated : c))
      return updated
    },

    async remove(id) {
      if (this.turn?.conversationId === id) this.stop()
      await apiJson(`/api/conversations/${encodeURIComponent(id)}`, { method: 'DELETE' })
      this.conversations = this.conversations.filter((c) => c.id !== id)
      if (this.current?.id === id) await this.open(null)
    },

    /** Another page deleted a conversation: drop it here, and say so if it is the one open. */
    forget(id) {
      this.conversations = this.conversations.filter((c) => c.id !== id)
      if (this.current?.id !== id) return
      if (this.turn?.conversationId === id) this.stop()
      this.current = null
      this.messages = []
      this.openError = 'This conversation was deleted in another window.'
    },

    /** Sends the draft. Without an open conversation, one is created first. */
    async send() {
      const text = this.draft.trim()
      if (!text || this.turn) return false
      this.draft = ''
      if (!this.current) {
        try {
          await this.create()
        } catch (e) {
          this.draft = text
          this.error = describeError(e)
          return false
        }
      }
      const started = await this.runTurn({ content: text })
      if (!started) this.draft = text // nothing was stored: give the text back
      return started
    },

    /** Deletes an assistant reply (and anything after it) and asks for a new one. */
    async regenerate(message) {
      if (this.turn) return
      await this.truncateFrom(message)
      await this.runTurn({})
    },

    /** Saves the edited text of a user message, drops everything after it, and asks for a new reply. */
    async editAndResend(message, content) {
      if (this.turn || !content.trim()) return
      const id = this.current.id
      const edited = await apiJson(`/api/conversations/${encodeURIComponent(id)}/messages/${encodeURIComponent(message.id)}`,
        { method: 'PATCH', body: { content } })
      const next = this.messages.find((m) => m.seq > message.seq)
      if (next) await this.truncateFrom(next)
      this.messages = this.messages.map((m) => (m.id === edited.id ? edited : m))
      await this.runTurn({})
    },

    async truncateFrom(message) {
      const id = this.current.id
      await apiJson(`/api/conversations/${encodeURIComponent(id)}/messages/${encodeURIComponent(message.id)}`, { method: 'DELETE' })
      this.messages = this.messages.filter((m) => m.seq < message.seq)
    },

    /** Adds a message without generating (imagine's result, the /imagine command). */
    async append(conversationId, message) {
      const saved = await apiJson(`/api/conversations/${encodeURIComponent(conversationId)}/messages`, { method: 'POST', body: message })
      if (this.current?.id === conversationId) this.messages.push(saved)
      this.refreshList()
      return saved
    },

    stop() {
      this.turn?.controller.abort()
    },

    /** One chat turn; true when the server started it (the user's text is then stored). */
    async runTurn(body) {
      const conversation = this.current
      const controller = new AbortController()
      this.turn = { conversationId: conversation.id, controller, message: null }
      this.error = null
      let started = false
      try {
        await postSse(`/api/conversations/${encodeURIComponent(conversation.id)}/chat`, body, (event, data) => {
          if (event === 'start') {
            started = true
            this.onStart(conversation, data, body.content)
          } else if (event === 'delta' && this.turn.message) {
            this.turn.message.content += data.content || ''
            this.turn.message.reasoning += data.reasoning || ''
          } else if ((event === 'done' || event === 'error') && this.turn.message) {
            Object.assign(this.turn.message, data.message)
          }
        }, controller.signal)
        return true
      } catch (e) {
        if (isAbort(e)) {
          if (this.turn.message) Object.assign(this.turn.message, { status: 'incomplete', error: 'stopped' })
          return true
        }
        if (started && this.turn.message) Object.assign(this.turn.message, { status: 'incomplete', error: e.message })
        else this.error = describeError(e, 'llm')
        return started
      } finally {
        this.turn = null
        this.refreshList()
      }
    },

    onStart(conversation, { user, assistant, leftOut }, content) {
      const here = this.current?.id === conversation.id
      this.notice = leftOut > 0
        ? `The ${leftOut} oldest message${leftOut === 1 ? '' : 's'} did not fit in the model's context and ${leftOut === 1 ? 'was' : 'were'} left out of this reply.`
        : null
      if (user?.id && here) this.messages.push(user)
      if (here) {
        this.messages.push(assistant)
        this.turn.message = this.messages[this.messages.length - 1] // the reactive copy
      } else {
        this.turn.message = assistant
      }
      if (content) this.nameIfNew(conversation, content)
    },

    /** A chat still called "New chat" is named after its first message. */
    nameIfNew(conversation, text) {
      if (conversation.title === NEW_TITLE) this.update(conversation.id, { title: titleFrom(text) }).catch(() => {})
    },
  },
})
