// Markdown for chat messages: marked (GFM) -> highlight.js for code -> DOMPurify, so anything the
// model writes (HTML, javascript: links, onerror=) is shown as text or removed, never run.
import { Marked } from 'marked'
import hljs from 'highlight.js/lib/common'
import DOMPurify from 'dompurify'

function escapeHtml(s) {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c])
}

function highlighted(text, lang) {
  if (lang && hljs.getLanguage(lang)) return hljs.highlight(text, { language: lang, ignoreIllegals: true }).value
  return escapeHtml(text)
}

const marked = new Marked({
  gfm: true,
  breaks: true,
  renderer: {
    // Each block gets a header with its language and a copy button (handled by MarkdownView).
    code({ text, lang }) {
      const language = (lang || '').trim().split(/\s+/)[0]
      return `<div class="code-block"><div class="code-head"><span>${escapeHtml(language || 'text')}</span>`
        + '<button type="button" class="btn btn-sm copy-code" aria-label="Copy code">Copy</button></div>'
        + `<pre><code class="hljs${language ? ` language-${escapeHtml(language)}` : ''}">${highlighted(text, language)}</code></pre></div>`
    },
  },
})

export function renderMarkdown(text) {
  return DOMPurify.sanitize(marked.parse(text || ''), { FORBID_TAGS: ['style', 'form', 'input', 'textarea'] })
}
