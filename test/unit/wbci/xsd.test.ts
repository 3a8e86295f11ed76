import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as soap from 'soap';
import { afterAll, describe, expect, it } from 'vitest';
import { validateXML, type XMLFileInfo, type XMLValidationResult } from 'xmllint-wasm';
import { encodeSoap, encodeTeq, negativeTeq, positiveTeq } from '../../../src/protocols/wbci/soap-codec.js';
import { SIMPLE_TYPES, type SimpleType } from '../../../src/protocols/wbci/wire-simple-types.js';
import { PLACEHOLDER_ADDRESS, XSD_NAMES, renderWsdl, renderXsd } from '../../../src/protocols/wbci/wsdl.js';
import { parseTree, type XNode } from '../../../src/protocols/wbci/xml-tree.js';
import { validVaKueMrn } from './builders.js';
import { CONTROL, abbmWithRng, bodyPayload, codecSamples, fixture } from './codec-fixtures.js';

const REPO = new URL('../../../', import.meta.url);
type SchemaFile = XMLFileInfo & { contents: string };
const XSD: SchemaFile[] = XSD_NAMES.map((fileName) => ({ fileName, contents: readFileSync(new URL(`schemas/wbci/${fileName}`, REPO), 'utf8') }));
const ENTRY = XSD.find((x) => x.fileName === 'wbci-envelope.xsd') as SchemaFile;

/** Validates documents against wbci-envelope.xsd and everything it imports (one xmllint run for all of them). */
function validate(docs: XMLFileInfo[], schemas: SchemaFile[] = XSD): Promise<XMLValidationResult> {
  const entry = schemas.find((x) => x.fileName === 'wbci-envelope.xsd') ?? ENTRY;
  return validateXML({ xml: docs, schema: [entry], preload: schemas.filter((x) => x !== entry) });
}

describe('the WBCI v2 XSDs', () => {
  it.each(XSD_NAMES)('%s compiles', async (name) => {
    const schema = XSD.find((x) => x.fileName === name) as SchemaFile;
    const r = await validateXML({ xml: [{ fileName: 'probe.xml', contents: '<probe/>' }], schema: [schema], preload: XSD.filter((x) => x !== schema) });
    // a compiled schema rejects the probe document; a broken one makes validateXML reject
    expect(r.valid).toBe(false);
    expect(r.errors[0].message).toContain('No matching global declaration available for the validation root');
  });

  it('a broken schema does not compile (so the check above can fail)', async () => {
    const broken = XSD.map((x) => (x.fileName === 'wbci-simple.xsd' ? { ...x, contents: x.contents.replace('<xs:pattern value="D[0-9A-F]{3}"/>', '<xs:pattern value="D[0-9A-F"/>') } : x));
    await expect(validate([{ fileName: 'p.xml', contents: bodyPayload(fixture('valid-va-kue-mrn.xml')) }], broken)).rejects.toThrow();
  });

  it('accept the Body payloads of the real samples (both requests and the TEQ)', async () => {
    const r = await validate([
      { fileName: 'valid-va-kue-mrn.xml', contents: bodyPayload(fixture('valid-va-kue-mrn.xml')) },
      { fileName: 'valid-va-rrnp.xml', contents: bodyPayload(fixture('valid-va-rrnp.xml')) },
      { fileName: 'valid-teq.xml', contents: bodyPayload(fixture('valid-teq.xml')) },
    ]);
    expect(r.errors).toEqual([]);
    expect(r.valid).toBe(true);
  });

  it('accept every message encodeSoap and encodeTeq produce', async () => {
    const { signature: _s, ...unsigned } = CONTROL;
    const docs: [string, string][] = [
      ...codecSamples().map(([name, m]): [string, string] => [name, encodeSoap(m, CONTROL)]),
      ['ABBM with RNG numbers', encodeSoap(abbmWithRng(), CONTROL)],
      ['VA-KUE-MRN over SOAP 1.2', encodeSoap(validVaKueMrn(), CONTROL, { soapVersion: '1.2' })],
      ['VA-KUE-MRN without signaturId', encodeSoap(validVaKueMrn(), unsigned)],
      ['positive TEQ to a request', encodeTeq('request', positiveTeq('DEU.EKPA', 'DEU.EKPA.V000000001'), CONTROL)],
      ['negative TEQ to a Meldung', encodeTeq('meldung', negativeTeq('0995', 'DEU.EKPB', 'DEU.EKPA.V000000001', '/Envelope/Body x|y required'), CONTROL)],
    ];
    expect(docs.length).toBeGreaterThanOrEqual(26);
    const r = await validate(docs.map(([name, xml]) => ({ fileName: `${name.replace(/[^A-Za-z0-9]+/g, '_')}.xml`, contents: bodyPayload(xml) })));
    expect(r.errors.map((e) => e.rawMessage)).toEqual([]);
    expect(r.valid).toBe(true);
  });

  it('reject a message without a mandatory element, naming what was expected', async () => {
    const xml = bodyPayload(encodeSoap(validVaKueMrn(), CONTROL)).replace('<Kundenwunschtermin>2026-12-15</Kundenwunschtermin>', '');
    const r = await validate([{ fileName: 'no-kwt.xml', contents: xml }]);
    expect(r.valid).toBe(false);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0].loc?.fileName).toBe('no-kwt.xml');
    expect(r.errors[0].message).toContain("Element 'Endkunde': This element is not expected. Expected is ( Kundenwunschtermin ).");
  });

  it('reject a value that breaks a facet, naming element and facet', async () => {
    const xml = bodyPayload(encodeSoap(validVaKueMrn(), CONTROL)).replace('<postleitzahl>80331</postleitzahl>', '<postleitzahl>8033</postleitzahl>');
    const r = await validate([{ fileName: 'plz.xml', contents: xml }]);
    expect(r.valid).toBe(false);
    expect(r.errors.map((e) => e.message).join('\n')).toMatch(/Element 'postleitzahl': \[facet '(length|pattern)'\] The value '8033'/);
  });

  it('reject an Anfrage without xsi:type (its declared type is abstract)', async () => {
    const xml = bodyPayload(fixture('valid-va-kue-mrn.xml')).replace(' xsi:type="ns5:KuendigungMitRNPGeschaeftsfallType"', '');
    const r = await validate([{ fileName: 'abstract.xml', contents: xml }]);
    expect(r.valid).toBe(false);
    expect(r.errors[0].message).toContain('abstract');
  });
});

// ---------------------------------------------------------------------------------------------

interface XsdSimple {
  base: string;
  patterns: string[];
  minLength?: number;
  maxLength?: number;
  enumeration: string[];
}

function readSimpleTypes(file: string): Map<string, XsdSimple> {
  const root = parseTree(readFileSync(new URL(`schemas/wbci/${file}`, REPO), 'utf8'));
  const types = new Map<string, XsdSimple>();
  for (const st of root.children.filter((c) => c.local === 'simpleType')) {
    const restriction = st.children.find((c) => c.local === 'restriction') as XNode;
    const facet = (name: string) => restriction.children.filter((c) => c.local === name).map((c) => c.attrs?.value as string);
    const num = (name: string) => (facet(name).length ? Number(facet(name)[0]) : undefined);
    types.set(st.attrs?.name as string, {
      base: restriction.attrs?.base as string,
      patterns: facet('pattern'),
      minLength: num('minLength') ?? num('length'),
      maxLength: num('maxLength') ?? num('length'),
      enumeration: facet('enumeration'),
    });
  }
  return types;
}

describe('wire-simple-types.ts mirrors the XSD facets', () => {
  const xsd = { simple: readSimpleTypes('wbci-simple.xsd'), enum: readSimpleTypes('wbci-enum.xsd') };
  const entries = Object.entries(SIMPLE_TYPES as Record<string, SimpleType>).filter(([, t]) => !t.xsd.startsWith('xs:'));

  const patternsWithBases = (prefix: 'simple' | 'enum', name: string): string[] => {
    const t = xsd[prefix].get(name);
    if (!t) return [];
    const base = t.base.startsWith(`${prefix}:`) ? patternsWithBases(prefix, t.base.slice(prefix.length + 1)) : [];
    return [...t.patterns, ...base];
  };

  it.each(entries)('%s', (_name, t) => {
    const [prefix, local] = t.xsd.split(':') as ['simple' | 'enum', string];
    const x = xsd[prefix].get(local);
    expect(x, `${t.xsd} exists`).toBeDefined();
    expect([...(t.patterns ?? [])].sort()).toEqual(patternsWithBases(prefix, local).sort());
    expect(t.minLength).toBe(x?.minLength);
    expect(t.maxLength).toBe(x?.maxLength);
    expect([...(t.enumeration ?? [])]).toEqual(x?.enumeration);
  });

  it('every XSD simple type is mirrored, apart from the two character-set base types', () => {
    const mirrored = new Set(entries.map(([, t]) => t.xsd));
    const unmirrored = [...[...xsd.simple.keys()].map((k) => `simple:${k}`), ...[...xsd.enum.keys()].map((k) => `enum:${k}`)].filter((k) => !mirrored.has(k));
    expect(unmirrored.sort()).toEqual(['simple:ErlaubterZeichenBereichMehrzeiligType', 'simple:ErlaubterZeichenBereichType']);
  });
});

// ---------------------------------------------------------------------------------------------

describe('the WSDL', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wbci-wsdl-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const ADDRESS = 'http://127.0.0.1:8443/wbci/v1';

  it('renderWsdl inlines all schemas and sets the address', () => {
    const wsdl = renderWsdl(ADDRESS);
    expect(wsdl).toContain(`<soap:address location="${ADDRESS}"/>`);
    expect(wsdl).not.toContain(PLACEHOLDER_ADDRESS);
    expect(wsdl).not.toContain('schemaLocation');
    expect(wsdl.match(/<xs:schema\b/g)).toHaveLength(6);
    expect(renderWsdl('https://gw.example/wbci/v1?a=1&b=2')).toContain('location="https://gw.example/wbci/v1?a=1&amp;b=2"');
  });

  it('node-soap builds a client from the rendered WSDL with both operations', async () => {
    const file = join(dir, 'wbci.wsdl');
    writeFileSync(file, renderWsdl(ADDRESS));
    const client = await soap.createClientAsync(file);
    const port = client.describe().WbciService.WbciPort;
    expect(Object.keys(port).sort()).toEqual(['annehmenAnfrage', 'annehmenMeldung']);
    expect(Object.keys(port.annehmenAnfrage.input)).toEqual(expect.arrayContaining(['Control', 'Anfrage']));
    expect(Object.keys(port.annehmenAnfrage.output)).toEqual(expect.arrayContaining(['Control', 'Quittung']));
    expect(Object.keys(port.annehmenMeldung.input)).toEqual(expect.arrayContaining(['Control', 'Meldung']));
    expect(Object.keys(port.annehmenMeldung.output)).toEqual(expect.arrayContaining(['Control', 'Quittung']));
  });

  it('node-soap also loads wsdl/wbci.wsdl from disk, following its schema import', async () => {
    const client = await soap.createClientAsync(resolve(new URL('wsdl/wbci.wsdl', REPO).pathname));
    expect(Object.keys(client.describe().WbciService.WbciPort).sort()).toEqual(['annehmenAnfrage', 'annehmenMeldung']);
  });

  it('renderXsd serves known schemas with ?xsd= imports and nothing else', () => {
    expect(renderXsd('wbci-envelope.xsd')).toContain('<xs:import namespace="http://www.vatm.de/wbci/v2/request" schemaLocation="?xsd=wbci-request.xsd"/>');
    expect(renderXsd('wbci-complex.xsd')).toContain('schemaLocation="?xsd=wbci-simple.xsd"');
    expect(renderXsd('../../package.json')).toBeUndefined();
    expect(renderXsd('wbci-envelope')).toBeUndefined();
  });
});
