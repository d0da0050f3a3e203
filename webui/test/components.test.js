import { beforeEach, describe, expect, it } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { mount } from '@vue/test-utils'
import ChatMessage from '../src/components/chat/ChatMessage.vue'
import ChatComposer from '../src/components/chat/ChatComposer.vue'
import ModelFolderCard from '../src/components/models/ModelFolderCard.vue'
import WorkerCard from '../src/components/models/WorkerCard.vue'
import LoraPicker from '../src/components/images/LoraPicker.vue'
import ImagesView from '../src/views/ImagesView.vue'
import ImageJobPanel from '../src/components/images/ImageJobPanel.vue'
import ImageForm from '../src/components/images/ImageForm.vue'
import { useWorkersStore } from '../src/stores/workers.js'
import { useImagesStore } from '../src/stores/images.js'
import { useSettingsStore } from '../src/stores/settings.js'
import { useCapabilitiesStore } from '../src/stores/capabilities.js'
import { CAPABILITIES } from './fakeServer.js'

const message = (extra) => ({ id: 'm1', role: 'assistant', content: 'Use `ls`:\n\n```sh\nls -la\n```', reasoning: '', status: 'complete', ...extra })

describe('ChatMessage', () => {
  it('renders markdown with a copyable code block, the token counts and speed', () => {
    const w = mount(ChatMessage, { props: { message: message({ promptTokens: 5, completionTokens: 20, tokensPerSecond: 12.34 }), canRegenerate: true } })
    expect(w.find('.markdown code').text()).toBe('ls')
    expect(w.find('.code-block .copy-code').exists()).toBe(true)
    expect(w.get('[data-testid=token-stats]').text()).toBe('5 + 20 tokens · 12.3 tokens/s')
    expect(w.find('[data-testid=incomplete]').exists()).toBe(false)
  })

  it('marks an incomplete reply with the reason, and shows reasoning folded', () => {
    const w = mount(ChatMessage, { props: { message: message({ status: 'incomplete', error: 'stopped', reasoning: 'I think' }) } })
    expect(w.get('[data-testid=incomplete]').text()).toBe('incomplete: stopped')
    expect(w.get('details[data-testid=reasoning]').attributes('open')).toBeUndefined()
    expect(w.get('details').text()).toContain('I think')
  })

  it('offers regenerate on the last reply and edit on user messages, not while something generates', async () => {
    const reply = mount(ChatMessage, { props: { message: message(), canRegenerate: true } })
    await reply.get('[data-testid=regenerate]').trigger('click')
    expect(reply.emitted('regenerate')).toHaveLength(1)
    expect(reply.find('[data-testid=edit]').exists()).toBe(false)
    expect(mount(ChatMessage, { props: { message: message(), canRegenerate: true, canAct: false } }).find('[data-testid=regenerate]').exists()).toBe(false)

    const user = mount(ChatMessage, { props: { message: message({ role: 'user', content: 'old' }) } })
    await user.get('[data-testid=edit]').trigger('click')
    await user.get('textarea').setValue('new text')
    await user.get('form').trigger('submit')
    expect(user.emitted('edit')).toEqual([['new text']])
  })

  it('shows a streaming reply with a caret and no actions yet', () => {
    const w = mount(ChatMessage, { props: { message: message({ status: 'streaming', content: 'Hel' }) } })
    expect(w.get('[data-testid=message-body]').classes()).toContain('streaming-caret')
    expect(w.find('[data-testid=regenerate]').exists()).toBe(false)
  })
})

describe('ChatComposer', () => {
  it('Enter sends, Shift+Enter does not, and busy turns the button into Stop', async () => {
    const w = mount(ChatComposer, { props: { modelValue: 'hello' } })
    await w.get('textarea').trigger('keydown', { key: 'Enter', shiftKey: true })
    expect(w.emitted('send')).toBeUndefined()
    await w.get('textarea').trigger('keydown', { key: 'Enter' })
    expect(w.emitted('send')).toHaveLength(1)

    await w.setProps({ busy: true })
    await w.get('[data-testid=stop]').trigger('click')
    expect(w.emitted('stop')).toHaveLength(1)
    await w.get('textarea').trigger('keydown', { key: 'Enter' })
    expect(w.emitted('send')).toHaveLength(1) // not while busy
  })
})

describe('ModelFolderCard', () => {
  const props = { kind: 'llm', title: 'Language models', folder: 'models/llm', emptyText: 'No GGUF model in models/llm — put a .gguf file there', refreshed: true }

  it('explains an empty folder', () => {
    const w = mount(ModelFolderCard, { props: { ...props, files: [] } })
    expect(w.get('[data-testid=llm-empty]').text()).toContain('No GGUF model in models/llm — put a .gguf file there')
  })

  it('lists files with header facts, marks the loaded one, and loads another', async () => {
    const files = [{ id: 'a.gguf', size_bytes: 1048576, parameters: 1.2e9, quantization: 'Q4_K_M' }, { id: 'b.gguf', size: 10, error: 'bad magic' }]
    const w = mount(ModelFolderCard, { props: { ...props, files, loaded: 'a.gguf' } })
    expect(w.text()).toContain('1.0 MB · 1.2B parameters · Q4_K_M')
    expect(w.text()).toContain('Cannot use this file: bad magic')
    expect(w.findAll('[data-testid=llm-load]')).toHaveLength(1)
    await w.get('[data-testid=llm-load]').trigger('click')
    expect(w.emitted('load')).toEqual([['b.gguf']])
    await w.setProps({ busy: { action: 'load', name: 'b.gguf', progress: 0.4 } })
    expect(w.get('[data-testid=progress-label]').text()).toBe('Loading b.gguf · 40%')
  })
})

describe('WorkerCard', () => {
  const worker = (extra) => ({ name: 'llm', state: 'ready', restarts: 0, rssBytes: 1 << 30, ...extra })

  it('shows a remote worker with its host and GPUs with their memory, and offers no restart', () => {
    const w = mount(WorkerCard, { props: { worker: worker({ host: 'gpu-box:7001', devices: [
      { type: 'cpu', name: 'CPU', description: 'AMD EPYC', memory_total: 64 * 2 ** 30, memory_free: 32 * 2 ** 30 },
      { type: 'gpu', name: 'CUDA0', description: 'NVIDIA H200', memory_total: 140 * 2 ** 30, memory_free: 100 * 2 ** 30 }] }) } })
    expect(w.get('[data-testid=worker-host]').text()).toBe('gpu-box:7001 (another machine)')
    expect(w.get('[data-testid=worker-devices]').text()).toBe('NVIDIA H200 · 140.0 GB, 100.0 GB free')
    expect(w.find('button').exists()).toBe(false)
    expect(w.find('[data-testid=worker-standby]').exists()).toBe(false)
  })

  it('lists the workers that stand by behind it, in order, with their states', () => {
    const w = mount(WorkerCard, { props: { worker: worker({ host: 'gpu-a:7001', standby: [
      { name: 'llm', state: 'down', host: 'gpu-b:7001', lastError: 'connection refused' },
      { name: 'llm', state: 'ready', host: null, pid: 9 }] }) } })
    const lines = w.get('[data-testid=worker-standby]').findAll('div').map((d) => d.text())
    expect(lines).toEqual(['gpu-b:7001 down', 'this machine ready'])
  })

  it('says CPU only when it has no GPU, and nothing when its health said nothing of its devices', () => {
    const cpu = mount(WorkerCard, { props: { worker: worker({ pid: 7, devices: [{ type: 'cpu', name: 'CPU', description: 'AMD EPYC' }] }) } })
    expect(cpu.get('[data-testid=worker-devices]').text()).toBe('CPU only (AMD EPYC)')
    expect(mount(WorkerCard, { props: { worker: worker({ pid: 7 }) } }).find('[data-testid=worker-devices]').exists()).toBe(false)
  })
})

describe('LoraPicker', () => {
  beforeEach(() => setActivePinia(createPinia()))

  it('adds a LoRA once with weight 1, and removes it', async () => {
    const images = useImagesStore()
    images.loras = ['a.safetensors', 'b.safetensors']
    const w = mount(LoraPicker)
    await w.get('[data-testid=lora-choice]').setValue('b.safetensors')
    await w.get('[data-testid=lora-add]').trigger('click')
    expect(images.form.loras).toEqual([{ name: 'b.safetensors', weight: 1 }])
    expect(w.findAll('[data-testid=lora-choice] option').map((o) => o.text())).toEqual(['Choose…', 'a.safetensors'])
    await w.get('[data-testid=lora-weight]').setValue('0.6')
    expect(images.form.loras[0].weight).toBe(0.6)
    await w.get('[aria-label="Remove b.safetensors"]').trigger('click')
    expect(images.form.loras).toEqual([])
  })
})

describe('ImagesView', () => {
  beforeEach(() => setActivePinia(createPinia()))

  it('shows the form only once the saved and the server\'s defaults are known, so they cannot overwrite what was typed', async () => {
    const images = useImagesStore()
    images.loadLists = async () => {} // the lists are not what this is about
    const capabilities = useCapabilitiesStore()
    capabilities.load = async () => {} // the test says what the server answered, and when
    const w = mount(ImagesView)
    expect(w.find('[data-testid=img-steps]').exists()).toBe(false)
    expect(w.find('[data-testid=form-loading]').exists()).toBe(true)
    const settings = useSettingsStore()
    settings.values = { 'images.defaults': { steps: 7 } }
    settings.loaded = true
    capabilities.limits = CAPABILITIES.limits
    await w.vm.$nextTick()
    expect(w.get('[data-testid=form-loading]').text()).toContain('image worker')
    capabilities.images = { ...CAPABILITIES.images, defaults: { ...CAPABILITIES.images.defaults, cfg_scale: 4.5 } }
    await w.vm.$nextTick()
    expect(w.get('[data-testid=img-steps]').element.value).toBe('7')
    expect(w.get('[data-testid=img-steps]').attributes('max')).toBe('150')
    expect(w.get('[data-testid=img-cfg]').element.value).toBe('4.5') // the server's default where Settings say nothing
    expect(w.findAll('[data-testid=img-sampler] option').map((o) => o.text())).toEqual(['Euler', 'Euler a'])
  })
})

describe('ImageForm sizes', () => {
  beforeEach(() => setActivePinia(createPinia()))

  it("offer the chosen checkpoint's family sizes, and moving to another family moves to its native size", async () => {
    const capabilities = useCapabilitiesStore()
    capabilities.limits = CAPABILITIES.limits
    capabilities.images = CAPABILITIES.images
    const images = useImagesStore()
    images.checkpoints = ['one.safetensors', 'xl.safetensors', 'odd.safetensors']
    images.checkpointFamilies = { 'one.safetensors': 'sd1', 'xl.safetensors': 'sdxl', 'odd.safetensors': null }
    Object.assign(images.form, { checkpoint: 'one.safetensors', width: 512, height: 768 })
    const w = mount(ImageForm)
    const sizes = () => w.findAll('[data-testid=img-size] option').map((o) => o.attributes('value'))
    expect(sizes()).toEqual(['512x512', '512x768', '768x512', '640x640', '768x768', '256x256', '64x64'])
    expect(w.get('[data-testid=img-family]').text()).toContain('Stable Diffusion 1.x')

    await w.get('[data-testid=img-checkpoint]').setValue('xl.safetensors')
    expect(sizes().slice(0, 3)).toEqual(['1024x1024', '1152x896', '896x1152'])
    expect([images.form.width, images.form.height]).toEqual([1024, 1024])

    images.form.width = 832
    images.form.height = 1216
    await w.get('[data-testid=img-checkpoint]').setValue('odd.safetensors') // family unknown: the generic list
    expect(sizes()).toContain('1024x1024')
    expect([images.form.width, images.form.height]).toEqual([832, 1216])
    expect(w.find('[data-testid=img-family]').exists()).toBe(false)
  })
})

describe('ImageJobPanel', () => {
  beforeEach(() => setActivePinia(createPinia()))

  it("shows a job another client runs, and not this page's own job twice", async () => {
    const workers = useWorkersStore()
    workers.apply({ event: 'image-job', data: JSON.stringify({ job: 'job-x', state: 'running', step: 5, steps: 20, progress: 0.25 }) })
    const w = mount(ImageJobPanel)
    expect(w.get('[data-testid=other-image-job]').text()).toContain('Another job is running (another tab or an API client): step 5 of 20')
    useImagesStore().job = { id: 'job-x', step: 5, steps: 20 }
    await w.vm.$nextTick()
    expect(w.find('[data-testid=other-image-job]').exists()).toBe(false)
    expect(w.get('[data-testid=image-job]').text()).toContain('step 5 of 20')
  })
})
