// Server-Sent Events over fetch(): unlike EventSource it can POST a body and send an
// Authorization header, so one parser serves /api/events, chat streams and image progress.
import { apiFetch, errorFrom } from './api.js'

/** Incremental SSE parser: feed text chunks, get {event, data} objects for each complete event. */
export class SseParser {
  constructor() {
    this.buffer = ''
  }

  push(chunk) {
    this.buffer += chunk.replace(/\r\n?/g, '\n')
    const events = []
    let end
    while ((end = this.buffer.indexOf('\n\n')) >= 0) {
      const block = this.buffer.slice(0, end)
      this.buffer = this.buffer.slice(end + 2)
      let event = 'message'
      const data = []
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) continue // comment / keep-alive
        const colon = line.indexOf(':')
        const field = colon < 0 ? line : line.slice(0, colon)
        let value = colon < 0 ? '' : line.slice(colon + 1)
        if (value.startsWith(' ')) value = value.slice(1)
        if (field === 'event') event = value
        else if (field === 'data') data.push(value)
      }
      if (data.length) events.push({ event, data: data.join('\n') })
    }
    return events
  }
}

/**
 * Reads an SSE response, calling onEvent({event, data}) for each event. Resolves when the
 * stream ends; rejects with an Error carrying the server's JSON message on a non-2xx answer.
 */
export async function readSse(response, onEvent) {
  if (!response.ok) throw await errorFrom(response)
  const reader = response.body.getReader()
  const decoder = new TextDecoder()
  const parser = new SseParser()
  try {
    for (;;) {
      const { value, done } = await reader.read()
      if (done) break
      for (const e of parser.push(decoder.decode(value, { stream: true }))) onEvent(e)
    }
  } catch (e) {
    reader.cancel().catch(() => {}) // a handler that gave up closes the stream, which stops the work behind it
    throw e
  }
}

/**
 * POSTs a JSON body and reads the SSE answer, calling onEvent(name, payload) with each event's
 * data parsed as JSON (the OpenAI end marker "[DONE]" arrives as the string itself).
 */
export async function postSse(path, body, onEvent, signal) {
  const response = await apiFetch(path, { method: 'POST', body, signal, headers: { Accept: 'text/event-stream' } })
  await readSse(response, ({ event, data }) => onEvent(event, data === '[DONE]' ? data : JSON.parse(data)))
}

/** True for the error fetch() throws when its AbortSignal fires (the user pressed stop). */
export function isAbort(e) {
  return e?.name === 'AbortError'
}
