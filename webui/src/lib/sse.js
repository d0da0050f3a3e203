// Server-Sent Events over fetch(): unlike EventSource it can POST a body and send an
// Authorization header, so one parser serves /api/events, chat streams and image progress.

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
  for (;;) {
    const { value, done } = await reader.read()
    if (done) break
    for (const e of parser.push(decoder.decode(value, { stream: true }))) onEvent(e)
  }
}

/** An Error with the message of a {"error":{"message"}} body, or the HTTP status. */
export async function errorFrom(response) {
  let message = `HTTP ${response.status}`
  try {
    const body = await response.json()
    if (body?.error?.message) message = body.error.message
  } catch {
    // not JSON
  }
  const error = new Error(message)
  error.status = response.status
  return error
}
