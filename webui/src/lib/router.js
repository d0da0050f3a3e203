// A hash router small enough to read in one go: #/view/param. The views are fixed, so vue-router
// would add more than it saves.
import { reactive } from 'vue'

export const VIEWS = [
  { name: 'chat', title: 'Chat' },
  { name: 'images', title: 'Images' },
  { name: 'gallery', title: 'Gallery' },
  { name: 'models', title: 'Models' },
  { name: 'settings', title: 'Settings' },
]

/** Parses "#/chat/abc" into {view: 'chat', param: 'abc'}; unknown views fall back to chat. */
export function parseHash(hash) {
  const [view, ...rest] = hash.replace(/^#\/?/, '').split('?')[0].split('/').filter(Boolean)
  return {
    view: VIEWS.some((v) => v.name === view) ? view : 'chat',
    param: rest.length ? decodeURIComponent(rest.join('/')) : null,
  }
}

export function hashFor(view, param) {
  return `#/${view}${param ? `/${encodeURIComponent(param)}` : ''}`
}

export const route = reactive(parseHash(globalThis.location?.hash || ''))

globalThis.addEventListener?.('hashchange', () => Object.assign(route, parseHash(location.hash)))

export function navigate(view, param) {
  const hash = hashFor(view, param)
  if (location.hash !== hash) location.hash = hash
  Object.assign(route, parseHash(hash)) // at once, not a tick later
}
