import { describe, expect, it } from 'vitest'
import { hashFor, parseHash } from '../src/lib/router.js'
import { renderMarkdown } from '../src/lib/markdown.js'
import { workerProblem } from '../src/lib/workerState.js'
import { samplingFromForm, samplingToForm } from '../src/lib/sampling.js'
import { formatTokenStats } from '../src/lib/format.js'

describe('router', () => {
  it('reads view and parameter from the hash, and falls back to chat', () => {
    expect(parseHash('#/gallery/abc-1?x=1')).toEqual({ view: 'gallery', param: 'abc-1' })
    expect(parseHash('')).toEqual({ view: 'chat', param: null })
    expect(parseHash('#/nowhere')).toMatchObject({ view: 'chat' })
    expect(parseHash(hashFor('chat', 'a/b c'))).toMatchObject({ view: 'chat', param: 'a/b c' })
  })
})

describe('markdown', () => {
  it('highlights code in a block with a copy button', () => {
    const html = renderMarkdown('Look:\n\n```js\nconst x = 1\n```')
    expect(html).toContain('<button type="button" class="btn btn-sm copy-code" aria-label="Copy code">Copy</button>')
    expect(html).toContain('<span class="hljs-keyword">const</span>')
    expect(html).toContain('<span>js</span>')
  })

  it('never lets the model run code in the page', () => {
    const html = renderMarkdown('<img src=x onerror="alert(1)"> <script>alert(2)</script> [a](javascript:alert(3)) <b onclick="x()">b</b>')
    expect(html).not.toMatch(/onerror|<script|javascript:|onclick/)
    expect(html).toContain('<b>b</b>')
  })

  it('escapes HTML inside code', () => {
    expect(renderMarkdown('```\n<script>x</script>\n```')).toContain('&lt;script&gt;x&lt;/script&gt;')
  })
})

describe('worker banner text', () => {
  it('is quiet for a ready worker and says what happens otherwise', () => {
    expect(workerProblem({ name: 'sd', state: 'ready' })).toBeNull()
    expect(workerProblem({ name: 'sd', state: 'restarting', lastError: 'exited on signal 9 (exit code 137)' }))
      .toBe('The image worker stopped (exited on signal 9 (exit code 137)) and is restarting. Work running on it was stopped; it reloads its model by itself.')
    expect(workerProblem({ name: 'llm', state: 'starting', restarts: 0 })).toBe('The language model worker is starting…')
  })
})

describe('sampling settings', () => {
  it('round-trip through the form; empty fields and seed -1 are left out', () => {
    const settings = samplingFromForm({ temperature: '0.5', top_p: '', max_tokens: 64, seed: '-1' }, { stop: ['x'], seed: 3 })
    expect(settings).toEqual({ stop: ['x'], temperature: 0.5, max_tokens: 64 })
    expect(samplingToForm(settings)).toEqual({ temperature: 0.5, top_p: '', max_tokens: 64, seed: '' })
  })

  it('token counts read as a sentence', () => {
    expect(formatTokenStats({ promptTokens: 12, completionTokens: 48, tokensPerSecond: 31.25 })).toBe('12 + 48 tokens · 31.3 tokens/s')
    expect(formatTokenStats({})).toBe('')
  })
})
