import { beforeEach, describe, expect, it, vi } from 'vitest'
import { mount } from '@vue/test-utils'
import { nextTick } from 'vue'
import { apiJson, auth, setApiKey } from '../src/lib/api.js'
import ApiKeyDialog from '../src/components/layout/ApiKeyDialog.vue'
import { apiError, fakeServer, json } from './fakeServer.js'

describe('API key', () => {
  beforeEach(() => {
    vi.unstubAllGlobals()
    localStorage.clear()
    auth.keyNeeded = false
  })

  it('is sent as a Bearer token once stored', async () => {
    const server = fakeServer({ 'GET /api/settings': json({}) })
    setApiKey('s3cret')
    await apiJson('/api/settings')
    expect(server.requests[0].headers.Authorization).toBe('Bearer s3cret')
    setApiKey('')
    await apiJson('/api/settings')
    expect(server.requests[1].headers.Authorization).toBeUndefined()
  })

  it('a 401 asks for it in a dialog, and saving stores it', async () => {
    fakeServer({ 'GET /api/settings': apiError(401, 'missing or wrong API key', 'invalid_api_key') })
    const dialog = mount(ApiKeyDialog, { attachTo: document.body })
    expect(dialog.find('[role=dialog]').exists()).toBe(false)
    await expect(apiJson('/api/settings')).rejects.toMatchObject({ status: 401 })
    await nextTick()
    expect(dialog.get('[role=dialog]').text()).toContain('--api-key')
    const reload = vi.fn()
    vi.stubGlobal('location', { reload })
    await dialog.get('#api-key-input').setValue('  k3y ')
    await dialog.get('form').trigger('submit')
    expect(localStorage.getItem('mysticanvas.apiKey')).toBe('k3y')
    expect(auth.keyNeeded).toBe(false)
    expect(reload).toHaveBeenCalled()
    dialog.unmount()
  })
})
