// A stand-in for the orchestrator inside unit tests: answers fetch() from a route table and
// records every request. SSE answers stream their events in separate chunks, and honour aborts.
import { vi } from 'vitest'

/** GET /api/capabilities as the server answers it with its default limits (docs/api.md). */
export const CAPABILITIES = {
  limits: { minImageSide: 64, maxImageSide: 2048, sideMultiple: 8, maxSteps: 150, maxBatch: 16, maxPromptChars: 20000, imageQueue: 8, maxTokens: 0, maxBodyBytes: 67108864 },
  images: {
    samplers: [{ id: 'euler', title: 'Euler', aliases: ['k_euler'] }, { id: 'euler_a', title: 'Euler a', aliases: ['k_euler_a'] }],
    schedules: [{ id: 'automatic', title: 'Automatic' }, { id: 'discrete', title: 'Uniform' }, { id: 'karras', title: 'Karras' }],
    rngs: [{ id: 'gpu', title: 'GPU' }, { id: 'cpu', title: 'CPU' }, { id: 'nv', title: 'NV' }, { id: 'mysticanvas', title: 'MystiCanvas' }],
    families: [{ id: 'sd1', title: 'Stable Diffusion 1.x', sizes: ['512x512', '512x768', '768x512', '640x640', '768x768'] },
      { id: 'sdxl', title: 'Stable Diffusion XL', sizes: ['1024x1024', '1152x896', '896x1152', '1216x832', '832x1216'] }],
    upscalers: [{ id: 'Latent', title: 'Latent', latent: true }, { id: 'Lanczos', title: 'Lanczos', latent: false }],
    predictions: ['auto', 'eps', 'v'],
    defaults: { width: 512, height: 512, steps: 20, cfg_scale: 7, sampler: 'euler_a', scheduler: 'automatic', n: 1, strength: 0.75, clip_skip: 1, rng: 'gpu',
      hr_upscaler: 'Latent', hr_scale: 2, hr_second_pass_steps: 0, denoising_strength: 0.7 },
  },
}

export function json(body, status = 200) {
  return new Response(status === 204 ? null : JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } })
}

export function apiError(status, message, code = 'bad_request') {
  return json({ error: { message, type: 'x', code } }, status)
}

/** An SSE answer: events are [name, data] pairs; `hold` keeps the stream open after them until aborted. */
export function sse(events, { hold = false } = {}) {
  return (signal) => {
    const encoder = new TextEncoder()
    const body = new ReadableStream({
      start(controller) {
        for (const [event, data] of events) {
          controller.enqueue(encoder.encode(`event: ${event}\ndata: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`))
        }
        if (!hold) controller.close()
        signal?.addEventListener('abort', () => controller.error(new DOMException('aborted', 'AbortError')))
      },
    })
    return new Response(body, { status: 200, headers: { 'Content-Type': 'text/event-stream' } })
  }
}

/**
 * Installs a fake fetch. `routes` maps "METHOD /path" (the query is matched when the key has one) to a
 * Response, or a function (signal, request) => Response such as sse(...).
 */
export function fakeServer(routes) {
  const requests = []
  const fetch = vi.fn(async (url, init = {}) => {
    const method = init.method || 'GET'
    const body = init.body ? JSON.parse(init.body) : undefined
    const request = { method, url, body, headers: init.headers || {} }
    requests.push(request)
    const handler = routes[`${method} ${url}`] ?? routes[`${method} ${url.split('?')[0]}`]
    if (!handler) return apiError(404, `no route ${method} ${url}`, 'not_found')
    return typeof handler === 'function' ? handler(init.signal, request) : handler.clone()
  })
  vi.stubGlobal('fetch', fetch)
  return { requests, calls: (method, path) => requests.filter((r) => r.method === method && r.url.split('?')[0] === path) }
}
