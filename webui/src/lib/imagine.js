// "Imagine": the language model turns the conversation into an image prompt, then the image worker
// draws it. Step one is a plain /v1/chat/completions call (not a chat turn), so the conversation only
// gains the result: one assistant message carrying the prompt and the image.

export const IMAGINE_COMMAND = /^\/imagine(?:\s+([\s\S]*))?$/i
const CONTEXT_MESSAGES = 6
const CONTEXT_CHARS = 1500
const MAX_PROMPT_CHARS = 400

const INSTRUCTIONS = 'You write prompts for a Stable Diffusion image generator. Answer with the prompt only: '
  + 'one line of comma-separated visual details (subject, setting, style, lighting), at most 60 words, no explanations.'

/** The text after "/imagine", or null when the composer text is not the command. */
export function imagineCommand(text) {
  const m = IMAGINE_COMMAND.exec(text.trim())
  return m ? (m[1] || '').trim() : null
}

/** The chat request that asks for a prompt: recent messages as context, `focus` as what to draw. */
export function promptRequest(messages, focus) {
  const context = messages
    .filter((m) => (m.role === 'user' || m.role === 'assistant') && m.content && !IMAGINE_COMMAND.test(m.content.trim()))
    .slice(-CONTEXT_MESSAGES)
    .map((m) => `${m.role}: ${m.content}`)
    .join('\n')
    .slice(-CONTEXT_CHARS)
  const ask = focus ? `Write an image prompt for: ${focus}` : 'Write an image prompt that illustrates this conversation.'
  return {
    stream: true,
    max_tokens: 120,
    temperature: 0.7,
    messages: [
      { role: 'system', content: INSTRUCTIONS },
      { role: 'user', content: context ? `Conversation so far:\n${context}\n\n${ask}` : ask },
    ],
  }
}

/**
 * The model's answer made into a prompt: first non-empty line, without "Prompt:" labels and quotes,
 * at most 400 characters. A model that wrote nothing usable gets `fallback` (the user's own words).
 */
export function cleanPrompt(text, fallback) {
  const line = (text || '')
    .replace(/<think>[\s\S]*?<\/think>/g, '')
    .split(/\r\n|\r|\n/)
    .map((l) => l.replace(/[\p{Cc}\p{Cf}\uFFFD]+/gu, ' ').replace(/\s+/g, ' ').trim()) // no control characters or broken bytes
    .find((l) => /[\p{L}\p{N}]/u.test(l)) || ''
  const prompt = line.replace(/^(image\s+)?prompt\s*:\s*/i, '').replace(/^["'`]+|["'`]+$/g, '').trim()
  return (prompt || (fallback || '').trim()).slice(0, MAX_PROMPT_CHARS)
}

/** What the saved assistant message says (the model sees this in later turns). */
export function imagineMessage(prompt) {
  return `Imagined an image: *${prompt.replace(/[\\*_`[\]<>]/g, '\\$&')}*` // the prompt as text, not Markdown
}
