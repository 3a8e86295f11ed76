/**
 * What a compression dictionary is learned from (wire-codec.ts): a text without its personal data.
 * A dictionary outlives the message it came from, so it must not keep a customer's name once that
 * message is gone. In XML the envelope, the WS-Security header and the certificate stay (they are
 * what recurs), and inside the SOAP Body only the text of the elements `keep` names or a text it
 * lists itself; in JSON the keys stay, and of the string values only those under a key `keep` names
 * or that it lists.
 *
 * Why keep any value: deflate pays for every place where a text departs from its dictionary — the
 * value's own bytes and a new match after it. Codes, carrier codes, the code table's texts and the
 * control data recur in every message of a kind; with them in the dictionary a signed WBCI message
 * took ~170 bytes of zlib stream instead of ~330 (592 messages of the scale bench's data, each
 * against a dictionary learned from another message of its kind).
 */

/** What a dictionary may keep besides the structure: nothing of a customer's. */
export interface DictionaryKeep {
  /** element local names (XML) or keys (JSON) whose values are never personal data */
  names?: ReadonlySet<string>;
  /** values that are never personal data wherever they stand (a code table's standard texts) */
  values?: ReadonlySet<string>;
}

const NONE: ReadonlySet<string> = new Set();

/**
 * Keys of the gateway's own JSON (event payloads, a case's data) whose string values are message
 * types, states, roles, carrier codes, codes or outcomes — never a customer's. Not `from`/`to`
 * (a number block's ends), not `reason` or `name` (free text).
 */
const GATEWAY_JSON_NAMES: ReadonlySet<string> = new Set([
  'type', 'vaType', 'kind', 'state', 'orderState', 'ftthState', 'status', 'result', 'outcome', 'code',
  'role', 'direction', 'procedure', 'protocol', 'by', 'eventType', 'tipoNotifica', 'esito',
  'sender', 'recipient', 'donating', 'portingWindow', 'technology',
]);
export const GATEWAY_JSON_KEEP: DictionaryKeep = { names: GATEWAY_JSON_NAMES };

/** The opening tag's local name, or null for a closing tag, an empty element, a comment, a PI. */
function openedElement(tag: string): string | null {
  const m = /^<(?:[\w.-]+:)?([\w.-]+)(?:\s[^>]*)?>$/.exec(tag);
  return m && !tag.endsWith('/>') ? m[1]! : null;
}

function xmlSource(raw: string, names: ReadonlySet<string>, values: ReadonlySet<string>): string {
  const body = /<(?:[\w.-]+:)?Body[\s>]/.exec(raw);
  const from = body ? body.index : 0;
  const inBody = raw
    .slice(from)
    // a comment or a CDATA section may hold anything, '<' included: none of it is kept
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/<!\[CDATA\[[\s\S]*?\]\]>/g, '')
    .replace(/(<[^<>]*>)([^<]+)(?=<)/g, (all: string, tag: string, text: string) => {
      const name = openedElement(tag);
      return name !== null && (names.has(name) || values.has(text)) ? all : tag;
    });
  // signature and digest values are random: no later message matches them (they are stored apart)
  return raw.slice(0, from).replace(/(<(?:[\w.-]+:)?(?:SignatureValue|DigestValue)(?:\s[^>]*)?>)[^<]*/g, '$1') + inBody;
}

/**
 * The JSON text with every string value emptied that is not directly under a kept key (an array's
 * items count as under the array's key). A scanner, not a parse: the text keeps its layout, which
 * is what the dictionary's matches depend on. A string that never ends is cut off with the rest.
 */
function jsonSource(raw: string, names: ReadonlySet<string>, values: ReadonlySet<string>): string {
  let out = '';
  let at = 0;
  /** per open container: the key its values sit under (null in an array under no kept key) */
  const scopes: { array: boolean; key: string | null }[] = [];
  let key: string | null = null;
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i];
    if (ch === '{' || ch === '[') {
      scopes.push({ array: ch === '[', key: ch === '[' ? key : null });
      key = null;
    } else if (ch === '}' || ch === ']') {
      scopes.pop();
      key = null;
    } else if (ch === '"') {
      let end = i + 1;
      while (end < raw.length && raw[end] !== '"') end += raw[end] === '\\' ? 2 : 1;
      // a string that never ends: nothing after its opening quote is known to be a key
      if (end >= raw.length) return out + raw.slice(at, i + 1);
      let next = end + 1;
      while (next < raw.length && /\s/.test(raw[next]!)) next++;
      const scope = scopes[scopes.length - 1];
      if (raw[next] === ':' && scope && !scope.array) {
        key = raw.slice(i + 1, end);
      } else {
        const under = scope?.array ? scope.key : key;
        if ((under === null || !names.has(under)) && !values.has(raw.slice(i + 1, end))) {
          out += raw.slice(at, i + 1);
          at = end;
        }
        key = null;
      }
      i = end;
    }
  }
  return out + raw.slice(at);
}

/** The text a dictionary is learned from: `raw` without the values `keep` does not name. */
export function dictionarySource(raw: string, keep: DictionaryKeep = {}): string {
  const names = keep.names ?? NONE;
  const values = keep.values ?? NONE;
  return /^\s*</.test(raw) ? xmlSource(raw, names, values) : jsonSource(raw, names, values);
}
