/**
 * Helpers for the SOAP codec and XSD tests: the partner-shaped wire fixtures, a Control block, the messages to push through
 * the codec, and an infoset view of a SOAP body that ignores prefixes and formatting.
 */
import { readFileSync } from 'node:fs';
import { standardText } from '../../../src/protocols/wbci/codes.js';
import type { ControlBlock } from '../../../src/protocols/wbci/soap-codec.js';
import type { Abbm, RuemVa, WbciMessage } from '../../../src/protocols/wbci/types.js';
import { attrNS, parseTree, resolveQName, type XNode } from '../../../src/protocols/wbci/xml-tree.js';
import { allValidMessages, validAbbm, validRuemVa } from './builders.js';

/** WBCI v2 messages shaped like the partners' (wbci.md §11.1), generated and signed for the tests (README in that folder). */
export const FIXTURES_DIR = new URL('../../fixtures/wbci-v2/', import.meta.url).pathname;
export const fixture = (name: string): string => readFileSync(FIXTURES_DIR + name, 'utf8');
export const fixtureBytes = (name: string): Buffer => readFileSync(FIXTURES_DIR + name);

export const CONTROL: ControlBlock = {
  timestamp: '2026-11-20T10:15:00.123+01:00',
  major: '02',
  minor: '00',
  signature: { issuer: 'CN=gateway.example, O=Example Telekom GmbH, C=DE', serial: '1a2b3c4d' },
};

/** RUEM-VA with an ADA position (8104 + corrected postal code), which no builder variant has. */
export const ruemVaWithAda = (): RuemVa =>
  validRuemVa('VA-KUE-MRN', {
    positions: [
      { code: '8001', text: 'Auftragsbestätigung (ZWA)' },
      { code: '8104', text: 'Adresse abweichend PLZ', corrected: { field: 'postalCode', value: '80333' } },
    ],
  });

/** ABBM with an RNG position listing numbers: encodes fine, but decodes the numbers without area code. */
export const abbmWithRng = (): Abbm =>
  validAbbm({
    positions: [{ code: '8103', text: 'Rufnummer nicht geschaltet', numbers: ['891234567'] }],
  });

/** Every valid builder message plus the wire-specific variants above. */
export function codecSamples(): [string, WbciMessage][] {
  return [...allValidMessages(), ['RUEM-VA with ADA', ruemVaWithAda()]];
}

/** What decodeSoap returns for `m`: the codec sends the standard Meldungstext when a position has none. */
export function withWireDefaults<T extends WbciMessage>(m: T): T {
  const copy = structuredClone(m);
  if ('positions' in copy) {
    copy.positions = copy.positions.map((p) => ({ ...p, text: p.text ?? standardText(p.code) ?? p.code }));
  }
  return copy;
}

/** The single element child of SOAP Body as its own XML text (it declares every namespace it uses). */
export function bodyPayload(xml: string): string {
  const body = /<([A-Za-z_][\w.-]*:)?Body\b[^>]*>/.exec(xml);
  if (!body) throw new Error('no SOAP Body');
  const start = xml.indexOf('<', body.index + body[0].length);
  const name = /^<([^\s/>]+)/.exec(xml.slice(start))?.[1] as string;
  const close = `</${name}>`;
  return xml.slice(start, xml.lastIndexOf(close) + close.length);
}

/**
 * The Body payload as lines `{ns}name [xsi:type={ns}type] [= "text"]`, indented by depth: equal infosets mean the
 * same elements, namespaces, xsi:types and values whatever the prefixes and whitespace.
 */
export function infoset(xml: string): string[] {
  const root = parseTree(bodyPayload(xml));
  const lines: string[] = [];
  const walk = (n: XNode, depth: number): void => {
    const t = attrNS(n, 'http://www.w3.org/2001/XMLSchema-instance', 'type');
    const q = t === undefined ? undefined : resolveQName(n, t);
    const type = q ? ` xsi:type={${q.ns}}${q.local}` : '';
    const text = n.children.length === 0 ? ` = ${JSON.stringify(n.text.trim())}` : '';
    lines.push(`${'  '.repeat(depth)}{${n.ns}}${n.local}${type}${text}`);
    for (const c of n.children) walk(c, depth + 1);
  };
  walk(root, 0);
  return lines;
}
