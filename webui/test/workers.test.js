import { beforeEach, describe, expect, it } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { mount } from '@vue/test-utils'
import { useWorkersStore } from '../src/stores/workers.js'
import WorkerCard from '../src/components/WorkerCard.vue'

describe('workers store', () => {
  beforeEach(() => setActivePinia(createPinia()))

  it('takes the snapshot, then single-worker updates', () => {
    const s = useWorkersStore()
    s.apply({ event: 'workers', data: JSON.stringify({ llm: { name: 'llm', state: 'starting' }, sd: { name: 'sd', state: 'ready' } }) })
    s.apply({ event: 'worker', data: JSON.stringify({ name: 'llm', state: 'ready', pid: 7 }) })
    expect(s.list.map((w) => [w.name, w.state])).toEqual([['llm', 'ready'], ['sd', 'ready']])
    expect(s.workers.llm.pid).toBe(7)
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
