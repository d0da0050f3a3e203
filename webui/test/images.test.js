import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { useImagesStore } from '../src/stores/images.js'
import { useGalleryStore } from '../src/stores/gallery.js'
import { formFromImage, formProblems, hiresSize, imageRequest, defaultForm, snapSize } from '../src/lib/imageParams.js'
import { CAPABILITIES, fakeServer, json, sse } from './fakeServer.js'

const { limits, images: { defaults } } = CAPABILITIES

const image = (id, seed) => ({ id, seed, prompt: 'a boat', negativePrompt: 'fog', width: 64, height: 64, model: 'tiny-sd.safetensors',
  params: { prompt: 'a boat', negative_prompt: 'fog', width: 64, height: 64, steps: 3, cfg_scale: 5, sampler: 'euler', scheduler: 'karras', seed, loras: [{ name: 'tiny-lora.safetensors', weight: 0.5 }] } })

describe('image form', () => {
  it('sends multiples of 8, the LoRAs with weights, and img2img fields only with an init image', () => {
    const form = { ...defaultForm(defaults), prompt: ' a boat ', width: 64, height: 72, steps: '3', loras: [{ name: 'l.safetensors', weight: '0.8' }, { name: '', weight: 1 }] }
    expect(formProblems(form, limits)).toEqual([])
    const req = imageRequest(form, 'c1')
    expect(req).toMatchObject({ prompt: 'a boat', width: 64, height: 72, steps: 3, seed: -1, n: 1, conversation_id: 'c1',
      loras: [{ name: 'l.safetensors', weight: 0.8 }] })
    expect(req).not.toHaveProperty('init_image')
    expect(req).not.toHaveProperty('strength')
    const edit = imageRequest({ ...form, init_image: 'data:image/png;base64,AA', mask: 'data:image/png;base64,BB', strength: 0.4 })
    expect(edit).toMatchObject({ init_image: 'data:image/png;base64,AA', mask: 'data:image/png;base64,BB', strength: 0.4 })
  })

  it('names what to fix before sending', () => {
    const problems = formProblems({ ...defaultForm(defaults), prompt: '', width: 100, steps: 0, mask: 'x' }, limits)
    expect(problems.join(' ')).toMatch(/Write a prompt.*width must be a multiple of 8.*Steps must be 1 to 150.*mask needs an init image/)
    expect(snapSize(100, limits)).toBe(104)
    expect(snapSize(3, limits)).toBe(64)
    // The server's limits, not a copy: started with --max-steps 300 the form allows 300.
    expect(formProblems({ ...defaultForm(defaults), prompt: 'x', steps: 300 }, { ...limits, maxSteps: 300 })).toEqual([])
  })

  it('leaves out what the form has no value for, so the server fills in its own defaults', () => {
    const req = imageRequest({ ...defaultForm({}), prompt: 'x' })
    expect(JSON.parse(JSON.stringify(req))).toEqual({ prompt: 'x', negative_prompt: '', seed: -1, loras: [] })
  })

  it('"reuse settings" gives back the form an image was made with, seed included', () => {
    const form = formFromImage(image('i1', 42))
    expect(form).toMatchObject({ prompt: 'a boat', negative_prompt: 'fog', width: 64, height: 64, steps: 3, cfg_scale: 5,
      sampler: 'euler', scheduler: 'karras', seed: 42, checkpoint: 'tiny-sd.safetensors',
      loras: [{ name: 'tiny-lora.safetensors', weight: 0.5 }], init_image: null })
    expect(imageRequest(form)).toMatchObject({ seed: 42, checkpoint: 'tiny-sd.safetensors' })
  })

  it('sends hires fix only when it is on and there is no init image, and brings it back with "reuse settings"', () => {
    const form = { ...defaultForm(defaults), prompt: 'x', width: 512, height: 768 }
    expect(imageRequest(form)).not.toHaveProperty('enable_hr')
    const hires = { ...form, enable_hr: true, hr_scale: 1.5, hr_upscaler: 'Lanczos' }
    expect(hiresSize(hires)).toEqual({ width: 768, height: 1152 })
    expect(imageRequest(hires)).toMatchObject({ enable_hr: true, hr_upscaler: 'Lanczos', hr_scale: 1.5,
      hr_second_pass_steps: 0, denoising_strength: 0.7 })
    const edit = imageRequest({ ...hires, init_image: 'data:image/png;base64,AA' })
    expect(edit).not.toHaveProperty('enable_hr')
    expect(hiresSize({ ...hires, hr_scale: 1.3 })).toEqual({ width: 664, height: 992 }) // whole latent cells, as the server
    expect(formProblems({ ...hires, hr_scale: 4 }, limits).join(' ')).toMatch(/Hires fix would make 2048×3072; the largest side allowed is 2048/)
    const made = image('i3', 9)
    Object.assign(made.params, { enable_hr: true, hr_upscaler: 'Lanczos', hr_scale: 1.5, denoising_strength: 0.4 })
    expect(formFromImage(made, defaultForm(defaults))).toMatchObject({ enable_hr: true, hr_upscaler: 'Lanczos', hr_scale: 1.5,
      denoising_strength: 0.4, hr_second_pass_steps: 0 })
    expect(formFromImage(image('i4', 1), defaultForm(defaults))).toMatchObject({ enable_hr: false })
  })

  it('"reuse settings" keeps what the form has no field for, so the same image comes back', () => {
    const made = image('i5', 3)
    Object.assign(made.params, { subseed: 99, subseed_strength: 0.25, eta: 0.5, clip_skip: 2, eta_noise_seed_delta: 31337,
      enable_hr: true, hr_upscaler: 'Lanczos', hr_scale: 1.5, hr_prompt: 'sharper', hr_resize_x: 0,
      loras: [{ name: 'tiny-lora.safetensors', weight: 0.5, unet_weight: 0.8 }] })
    const req = imageRequest(formFromImage(made, defaultForm(defaults)))
    expect(req).toMatchObject({ subseed: 99, subseed_strength: 0.25, eta: 0.5, clip_skip: 2, eta_noise_seed_delta: 31337,
      enable_hr: true, hr_prompt: 'sharper', hr_resize_x: 0, loras: [{ name: 'tiny-lora.safetensors', weight: 0.5, unet_weight: 0.8 }] })
    const noHires = imageRequest({ ...formFromImage(made, defaultForm(defaults)), enable_hr: false })
    expect(noHires).not.toHaveProperty('hr_prompt')
    expect(noHires).toMatchObject({ subseed: 99 })
  })

  it('an image from before A1111\'s generators comes back with our own noise and the Uniform schedule it had', () => {
    const older = image('i0', 7)
    delete older.params.scheduler
    expect(formFromImage(older, defaultForm(defaults))).toMatchObject({ rng: 'mysticanvas', scheduler: 'discrete', seed: 7 })
    const newer = image('i2', 8)
    newer.params.rng = 'cpu'
    delete newer.params.scheduler
    expect(formFromImage(newer, defaultForm(defaults))).toMatchObject({ rng: 'cpu', scheduler: 'automatic' })
    expect(imageRequest({ ...defaultForm(defaults), prompt: 'x' })).toMatchObject({ rng: 'gpu', scheduler: 'automatic' })
  })
})

describe('images store', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    vi.unstubAllGlobals()
  })

  it('follows a job: queue, step progress with previews, each image into the gallery', async () => {
    const progressSeen = []
    fakeServer({
      'POST /api/images': sse([
        ['queued', { job: 'job-1', position: 1 }],
        ['progress', { job: 'job-1', step: 1, steps: 2, index: 0, n: 2, preview: 'data:image/png;base64,P1' }],
        ['progress', { job: 'job-1', step: 2, steps: 2, index: 1, n: 2 }],
        ['image', { image: image('i1', 11) }],
        ['image', { image: image('i2', 12) }],
        ['done', { images: [image('i1', 11), image('i2', 12)] }],
      ]),
    })
    const images = useImagesStore()
    images.$subscribe(() => images.job?.step && progressSeen.push([images.job.step, images.job.index, images.fraction]))
    Object.assign(images.form, { prompt: 'a boat', width: 64, height: 64, steps: 2, n: 2 })
    await images.generate()
    expect(progressSeen).toContainEqual([1, 0, 0.25])
    expect(progressSeen).toContainEqual([2, 1, 1])
    expect(images.results.map((i) => i.seed)).toEqual([11, 12])
    expect(useGalleryStore().images.map((i) => i.id)).toEqual(['i2', 'i1'])
    expect(images.job).toBeNull()
    expect(images.error).toBeNull()
  })

  it('shows the job error in words; cancel asks the server and closes the stream', async () => {
    const server = fakeServer({
      'POST /api/images': sse([['queued', { job: 'job-2', position: 0 }], ['progress', { job: 'job-2', step: 1, steps: 9 }]], { hold: true }),
      'POST /api/images/job-2/cancel': json({ interrupted: true }),
    })
    const images = useImagesStore()
    images.form.prompt = 'x'
    const run = images.generate()
    await vi.waitFor(() => expect(images.job?.step).toBe(1))
    images.cancel()
    await run
    expect(server.calls('POST', '/api/images/job-2/cancel')).toHaveLength(1)
    expect(images.running).toBe(false)
    expect(images.error).toBeNull() // a cancel is not an error

    fakeServer({ 'POST /api/images': sse([['queued', { job: 'job-3' }], ['error', { error: { message: 'no model loaded: load a checkpoint', type: 'unavailable_error', code: 'no_model_loaded' }, job: 'job-3' }]]) })
    await images.generate()
    expect(images.error).toBe('no model loaded: load a checkpoint')
  })

  it('a chosen or dropped file becomes the init image; one that is not an image is refused in words', async () => {
    const images = useImagesStore()
    images.form.mask = 'data:image/png;base64,old'
    await images.setInitImage(new File(['hello'], 'notes.txt', { type: 'text/plain' }))
    expect(images.initImageError).toBe('notes.txt is not an image.')
    expect(images.form.init_image).toBeFalsy()
    await images.setInitImage(new File([new Uint8Array([137, 80, 78, 71])], 'a.png', { type: 'image/png' }))
    expect(images.initImageError).toBeNull()
    expect(images.form.init_image).toMatch(/^data:image\/png;base64,/)
    expect(images.form.mask).toBeNull()
  })

  it('says what to do when no checkpoint can be used', () => {
    const images = useImagesStore()
    expect(images.checkpointHint).toMatch(/No checkpoint in models\/sd\/checkpoints/)
    images.checkpoints = ['a.safetensors']
    expect(images.checkpointHint).toMatch(/No checkpoint is loaded/)
    images.form.checkpoint = 'a.safetensors'
    expect(images.checkpointHint).toBeNull()
  })
})
