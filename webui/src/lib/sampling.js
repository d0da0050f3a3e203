// The sampling fields a conversation (and the chat defaults) can set, with their bounds.
export const SAMPLING_FIELDS = [
  { key: 'temperature', label: 'Temperature', min: 0, max: 2, step: 0.05, help: 'Higher is more varied, 0 always picks the likeliest token.' },
  { key: 'top_p', label: 'Top P', min: 0, max: 1, step: 0.01, help: 'Samples only from the most likely tokens that add up to this probability.' },
  { key: 'max_tokens', label: 'Max tokens', min: 1, max: 32768, step: 1, help: 'Longest reply, in tokens.' },
  { key: 'seed', label: 'Seed', min: -1, max: 2 ** 31 - 1, step: 1, help: 'Same seed and settings give the same reply; empty or -1 is random.' },
]

/** Form values (strings from inputs, '' for unset) -> settings object; unset keys are dropped. */
export function samplingFromForm(values, base = {}) {
  const out = { ...base }
  for (const { key } of SAMPLING_FIELDS) {
    const v = values[key]
    if (v === '' || v == null || (key === 'seed' && Number(v) < 0)) delete out[key]
    else out[key] = Number(v)
  }
  return out
}

/** Settings object -> form values ('' for unset). */
export function samplingToForm(settings) {
  return Object.fromEntries(SAMPLING_FIELDS.map(({ key }) => [key, settings?.[key] ?? '']))
}
