/**
 * A namespace-resolved element tree on top of fast-xml-parser.
 *
 * fast-xml-parser knows prefixes, not namespaces. Partners choose their own prefixes (`SOAP-ENV`, `soapenv`, `S`,
 * `ns3`, `tns`…), so every element here carries the namespace URI its prefix is bound to, and QName-valued
 * attributes (xsi:type) are resolved through the same scope. Entities are decoded here too (the parser is told to
 * leave them alone): only the five predefined ones and character references exist once DTDs are refused.
 *
 * Only call this on text that passed guardXml: the conversion recurses once per nesting level.
 */
import { XMLParser } from 'fast-xml-parser';

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

export class XmlTreeError extends Error {}

const XML_NS = 'http://www.w3.org/XML/1998/namespace';
const ROOT_SCOPE: Record<string, string> = Object.assign(Object.create(null) as Record<string, string>, { xml: XML_NS, '': '' });

const ATTRS = ':@';
const TEXT = '#text';
const CDATA = '#cdata';

// configured once: building the options object per call costs more than some parses
const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  processEntities: false,
  htmlEntities: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  cdataPropName: CDATA,
  commentPropName: false,
  removeNSPrefix: false,
  allowBooleanAttributes: false,
  jPath: false,
});

type Ordered = Record<string, unknown>;

export function parseTree(text: string): XNode {
  let doc: unknown;
  try {
    doc = parser.parse(text);
  } catch (e) {
    throw new XmlTreeError(`not well-formed XML: ${(e as Error).message}`);
  }
  if (!Array.isArray(doc)) throw new XmlTreeError('no root element');
  for (const item of doc as Ordered[]) {
    const name = elementName(item);
    if (name !== undefined) return convert(item, name, ROOT_SCOPE);
  }
  throw new XmlTreeError('no root element');
}

function elementName(item: Ordered): string | undefined {
  for (const k in item) {
    if (k !== ATTRS && k !== TEXT && k !== CDATA) return k;
  }
  return undefined;
}

function convert(item: Ordered, qname: string, parentScope: Record<string, string>): XNode {
  const rawAttrs = item[ATTRS] as Record<string, unknown> | undefined;
  let scope = parentScope;
  let attrs: Record<string, string> | undefined;
  if (rawAttrs) {
    attrs = Object.create(null) as Record<string, string>;
    for (const name in rawAttrs) {
      const value = decodeEntities(String(rawAttrs[name]));
      attrs[name] = value;
      if (name === 'xmlns' || name.startsWith('xmlns:')) {
        if (scope === parentScope) scope = Object.create(parentScope) as Record<string, string>;
        const prefix = name.length === 5 ? '' : name.slice(6);
        if (prefix !== '' && value === '') throw new XmlTreeError(`empty namespace for prefix '${prefix}'`);
        scope[prefix] = value;
      }
    }
  }
  const colon = qname.indexOf(':');
  const prefix = colon === -1 ? '' : qname.slice(0, colon);
  const ns = scope[prefix];
  if (ns === undefined) throw new XmlTreeError(`unbound namespace prefix '${prefix}' on <${qname}>`);

  const node: XNode = { local: colon === -1 ? qname : qname.slice(colon + 1), ns, attrs, scope, children: [], text: '' };
  const content = item[qname] as Ordered[];
  for (const child of content) {
    if (TEXT in child) {
      node.text += decodeEntities(String(child[TEXT]));
    } else if (CDATA in child) {
      for (const part of child[CDATA] as Ordered[]) node.text += String(part[TEXT] ?? '');
    } else {
      const name = elementName(child);
      if (name !== undefined) node.children.push(convert(child, name, scope));
    }
  }
  return node;
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
