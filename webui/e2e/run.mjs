// Browser tests: starts the real orchestrator from the built jar (with its real workers) on a free
// port with fresh folders, runs every e2e/*.test.mjs with node's test runner against it in headless
// Chromium, then stops it. Usage: node e2e/run.mjs path/to/mysticanvas.jar (E2E_VERBOSE=1 shows its log)
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { createInterface } from 'node:readline'
import { startFakeHub } from './fakeHub.mjs'

const jar = resolve(process.argv[2] || '../dist/mysticanvas.jar')
const java = process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : 'java'
const work = mkdtempSync(join(tmpdir(), 'mysticanvas-e2e-'))
const models = join(work, 'models')

const synth = spawnSync(java, ['-jar', jar, 'synth-models', '--out', models, '--preset', 'tiny'], { stdio: 'inherit' })
if (synth.status !== 0) console.warn('e2e: synth-models failed; tests that need models will fail')

// The model library downloads from a stand-in Hub (the synth language model under a Hub name), never the internet.
const hub = existsSync(join(models, 'llm', 'tiny-llama.gguf')) ? await startFakeHub(join(models, 'llm', 'tiny-llama.gguf')) : null
const orchestrator = spawn(java, ['-jar', jar, '--port', '0', '--models-dir', models, '--data-dir', join(work, 'data'),
  '--llm-threads', '1', '--sd-threads', '1'], { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, ...(hub ? { HF_ENDPOINT: hub.url } : {}) } })
const url = await new Promise((resolveUrl, reject) => {
  const timer = setTimeout(() => reject(new Error('orchestrator did not start in 60 s')), 60_000)
  createInterface({ input: orchestrator.stdout }).on('line', (line) => {
    if (process.env.E2E_VERBOSE) console.log(line)
    const m = line.match(/running at (http:\/\/\S+?)\/?$/)
    if (m) {
      clearTimeout(timer)
      resolveUrl(m[1])
    }
  })
  orchestrator.on('exit', (code) => reject(new Error(`orchestrator exited with ${code}`)))
})

const here = new URL('.', import.meta.url).pathname
// E2E_ONLY=chat,images runs only the files whose names contain one of those words.
const only = process.env.E2E_ONLY?.split(',')
const files = readdirSync(here).filter((f) => f.endsWith('.test.mjs') && (!only || only.some((w) => f.includes(w))))
  .sort().map((f) => join(here, f))
// Not spawnSync: this process must keep reading the orchestrator's output meanwhile, or its console
// pipe fills up, its log writes block, and a restarted worker's handshake line is never read.
const tests = spawn(process.execPath, ['--test', '--test-concurrency=1', ...files], {
  stdio: 'inherit',
  env: { ...process.env, MYSTI_URL: url, MYSTI_MODELS: models },
})
const status = await new Promise((r) => tests.once('exit', (code) => r(code)))

orchestrator.kill('SIGTERM')
await new Promise((r) => orchestrator.once('exit', r))
hub?.close()
rmSync(work, { recursive: true, force: true })
process.exit(status ?? 1)
