/**
 * Cheap refusal of hostile or broken XML before any tree is built.
 *
 * One linear scan over the text: it rejects declarations (`<!DOCTYPE`, `<!ENTITY`, … — no DTD means no entity
 * expansion and no external fetches), non-UTF-8 input, nesting deeper than a limit (counted with a loop, never
 * recursion, so 10 000 levels cost nothing) and unbalanced tags. Everything it lets through is bounded in depth,
 * which is what makes the recursive tree conversion after it safe.
 */
import type { Issue } from '../../domain/issues.js';

export interface GuardOptions {
  /** refuse input larger than this many bytes (UTF-8) */
  maxBytes?: number;
  /** refuse element nesting deeper than this; default 64 */
  maxDepth?: number;
  /**
   * false: skip the tag scan (well-formedness, depth), for a caller that builds the tree with
   * `parseTree(text, { maxDepth })` next, which refuses the same in the same pass
   */
  structure?: boolean;
}

export type GuardResult = { ok: true; text: string } | { ok: false; issue: Issue };

export const DEFAULT_MAX_DEPTH = 64;

const refuse = (rule: string, message: string, path = '/'): GuardResult => ({
  ok: false,
  issue: { path, rule, code: '0995', message, severity: 'error' },
});

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

// module-local, not imported: see xml-tree.ts
const LT = 60; // <
const GT = 62; // >
const SLASH = 47; // /
const BANG = 33; // !
const QMARK = 63; // ?
const DQUOTE = 34; // "
const SQUOTE = 39; // '

// matching control characters is the point of these two expressions
// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
/** &#N; / &#xN; naming C0 except tab, LF, CR; or DEL */
const CONTROL_REFERENCE = /&#(?:x0*(?:[0-8bcef]|1[0-9a-f]|7f)|0*(?:[0-8]|1[124-9]|2[0-9]|3[01]|127));/i;

const isSpace = (c: number): boolean => c === 32 || c === 9 || c === 10 || c === 13;

export function guardXml(input: string | Uint8Array, opts: GuardOptions = {}): GuardResult {
  const maxDepth = opts.maxDepth ?? DEFAULT_MAX_DEPTH;
  let text: string;
  if (typeof input === 'string') {
    // a string has at least as many UTF-8 bytes as UTF-16 units, and at most three per unit
    if (opts.maxBytes !== undefined && input.length * 3 > opts.maxBytes) {
      if (input.length > opts.maxBytes || Buffer.byteLength(input, 'utf8') > opts.maxBytes) {
        return refuse('maxBytes', `message exceeds ${opts.maxBytes} bytes`);
      }
    }
    text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  } else {
    if (opts.maxBytes !== undefined && input.byteLength > opts.maxBytes) {
      return refuse('maxBytes', `message exceeds ${opts.maxBytes} bytes`);
    }
    if (input.byteLength >= 2 && ((input[0] === 0xfe && input[1] === 0xff) || (input[0] === 0xff && input[1] === 0xfe))) {
      return refuse('encoding', 'UTF-16 input: only UTF-8 is accepted');
    }
    try {
      text = utf8.decode(input);
    } catch {
      return refuse('encoding', 'input is not valid UTF-8');
    }
  }

  if (text.startsWith('<?xml')) {
    const end = text.indexOf('?>');
    if (end === -1) return refuse('wellFormed', 'unterminated XML declaration');
    const enc = /\sencoding\s*=\s*(?:"([^"]*)"|'([^']*)')/.exec(text.slice(0, end));
    const name = enc ? (enc[1] ?? enc[2]) : undefined;
    if (name !== undefined && !/^utf-?8$/i.test(name)) {
      return refuse('encoding', `declared encoding '${name}': only UTF-8 is accepted`);
    }
  }
  // literal checks first: they are the cheapest and name the attack precisely
  if (text.includes('<!DOCTYPE')) return refuse('doctype', 'DOCTYPE declarations are not accepted');
  if (text.includes('<!ENTITY')) return refuse('entity', 'ENTITY declarations are not accepted');
  // NUL cannot be stored, and no WBCI/AGCOM field carries a control character, raw or as a reference
  if (RAW_CONTROL.test(text)) return refuse('controlCharacter', 'control characters (NUL, C0 other than tab/CR/LF, DEL) are not accepted');
  if (CONTROL_REFERENCE.test(text)) return refuse('controlCharacter', 'character references to control characters (&#0;, &#x1;, &#127; …) are not accepted');

  return (opts.structure === false ? undefined : scan(text, maxDepth)) ?? { ok: true, text };
}

/** Tag-level well-formedness and depth; returns a refusal or undefined. */
function scan(text: string, maxDepth: number): GuardResult | undefined {
  const stack: string[] = [];
  const n = text.length;
  let rootSeen = false;
  let pos = 0; // end of the previous markup
  let i = text.indexOf('<');
  while (i !== -1) {
    if (stack.length === 0) {
      for (let k = pos; k < i; k++) {
        if (!isSpace(text.charCodeAt(k))) return refuse('wellFormed', 'text outside the root element');
      }
    }
    const c = text.charCodeAt(i + 1);
    let end: number;
    if (c === SLASH) {
      end = text.indexOf('>', i + 2);
      if (end === -1) return refuse('wellFormed', 'unterminated end tag');
      const name = text.slice(i + 2, end).trimEnd();
      if (stack.pop() !== name) return refuse('wellFormed', `end tag </${name}> does not match its start tag`);
      end += 1;
    } else if (c === QMARK) {
      end = text.indexOf('?>', i + 2);
      if (end === -1) return refuse('wellFormed', 'unterminated processing instruction');
      if (i !== 0 && text.startsWith('<?xml', i) && isSpace(text.charCodeAt(i + 5))) {
        return refuse('wellFormed', 'XML declaration not at the start of the document');
      }
      end += 2;
    } else if (c === BANG) {
      if (text.startsWith('<!--', i)) {
        end = text.indexOf('-->', i + 4);
        if (end === -1) return refuse('wellFormed', 'unterminated comment');
        end += 3;
      } else if (text.startsWith('<![CDATA[', i)) {
        if (stack.length === 0) return refuse('wellFormed', 'CDATA outside the root element');
        end = text.indexOf(']]>', i + 9);
        if (end === -1) return refuse('wellFormed', 'unterminated CDATA section');
        end += 3;
      } else {
        return refuse('doctype', 'markup declarations (<!…>) are not accepted');
      }
    } else {
      // start tag: name, then attributes whose quoted values may contain '>'
      let k = i + 1;
      while (k < n) {
        const ch = text.charCodeAt(k);
        if (isSpace(ch) || ch === GT || ch === SLASH) break;
        k++;
      }
      if (k === i + 1) return refuse('wellFormed', 'missing element name');
      const name = text.slice(i + 1, k);
      let quote = 0;
      while (k < n) {
        const ch = text.charCodeAt(k);
        if (quote !== 0) {
          if (ch === quote) quote = 0;
          else if (ch === LT) return refuse('wellFormed', `'<' in an attribute value of <${name}>`);
        } else if (ch === DQUOTE || ch === SQUOTE) {
          quote = ch;
        } else if (ch === GT) {
          break;
        } else if (ch === LT) {
          return refuse('wellFormed', `unterminated start tag <${name}>`);
        }
        k++;
      }
      if (k >= n) return refuse('wellFormed', `unterminated start tag <${name}>`);
      if (stack.length === 0) {
        if (rootSeen) return refuse('wellFormed', 'more than one root element');
        rootSeen = true;
      }
      if (text.charCodeAt(k - 1) !== SLASH) {
        stack.push(name);
        if (stack.length > maxDepth) return refuse('depth', `element nesting deeper than ${maxDepth}`);
      }
      end = k + 1;
    }
    pos = end;
    i = text.indexOf('<', end);
  }
  if (stack.length > 0) return refuse('wellFormed', `unclosed element <${stack[stack.length - 1]}>`);
  if (!rootSeen) return refuse('wellFormed', 'no root element');
  for (let k = pos; k < n; k++) {
    if (!isSpace(text.charCodeAt(k))) return refuse('wellFormed', 'text outside the root element');
  }
  return undefined;
}
