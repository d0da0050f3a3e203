import { reactive } from 'vue'
const KEY_STORAGE = 'mysticanvas.apiKey'

/** Set when the server answered 401: the UI asks for the API key, then the user retries. */
export const auth = reactive({ keyNeeded: false })

export function apiKey() {
  return localStorage.getItem(KEY_STORAGE) || ''
}

export function setApiKey(key) {
  if (key) localStorage.setItem(KEY_STORAGE, key)
  else localStorage.removeItem(KEY_STORAGE)
  auth.keyNeeded = false
}

/** fetch() with the API key (when one is set) and JSON bodies. */
export async function apiFetch(path, { method = 'GET', body, signal, headers = {} } = {}) {
  const h = { ...headers }
  const key = apiKey()
  if (key) h.Authorization = `Bearer ${key}`
  if (body !== undefined && !(body instanceof FormData)) h['Content-Type'] = 'application/json'
  const response = await fetch(path, {
    method,
    headers: h,
    signal,
    body: body === undefined || body instanceof FormData ? body : JSON.stringify(body),
  })
  if (response.status === 401) auth.keyNeeded = true
  return response
}

/** apiFetch that returns parsed JSON, or throws an Error with the server's message. */
export async function apiJson(path, options) {
  const response = await apiFetch(path, options)
  if (!response.ok) throw await errorFrom(response)
  return response.status === 204 ? null : response.json()
}

/** A URL an <img> can show: the path itself, or (with an API key, which <img> cannot send) a blob URL. */
export async function imageUrl(path, signal) {
  if (!apiKey()) return path
  const response = await apiFetch(path, { signal })
  if (!response.ok) throw await errorFrom(response)
  return URL.createObjectURL(await response.blob())
}

/** Reads a same-origin image into a data URL (for "send to img2img"). */
export async function dataUrlOf(path) {
  const response = await apiFetch(path)
  if (!response.ok) throw await errorFrom(response)
  return blobToDataUrl(await response.blob())
}

export function blobToDataUrl(blob) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader()
    reader.onload = () => resolve(reader.result)
    reader.onerror = () => reject(reader.error)
    reader.readAsDataURL(blob)
  })
}

/** An Error with the message of a {"error":{"message"}} body, or the HTTP status. */
export async function errorFrom(response) {
  let message = `HTTP ${response.status}`
  let code = null
  try {
    const body = await response.json()
    if (body?.error?.message) message = body.error.message
    code = body?.error?.code ?? null
  } catch {
    // not JSON
  }
  const error = new Error(message)
  error.status = response.status
  error.code = code
  return error
}
