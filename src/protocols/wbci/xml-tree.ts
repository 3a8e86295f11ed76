/**
 * A namespace-resolved element tree, built in one pass over the text.
 *
 * Partners choose their own prefixes (`SOAP-ENV`, `soapenv`, `S`, `ns3`, `tns`…), so every element
 * carries the namespace URI its prefix is bound to, and QName-valued attributes (xsi:type) are
 * resolved through the same scope. Only the five predefined entities and character references
 * exist: markup declarations (DOCTYPE, ENTITY) are refused, here and by guardXml before.
 *
 * Why not a general parser library: the tree is all the decoders need, and building it directly
 * costs a quarter of parsing into fast-xml-parser's ordered objects and converting those (12 µs
 * instead of 48 µs for a 1.4 KB VA-KUE-MRN envelope; README "Performance"), and inbound SOAP is
 * bound by this process's CPU.
 * `test/unit/wbci/xml-tree.test.ts` holds it against @xmldom/xmldom on generated documents.
 */

// local constants, not imports: the scan compares them per character, and an imported binding
// measured ~15 % slower here than a module-local const (12.5 vs 14.2 µs per VA envelope)
const LT = 60; // <
const GT = 62; // >
const SLASH = 47; // /
const BANG = 33; // !
const QMARK = 63; // ?
const DQUOTE = 34; // "
const SQUOTE = 39; // '
const EQ = 61; // =

const isSpace = (c: number): boolean => c === 32 || c === 9 || c === 10 || c === 13;

export interface XNode {
  local: string;
  /** namespace URI; '' for unqualified elements */
  ns: string;
  /** attributes by their raw (prefixed) name, entity-decoded */
  attrs: Readonly<Record<string, string>> | undefined;
  /** in-scope prefix → namespace bindings ('' is the default namespace) */
  scope: Readonly<Record<string, string>>;
  children: XNode[];
  /** concatenated character data of this element (not of its descendants) */
  text: string;
}

export class XmlTreeError extends Error {
  /** the guard's rule this refusal falls under: 'wellFormed', or 'depth' / 'doctype' */
  readonly rule: string;
  constructor(message: string, rule = 'wellFormed') {
    super(message);
    this.rule = rule;
  }
}

export interface ParseOptions {
  /** refuse element nesting deeper than this (rule 'depth'); unbounded when absent */
  maxDepth?: number;
}

const XML_NS = 'http://www.w3.org/XML/1998/namespace';
const ROOT_SCOPE: Record<string, string> = Object.assign(Object.create(null) as Record<string, string>, { xml: XML_NS, '': '' });

function isBlank(text: string, from: number, to: number): boolean {
  for (let k = from; k < to; k++) if (!isSpace(text.charCodeAt(k))) return false;
  return true;
}

interface Open {
  node: XNode;
  qname: string;
}

/**
 * Parses `text` into its root element. Comments, processing instructions and the XML declaration
 * are skipped; CDATA joins the text as it stands. The open elements are an explicit stack, not
 * recursion, so nesting depth costs nothing here; `maxDepth` refuses it all the same. Everything
 * guardXml's tag scan refuses is refused here too (its `structure: false` relies on that).
 */
export function parseTree(text: string, opts: ParseOptions = {}): XNode {
  const maxDepth = opts.maxDepth ?? Number.POSITIVE_INFINITY;
  const n = text.length;
  const stack: Open[] = [];
  let root: XNode | undefined;
  let pos = 0;
  while (pos < n) {
    const lt = text.indexOf('<', pos);
    const stop = lt === -1 ? n : lt;
    if (stop > pos) {
      const top = stack[stack.length - 1];
      if (top) top.node.text += decodeEntities(text.slice(pos, stop));
      else if (!isBlank(text, pos, stop)) throw new XmlTreeError('text outside the root element');
    }
    if (lt === -1) break;
    const c = text.charCodeAt(lt + 1);
    if (c === SLASH) {
      const gt = text.indexOf('>', lt + 2);
      if (gt === -1) throw new XmlTreeError('unterminated end tag');
      const name = text.slice(lt + 2, gt).trimEnd();
      const open = stack.pop();
      if (open?.qname !== name) throw new XmlTreeError(`end tag </${name}> does not match its start tag`);
      pos = gt + 1;
    } else if (c === QMARK) {
      const end = text.indexOf('?>', lt + 2);
      if (end === -1) throw new XmlTreeError('unterminated processing instruction');
      if (lt !== 0 && text.startsWith('<?xml', lt) && isSpace(text.charCodeAt(lt + 5))) {
        throw new XmlTreeError('XML declaration not at the start of the document');
      }
      pos = end + 2;
    } else if (c === BANG) {
      if (text.startsWith('<!--', lt)) {
        const end = text.indexOf('-->', lt + 4);
        if (end === -1) throw new XmlTreeError('unterminated comment');
        pos = end + 3;
      } else if (text.startsWith('<![CDATA[', lt)) {
        const end = text.indexOf(']]>', lt + 9);
        if (end === -1) throw new XmlTreeError('unterminated CDATA section');
        const top = stack[stack.length - 1];
        if (!top) throw new XmlTreeError('CDATA outside the root element');
        top.node.text += text.slice(lt + 9, end);
        pos = end + 3;
      } else {
        throw new XmlTreeError('markup declarations (<!…>) are not accepted', 'doctype');
      }
    } else {
      const parent = stack[stack.length - 1];
      const tag = startTag(text, lt, parent ? parent.node.scope : ROOT_SCOPE);
      if (parent) parent.node.children.push(tag.node);
      else if (root) throw new XmlTreeError('more than one root element');
      else root = tag.node;
      if (!tag.empty) {
        stack.push({ node: tag.node, qname: tag.qname });
        if (stack.length > maxDepth) throw new XmlTreeError(`element nesting deeper than ${maxDepth}`, 'depth');
      }
      pos = tag.end;
    }
  }
  if (stack.length > 0) throw new XmlTreeError(`unclosed element <${stack[stack.length - 1]!.qname}>`);
  if (!root) throw new XmlTreeError('no root element');
  return root;
}

/** The start tag at `lt`: its element (namespace resolved), whether it is `<…/>`, and where it ends. */
function startTag(text: string, lt: number, parentScope: Record<string, string>): { node: XNode; qname: string; empty: boolean; end: number } {
  const n = text.length;
  let k = lt + 1;
  while (k < n) {
    const ch = text.charCodeAt(k);
    if (isSpace(ch) || ch === GT || ch === SLASH) break;
    k++;
  }
  if (k === lt + 1) throw new XmlTreeError('missing element name');
  const qname = text.slice(lt + 1, k);
  let attrs: Record<string, string> | undefined;
  let scope = parentScope;
  for (;;) {
    while (k < n && isSpace(text.charCodeAt(k))) k++;
    if (k >= n) throw new XmlTreeError(`unterminated start tag <${qname}>`);
    const ch = text.charCodeAt(k);
    if (ch === GT || (ch === SLASH && text.charCodeAt(k + 1) === GT)) break;
    if (k > lt + 1 + qname.length && !isSpace(text.charCodeAt(k - 1))) throw new XmlTreeError(`attributes of <${qname}> must be separated by white space`);
    const nameStart = k;
    while (k < n) {
      const c = text.charCodeAt(k);
      if (c === EQ || isSpace(c) || c === GT || c === SLASH || c === LT || c === DQUOTE || c === SQUOTE) break;
      k++;
    }
    const name = text.slice(nameStart, k);
    while (k < n && isSpace(text.charCodeAt(k))) k++;
    if (name === '' || text.charCodeAt(k) !== EQ) throw new XmlTreeError(`attribute ${name === '' ? '' : `'${name}' `}of <${qname}> without a value`);
    k++;
    while (k < n && isSpace(text.charCodeAt(k))) k++;
    const quote = text.charCodeAt(k);
    if (quote !== DQUOTE && quote !== SQUOTE) throw new XmlTreeError(`value of attribute '${name}' of <${qname}> is not quoted`);
    const close = text.indexOf(quote === DQUOTE ? '"' : "'", k + 1);
    if (close === -1) throw new XmlTreeError(`unterminated value of attribute '${name}' of <${qname}>`);
    const raw = text.slice(k + 1, close);
    if (raw.indexOf('<') !== -1) throw new XmlTreeError(`'<' in the value of attribute '${name}' of <${qname}>`);
    const value = decodeEntities(raw);
    attrs ??= Object.create(null) as Record<string, string>;
    if (name in attrs) throw new XmlTreeError(`attribute '${name}' repeated on <${qname}>`);
    attrs[name] = value;
    if (name === 'xmlns' || name.startsWith('xmlns:')) {
      // a copy, not Object.create(parentScope): an object used as a prototype gets a map of its own,
      // which lives in V8's old space and holds the young scope (and the document text its values
      // are sliced from) through every young-generation collection until a full one
      if (scope === parentScope) scope = Object.assign(Object.create(null) as Record<string, string>, parentScope);
      const prefix = name.length === 5 ? '' : name.slice(6);
      if (prefix !== '' && value === '') throw new XmlTreeError(`empty namespace for prefix '${prefix}'`);
      scope[prefix] = value;
    }
    k = close + 1;
  }
  const empty = text.charCodeAt(k) === SLASH;
  const colon = qname.indexOf(':');
  const prefix = colon === -1 ? '' : qname.slice(0, colon);
  const ns = scope[prefix];
  if (ns === undefined) throw new XmlTreeError(`unbound namespace prefix '${prefix}' on <${qname}>`);
  const node: XNode = { local: colon === -1 ? qname : qname.slice(colon + 1), ns, attrs, scope, children: [], text: '' };
  return { node, qname, empty, end: empty ? k + 2 : k + 1 };
}

const ENTITY = /&(?:#x([0-9a-fA-F]+)|#([0-9]+)|(lt|gt|amp|quot|apos));|&/g;
const NAMED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

const isXmlChar = (c: number): boolean =>
  c === 0x9 || c === 0xa || c === 0xd || (c >= 0x20 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd) || (c >= 0x10000 && c <= 0x10ffff);

export function decodeEntities(s: string): string {
  if (s.indexOf('&') === -1) return s;
  return s.replace(ENTITY, (_m, hex: string | undefined, dec: string | undefined, named: string | undefined) => {
    if (named) return NAMED[named];
    if (hex === undefined && dec === undefined) throw new XmlTreeError("'&' that starts no known entity");
    const code = hex !== undefined ? parseInt(hex, 16) : parseInt(dec as string, 10);
    if (!isXmlChar(code)) throw new XmlTreeError(`character reference to a non-XML character (${code})`);
    return String.fromCodePoint(code);
  });
}

/** Value of the attribute `{ns}local`, whatever prefix the sender used. */
export function attrNS(node: XNode, ns: string, local: string): string | undefined {
  if (!node.attrs) return undefined;
  for (const name in node.attrs) {
    const colon = name.indexOf(':');
    if (colon === -1 || name.slice(colon + 1) !== local) continue;
    const prefix = name.slice(0, colon);
    if (prefix !== 'xmlns' && node.scope[prefix] === ns) return node.attrs[name];
  }
  return undefined;
}

/** Resolves a QName value (`ns5:KuendigungMitRNPGeschaeftsfallType`) in the scope of the node carrying it. */
export function resolveQName(node: XNode, qname: string): { ns: string; local: string } | undefined {
  const q = qname.trim();
  const colon = q.indexOf(':');
  const prefix = colon === -1 ? '' : q.slice(0, colon);
  const ns = node.scope[prefix];
  if (ns === undefined) return undefined;
  return { ns, local: colon === -1 ? q : q.slice(colon + 1) };
}
