// Browser tests: starts the real orchestrator from the built jar (with its real workers) on a free
// port with fresh folders, runs every e2e/*.test.mjs with node's test runner against it in headless
// Chromium, then stops it. Usage: node e2e/run.mjs path/to/mysticanvas.jar
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { createInterface } from 'node:readline'

const jar = resolve(process.argv[2] || '../dist/mysticanvas.jar')
const java = process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : 'java'
const work = mkdtempSync(join(tmpdir(), 'mysticanvas-e2e-'))
const models = join(work, 'models')

const synth = spawnSync(java, ['-jar', jar, 'synth-models', '--out', models, '--preset', 'tiny'], { stdio: 'inherit' })
if (synth.status !== 0) console.warn('e2e: synth-models failed; tests that need models will fail')

const orchestrator = spawn(java, ['-jar', jar, '--port', '0', '--models-dir', models, '--data-dir', join(work, 'data'),
  '--llm-threads', '1', '--sd-threads', '1'], { stdio: ['pipe', 'pipe', 'inherit'] })
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
const files = readdirSync(here).filter((f) => f.endsWith('.test.mjs')).sort().map((f) => join(here, f))
const tests = spawnSync(process.execPath, ['--test', '--test-concurrency=1', ...files], {
  stdio: 'inherit',
  env: { ...process.env, MYSTI_URL: url, MYSTI_MODELS: models },
})

orchestrator.kill('SIGTERM')
await new Promise((r) => orchestrator.once('exit', r))
rmSync(work, { recursive: true, force: true })
process.exit(tests.status ?? 1)
