export function formatBytes(n) {
  if (n == null) return '–'
  const units = ['B', 'KB', 'MB', 'GB', 'TB']
  let i = 0
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024
    i++
  }
  return `${n.toFixed(i === 0 ? 0 : 1)} ${units[i]}`
}

export function formatDuration(ms) {
  if (ms == null) return '–'
  const s = Math.floor(ms / 1000)
  if (s < 60) return `${s}s`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m}m ${s % 60}s`
  return `${Math.floor(m / 60)}h ${m % 60}m`
}

export function formatTime(ms) {
  if (!ms) return ''
  const d = new Date(ms)
  const today = new Date().toDateString() === d.toDateString()
  return today ? d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }) : d.toLocaleDateString()
}

/** "12 + 48 tokens · 31.2 tokens/s" from a saved message, or '' when it has no counts. */
export function formatTokenStats(m) {
  const parts = []
  if (m.promptTokens != null || m.completionTokens != null) {
    parts.push(`${m.promptTokens ?? '?'} + ${m.completionTokens ?? '?'} tokens`)
  }
  if (m.tokensPerSecond) parts.push(`${m.tokensPerSecond.toFixed(1)} tokens/s`)
  return parts.join(' · ')
}
