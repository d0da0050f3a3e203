import { defineStore } from 'pinia'
import { isAbort, postSse } from '../lib/sse.js'
import { describeError } from '../lib/advice.js'
import { cancelImageJob, runImageJob } from '../lib/imageJob.js'
import { imageRequest, withDefaults } from '../lib/imageParams.js'
import { cleanPrompt, imagineMessage, promptRequest } from '../lib/imagine.js'
import { useChatStore } from './chat.js'
import { useCapabilitiesStore } from './capabilities.js'
import { useGalleryStore } from './gallery.js'
import { useSettingsStore } from './settings.js'

/**
 * "Imagine" in a chat, in two visible steps: the language model writes an image prompt from the
 * conversation (streamed), then the image worker draws it with the default image settings (progress
 * and previews). The result is saved as one assistant message with the prompt and the image.
 */
export const useImagineStore = defineStore('imagine', {
  state: () => ({
    run: null, // { conversationId, stage: 'prompt'|'image', text, prompt, step, steps, preview, job, controller }
    error: null, // { conversationId, message }
  }),
  actions: {
    /** The /imagine command: the user's words are kept as their message, then used as the subject. */
    async fromCommand(conversationId, focus, commandText) {
      const chat = useChatStore()
      await chat.append(conversationId, { role: 'user', content: commandText })
      if (chat.current?.id === conversationId) chat.nameIfNew(chat.current, focus || commandText)
      return this.start(conversationId, focus, focus)
    },

    /** The button on a message: that message is the subject. */
    fromMessage(conversationId, message) {
      return this.start(conversationId, message.content.slice(0, 500), message.content)
    },

    async start(conversationId, focus, fallback) {
      if (this.run) return
      const chat = useChatStore()
      const controller = new AbortController()
      this.run = { conversationId, stage: 'prompt', text: '', prompt: '', step: 0, steps: 0, preview: null, job: null, controller }
      this.error = null
      try {
        await this.writePrompt(promptRequest(chat.messages, focus), controller.signal)
        this.run.prompt = cleanPrompt(this.run.text, fallback)
        this.run.stage = 'image'
        const image = await this.draw(conversationId, controller.signal)
        await chat.append(conversationId, { role: 'assistant', content: imagineMessage(this.run.prompt), imageId: image.id })
      } catch (e) {
        const worker = this.run.stage === 'prompt' ? 'llm' : 'sd'
        this.error = { conversationId, message: isAbort(e) ? 'Stopped.' : `Imagine could not finish: ${describeError(e, worker)}` }
      } finally {
        this.run = null
      }
    },

    async writePrompt(request, signal) {
      await postSse('/v1/chat/completions', request, (event, data) => {
        if (data === '[DONE]') return
        if (data.error) throw Object.assign(new Error(data.error.message), { code: data.error.code, status: 500 })
        this.run.text += data.choices?.[0]?.delta?.content || ''
      }, signal)
    },

    async draw(conversationId, signal) {
      const server = await useCapabilitiesStore().whenImagesKnown() // unknown: the server's own defaults apply
      const form = { ...withDefaults(useSettingsStore().imageDefaults, server?.defaults), prompt: this.run.prompt, n: 1 }
      const gallery = useGalleryStore()
      const images = await runImageJob(imageRequest(form, conversationId), {
        job: (id) => { this.run.job = id },
        progress: (e) => {
          this.run.step = e.step
          this.run.steps = e.steps
          if (e.preview) this.run.preview = e.preview
        },
        image: (image) => gallery.add(image),
      }, signal)
      if (!images.length) throw new Error('the image worker returned no image')
      return images[0]
    },

    stop() {
      if (!this.run) return
      if (this.run.job) cancelImageJob(this.run.job)
      this.run.controller.abort()
    },
  },
})
