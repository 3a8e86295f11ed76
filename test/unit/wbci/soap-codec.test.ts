import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Issue } from '../../../src/domain/issues.js';
import {
  WbciEncodeError,
  decodeSoap,
  decodeTeq,
  encodeSoap,
  encodeSoapFault,
  encodeTeq,
  negativeTeq,
  positiveTeq,
  type DecodeResult,
} from '../../../src/protocols/wbci/soap-codec.js';
import type { VaKueMrn, VaRrnp, WbciMessage } from '../../../src/protocols/wbci/types.js';
import { guardXml } from '../../../src/protocols/wbci/xml-guard.js';
import { ABG, AUF, validAbbm, validAkmTr, validStrAen, validStrAuf, validVaKueMrn, validVaKueOrn } from './builders.js';
import { FIXTURE_MRN, FIXTURE_RRNP, ekpaCert, simulatorCert } from '../../fixtures/wbci-v2/generate.js';
import { CONTROL, abbmWithRng, codecSamples, fixture, fixtureBytes, infoset, ruemVaWithAda, withWireDefaults } from './codec-fixtures.js';

const MRN_XML = fixture('valid-va-kue-mrn.xml');
const RRNP_XML = fixture('valid-va-rrnp.xml');
const TEQ_XML = fixture('valid-teq.xml');

const EKPA = ekpaCert().identity;
const SIMULATOR = simulatorCert().identity;
const RSA_SHA1 = 'http://www.w3.org/2000/09/xmldsig#rsa-sha1';
const ANFRAGE = '/Envelope/Body/annehmenAnfrageRequest/Anfrage';

const tokenOf = (xml: string): string => (/BinarySecurityToken[^>]*>([^<]+)</.exec(xml) as RegExpExecArray)[1].replace(/\s+/g, '');

const EXPECTED_MRN: VaKueMrn = FIXTURE_MRN;
const EXPECTED_RRNP: VaRrnp = FIXTURE_RRNP;

function ok(r: DecodeResult): Extract<DecodeResult, { ok: true }> {
  if (!r.ok) throw new Error(`expected success, got ${r.teqCode}: ${JSON.stringify(r.issues)}`);
  return r;
}
function failure(r: DecodeResult): Extract<DecodeResult, { ok: false }> {
  if (r.ok) throw new Error(`expected failure, got ${r.message.type}`);
  return r;
}
const pick = (issues: Issue[]) => issues.map((i) => ({ path: i.path, rule: i.rule, code: i.code }));

function encodeIssues(fn: () => unknown): Issue[] {
  try {
    fn();
  } catch (e) {
    if (e instanceof WbciEncodeError) return e.issues;
    throw e;
  }
  throw new Error('expected WbciEncodeError');
}

describe('decodeSoap: the WBCI v2 fixtures (partner-shaped, signed by xmlsec1)', () => {
  it('decodes valid-va-kue-mrn.xml into the exact domain message, Control and security facts', () => {
    const r = ok(decodeSoap(MRN_XML));
    expect(r.kind).toBe('request');
    expect(r.message).toEqual(EXPECTED_MRN);
    expect(r.control).toEqual({
      timestamp: '2014-01-15T16:03:13.137+01:00',
      major: '02',
      minor: '00',
      signature: { issuer: 'emailAddress=wbci@ekpa.test, CN=wbci.ekpa.test, OU=IT, O=Beispiel Telekom Test GmbH (fictitious), L=München, ST=Bayern, C=DE', serial: '5e1c0ffee0042' },
    });
    expect(r.security).toEqual({
      present: true,
      binarySecurityToken: tokenOf(MRN_XML),
      // the token is the certificate Control/signaturId names
      certificateIssuer: EKPA.issuer,
      certificateSerial: EKPA.serial,
      signatureAlgorithm: RSA_SHA1,
    });
    expect(r.soapVersion).toBe('1.1');
    expect(r.warnings).toEqual([]);
  });

  it('decodes valid-va-rrnp.xml, with PKIauf from inside RufnummernPortierung', () => {
    const r = ok(decodeSoap(RRNP_XML));
    expect(r.message).toEqual(EXPECTED_RRNP);
    expect(r.control.timestamp).toBe('2014-01-15T16:04:02.374+01:00');
    expect(r.security.present).toBe(true);
    expect(r.security.binarySecurityToken).toBe(tokenOf(RRNP_XML));
    expect(r.warnings).toEqual([]);
  });

  it('decodes the same sample given as UTF-8 bytes', () => {
    expect(ok(decodeSoap(fixtureBytes('valid-va-kue-mrn.xml'))).message).toEqual(EXPECTED_MRN);
  });

  it('decodes valid-teq.xml: Quittung, Control and the simulator certificate', () => {
    const r = decodeTeq(TEQ_XML);
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    expect(r.kind).toBe('request');
    expect(r.teq).toEqual({ sender: 'DEU.EKPA', vaIdRef: 'DEU.EKPA.V000000002', positions: [{ code: 'OK', text: 'OK' }] });
    expect(r.control).toEqual({ timestamp: '2014-01-15T14:17:09', major: '02', minor: '00', signature: { issuer: SIMULATOR.issuer, serial: '1a2b3c4d' } });
    expect(r.security).toEqual({
      present: true,
      binarySecurityToken: tokenOf(TEQ_XML),
      certificateIssuer: 'CN=Simulator, OU=Test, O=Beispiel Simulator (fictitious), L=München, ST=Bayern, C=DE',
      certificateSerial: '1a2b3c4d',
      signatureAlgorithm: RSA_SHA1,
    });
    expect(r.warnings).toEqual([]);
  });

  it('reports a message without WS-Security header as present: false', () => {
    const r = ok(decodeSoap(encodeSoap(EXPECTED_MRN, CONTROL)));
    expect(r.security).toEqual({ present: false });
  });
});

describe('decodeSoap: names are resolved by namespace, not by prefix', () => {
  it('accepts other prefixes for SOAP, envelope, request and xsi', () => {
    const renamed = MRN_XML.replaceAll('SOAP-ENV', 'soapenv')
      .replaceAll('ns3:', 'wbci:')
      .replaceAll('xmlns:ns3=', 'xmlns:wbci=')
      .replaceAll('ns5:', 'req:')
      .replaceAll('xmlns:ns5=', 'xmlns:req=')
      .replaceAll('xmlns:xsi=', 'xmlns:i=')
      .replaceAll('xsi:type', 'i:type');
    expect(renamed).not.toContain('ns5');
    expect(ok(decodeSoap(renamed)).message).toEqual(EXPECTED_MRN);
  });

  it('accepts default namespaces, with xmlns="" switching back to unqualified children', () => {
    const xml = encodeSoap(EXPECTED_MRN, CONTROL)
      .replace('<SOAP-ENV:Envelope xmlns:SOAP-ENV="', '<Envelope xmlns="')
      .replace('<SOAP-ENV:Body>', '<Body>')
      .replace('</SOAP-ENV:Body></SOAP-ENV:Envelope>', '</Body></Envelope>')
      .replace('<ns3:annehmenAnfrageRequest xmlns="" xmlns:ns3="', '<annehmenAnfrageRequest xmlns="')
      .replace('</ns3:annehmenAnfrageRequest>', '</annehmenAnfrageRequest>')
      .replace('<Control>', '<Control xmlns="">')
      .replace('<Anfrage ', '<Anfrage xmlns="" ');
    expect(xml).not.toContain('SOAP-ENV');
    expect(ok(decodeSoap(xml)).message).toEqual(EXPECTED_MRN);
  });

  it('accepts a SOAP 1.2 envelope and reports its version', () => {
    const r = ok(decodeSoap(encodeSoap(EXPECTED_MRN, CONTROL, { soapVersion: '1.2' })));
    expect(r.soapVersion).toBe('1.2');
    expect(r.message).toEqual(EXPECTED_MRN);
  });

  it('refuses an xsi:type whose prefix is bound to another namespace', () => {
    const xml = MRN_XML.replace('xmlns:ns5="http://www.vatm.de/wbci/v2/request"', 'xmlns:ns5="http://www.vatm.de/wbci/v2/message"');
    const r = failure(decodeSoap(xml));
    expect(r.teqCode).toBe('0995');
    expect(pick(r.issues)).toEqual([{ path: `${ANFRAGE}/@xsi:type`, rule: 'namespace', code: '0995' }]);
  });
});

describe('encodeSoap → decodeSoap round trip', () => {
  const samples = codecSamples();

  it('covers all 11 message types', () => {
    expect(new Set(samples.map(([, m]) => m.type)).size).toBe(11);
  });

  it.each(samples)('%s survives encode → decode unchanged', (_name, m) => {
    const r = ok(decodeSoap(encodeSoap(m, CONTROL)));
    expect(r.kind).toBe(['RUEM-VA', 'ABBM', 'AKM-TR', 'ABBM-TR', 'ERLM'].includes(m.type) ? 'meldung' : 'request');
    expect(r.message).toEqual(withWireDefaults(m));
    expect(r.control).toEqual(CONTROL);
    expect(r.warnings).toEqual([]);
  });

  it('sends the standard Meldungstext for a position without text', () => {
    const xml = encodeSoap(validAbbm({ positions: [{ code: '8117' }] }), CONTROL);
    expect(xml).toContain('<Position xsi:type="ns6:MeldungsPositionABBMType"><Meldungscode>8117</Meldungscode><Meldungstext>Kunde nicht identifizierbar</Meldungstext></Position>');
  });

  it('encodes a sample message into the same infoset as the real wire sample', () => {
    for (const xml of [MRN_XML, RRNP_XML]) {
      const r = ok(decodeSoap(xml));
      expect(infoset(encodeSoap(r.message, r.control))).toEqual(infoset(xml));
    }
  });

  it('escapes the five XML specials and keeps CR in free text', () => {
    const m = validVaKueOrn({ customer: { kind: 'company', salutation: 'Firma', companyName: `A & B <C> "D" 'E'` } });
    const xml = encodeSoap(m, CONTROL);
    expect(xml).toContain('<firmenname>A &amp; B &lt;C&gt; &quot;D&quot; &apos;E&apos;</firmenname>');
    expect(ok(decodeSoap(xml)).message).toEqual(m);
    const storno = validStrAen('abg', { reason: 'Zeile 1\r\nZeile 2' });
    const stornoXml = encodeSoap(storno, CONTROL);
    expect(stornoXml).toContain('<Stornogrund>Zeile 1&#13;\nZeile 2</Stornogrund>');
    expect(ok(decodeSoap(stornoXml)).message).toEqual(storno);
  });

  it('decodes character references and keeps CDATA literally', () => {
    const xml = MRN_XML.replace('<firmenname>Musterverein Oberland</firmenname>', '<firmenname>Musterverein &#x4F;berland &amp; Co</firmenname>').replace(
      '<ort>München</ort>',
      '<ort><![CDATA[M&uuml;nchen]]></ort>',
    );
    const m = ok(decodeSoap(xml)).message as VaKueMrn;
    expect(m.customer).toMatchObject({ companyName: 'Musterverein Oberland & Co' });
    expect(m.location.city).toBe('M&uuml;nchen');
  });

  it('carries an ADA correction as adresseAbweichend', () => {
    const xml = encodeSoap(ruemVaWithAda(), CONTROL);
    expect(xml).toContain('<Meldungscode>8104</Meldungscode><Meldungstext>Adresse abweichend PLZ</Meldungstext><adresseAbweichend><postleitzahl>80333</postleitzahl></adresseAbweichend>');
  });

  it('sends RNG numbers as one national number each; decoding cannot split off the area code', () => {
    const xml = encodeSoap(abbmWithRng(), CONTROL);
    expect(xml).toContain('<Rufnummer>891234567</Rufnummer>');
    const m = ok(decodeSoap(xml)).message;
    expect(m.type === 'ABBM' && m.positions[0].numbers).toEqual(['891234567']);
  });

  it('picks the Storno wire type from the sending party', () => {
    expect(encodeSoap(validStrAuf('auf'), CONTROL)).toContain('xsi:type="ns5:StornoAufhebungEKPaufType"');
    expect(encodeSoap(validStrAuf('abg'), CONTROL)).toContain('xsi:type="ns5:StornoAufhebungEKPabgType"');
    expect(encodeSoap(validStrAen('auf'), CONTROL)).toContain('xsi:type="ns5:StornoAenderungEKPaufType"');
    expect(encodeSoap(validStrAen('abg'), CONTROL)).toContain('xsi:type="ns5:StornoAenderungEKPabgType"');
  });

  it('leaves signaturId out when Control has no signature', () => {
    const { signature: _s, ...unsigned } = CONTROL;
    const xml = encodeSoap(validVaKueMrn(), unsigned);
    expect(xml).toContain('<Control><zeitstempel>2026-11-20T10:15:00.123+01:00</zeitstempel><majorRelease>02</majorRelease><minorRelease>00</minorRelease></Control>');
    expect(ok(decodeSoap(xml)).control).toEqual(unsigned);
  });
});

describe('encodeSoap refuses what the wire cannot carry', () => {
  it('a Stornogrund on a Storno sent by EKPauf (only the EKPabg variants have one)', () => {
    expect(pick(encodeIssues(() => encodeSoap(validStrAuf('auf', { reason: 'Umzug' }), CONTROL)))).toEqual([
      { path: '/reason', rule: 'notRepresentable', code: 'SG_WIRE_ENCODE' },
    ]);
  });

  it('a Storno sent by EKPabg without Stornogrund', () => {
    expect(pick(encodeIssues(() => encodeSoap(validStrAuf('abg', { reason: undefined }), CONTROL)))).toEqual([
      { path: '/reason', rule: 'required', code: 'SG_WIRE_ENCODE' },
    ]);
  });

  it('an AKM-TR line naming both a Line-ID and a contract number', () => {
    const m = validAkmTr({ lines: [{ lineId: 'DEU.EKPB.1754639821', contractNumber: '1234567890' }] });
    expect(pick(encodeIssues(() => encodeSoap(m, CONTROL)))).toEqual([{ path: '/lines/0', rule: 'exactlyOneOf', code: 'SG_WIRE_ENCODE' }]);
  });

  it('a control character, which XML 1.0 cannot represent', () => {
    const m = validVaKueMrn({ location: { street: 'Haupt\u0001straße', houseNumber: '1', postalCode: '80331', city: 'München' } });
    expect(pick(encodeIssues(() => encodeSoap(m, CONTROL)))).toEqual([{ path: '', rule: 'xmlChar', code: 'SG_WIRE_ENCODE' }]);
  });
});

describe('decodeSoap: structure errors → TEQ 0995 with precise paths', () => {
  it('a missing mandatory element, with a hint to address the negative TEQ', () => {
    const r = failure(decodeSoap(MRN_XML.replace('<VorabstimmungsId>DEU.EKPA.V000000004</VorabstimmungsId>', '')));
    expect(r.teqCode).toBe('0995');
    expect(pick(r.issues)).toEqual([{ path: `${ANFRAGE}/VorabstimmungsId`, rule: 'required', code: '0995' }]);
    expect(r.hint).toEqual({ kind: 'request', sender: 'DEU.EKPA', soapVersion: '1.1' });
  });

  it('collects every problem, not only the first', () => {
    const xml = MRN_XML.replace('<postleitzahl>80337</postleitzahl>', '<postleitzahl>8O337</postleitzahl>')
      .replace('<anrede>4</anrede>', '<anrede>1</anrede>')
      .replace('<Portierungszeitfenster>ZF1</Portierungszeitfenster>', '');
    const r = failure(decodeSoap(xml));
    expect(pick(r.issues)).toEqual([
      { path: `${ANFRAGE}/Endkunde/firma/anrede`, rule: 'enumeration', code: '0995' },
      { path: `${ANFRAGE}/Standort/postleitzahl`, rule: 'pattern', code: '0995' },
      { path: `${ANFRAGE}/RufnummernPortierung/Portierungszeitfenster`, rule: 'required', code: '0995' },
    ]);
    expect(r.hint.vaIdRef).toBe('DEU.EKPA.V000000004');
  });

  it('an unknown xsi:type', () => {
    const r = failure(decodeSoap(MRN_XML.replace('ns5:KuendigungMitRNPGeschaeftsfallType', 'ns5:KuendigungMitAllemType')));
    expect(pick(r.issues)).toEqual([{ path: `${ANFRAGE}/@xsi:type`, rule: 'unknownType', code: '0995' }]);
  });

  it('a missing xsi:type on the abstract Anfrage', () => {
    const r = failure(decodeSoap(MRN_XML.replace(' xsi:type="ns5:KuendigungMitRNPGeschaeftsfallType"', '')));
    expect(pick(r.issues)).toEqual([{ path: `${ANFRAGE}/@xsi:type`, rule: 'required', code: '0995' }]);
  });

  it('a payload in a foreign namespace', () => {
    const r = failure(decodeSoap(MRN_XML.replace('xmlns:ns3="http://www.vatm.de/wbci/v2/envelope"', 'xmlns:ns3="http://example.com/wbci/envelope"')));
    expect(r.teqCode).toBe('0995');
    expect(pick(r.issues)).toEqual([{ path: '/Envelope/Body/annehmenAnfrageRequest', rule: 'namespace', code: '0995' }]);
  });

  it('payload children that are namespace-qualified instead of unqualified', () => {
    const r = failure(decodeSoap(MRN_XML.replace('<Control>', '<ns3:Control>').replace('</Control>', '</ns3:Control>')));
    expect(pick(r.issues)).toEqual([
      { path: '/Envelope/Body/annehmenAnfrageRequest/Control', rule: 'namespace', code: '0995' },
      { path: '/Envelope/Body/annehmenAnfrageRequest/Control', rule: 'required', code: '0995' },
    ]);
  });

  it('something that is not a SOAP envelope', () => {
    expect(pick(failure(decodeSoap('<annehmenAnfrageRequest/>')).issues)).toEqual([{ path: '/annehmenAnfrageRequest', rule: 'notEnvelope', code: '0995' }]);
    expect(pick(failure(decodeSoap('<Envelope xmlns="urn:x"><Body/></Envelope>')).issues)).toEqual([{ path: '/Envelope', rule: 'namespace', code: '0995' }]);
    expect(pick(failure(decodeSoap('not xml at all')).issues)).toEqual([{ path: '/', rule: 'wellFormed', code: '0995' }]);
  });

  it('a Quittung sent where a request is expected', () => {
    expect(pick(failure(decodeSoap(TEQ_XML)).issues)).toEqual([{ path: '/Envelope/Body/annehmenAnfrageResponse', rule: 'unexpectedElement', code: '0995' }]);
  });

  it('a Meldung position with the xsi:type of another Meldung', () => {
    const xml = encodeSoap(validAbbm(), CONTROL).replace('ns6:MeldungsPositionABBMType', 'ns6:MeldungsPositionERLMType');
    expect(pick(failure(decodeSoap(xml)).issues)).toEqual([
      { path: '/Envelope/Body/annehmenMeldungRequest/Meldung/Position[1]/@xsi:type', rule: 'xsiType', code: '0995' },
    ]);
  });

  it('an unknown entity or a mismatched tag', () => {
    expect(pick(failure(decodeSoap(MRN_XML.replace('München', 'M&uuml;nchen'))).issues)).toEqual([{ path: '/', rule: 'wellFormed', code: '0995' }]);
    expect(pick(failure(decodeSoap(MRN_XML.replace('</ort>', '</ortx>'))).issues)).toEqual([{ path: '/', rule: 'wellFormed', code: '0995' }]);
  });

  it('accepts unknown extra elements with a warning (a newer minor release may add some)', () => {
    const r = ok(decodeSoap(MRN_XML.replace('<Standort>', '<Zusatz>x</Zusatz><Standort>').replace('<minorRelease>00</minorRelease>', '<minorRelease>01</minorRelease>')));
    expect(r.message).toEqual(EXPECTED_MRN);
    expect(r.warnings.map((w) => [w.path, w.rule, w.severity])).toEqual([
      ['/Envelope/Body/annehmenAnfrageRequest/Control/minorRelease', 'minorRelease', 'warning'],
      [`${ANFRAGE}/Zusatz`, 'unexpectedElement', 'warning'],
    ]);
  });

  it('warns when the Storno variant does not match the sending party', () => {
    const xml = encodeSoap(validStrAuf('abg'), CONTROL).replace(`<Absender><CarrierCode>${ABG}</CarrierCode>`, `<Absender><CarrierCode>${AUF}</CarrierCode>`);
    const r = ok(decodeSoap(xml));
    expect(r.warnings.map((w) => [w.path, w.rule])).toEqual([[`${ANFRAGE}/Absender`, 'senderRole']]);
  });
});

describe('decodeSoap: versions → TEQ 0993', () => {
  it('majorRelease 03', () => {
    const r = failure(decodeSoap(MRN_XML.replace('<majorRelease>02</majorRelease>', '<majorRelease>03</majorRelease>')));
    expect(r.teqCode).toBe('0993');
    expect(pick(r.issues)).toEqual([{ path: '/Envelope/Body/annehmenAnfrageRequest/Control/majorRelease', rule: 'majorRelease', code: '0993' }]);
    // enough to address the negative TEQ although the content was never decoded
    expect(r.hint).toEqual({ kind: 'request', sender: 'DEU.EKPA', vaIdRef: 'DEU.EKPA.V000000004', soapVersion: '1.1' });
  });

  it('accepts 03 when the partner setting lists it', () => {
    const r = ok(decodeSoap(MRN_XML.replace('<majorRelease>02</majorRelease>', '<majorRelease>03</majorRelease>'), { supportedMajors: ['02', '03'] }));
    expect(r.control.major).toBe('03');
  });

  it('the envelope namespace of another WBCI major version', () => {
    const r = failure(decodeSoap(MRN_XML.replace('http://www.vatm.de/wbci/v2/envelope', 'http://www.vatm.de/wbci/v4/envelope')));
    expect(r.teqCode).toBe('0993');
    expect(pick(r.issues)).toEqual([{ path: '/Envelope/Body/annehmenAnfrageRequest', rule: 'majorRelease', code: '0993' }]);
    expect(r.hint).toEqual({ kind: 'request', sender: 'DEU.EKPA', vaIdRef: 'DEU.EKPA.V000000004', soapVersion: '1.1' });
  });

  it('a malformed majorRelease is a structure error', () => {
    const r = failure(decodeSoap(MRN_XML.replace('<majorRelease>02</majorRelease>', '<majorRelease>2</majorRelease>')));
    expect(r.teqCode).toBe('0995');
    expect(pick(r.issues)).toEqual([{ path: '/Envelope/Body/annehmenAnfrageRequest/Control/majorRelease', rule: 'minLength', code: '0995' }]);
  });
});

describe('decodeSoap: hostile input is refused before a tree is built', () => {
  const envelope = (inner: string) =>
    `<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/"><SOAP-ENV:Body>${inner}</SOAP-ENV:Body></SOAP-ENV:Envelope>`;

  it('a billion-laughs DOCTYPE, fast', () => {
    const entities = Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i};`.repeat(10)}">`).join('');
    const xml = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol0 "lol">${entities}]>${envelope('<lolz>&lol9;</lolz>')}`;
    const t = performance.now();
    const r = failure(decodeSoap(xml));
    expect(performance.now() - t).toBeLessThan(50);
    expect(pick(r.issues)).toEqual([{ path: '/', rule: 'doctype', code: '0995' }]);
  });

  it('an ENTITY declaration or any other markup declaration', () => {
    expect(pick(failure(decodeSoap(`<!ENTITY x "y">${envelope('')}`)).issues)).toEqual([{ path: '/', rule: 'entity', code: '0995' }]);
    expect(pick(failure(decodeSoap(`<!ELEMENT x ANY>${envelope('')}`)).issues)).toEqual([{ path: '/', rule: 'doctype', code: '0995' }]);
  });

  it('10 000 levels of nesting, without recursion and fast', () => {
    const xml = envelope(`${'<a>'.repeat(10_000)}${'</a>'.repeat(10_000)}`);
    const t = performance.now();
    const r = failure(decodeSoap(xml));
    expect(performance.now() - t).toBeLessThan(50);
    expect(pick(r.issues)).toEqual([{ path: '/', rule: 'depth', code: '0995' }]);
  });

  it('counts depth exactly: 64 levels pass the guard, 65 do not', () => {
    const nest = (n: number) => `${'<a>'.repeat(n)}${'</a>'.repeat(n)}`;
    expect(guardXml(nest(64)).ok).toBe(true);
    expect(guardXml(nest(65))).toMatchObject({ ok: false, issue: { rule: 'depth' } });
    expect(guardXml(nest(5), { maxDepth: 4 })).toMatchObject({ ok: false, issue: { rule: 'depth' } });
  });

  it('a body over maxBytes, as string and as bytes', () => {
    const xml = envelope(`<x>${'A'.repeat(2_000_000)}</x>`);
    expect(pick(failure(decodeSoap(xml, { maxBytes: 1_000_000 })).issues)).toEqual([{ path: '/', rule: 'maxBytes', code: '0995' }]);
    expect(pick(failure(decodeSoap(Buffer.from(xml), { maxBytes: 1_000_000 })).issues)).toEqual([{ path: '/', rule: 'maxBytes', code: '0995' }]);
    // multi-byte characters count as bytes, not as UTF-16 units
    expect(failure(decodeSoap(envelope(`<x>${'ü'.repeat(600)}</x>`), { maxBytes: 1_000 })).issues[0].rule).toBe('maxBytes');
  });

  it('ISO-8859-1: declared, or as bytes that are not UTF-8', () => {
    const declared = `<?xml version="1.0" encoding="ISO-8859-1"?>\n${MRN_XML}`;
    expect(pick(failure(decodeSoap(declared)).issues)).toEqual([{ path: '/', rule: 'encoding', code: '0995' }]);
    expect(pick(failure(decodeSoap(Buffer.from(MRN_XML, 'latin1'))).issues)).toEqual([{ path: '/', rule: 'encoding', code: '0995' }]);
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(MRN_XML, 'utf16le')]);
    expect(pick(failure(decodeSoap(utf16)).issues)).toEqual([{ path: '/', rule: 'encoding', code: '0995' }]);
  });

  it('accepts a UTF-8 declaration and a UTF-8 byte order mark', () => {
    expect(ok(decodeSoap(`<?xml version="1.0" encoding="UTF-8"?>\n${MRN_XML}`)).message).toEqual(EXPECTED_MRN);
    expect(ok(decodeSoap(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(MRN_XML)]))).message).toEqual(EXPECTED_MRN);
  });
});

describe('TEQ and SOAP faults', () => {
  it('encodes a positive TEQ with the same infoset as valid-teq.xml', () => {
    const sample = decodeTeq(TEQ_XML);
    if (!sample.ok) throw new Error('sample must decode');
    const xml = encodeTeq('request', positiveTeq('DEU.EKPA', 'DEU.EKPA.V000000002'), sample.control);
    expect(infoset(xml)).toEqual(infoset(TEQ_XML));
  });

  it('encodes and decodes a negative TEQ 0995 whose detail is cut to the WBCI character set', () => {
    const teq = negativeTeq('0995', 'DEU.EKPA', 'DEU.EKPA.V000000004', `${ANFRAGE}/RufnummernPortierung/(anlagenanschluss|einzelanschluss) required`);
    expect(teq.positions).toEqual([
      { code: '0995', text: 'Datenstruktur ungültig: /Envelope/Body/annehmenAnfrageRequest/Anfrage/RufnummernPortierung/(anlagenanschluss einzelanschluss) required' },
    ]);
    const r = decodeTeq(encodeTeq('meldung', teq, CONTROL));
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    expect(r.kind).toBe('meldung');
    expect(r.teq).toEqual(teq);
  });

  it('a negative TEQ 0993 carries the standard text', () => {
    expect(negativeTeq('0993', AUF, 'DEU.EKPA.V000000001').positions).toEqual([{ code: '0993', text: 'Versionsnummer fehlerhaft' }]);
  });

  it('keeps the Meldungstext within 255 characters', () => {
    expect(negativeTeq('0995', AUF, 'DEU.EKPA.V000000001', 'x'.repeat(400)).positions[0].text).toHaveLength(255);
  });

  it('decodeTeq reports a SOAP 1.1 or 1.2 fault as such', () => {
    expect(decodeTeq(encodeSoapFault('Client', 'kein WBCI <Envelope>'))).toEqual({
      ok: false,
      issues: [{ path: '/Envelope/Body/Fault', rule: 'soapFault', code: '0995', message: 'SOAP Fault', severity: 'error' }],
      fault: { code: 'SOAP-ENV:Client', message: 'kein WBCI <Envelope>' },
    });
    const r = decodeTeq(encodeSoapFault('Server', 'down', { soapVersion: '1.2' }));
    expect(r.ok === false && r.fault).toEqual({ code: 'SOAP-ENV:Receiver', message: 'down' });
  });

  it('decodeTeq refuses a request where a Quittung is expected', () => {
    const r = decodeTeq(MRN_XML);
    expect(r.ok === false && pick(r.issues)).toEqual([{ path: '/Envelope/Body/annehmenAnfrageRequest', rule: 'unexpectedElement', code: '0995' }]);
  });

  it('decodeTeq tolerates a sloppy value but not a missing Quittung', () => {
    const sloppy = decodeTeq(TEQ_XML.replace('DEU.EKPA.V000000002', 'V2'));
    expect(sloppy.ok && sloppy.teq.vaIdRef).toBe('V2');
    expect(sloppy.ok && sloppy.warnings.map((w) => w.rule)).toEqual(['minLength']);
    const missing = decodeTeq(TEQ_XML.replace(/<Quittung>[\s\S]*<\/Quittung>/, ''));
    expect(missing.ok === false && pick(missing.issues)).toEqual([{ path: '/Envelope/Body/annehmenAnfrageResponse/Quittung', rule: 'required', code: '0995' }]);
  });
});

describe('encodeSoap output shape', () => {
  it('puts requests in annehmenAnfrageRequest and Meldungen in annehmenMeldungRequest, children unqualified', () => {
    const req = infoset(encodeSoap(validVaKueMrn(), CONTROL));
    expect(req[0]).toBe('{http://www.vatm.de/wbci/v2/envelope}annehmenAnfrageRequest');
    expect(req[1]).toBe('  {}Control');
    expect(req).toContain('  {}Anfrage xsi:type={http://www.vatm.de/wbci/v2/request}KuendigungMitRNPGeschaeftsfallType');
    const mel = infoset(encodeSoap(validAkmTr(), CONTROL));
    expect(mel[0]).toBe('{http://www.vatm.de/wbci/v2/envelope}annehmenMeldungRequest');
    expect(mel).toContain('  {}Meldung xsi:type={http://www.vatm.de/wbci/v2/message}MeldungAKM_TRType');
    expect(mel).toContain('    {}Position xsi:type={http://www.vatm.de/wbci/v2/message}MeldungsPositionAKM_TRType');
  });

  it('is deterministic', () => {
    const m: WbciMessage = validVaKueMrn();
    expect(encodeSoap(m, CONTROL)).toBe(encodeSoap(structuredClone(m), CONTROL));
  });
});

describe('decodeSoap never throws', () => {
  it('on any truncation of a real sample: it answers 0995', () => {
    for (let cut = 0; cut < MRN_XML.length - 30; cut += 7) {
      const r = decodeSoap(MRN_XML.slice(0, cut));
      expect(r.ok === false && r.teqCode).toBe('0995');
    }
  });

  it('on arbitrary text spliced into a real sample', () => {
    fc.assert(
      fc.property(fc.nat(MRN_XML.length), fc.string({ unit: fc.constantFrom('<', '>', '/', '&', ';', '"', '=', ':', 'a', ' ', '!', '?', '[', ']', '#', 'x') }), (at, junk) => {
        const r = decodeSoap(MRN_XML.slice(0, at) + junk + MRN_XML.slice(at));
        expect(typeof r.ok).toBe('boolean');
      }),
      { numRuns: 300 },
    );
  });
});
