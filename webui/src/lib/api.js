import { errorFrom } from './sse.js'

const KEY_STORAGE = 'mysticanvas.apiKey'

export function apiKey() {
  return localStorage.getItem(KEY_STORAGE) || ''
}

export function setApiKey(key) {
  if (key) localStorage.setItem(KEY_STORAGE, key)
  else localStorage.removeItem(KEY_STORAGE)
}

/** fetch() with the API key (when one is set) and JSON bodies. */
export function apiFetch(path, { method = 'GET', body, signal, headers = {} } = {}) {
  const h = { ...headers }
  const key = apiKey()
  if (key) h.Authorization = `Bearer ${key}`
  if (body !== undefined && !(body instanceof FormData)) h['Content-Type'] = 'application/json'
  return fetch(path, {
    method,
    headers: h,
    signal,
    body: body === undefined || body instanceof FormData ? body : JSON.stringify(body),
  })
}

/** apiFetch that returns parsed JSON, or throws an Error with the server's message. */
export async function apiJson(path, options) {
  const response = await apiFetch(path, options)
  if (!response.ok) throw await errorFrom(response)
  return response.status === 204 ? null : response.json()
}
