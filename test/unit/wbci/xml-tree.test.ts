/**
 * The one-pass tree builder against an independent XML parser (@xmldom/xmldom): generated documents
 * with prefixes, default namespaces, entities, CDATA, comments and processing instructions must give
 * the same elements, namespaces, attributes and text; malformed ones must be refused with
 * XmlTreeError, never half-parsed.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { DOMParser, type Element as XmlElement, type Node as XmlNode } from '@xmldom/xmldom';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { guardXml } from '../../../src/protocols/wbci/xml-guard.js';
import { parseTree, XmlTreeError, type XNode } from '../../../src/protocols/wbci/xml-tree.js';

interface Plain {
  local: string;
  ns: string;
  attrs: Record<string, string>;
  text: string;
  children: Plain[];
}

const plainOf = (x: XNode): Plain => ({ local: x.local, ns: x.ns, attrs: { ...(x.attrs ?? {}) }, text: x.text, children: x.children.map(plainOf) });

function plainOfDom(e: XmlElement): Plain {
  const attrs: Record<string, string> = {};
  for (let i = 0; i < e.attributes.length; i++) {
    const a = e.attributes.item(i)!;
    attrs[a.name] = a.value;
  }
  let text = '';
  const children: Plain[] = [];
  for (let c: XmlNode | null = e.firstChild; c; c = c.nextSibling) {
    if (c.nodeType === 1) children.push(plainOfDom(c as XmlElement));
    else if (c.nodeType === 3 || c.nodeType === 4) text += c.nodeValue ?? '';
  }
  return { local: e.localName ?? '', ns: e.namespaceURI ?? '', attrs, text, children };
}

function viaDom(xml: string): Plain {
  const errors: string[] = [];
  const doc = new DOMParser({ onError: (level, msg) => void (level !== 'warning' && errors.push(msg)) }).parseFromString(xml, 'text/xml');
  if (errors.length) throw new Error(`xmldom refused the generated document: ${errors.join('; ')}`);
  return plainOfDom(doc.documentElement!);
}

const NAMESPACES = ['urn:a', 'http://example.com/b', 'urn:x:c'];
const PREFIXES = ['a', 'ns1', 'SOAP-ENV', 'tns'];

const textChars = fc.constantFrom('x', 'Ä', ' ', '\n', '\t', '>', '&amp;', '&lt;', '&gt;', '&quot;', '&apos;', '&#65;', '&#x20AC;', 'ß', '"', "'", '😀');
const attrChars = fc.constantFrom('v', 'Ö', ' ', '>', '&amp;', '&lt;', '&#x41;', '&#66;', '/', '=', '😀');
const text = fc.array(textChars, { maxLength: 6 }).map((xs) => xs.join(''));
const attrText = fc.array(attrChars, { maxLength: 5 }).map((xs) => xs.join(''));
const space = fc.constantFrom('', ' ', '  ', '\n  ', '\t');
const someSpace = fc.constantFrom(' ', '  ', '\n  ', '\t');

interface Gen {
  prefix: string | null;
  local: string;
  declare: { prefix: string | null; ns: string }[];
  attrs: { name: string; value: string; quote: '"' | "'" }[];
  parts: ({ kind: 'text'; value: string } | { kind: 'cdata'; value: string } | { kind: 'comment' } | { kind: 'pi' } | { kind: 'el'; el: Gen })[];
  pad: [string, string, string];
}

const genEl: fc.Memo<Gen> = fc.memo((depth) =>
  fc.record({
    prefix: fc.option(fc.constantFrom(...PREFIXES), { nil: null }),
    local: fc.constantFrom('Body', 'Header', 'item', 'x', 'Vorabstimmung', 'a.b-c_d'),
    declare: fc.array(fc.record({ prefix: fc.option(fc.constantFrom(...PREFIXES), { nil: null }), ns: fc.constantFrom(...NAMESPACES) }), { maxLength: 2 }),
    attrs: fc.uniqueArray(fc.record({ name: fc.constantFrom('id', 'type', 'a:ref', 'xml:lang', 'v'), value: attrText, quote: fc.constantFrom('"' as const, "'" as const) }), { maxLength: 3, selector: (a) => a.name }),
    parts: depth <= 1
      ? fc.array(fc.oneof(fc.record({ kind: fc.constant('text' as const), value: text }), fc.record({ kind: fc.constant('cdata' as const), value: text.map((t) => t.replaceAll('&', '+')) })), { maxLength: 3 })
      : fc.array(
          fc.oneof(
            fc.record({ kind: fc.constant('text' as const), value: text }),
            fc.record({ kind: fc.constant('cdata' as const), value: text.map((t) => t.replaceAll('&', '+')) }),
            fc.record({ kind: fc.constant('comment' as const) }),
            fc.record({ kind: fc.constant('pi' as const) }),
            fc.record({ kind: fc.constant('el' as const), el: genEl(depth - 1) }),
          ),
          { maxLength: 4 },
        ),
    pad: fc.tuple(someSpace, space, space),
  }),
);

/** Makes every prefix used in `g` bound somewhere above it, then writes it out. */
function render(g: Gen, bound: Set<string | null>): string {
  const declared = new Map<string | null, string>();
  for (const d of g.declare) declared.set(d.prefix, d.ns);
  const inScope = new Set([...bound, ...declared.keys()]);
  const needs = [g.prefix, ...g.attrs.filter((a) => a.name.startsWith('a:')).map(() => 'a')].filter((p): p is string => p !== null && !inScope.has(p));
  for (const p of needs) {
    declared.set(p, NAMESPACES[p.length % NAMESPACES.length]!);
    inScope.add(p);
  }
  const qname = g.prefix ? `${g.prefix}:${g.local}` : g.local;
  const decls = [...declared].map(([p, ns]) => `${g.pad[0]}${p === null ? 'xmlns' : `xmlns:${p}`}${g.pad[1]}=${g.pad[2]}"${ns}"`);
  const attrs = g.attrs.map((a) => `${g.pad[0]}${a.name}=${a.quote}${a.quote === '"' ? a.value : a.value.replaceAll("'", '&apos;')}${a.quote}`);
  const body = g.parts
    .map((p) => {
      switch (p.kind) {
        case 'text':
          return p.value;
        case 'cdata':
          return `<![CDATA[${p.value}]]>`;
        case 'comment':
          return '<!-- a comment with <b>markup</b> & more -->';
        case 'pi':
          return '<?target some data?>';
        case 'el':
          return render(p.el, inScope);
      }
    })
    .join('');
  const open = `<${qname}${decls.join('')}${attrs.join('')}${g.pad[1]}`;
  return body === '' && g.pad[2] === '' ? `${open}/>` : `${open}>${body}</${qname}${g.pad[1]}>`;
}

describe('parseTree', () => {
  it('gives the same tree as @xmldom/xmldom on generated documents', () => {
    fc.assert(
      fc.property(genEl(4), fc.boolean(), fc.boolean(), (g, decl, comment) => {
        const xml = `${decl ? '<?xml version="1.0" encoding="UTF-8"?>\n' : ''}${comment ? '<!-- before -->\n' : ''}${render(g, new Set())}\n`;
        expect(plainOf(parseTree(xml))).toEqual(viaDom(xml));
      }),
      { numRuns: 400 },
    );
  });

  it('gives the same tree as @xmldom/xmldom on the WBCI schemas and message fixtures', () => {
    const files = [
      ...readdirSync(new URL('../../../schemas/wbci/', import.meta.url)).map((f) => new URL(`../../../schemas/wbci/${f}`, import.meta.url)),
      ...readdirSync(new URL('../../fixtures/wbci-v2/', import.meta.url))
        .filter((f) => f.endsWith('.xml'))
        .map((f) => new URL(`../../fixtures/wbci-v2/${f}`, import.meta.url)),
    ];
    expect(files.length).toBeGreaterThan(6);
    for (const f of files) {
      const xml = readFileSync(f, 'utf8');
      expect(plainOf(parseTree(xml)), f.pathname).toEqual(viaDom(xml));
    }
  });

  // decodeSoap runs the guard without its tag scan and leaves the tags to this parse
  it('refuses every document the guard\'s tag scan refuses (generated documents, corrupted at random)', () => {
    let refusedByGuard = 0;
    fc.assert(
      fc.property(genEl(3), fc.array(fc.tuple(fc.nat(), fc.constantFrom('', '<', '>', '/', '"', "'", '</x>', '<x>', '<!', '<?xml version="1.0"?>', '<![CDATA[')), { minLength: 1, maxLength: 3 }), (g, cuts) => {
        let xml = render(g, new Set());
        for (const [at, insert] of cuts) {
          const k = at % (xml.length + 1);
          xml = insert === '' ? xml.slice(0, k) + xml.slice(k + 1) : xml.slice(0, k) + insert + xml.slice(k);
        }
        const guarded = guardXml(xml, { maxDepth: 3 });
        if (guarded.ok) return;
        refusedByGuard++;
        let thrown: unknown;
        try {
          parseTree(xml, { maxDepth: 3 });
        } catch (e) {
          thrown = e;
        }
        // a document with several faults may be refused for another one first: the rule may differ
        expect(thrown, xml).toBeInstanceOf(XmlTreeError);
      }),
      { numRuns: 1500 },
    );
    expect(refusedByGuard).toBeGreaterThan(500);
  });

  it('refuses nesting deeper than maxDepth under the rule depth, and counts only open elements', () => {
    const nest = (d: number) => '<a>'.repeat(d) + '<b/>' + '</a>'.repeat(d);
    expect(() => parseTree(nest(4), { maxDepth: 3 })).toThrow(/nesting deeper than 3/);
    const refusal = (() => {
      try {
        parseTree(nest(4), { maxDepth: 3 });
      } catch (e) {
        return e as XmlTreeError;
      }
    })();
    expect(refusal?.rule).toBe('depth');
    expect(() => parseTree('<a><!ELEMENT x ANY></a>')).toThrow(expect.objectContaining({ rule: 'doctype' }));
    // as in guardXml: an empty element opens nothing
    expect(parseTree(nest(3), { maxDepth: 3 }).children[0]!.children[0]!.children[0]!.local).toBe('b');
    expect(parseTree(nest(1000)).local).toBe('a');
  });

  it('resolves the scope of each element: a prefix rebound below applies only below', () => {
    const root = parseTree('<a:r xmlns:a="urn:1"><a:x xmlns:a="urn:2"><a:y/></a:x><a:z/></a:r>');
    expect([root.ns, root.children[0]!.ns, root.children[0]!.children[0]!.ns, root.children[1]!.ns]).toEqual(['urn:1', 'urn:2', 'urn:2', 'urn:1']);
    expect(root.children[0]!.scope.a).toBe('urn:2');
    expect(root.scope.a).toBe('urn:1');
  });

  it('keeps each scope a flat object of its own, never a prototype of another (a per-document prototype outlives the document)', () => {
    const root = parseTree('<a:r xmlns:a="urn:1" xmlns:b="urn:b"><a:x xmlns:a="urn:2"><a:y xmlns:c="urn:c"/></a:x></a:r>');
    const x = root.children[0]!;
    const y = x.children[0]!;
    for (const scope of [root.scope, x.scope, y.scope]) expect(Object.getPrototypeOf(scope)).toBeNull();
    expect({ ...y.scope }).toEqual({ xml: 'http://www.w3.org/XML/1998/namespace', '': '', a: 'urn:2', b: 'urn:b', c: 'urn:c' });
    expect(root.scope.c).toBeUndefined();
  });

  it.each([
    ['', 'no root element'],
    ['   ', 'no root element'],
    ['<a>', 'unclosed element <a>'],
    ['<a></b>', 'end tag </b> does not match'],
    ['<a/><b/>', 'more than one root element'],
    ['x<a/>', 'text outside the root element'],
    ['<a/>x', 'text outside the root element'],
    ['<![CDATA[x]]><a/>', 'CDATA outside the root element'],
    ['<!DOCTYPE a><a/>', 'markup declarations'],
    ['<a><!ENTITY x "y"></a>', 'markup declarations'],
    ['<p:a/>', "unbound namespace prefix 'p'"],
    ['<a xmlns:p=""/>', "empty namespace for prefix 'p'"],
    ['<a b/>', "attribute 'b' of <a> without a value"],
    ['<a b=c/>', "value of attribute 'b' of <a> is not quoted"],
    ['<a b="1" b="2"/>', "attribute 'b' repeated"],
    ['<a b="1"c="2"/>', 'separated by white space'],
    ['<a b="<"/>', "'<' in the value of attribute 'b'"],
    ['<a b="1/>', 'unterminated value'],
    ['<a b="1"', 'unterminated start tag'],
    ['<a>&foo;</a>', "'&' that starts no known entity"],
    ['<a>a & b</a>', "'&' that starts no known entity"],
    ['<a b="&#0;"/>', 'non-XML character'],
    ['<a><!-- x </a>', 'unterminated comment'],
    ['<a><![CDATA[x</a>', 'unterminated CDATA'],
    ['<a><?pi x</a>', 'unterminated processing instruction'],
    ['<a/><?xml version="1.0"?>', 'XML declaration not at the start'],
    [' <?xml version="1.0"?><a/>', 'XML declaration not at the start'],
    ['<a></a', 'unterminated end tag'],
    ['<>', 'missing element name'],
  ])('refuses %j: %s', (xml, message) => {
    expect(() => parseTree(xml)).toThrow(XmlTreeError);
    expect(() => parseTree(xml)).toThrow(message);
  });
});
