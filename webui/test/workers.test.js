import { beforeEach, describe, expect, it } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { mount } from '@vue/test-utils'
import { useWorkersStore } from '../src/stores/workers.js'
import { nextTick } from 'vue'
import WorkerCard from '../src/components/models/WorkerCard.vue'
import WorkerBanner from '../src/components/layout/WorkerBanner.vue'

describe('workers store', () => {
  beforeEach(() => setActivePinia(createPinia()))

  it('takes the snapshot, then single-worker updates', () => {
    const s = useWorkersStore()
    s.apply({ event: 'workers', data: JSON.stringify({ llm: { name: 'llm', state: 'starting' }, sd: { name: 'sd', state: 'ready' } }) })
    s.apply({ event: 'worker', data: JSON.stringify({ name: 'llm', state: 'ready', pid: 7 }) })
    expect(s.list.map((w) => [w.name, w.state])).toEqual([['llm', 'ready'], ['sd', 'ready']])
    expect(s.workers.llm.pid).toBe(7)
  })

  it('follows every image job from its events: the snapshot on connecting, steps, the end, a worker restart', () => {
    const s = useWorkersStore()
    const job = (id, state, step = 0) => ({ event: 'image-job', data: JSON.stringify({ job: id, state, step, steps: 20, progress: step / 20 }) })
    s.apply({ event: 'workers', data: JSON.stringify({ sd: { name: 'sd', state: 'ready', pid: 1 } }) })
    s.apply({ event: 'image-jobs', data: JSON.stringify([{ job: 'a', state: 'running', step: 3, steps: 20, progress: 0.15 }]) })
    expect(s.runningImageJob.step).toBe(3)
    s.apply(job('b', 'queued'))
    s.apply(job('a', 'running', 4))
    expect([s.runningImageJob.job, s.runningImageJob.step, s.queuedImageJobs]).toEqual(['a', 4, 1])
    s.apply(job('a', 'done', 20))
    s.apply(job('b', 'running', 1))
    expect([s.runningImageJob.job, s.queuedImageJobs]).toEqual(['b', 0])
    s.apply({ event: 'worker', data: JSON.stringify({ name: 'sd', state: 'restarting', pid: null }) })
    expect(s.runningImageJob).toBeNull()
  })

  it('drops what another page deleted: an image, or a chat with its images, saying so when that chat is open', async () => {
    const { useGalleryStore } = await import('../src/stores/gallery.js')
    const { useChatStore } = await import('../src/stores/chat.js')
    const s = useWorkersStore()
    const gallery = useGalleryStore()
    const chat = useChatStore()
    gallery.images = [{ id: 'i1' }, { id: 'i2', conversationId: 'c1' }, { id: 'i3', conversationId: 'c2' }]
    chat.conversations = [{ id: 'c1' }, { id: 'c2' }]
    chat.current = { id: 'c1' }
    chat.messages = [{ id: 'm1' }]
    s.apply({ event: 'gallery-image-deleted', data: JSON.stringify({ id: 'i1' }) })
    expect(gallery.images.map((i) => i.id)).toEqual(['i2', 'i3'])
    s.apply({ event: 'conversation-deleted', data: JSON.stringify({ id: 'c1' }) })
    expect(gallery.images.map((i) => i.id)).toEqual(['i3'])
    expect(chat.conversations.map((c) => c.id)).toEqual(['c2'])
    expect([chat.current, chat.messages, chat.openError]).toEqual([null, [], 'This conversation was deleted in another window.'])
  })

  it('adds an image another page saved to the gallery, once the gallery is loaded', async () => {
    const { useGalleryStore } = await import('../src/stores/gallery.js')
    const s = useWorkersStore()
    const gallery = useGalleryStore()
    const saved = { event: 'gallery-image', data: JSON.stringify({ image: { id: 'img1', prompt: 'a lamp' } }) }
    s.apply(saved)
    expect(gallery.images).toEqual([]) // not loaded: it will come with the first load
    gallery.loaded = true
    s.apply(saved)
    s.apply(saved)
    expect(gallery.images.map((i) => i.id)).toEqual(['img1'])
  })
})

describe('WorkerCard', () => {
  it('shows state, memory and the last problem in plain words', () => {
    const w = mount(WorkerCard, {
      props: { worker: { name: 'sd', state: 'restarting', pid: null, restarts: 2, rssBytes: 157286400, lastError: 'exited on signal 9' } },
    })
    expect(w.get('[data-testid=state]').text()).toBe('restarting')
    expect(w.text()).toContain('150.0 MB')
    expect(w.text()).toContain('Last problem: exited on signal 9')
    expect(w.text()).toContain('Image worker')
  })
})

describe('WorkerBanner', () => {
  beforeEach(() => setActivePinia(createPinia()))

  it('appears while a worker is down and goes away when it is back', async () => {
    const s = useWorkersStore()
    s.connected = s.everConnected = true
    s.apply({ event: 'workers', data: JSON.stringify({ llm: { name: 'llm', state: 'ready' }, sd: { name: 'sd', state: 'ready' } }) })
    const w = mount(WorkerBanner)
    expect(w.find('[data-testid=worker-banner]').exists()).toBe(false)

    s.apply({ event: 'worker', data: JSON.stringify({ name: 'sd', state: 'restarting', lastError: 'exited on signal 9 (exit code 137)' }) })
    await nextTick()
    expect(w.get('[role=alert]').text()).toContain('The image worker stopped (exited on signal 9 (exit code 137)) and is restarting')

    s.apply({ event: 'worker', data: JSON.stringify({ name: 'sd', state: 'ready', lastError: 'exited on signal 9 (exit code 137)' }) })
    await nextTick()
    expect(w.find('[role=alert]').exists()).toBe(false)
  })

  it('says so when the connection to the orchestrator itself is lost', async () => {
    const s = useWorkersStore()
    s.everConnected = true
    s.connected = false
    const w = mount(WorkerBanner)
    expect(w.get('[data-testid=offline-banner]').text()).toContain('Lost the connection to MystiCanvas')
  })
})
