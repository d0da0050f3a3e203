// The Images form: its defaults, the choices it offers, the /api/images request it becomes, and the
// reverse ("reuse settings" from a gallery image).

export const SAMPLERS = [
  { id: 'euler_a', title: 'Euler a' },
  { id: 'euler', title: 'Euler' },
  { id: 'dpmpp_2m', title: 'DPM++ 2M' },
  { id: 'ddim', title: 'DDIM' },
  { id: 'lcm', title: 'LCM' },
]
export const SCHEDULERS = [
  { id: 'discrete', title: 'Discrete' },
  { id: 'karras', title: 'Karras' },
]
/** Sizes are multiples of 8 (the VAE's factor); 64x64 is for the tiny test models. */
export const SIZE_PRESETS = [
  [512, 512], [512, 768], [768, 512], [768, 768], [1024, 1024], [256, 256], [64, 64],
]
export const LIMITS = { minSize: 64, maxSize: 2048, maxSteps: 150, maxBatch: 16 }

export function defaultForm() {
  return {
    prompt: '',
    negative_prompt: '',
    width: 512,
    height: 512,
    steps: 20,
    cfg_scale: 7,
    sampler: 'euler_a',
    scheduler: 'discrete',
    seed: -1,
    n: 1,
    loras: [],
    checkpoint: '',
    vae: '',
    init_image: null,
    strength: 0.75,
    mask: null,
  }
}

/** The defaults a user saved in Settings (only the keys the form knows). */
export function withDefaults(saved) {
  const form = defaultForm()
  for (const key of ['negative_prompt', 'width', 'height', 'steps', 'cfg_scale', 'sampler', 'scheduler', 'n']) {
    if (saved?.[key] != null) form[key] = saved[key]
  }
  return form
}

/** Problems a user can fix before sending, in words; empty when the form is fine. */
export function formProblems(form) {
  const problems = []
  if (!form.prompt.trim()) problems.push('Write a prompt.')
  for (const side of ['width', 'height']) {
    const v = Number(form[side])
    if (!Number.isInteger(v) || v % 8 || v < LIMITS.minSize || v > LIMITS.maxSize) {
      problems.push(`The ${side} must be a multiple of 8 between ${LIMITS.minSize} and ${LIMITS.maxSize}.`)
    }
  }
  if (!(form.steps >= 1 && form.steps <= LIMITS.maxSteps)) problems.push(`Steps must be 1 to ${LIMITS.maxSteps}.`)
  if (!(form.n >= 1 && form.n <= LIMITS.maxBatch)) problems.push(`Batch count must be 1 to ${LIMITS.maxBatch}.`)
  if (form.mask && !form.init_image) problems.push('A mask needs an init image.')
  return problems
}

/** The body of POST /api/images. */
export function imageRequest(form, conversationId) {
  const req = {
    prompt: form.prompt.trim(),
    negative_prompt: form.negative_prompt.trim(),
    width: Number(form.width),
    height: Number(form.height),
    steps: Number(form.steps),
    cfg_scale: Number(form.cfg_scale),
    sampler: form.sampler,
    scheduler: form.scheduler,
    seed: form.seed === '' || form.seed == null ? -1 : Number(form.seed),
    n: Number(form.n),
    loras: form.loras.filter((l) => l.name).map((l) => ({ name: l.name, weight: Number(l.weight) })),
  }
  if (form.checkpoint) req.checkpoint = form.checkpoint // the server switches to it first
  if (form.vae) req.vae = form.vae
  if (form.init_image) {
    req.init_image = form.init_image
    req.strength = Number(form.strength)
    if (form.mask) req.mask = form.mask
  }
  if (conversationId) req.conversation_id = conversationId
  return req
}

/** A form filled from a gallery image ("reuse settings"): its params first, its columns as a fallback. */
export function formFromImage(image, base = defaultForm()) {
  const p = image.params || {}
  const pick = (key, fallback) => (p[key] ?? fallback ?? base[key])
  return {
    ...base,
    prompt: pick('prompt', image.prompt),
    negative_prompt: pick('negative_prompt', image.negativePrompt),
    width: pick('width', image.width),
    height: pick('height', image.height),
    steps: pick('steps'),
    cfg_scale: pick('cfg_scale'),
    sampler: pick('sampler'),
    scheduler: pick('scheduler'),
    seed: image.seed ?? pick('seed'),
    n: 1,
    loras: (p.loras || []).map((l) => ({ name: l.name, weight: l.weight ?? 1 })),
    checkpoint: image.model || '',
    vae: p.vae || '',
    init_image: null,
    strength: pick('strength'),
    mask: null,
  }
}

/** Rounds a side to the nearest allowed multiple of 8. */
export function snapSize(v) {
  const n = Math.round(Number(v) / 8) * 8
  return Math.min(LIMITS.maxSize, Math.max(LIMITS.minSize, n || LIMITS.minSize))
}
