// The Images form: the /api/images request it becomes, what it may hold, and the reverse ("reuse settings"
// from a gallery image). Defaults and bounds are the server's (GET /api/capabilities), never a copy here:
// `defaults` are its image request defaults, `limits` its limits.

/** Sizes are multiples of 8 (the VAE's factor); 64x64 is for the tiny test models. */
export const SIZE_PRESETS = [
  [512, 512], [512, 768], [768, 512], [768, 768], [1024, 1024], [256, 256], [64, 64],
]
/** Offered after a family's own sizes: small ones for quick tries and the tiny test models. */
const SMALL_SIZES = [[256, 256], [64, 64]]

/**
 * The sizes the form offers: the checkpoint's family's training sizes as the server lists them ("1024x1024",
 * native first; SDXL's are its 1024² buckets), then small ones; the generic list when the family is unknown.
 * Sides over the server's limit are left out.
 */
export function sizePresets(familySizes, maxSide) {
  const own = (familySizes ?? []).map((s) => s.split('x').map(Number)).filter(([w, h]) => w > 0 && h > 0)
  const all = own.length ? [...own, ...SMALL_SIZES.filter(([w, h]) => !own.some(([a, b]) => a === w && b === h))]
    : SIZE_PRESETS
  return all.filter(([w, h]) => Math.max(w, h) <= maxSide)
}
/** Keys of the server's defaults the form takes. */
const DEFAULTED = ['width', 'height', 'steps', 'cfg_scale', 'sampler', 'scheduler', 'rng', 'n', 'strength',
  'hr_upscaler', 'hr_scale', 'hr_second_pass_steps', 'denoising_strength']
/** Hires fix's fields (A1111's names), sent only when it is on. */
const HIRES = ['hr_upscaler', 'hr_scale', 'hr_second_pass_steps', 'denoising_strength']
/**
 * Settings the form has no field for that an image may have been made with (by the API, or an A1111 infotext): "reuse
 * settings" keeps them and sends them again, so the same image comes back. The hires ones only with hires fix on.
 */
const KEPT = ['subseed', 'subseed_strength', 'seed_resize_from_w', 'seed_resize_from_h', 'eta', 'eta_noise_seed_delta',
  'clip_skip', 'prediction']
const KEPT_HIRES = ['hr_resize_x', 'hr_resize_y', 'hr_prompt', 'hr_negative_prompt', 'hr_sampler_name', 'hr_scheduler']

/** A form with the server's request defaults (any it does not give stay empty: the server fills them in). */
export function defaultForm(defaults = {}) {
  const form = {
    prompt: '',
    negative_prompt: '',
    seed: -1,
    loras: [],
    checkpoint: '',
    vae: '',
    init_image: null,
    mask: null,
    enable_hr: false,
    kept: {},
  }
  for (const key of DEFAULTED) form[key] = defaults[key] ?? null
  return form
}

/** The server's defaults, then the ones a user saved in Settings (only the keys the form knows). */
export function withDefaults(saved, defaults = {}) {
  const form = defaultForm(defaults)
  for (const key of ['negative_prompt', 'width', 'height', 'steps', 'cfg_scale', 'sampler', 'scheduler', 'rng', 'n']) {
    if (saved?.[key] != null) form[key] = saved[key]
  }
  return form
}

/** Problems a user can fix before sending, in words; empty when the form is fine. Bounds only once known. */
export function formProblems(form, limits) {
  const problems = []
  if (!form.prompt.trim()) problems.push('Write a prompt.')
  if (limits) {
    const { minImageSide: min, maxImageSide: max, sideMultiple: step, maxSteps, maxBatch } = limits
    for (const side of ['width', 'height']) {
      const v = Number(form[side])
      if (!Number.isInteger(v) || v % step || v < min || v > max) {
        problems.push(`The ${side} must be a multiple of ${step} between ${min} and ${max}.`)
      }
    }
    if (!(form.steps >= 1 && form.steps <= maxSteps)) problems.push(`Steps must be 1 to ${maxSteps}.`)
    if (!(form.n >= 1 && form.n <= maxBatch)) problems.push(`Batch count must be 1 to ${maxBatch}.`)
  }
  if (form.mask && !form.init_image) problems.push('A mask needs an init image.')
  const hires = hiresSize(form)
  if (hires && limits && Math.max(hires.width, hires.height) > limits.maxImageSide) {
    problems.push(`Hires fix would make ${hires.width}×${hires.height}; the largest side allowed is ${limits.maxImageSide}.`)
  }
  return problems
}

/**
 * The size hires fix makes from the form (its scale times the size, floored to whole latent cells of 8 as the
 * server does), or null when it is off: it is for text to image only, so an init image turns it off.
 */
export function hiresSize(form) {
  if (!form.enable_hr || form.init_image) return null
  const scale = Number(form.hr_scale) || 2
  const side = (v) => Math.floor(Math.floor(Number(v) * scale) / 8) * 8
  return { width: side(form.width), height: side(form.height) }
}

/** A number the form holds, or undefined (left out of the request, so the server's default applies) when empty. */
function numberOrUnset(v) {
  return v === '' || v == null || Number.isNaN(Number(v)) ? undefined : Number(v)
}

/** The body of POST /api/images. */
export function imageRequest(form, conversationId) {
  const req = {
    prompt: form.prompt.trim(),
    negative_prompt: form.negative_prompt.trim(),
    width: numberOrUnset(form.width),
    height: numberOrUnset(form.height),
    steps: numberOrUnset(form.steps),
    cfg_scale: numberOrUnset(form.cfg_scale),
    sampler: form.sampler || undefined,
    scheduler: form.scheduler || undefined,
    rng: form.rng || undefined,
    seed: numberOrUnset(form.seed) ?? -1,
    n: numberOrUnset(form.n),
    loras: form.loras.filter((l) => l.name).map((l) => (l.unet_weight == null ? { name: l.name, weight: Number(l.weight) }
      : { name: l.name, weight: Number(l.weight), unet_weight: Number(l.unet_weight) })),
  }
  for (const [key, value] of Object.entries(form.kept ?? {})) {
    if (!KEPT_HIRES.includes(key) || hiresSize(form)) req[key] = value
  }
  if (form.checkpoint) req.checkpoint = form.checkpoint // the server switches to it first
  if (form.vae) req.vae = form.vae
  if (hiresSize(form)) {
    req.enable_hr = true
    for (const key of HIRES) {
      const v = key === 'hr_upscaler' ? form[key] || undefined : numberOrUnset(form[key])
      if (v !== undefined) req[key] = v
    }
  }
  if (form.init_image) {
    req.init_image = form.init_image
    req.strength = numberOrUnset(form.strength)
    if (form.mask) req.mask = form.mask
  }
  if (conversationId) req.conversation_id = conversationId
  return req
}

/**
 * A form filled from a gallery image ("reuse settings"): its params first, its columns as a fallback. An image
 * saved without `rng` was made before A1111's generators came: with our own noise, and a left-out schedule then
 * meant Uniform (it now means the sampler's own), so those are filled in to make the same image again.
 */
export function formFromImage(image, base = defaultForm()) {
  const p = image.params || {}
  const older = p.rng == null
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
    scheduler: pick('scheduler', older ? 'discrete' : undefined),
    rng: pick('rng', older ? 'mysticanvas' : undefined),
    seed: image.seed ?? pick('seed'),
    n: 1,
    loras: (p.loras || []).map((l) => (l.unet_weight == null ? { name: l.name, weight: l.weight ?? 1 }
      : { name: l.name, weight: l.weight ?? 1, unet_weight: l.unet_weight })),
    checkpoint: image.model || '',
    vae: p.vae || '',
    init_image: null,
    strength: pick('strength'),
    mask: null,
    enable_hr: p.enable_hr === true,
    ...Object.fromEntries(HIRES.map((key) => [key, pick(key)])),
    kept: Object.fromEntries([...KEPT, ...KEPT_HIRES].filter((key) => p[key] != null).map((key) => [key, p[key]])),
  }
}

/** Rounds a side to the nearest multiple the server allows, within its bounds. */
export function snapSize(v, limits) {
  const { minImageSide: min, maxImageSide: max, sideMultiple: step } = limits
  const n = Math.round(Number(v) / step) * step
  return Math.min(max, Math.max(min, n || min))
}
