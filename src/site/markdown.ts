/**
 * Run notes are Markdown written by anyone who can push a run: rendered with marked, then sanitised
 * (allowlist of tags and attributes, http(s)/mailto links only, no inline styles or event handlers),
 * so the result is safe for `set:html` under the site's Content-Security-Policy.
 *
 * Images load only from the store's public URL: an image from any other host would tell its owner
 * the IP address of every reader of the run. Those become links (the reader chooses to follow one).
 */
import { Marked } from 'marked';
import sanitizeHtml from 'sanitize-html';

const marked = new Marked({ gfm: true, breaks: false, async: false });

const SANITIZE: sanitizeHtml.IOptions = {
  allowedTags: [
    'h1',
    'h2',
    'h3',
    'h4',
    'h5',
    'h6',
    'p',
    'br',
    'hr',
    'blockquote',
    'pre',
    'code',
    'em',
    'strong',
    'del',
    's',
    'ul',
    'ol',
    'li',
    'a',
    'img',
    'table',
    'thead',
    'tbody',
    'tr',
    'th',
    'td',
    'sup',
    'sub',
    'kbd',
    'input',
    'span',
  ],
  allowedAttributes: {
    a: ['href', 'title', 'rel'],
    img: ['src', 'alt', 'title', 'width', 'height'],
    th: ['align'],
    td: ['align'],
    code: ['class'],
    input: ['type', 'checked', 'disabled'],
  },
  allowedClasses: { code: [/^language-[\w-]+$/] },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowedSchemesByTag: { img: ['https', 'http'] },
  allowProtocolRelative: false,
  transformTags: {
    a: sanitizeHtml.simpleTransform('a', { rel: 'nofollow noopener noreferrer' }),
    // Task-list checkboxes only; any other input is dropped by exclusiveFilter below.
    input: (tagName, attribs) => ({ tagName, attribs: { ...attribs, disabled: 'disabled' } }),
    // Notes sit under the run's own h2 sections: shift headings down so the page outline stays right.
    h1: 'h3',
    h2: 'h4',
    h3: 'h5',
  },
  // Only task-list checkboxes, and only images from absolute http(s) URLs (a relative src would 404 on
  // the site). The frame keeps the tag `img` after `options` turned one into a link (with no src).
  exclusiveFilter: (frame) =>
    (frame.tag === 'input' && frame.attribs.type !== 'checkbox') ||
    (frame.tag === 'img' && 'src' in frame.attribs && !/^https?:\/\//i.test(frame.attribs.src ?? '')),
};

function originOf(src: string): string | undefined {
  try {
    return new URL(src).origin;
  } catch {
    return undefined;
  }
}

/** The sanitiser's options for a site whose images may come from `imageOrigin` only. */
function options(imageOrigin: string | undefined): sanitizeHtml.IOptions {
  return {
    ...SANITIZE,
    transformTags: {
      ...SANITIZE.transformTags,
      img: (tagName, attribs): sanitizeHtml.Tag => {
        const src = attribs.src ?? '';
        if (imageOrigin !== undefined && originOf(src) === imageOrigin) return { tagName, attribs };
        // Not loaded: a link to it instead, labelled with its alt text (or its address); an image
        // that is not a web address (relative, data:, javascript:) leaves only its label.
        if (!/^https?:\/\//i.test(src)) return { tagName: 'span', attribs: { class: 'note-image-link' }, text: `image: ${attribs.alt || 'not shown'}` };
        return { tagName: 'a', attribs: { href: src, rel: 'nofollow noopener noreferrer', class: 'note-image-link' }, text: `image: ${attribs.alt || src}` };
      },
    },
    allowedClasses: { ...SANITIZE.allowedClasses, a: ['note-image-link'], span: ['note-image-link'] },
  };
}

/**
 * Markdown to sanitised HTML. Images load only from `imageOrigin` (the store's public origin, see
 * `publicOrigin`); any other image becomes a link to it.
 *
 * @example renderMarkdown('**bold** <script>x</script>') // "<p><strong>bold</strong> </p>\n"
 */
export function renderMarkdown(text: string, imageOrigin?: string): string {
  const html = marked.parse(text) as string;
  return sanitizeHtml(html, options(imageOrigin));
}
