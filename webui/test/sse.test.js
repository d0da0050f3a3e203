import { describe, expect, it } from 'vitest'
import { SseParser } from '../src/lib/sse.js'

describe('SseParser', () => {
  it('splits events across arbitrary chunk boundaries', () => {
    const p = new SseParser()
    const text = 'event: worker\ndata: {"a":1}\n\ndata: x\ndata: y\n\n: keep-alive\n\ndata: [DONE]\n\n'
    const events = []
    for (let i = 0; i < text.length; i += 3) events.push(...p.push(text.slice(i, i + 3)))
    expect(events).toEqual([
      { event: 'worker', data: '{"a":1}' },
      { event: 'message', data: 'x\ny' },
      { event: 'message', data: '[DONE]' },
    ])
  })

  it('accepts CRLF line ends and fields without a space', () => {
    expect(new SseParser().push('event:progress\r\ndata:{"step":1}\r\n\r\n')).toEqual([
      { event: 'progress', data: '{"step":1}' },
    ])
  })
})
