// What to do about an error, in plain words. The server's message says what happened; this adds
// the next step a user can take (which page, which folder).

const FOLDERS = {
  llm: 'models/llm/ (a .gguf file)',
  sd: 'models/sd/checkpoints/ (a Stable Diffusion 1.x .safetensors file)',
}

/** @param worker 'llm' or 'sd': which worker the failed request needed */
export function advice(error, worker) {
  const code = error?.code
  const status = error?.status
  const what = worker === 'sd' ? 'image model' : 'language model'
  if (code === 'no_model_loaded') return `Load a ${what} on the Models page; if its list is empty, put ${FOLDERS[worker]} in your models folder.`
  if (code === 'worker_unavailable' || code === 'worker_failed' || status === 502) {
    return `The ${worker === 'sd' ? 'image' : 'language model'} worker is not available right now (it restarts by itself after a crash). Wait a few seconds and try again.`
  }
  if (status === 401) return 'This server needs an API key. Enter it in Settings.'
  if (code === 'queue_full' || status === 429) return 'The worker is busy with other requests. Try again in a moment.'
  if (status === 404 && worker) return `The file is not in the models folder any more. Press Refresh on the Models page.`
  if (status === 413) return 'That is more than the server accepts; make it smaller.'
  if (status === 507) return 'Free some disk space in the data folder, then try again.'
  if (error instanceof TypeError) return 'Could not reach MystiCanvas. Is it still running?'
  return ''
}

/** One line for an alert: the server's message, then what to do. */
export function describeError(error, worker) {
  const hint = advice(error, worker)
  const message = error?.message || String(error)
  return hint ? `${message}. ${hint}` : message
}

/** What the Models page says when a folder has no files. */
export const EMPTY_FOLDER = {
  llm: 'No GGUF model in models/llm — put a .gguf file there (for example a Llama 3.2 1B Instruct Q4_K_M), then press Refresh.',
  checkpoints: 'No checkpoint in models/sd/checkpoints — put a Stable Diffusion 1.x .safetensors file there, then press Refresh.',
  loras: 'No LoRA in models/sd/loras (optional).',
  vaes: 'No separate VAE in models/sd/vae (optional: the checkpoint has its own).',
}
