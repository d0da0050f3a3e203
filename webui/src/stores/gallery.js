import { defineStore } from 'pinia'
import { apiJson } from '../lib/api.js'
import { describeError } from '../lib/advice.js'

const PAGE = 60

/** Generated images, newest first, from /api/gallery; pages back with `before`. */
export const useGalleryStore = defineStore('gallery', {
  state: () => ({
    images: [],
    loaded: false,
    hasMore: false,
    error: null,
  }),
  actions: {
    async load() {
      try {
        const { data } = await apiJson(`/api/gallery?limit=${PAGE}`)
        this.images = data
        this.hasMore = data.length === PAGE
        this.loaded = true
        this.error = null
      } catch (e) {
        this.error = describeError(e)
      }
    },

    async loadMore() {
      const last = this.images[this.images.length - 1]
      if (!last) return this.load()
      try {
        const { data } = await apiJson(`/api/gallery?limit=${PAGE}&before=${last.createdAt}`)
        const known = new Set(this.images.map((i) => i.id))
        this.images.push(...data.filter((i) => !known.has(i.id)))
        this.hasMore = data.length === PAGE
      } catch (e) {
        this.error = describeError(e)
      }
    },

    /** The image with this id: from the list, or asked of the server. */
    async find(id) {
      return this.images.find((i) => i.id === id) || apiJson(`/api/gallery/${encodeURIComponent(id)}`)
    },

    /** A new image made by this page (the images job or imagine) appears without a reload. */
    add(image) {
      if (!this.images.some((i) => i.id === image.id)) this.images.unshift(image)
    },

    /** Upscales an image on the image worker (A1111's extras) and adds the result, saved beside it. */
    async upscale(id, upscaler, scale) {
      const image = await apiJson(`/api/gallery/${encodeURIComponent(id)}/upscale`,
        { method: 'POST', body: { upscaler, scale } })
      this.add(image)
      return image
    },

    async remove(id) {
      await apiJson(`/api/gallery/${encodeURIComponent(id)}`, { method: 'DELETE' })
      this.forget({ id })
    },

    /** Drops images deleted elsewhere: one by id, or those of a deleted conversation. */
    forget({ id, conversationId }) {
      this.images = this.images.filter((i) => i.id !== id && (!conversationId || i.conversationId !== conversationId))
    },
  },
})
