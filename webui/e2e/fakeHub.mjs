// A stand-in for the Hugging Face Hub on loopback, for the browser tests: search, a repo's revision and file
// listing (with LFS sha256 and sizes), and resolve URLs that redirect to a "CDN" path serving byte ranges with an
// ETag, slowly enough that a download's progress can be seen. It serves the synth language model under a Hub name.
import { createServer } from 'node:http'
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'

export async function startFakeHub(ggufPath, { repo = 'mysti/tiny-GGUF', file = 'tiny-Q4_K_M.gguf', bytesPerSecond = 200_000 } = {}) {
  const bytes = readFileSync(ggufPath)
  const sha = createHash('sha256').update(bytes).digest('hex')
  const json = (res, status, body) => {
    res.writeHead(status, { 'Content-Type': 'application/json' })
    res.end(JSON.stringify(body))
  }
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, 'http://x')
    const p = decodeURIComponent(url.pathname)
    if (p === '/api/models') {
      const q = url.searchParams.get('search') ?? ''
      return json(res, 200, repo.includes(q) ? [{ id: repo, downloads: 42, likes: 1, tags: ['gguf'] }] : [])
    }
    if (p === `/api/models/${repo}/revision/main`) return json(res, 200, { id: repo, sha: 'f'.repeat(40) })
    if (p.startsWith(`/api/models/${repo}/tree/`)) {
      return json(res, 200, [{ type: 'file', path: file, size: bytes.length, lfs: { oid: sha, size: bytes.length } },
        { type: 'file', path: 'README.md', size: 5 }])
    }
    if (p.startsWith(`/${repo}/resolve/`) && p.endsWith(`/${file}`)) {
      res.writeHead(302, { Location: `/cdn/${sha}` })
      return res.end()
    }
    if (p === `/cdn/${sha}`) {
      const m = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '')
      const from = m ? Number(m[1]) : 0
      const to = m && m[2] ? Math.min(Number(m[2]), bytes.length - 1) : bytes.length - 1
      const headers = { ETag: `"${sha.slice(0, 16)}"`, 'Accept-Ranges': 'bytes', 'Content-Length': to - from + 1 }
      if (m) headers['Content-Range'] = `bytes ${from}-${to}/${bytes.length}`
      res.writeHead(m ? 206 : 200, headers)
      for (let at = from; at <= to && !res.destroyed; at += 16_384) {
        res.write(bytes.subarray(at, Math.min(to + 1, at + 16_384)))
        await new Promise((r) => setTimeout(r, (16_384 / bytesPerSecond) * 1000))
      }
      return res.end()
    }
    json(res, 404, { error: 'Repository not found' })
  })
  await new Promise((r) => server.listen(0, '127.0.0.1', r))
  return { url: `http://127.0.0.1:${server.address().port}`, repo, file, close: () => server.close() }
}
