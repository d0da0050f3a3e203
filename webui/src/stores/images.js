import { defineStore } from 'pinia'
import { apiJson, blobToDataUrl, dataUrlOf } from '../lib/api.js'
import { isAbort } from '../lib/sse.js'
import { EMPTY_FOLDER, describeError } from '../lib/advice.js'
import { cancelImageJob, runImageJob } from '../lib/imageJob.js'
import { formFromImage, formProblems, imageRequest, withDefaults } from '../lib/imageParams.js'
import { useCapabilitiesStore } from './capabilities.js'
import { useGalleryStore } from './gallery.js'
import { useSettingsStore } from './settings.js'
import { useWorkersStore } from './workers.js'

/** The Images page: the form, the LoRA and VAE lists it offers, and the job running now. */
export const useImagesStore = defineStore('images', {
  state: () => ({
    form: withDefaults({}),
    defaultsApplied: false,
    checkpoints: [],
    remoteCheckpoints: [], // [{id, on}]: A1111 backends' checkpoints
    /** Checkpoint name -> model family id (sd1, sd2, sdxl, sdxl_refiner), as the worker read it from the file. */
    checkpointFamilies: {},
    loras: [],
    vaes: [],
    /** Upscaler models of models/sd/upscalers, by the names A1111 gives them (their file's stem). */
    upscalerModels: [],
    listsError: null,
    initImageError: null,
    job: null, // { id, position, step, steps, index, n, preview, controller }
    results: [],
    error: null,
  }),
  getters: {
    problems: (s) => formProblems(s.form, useCapabilitiesStore().limits),
    loadedCheckpoint: () => useWorkersStore().workers.sd?.model ?? null,
    /** The family of the checkpoint the next image uses (the chosen one, else the loaded one), or null. */
    family(s) {
      return s.checkpointFamilies[s.form.checkpoint || this.loadedCheckpoint] ?? null
    },
    /** Why Generate would fail for want of a checkpoint, in words; null when one is there. */
    checkpointHint(s) {
      if (s.form.checkpoint || this.loadedCheckpoint) return null
      if (!s.checkpoints.length) return EMPTY_FOLDER.checkpoints
      return 'No checkpoint is loaded: choose one above (it loads with the first image) or on the Models page.'
    },
    running: (s) => !!s.job,
    /** Overall progress 0..1 across the batch. */
    fraction: (s) => {
      const j = s.job
      if (!j?.steps) return 0
      return Math.min(1, ((j.index || 0) * j.steps + j.step) / ((j.n || 1) * j.steps))
    },
  },
  actions: {
    /** A chosen or dropped file becomes the img2img init image (its mask starts empty). */
    async setInitImage(file) {
      if (!file) return
      if (!file.type.startsWith('image/')) {
        this.initImageError = `${file.name} is not an image.`
        return
      }
      this.initImageError = null
      this.form.mask = null
      this.form.init_image = await blobToDataUrl(file)
    },

    /** Once: the form starts from the server's defaults and the ones saved in Settings. */
    applyDefaults() {
      if (this.defaultsApplied) return
      const form = withDefaults(useSettingsStore().imageDefaults, useCapabilitiesStore().imageDefaults)
      this.form = { ...form, prompt: this.form.prompt }
      this.defaultsApplied = true
    },

    async loadLists() {
      try {
        const [checkpoints, loras, vaes, upscalers] = await Promise.all(
          ['/v1/models/checkpoints', '/v1/models/loras', '/v1/models/vaes', '/v1/models/upscalers'].map((path) => apiJson(path)))
        this.checkpoints = checkpoints.data.map((m) => m.id)
        this.checkpointFamilies = Object.fromEntries(checkpoints.data.map((m) => [m.id, m.family ?? null]))
        this.loras = loras.data.map((m) => m.id)
        this.vaes = vaes.data.map((m) => m.id)
        this.upscalerModels = upscalers.data.map((m) => m.id.replace(/\.[^.]+$/, ''))
        this.listsError = null
        // other servers' checkpoints (A1111 backends), after ours: a job naming one runs there
        const external = await apiJson('/v1/models').then((all) => all.data.filter((m) => m.backend && m.type === 'image'))
          .catch(() => [])
        this.remoteCheckpoints = external.map((m) => ({ id: m.id, on: m.backend.name }))
      } catch (e) {
        this.listsError = describeError(e, 'sd')
      }
    },

    async generate() {
      if (this.job || this.problems.length) return
      const controller = new AbortController()
      this.job = { id: null, position: null, step: 0, steps: Number(this.form.steps), index: 0, n: Number(this.form.n), preview: null, controller }
      this.results = []
      this.error = null
      const gallery = useGalleryStore()
      try {
        await runImageJob(imageRequest(this.form), {
          job: (id) => { this.job.id = id },
          queued: (e) => { this.job.position = e.position },
          progress: (e) => {
            Object.assign(this.job, { position: null, step: e.step, steps: e.steps, index: e.index ?? 0, n: e.n ?? this.job.n })
            if (e.preview) this.job.preview = e.preview
          },
          image: (image) => {
            this.results.push(image)
            gallery.add(image)
          },
        }, controller.signal)
      } catch (e) {
        if (!isAbort(e)) this.error = describeError(e, 'sd')
      } finally {
        this.job = null
      }
    },

    cancel() {
      const job = this.job
      if (!job) return
      if (job.id) cancelImageJob(job.id)
      job.controller.abort()
    },

    /** "Reuse settings": the form as the image was made (same seed). */
    reuse(image) {
      this.form = formFromImage(image, this.form)
      this.defaultsApplied = true
    },

    /** "Send to img2img": the image becomes the init image, with its prompt. */
    async sendToImg2img(image) {
      this.form = { ...formFromImage(image, this.form), seed: -1, init_image: await dataUrlOf(`/api/gallery/${encodeURIComponent(image.id)}/image`) }
      this.defaultsApplied = true
    },
  },
})
