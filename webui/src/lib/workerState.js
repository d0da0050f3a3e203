// How a worker's state reads in the UI.
export const WORKER_TITLES = { llm: 'Language model worker', sd: 'Image worker' }

/** Bootstrap colour for a worker: ready green, starting blue, restarting amber, stopped grey. */
export function stateColour(w) {
  if (w.state === 'ready') return w.loading ? 'info' : 'success'
  return { starting: 'info', restarting: 'warning', stopped: 'secondary', down: 'danger' }[w.state] || 'secondary'
}

/** A sentence for the banner when a worker cannot take work, or null when it can. */
export function workerProblem(w) {
  const title = WORKER_TITLES[w.name] || w.name
  const why = w.lastError ? ` (${w.lastError})` : ''
  switch (w.state) {
    case 'ready':
      return null
    case 'starting':
      return w.restarts ? `The ${title.toLowerCase()} is coming back${why}…` : `The ${title.toLowerCase()} is starting…`
    case 'restarting':
      return `The ${title.toLowerCase()} stopped${why} and is restarting. Work running on it was stopped; it reloads its model by itself.`
    case 'down':
      return `The ${title.toLowerCase()} on ${w.host} does not answer${why}. It runs on that machine: start it again there; MystiCanvas takes it back by itself.`
    default:
      return `The ${title.toLowerCase()} is stopped${why}. Restart it from the Models page.`
  }
}
