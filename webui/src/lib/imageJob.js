// One image job over POST /api/images (docs/api.md): queued -> progress* -> image* -> done | error.
import { apiFetch } from './api.js'
import { postSse } from './sse.js'

/**
 * Runs a job to its end and resolves with its gallery images. `on.queued/progress/image` follow it;
 * `on.job(id)` learns the job id (for cancel). Rejects with the server's message on `error`.
 */
export async function runImageJob(request, on = {}, signal) {
  let images = null
  let failure = null
  let job = null
  const learn = (id) => {
    if (id && id !== job) on.job?.((job = id))
  }
  await postSse('/api/images', request, (event, data) => {
    if (event === 'queued') {
      learn(data.job)
      on.queued?.(data)
    } else if (event === 'progress') {
      learn(data.job)
      on.progress?.(data)
    } else if (event === 'image') on.image?.(data.image)
    else if (event === 'done') images = data.images || []
    else if (event === 'error') failure = data.error?.message || 'the image job failed'
  }, signal)
  if (failure) {
    const error = new Error(failure)
    error.status = 500
    throw error
  }
  if (!images) {
    const error = new Error('the image stream ended before the job finished (the image worker may have restarted)')
    error.code = 'worker_failed'
    throw error
  }
  return images
}

/** Asks the server to stop a job between steps (closing its stream does too). */
export function cancelImageJob(job) {
  return apiFetch(`/api/images/${encodeURIComponent(job)}/cancel`, { method: 'POST' }).catch(() => null)
}
