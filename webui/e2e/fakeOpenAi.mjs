// A stand-in OpenAI-compatible server (as llama-server or vLLM answers) for the browser tests: /v1/models lists one
// model and /v1/chat/completions streams a fixed reply in three chunks, so a chat answered there is recognisable.
import { createServer } from 'node:http'

export async function startFakeOpenAi({ model = 'remote-llama', reply = ['Hello ', 'from ', 'the other server.'] } = {}) {
  const seen = []
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (c) => { body += c })
    req.on('end', () => {
      seen.push({ path: req.url, authorization: req.headers.authorization ?? null, body: body ? JSON.parse(body) : null })
      if (req.url === '/v1/models') {
        res.writeHead(200, { 'Content-Type': 'application/json' })
        return res.end(JSON.stringify({ object: 'list', data: [{ id: model, object: 'model', created: 1, owned_by: 'stand-in' }] }))
      }
      if (req.url === '/v1/chat/completions') {
        res.writeHead(200, { 'Content-Type': 'text/event-stream' })
        for (const piece of reply) res.write(`data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: piece } }] })}\n\n`)
        res.write(`data: ${JSON.stringify({ choices: [], usage: { prompt_tokens: 5, completion_tokens: 3 } })}\n\n`)
        return res.end('data: [DONE]\n\n')
      }
      res.writeHead(404, { 'Content-Type': 'application/json' })
      res.end('{"error":{"message":"no route"}}')
    })
  })
  await new Promise((r) => server.listen(0, '127.0.0.1', r))
  return { url: `http://127.0.0.1:${server.address().port}`, model, reply: reply.join(''), seen, close: () => server.close() }
}

/** A stand-in A1111 server: one checkpoint, txt2img answering a small PNG, progress half-way. */
export async function startFakeA1111({ model = 'remote-xl' } = {}) {
  // an 8x8 grey PNG
  const png = 'iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAIAAABLbSncAAAAEklEQVR4nGNoaGjAihhGJQYlAgBLz0f9P3WnHgAAAABJRU5ErkJggg=='
  const jobs = []
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (c) => { body += c })
    req.on('end', () => {
      const json = (data) => { res.writeHead(200, { 'Content-Type': 'application/json' }); res.end(JSON.stringify(data)) }
      const path = req.url.split('?')[0]
      if (path === '/sdapi/v1/sd-models') return json([{ title: `${model}.safetensors [0123456789]`, model_name: model }])
      if (path === '/sdapi/v1/progress') return json({ progress: 0.5, state: { sampling_step: 1, sampling_steps: 2 } })
      if (path === '/sdapi/v1/txt2img') {
        const job = JSON.parse(body)
        jobs.push(job)
        return json({ images: [png], info: JSON.stringify({ all_seeds: [job.seed], width: 8, height: 8, infotexts: ['made on the stand-in'] }) })
      }
      res.writeHead(404)
      res.end()
    })
  })
  await new Promise((r) => server.listen(0, '127.0.0.1', r))
  return { url: `http://127.0.0.1:${server.address().port}`, model, jobs, close: () => server.close() }
}
