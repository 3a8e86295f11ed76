/**
 * WS-Security signing and verification of WBCI SOAP messages (wbci.md §11.4), judged by xmlsec1: what the gateway
 * signs xmlsec1 verifies, what xmlsec1 signs the gateway verifies, and every way a message can fail to be covered by
 * a pinned signature is refused with its WS-Security fault code.
 */
import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeSoap, decodeTeq, encodeSoap, encodeTeq, positiveTeq, type ControlBlock } from '../../../src/protocols/wbci/soap-codec.js';
import type { WbciMessage } from '../../../src/protocols/wbci/types.js';
import { signEnvelope, type SignatureAlgorithmName } from '../../../src/protocols/wbci/ws-security-sign.js';
import { verifyEnvelope, type SignatureCheck } from '../../../src/protocols/wbci/ws-security-verify.js';
import { makeTestCert, signatureTemplate, tempDir, xmlsecSign, xmlsecVerify, xmlsecVerifyAll, type TestCert } from '../../support/ws-security.js';
import { validAbbm, validRuemVa, validVaKueMrn } from './builders.js';

let dir: ReturnType<typeof tempDir>;
let a: TestCert;
let b: TestCert;
let a2: TestCert;
beforeAll(() => {
  dir = tempDir();
  a = makeTestCert(dir.path, 'a', '/C=DE/L=München/O=EKPA Test Carrier (fictitious)/CN=wbci.ekpa.test');
  a2 = makeTestCert(dir.path, 'a2', '/C=DE/O=EKPA Test Carrier (fictitious)/CN=wbci2.ekpa.test');
  b = makeTestCert(dir.path, 'b', '/C=DE/O=EKPB Test Carrier (fictitious)/CN=wbci.ekpb.test');
});
afterAll(() => dir?.remove());

const control = (cert: TestCert, over: Partial<ControlBlock['signature']> = {}): ControlBlock => ({
  timestamp: '2026-11-20T10:15:00.123+01:00',
  major: '02',
  minor: '00',
  signature: { issuer: cert.identity.issuer, serial: cert.identity.serial, ...over },
});
const signed = (m: WbciMessage, cert: TestCert, algorithm?: SignatureAlgorithmName) => signEnvelope(encodeSoap(m, control(cert)), cert.identity, { algorithm });
const signaturIdOf = (xml: string) => {
  const r = decodeSoap(xml);
  return r.ok ? r.control.signature : undefined;
};
const verify = (xml: string, pinned: TestCert[], allowSha1 = false): SignatureCheck => verifyEnvelope(xml, { pinned: pinned.map((c) => c.pinned), allowSha1 }, signaturIdOf(xml));
const outcome = (c: SignatureCheck) => (c.status === 'verified' ? 'verified' : `${c.fault} ${c.refusal}`);

describe('signing: the shape of the partners\' messages', () => {
  it('wsse:Security (mustUnderstand) with an X.509v3 token, a Signature over the Body by exclusive c14n, a SecurityTokenReference to the token', () => {
    const xml = signed(validVaKueMrn(), a);
    expect(xml).toMatch(/<wsse:Security SOAP-ENV:mustUnderstand="1"/);
    const token = /<wsse:BinarySecurityToken EncodingType="[^"]+#Base64Binary" ValueType="[^"]+x509-token-profile-1.0#X509v3" wsu:Id="([^"]+)">([^<]+)</.exec(xml);
    expect(token?.[2]).toBe(a.identity.certificateBase64);
    const bodyId = /<SOAP-ENV:Body wsu:Id="([^"]+)"/.exec(xml)?.[1];
    expect(xml).toContain(`<ds:Reference URI="#${bodyId}"><ds:Transforms><ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>`);
    expect(xml).toContain('<ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>');
    expect(xml).toContain(`<wsse:SecurityTokenReference wsu:Id="`);
    expect(xml).toContain(`<wsse:Reference URI="#${token?.[1]}" ValueType="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0#X509v3"/>`);
    // default RSA-SHA256 / SHA-256; a peer set to rsa-sha1 gets RSA-SHA1 / SHA-1
    expect(xml).toContain('<ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/>');
    expect(xml).toContain('<ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>');
    // the ids are the same in every message (unique within it is all a reference needs): a stored
    // wire form's dictionary covers them (src/store/dictionary-source.ts)
    const ids = (x: string) => [...x.matchAll(/\b(?:wsu:)?Id="([^"]+)"/g)].map((m) => m[1]);
    expect(ids(xml)).toEqual(['X509-1', 'SIG-1', 'STR-1', 'id-1']);
    expect(ids(signed(validAbbm(), b))).toEqual(ids(xml));
    const sha1 = signed(validVaKueMrn(), a, 'rsa-sha1');
    expect(sha1).toContain('<ds:SignatureMethod Algorithm="http://www.w3.org/2000/09/xmldsig#rsa-sha1"/>');
    expect(sha1).toContain('<ds:DigestMethod Algorithm="http://www.w3.org/2000/09/xmldsig#sha1"/>');
    // the codec still reads it
    const r = decodeSoap(xml);
    expect(r.ok && r.message).toEqual(validVaKueMrn());
  });

  it('Control/signaturId holds the certificate issuer (most specific RDN first) and serial (lower-case hex), as openssl reads them', () => {
    const serial = execFileSync('openssl', ['x509', '-in', a.certFile, '-noout', '-serial'], { encoding: 'utf8' }).trim().replace(/^serial=/, '');
    const issuer = execFileSync('openssl', ['x509', '-in', a.certFile, '-noout', '-issuer', '-nameopt', 'RFC2253,-esc_msb'], { encoding: 'utf8' }).trim().replace(/^issuer=/, '');
    const r = decodeSoap(signed(validVaKueMrn(), a));
    expect(r.ok && r.control.signature).toEqual({ issuer: issuer.replace(/,/g, ', '), serial: serial.toLowerCase().replace(/^0+/, '') });
  });

  const cases: [string, () => string][] = [
    ['a request, RSA-SHA256', () => signed(validVaKueMrn(), a)],
    ['a request, RSA-SHA1', () => signed(validVaKueMrn(), a, 'rsa-sha1')],
    ['a Meldung (RUEM-VA)', () => signed(validRuemVa('VA-KUE-MRN'), a)],
    ['a Meldung (ABBM)', () => signed(validAbbm(), a)],
    ['a request in SOAP 1.2', () => signEnvelope(encodeSoap(validVaKueMrn(), control(a), { soapVersion: '1.2' }), a.identity)],
    ['a Quittung confirming a request signature', () => signEnvelope(encodeTeq('request', positiveTeq('DEU.EKPA', 'DEU.EKPA.V000000001'), control(a)), a.identity, { confirm: 'c2lnbmF0dXJl' })],
    ['a Quittung to an unsigned request (SignatureConfirmation without Value)', () => signEnvelope(encodeTeq('meldung', positiveTeq('DEU.EKPA', 'DEU.EKPA.V000000001'), control(a)), a.identity, { confirm: null })],
  ];
  it.each(cases)('xmlsec1 --verify accepts %s', (_name, make) => {
    const xml = make();
    const judge = xmlsecVerify(xml, a.certFile);
    expect(judge.ok, judge.output).toBe(true);
    // and refuses it with another certificate: the judge is not a rubber stamp
    expect(xmlsecVerify(xml, b.certFile).ok).toBe(false);
  });

  it('xmlsec1 in one run over many messages refuses the lot when one does not verify', () => {
    const good = cases.map(([, make]) => make());
    expect(xmlsecVerifyAll(good, a.certFile)).toMatchObject({ ok: true, verified: good.length });
    const tampered = good[0]!.replace(/(<CarrierCode>DEU\.)EKP/, '$1EKQ');
    expect(tampered).not.toBe(good[0]);
    expect(xmlsecVerifyAll([good[1]!, tampered, good[2]!], a.certFile).ok).toBe(false);
  });

  it('signs the SignatureConfirmation of a Quittung too (its value cannot be swapped)', () => {
    const xml = signEnvelope(encodeTeq('request', positiveTeq('DEU.EKPA', 'DEU.EKPA.V000000001'), control(a)), a.identity, { confirm: 'c2lnbmF0dXJl' });
    expect(xml).toMatch(/<wsse11:SignatureConfirmation xmlns:wsse11="[^"]+" Value="c2lnbmF0dXJl" wsu:Id="(SC-[^"]+)"\/>/);
    const teq = decodeTeq(xml);
    expect(teq.ok && verifyEnvelope(xml, { pinned: [a.pinned], allowSha1: false }, teq.control.signature).status).toBe('verified');
    const swapped = xml.replace('Value="c2lnbmF0dXJl"', 'Value="b3RoZXI="');
    expect(outcome(verifyEnvelope(swapped, { pinned: [a.pinned], allowSha1: false }, teq.ok ? teq.control.signature : undefined))).toBe('wsse:FailedCheck bad_signature');
  });
});

describe('verification', () => {
  it('accepts a message signed by xmlsec1 (RSA-SHA256, partner shape with PrefixList="SOAP-ENV"), and reports who signed', () => {
    const xml = xmlsecSign(signatureTemplate(encodeSoap(validVaKueMrn(), control(a)), a, { pretty: true }), a);
    const c = verify(xml, [a]);
    expect(c.status === 'verified' && c.info).toEqual({ verified: true, subject: a.identity.issuer, issuer: a.identity.issuer, serial: a.identity.serial, algorithm: 'rsa-sha256' });
  });

  it('accepts RSA-SHA1 only from a peer configured for it', () => {
    const xml = xmlsecSign(signatureTemplate(encodeSoap(validVaKueMrn(), control(a)), a, { algorithm: 'rsa-sha1' }), a);
    expect(outcome(verify(xml, [a], true))).toBe('verified');
    expect(outcome(verify(xml, [a], false))).toBe('wsse:InvalidSecurity unsupported_algorithm');
  });

  it('accepts either certificate during a rollover', () => {
    expect(outcome(verify(signed(validVaKueMrn(), a2), [a, a2]))).toBe('verified');
    expect(outcome(verify(signed(validVaKueMrn(), a), [a, a2]))).toBe('verified');
  });

  it.each<[string, () => string, string]>([
    ['unsigned', () => encodeSoap(validVaKueMrn(), control(a)), 'wsse:InvalidSecurity unsigned'],
    ['a Security header without Signature', () => signed(validVaKueMrn(), a).replace(/<ds:Signature[\s\S]*<\/ds:Signature>/, ''), 'wsse:InvalidSecurity unsigned'],
    ['signed by another certificate', () => signed(validVaKueMrn(), b), 'wsse:FailedAuthentication untrusted_certificate'],
    ['signed by another key while carrying the pinned certificate', () => signed(validVaKueMrn(), a).replace(/<ds:SignatureValue>[^<]+/, `<ds:SignatureValue>${/<ds:SignatureValue>([^<]+)/.exec(signed(validVaKueMrn(), b))![1]}`), 'wsse:FailedCheck bad_signature'],
    ['a changed Body', () => signed(validVaKueMrn(), a).replace('<Kundenwunschtermin>', '<Kundenwunschtermin>').replace(/(<Kundenwunschtermin>\d{4}-\d{2}-)(\d)/, (_m, p: string, d: string) => `${p}${(Number(d) + 1) % 10}`), 'wsse:FailedCheck bad_signature'],
    ['a changed DigestValue', () => signed(validVaKueMrn(), a).replace(/<ds:DigestValue>(.)/, (_m, ch: string) => `<ds:DigestValue>${ch === 'A' ? 'B' : 'A'}`), 'wsse:FailedCheck bad_signature'],
    ['a changed SignatureValue', () => signed(validVaKueMrn(), a).replace(/<ds:SignatureValue>(.)/, (_m, ch: string) => `<ds:SignatureValue>${ch === 'A' ? 'B' : 'A'}`), 'wsse:FailedCheck bad_signature'],
    ['a token that is not a certificate', () => signed(validVaKueMrn(), a).replace(/(<wsse:BinarySecurityToken[^>]*>)[^<]+/, '$1bm90IGEgY2VydGlmaWNhdGU='), 'wsse:InvalidSecurityToken invalid_token'],
    ['KeyInfo that references no token of the header', () => signed(validVaKueMrn(), a).replace(/<wsse:Reference URI="#X509-/, '<wsse:Reference URI="#elsewhere-'), 'wsse:InvalidSecurityToken invalid_token'],
    ['a document type declaration (no DTD reaches the parser)', () => signed(validVaKueMrn(), a).replace('<SOAP-ENV:Envelope', '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><SOAP-ENV:Envelope'), 'wsse:InvalidSecurity malformed_security'],
    ['a Body the signature does not reference', () => signed(validVaKueMrn(), a).replace(/<SOAP-ENV:Body wsu:Id="[^"]+"/, '<SOAP-ENV:Body wsu:Id="other"'), 'wsse:FailedCheck body_not_signed'],
  ])('refuses %s', (_name, make, expected) => {
    expect(outcome(verify(make(), [a]))).toBe(expected);
  });

  it('refuses a valid signature whose Control/signaturId names another certificate (issuer or serial)', () => {
    for (const over of [{ serial: 'abc123' }, { issuer: 'CN=someone.else, O=Other, C=DE' }]) {
      const xml = signEnvelope(encodeSoap(validVaKueMrn(), control(a, over)), a.identity);
      expect(xmlsecVerify(xml, a.certFile).ok).toBe(true);
      expect(outcome(verify(xml, [a]))).toBe('wsse:InvalidSecurityToken signaturid_mismatch');
    }
    // formatting of the DN and the serial may differ between implementations
    const relaxed = signEnvelope(encodeSoap(validVaKueMrn(), control(a, { issuer: a.identity.issuer.split(', ').reverse().join(','), serial: `00${a.identity.serial.toUpperCase()}` })), a.identity);
    expect(outcome(verify(relaxed, [a]))).toBe('verified');
  });

  describe('signature wrapping: the verified Body must be the Body processed', () => {
    const evil = () => encodeSoap(validVaKueMrn({ requestedDate: '2027-01-29' }), control(a));
    const evilBody = () => /<SOAP-ENV:Body>([\s\S]*)<\/SOAP-ENV:Body>/.exec(evil())![1];
    const moveSigned = (xml: string, newBody: string) => {
      const body = /<SOAP-ENV:Body [\s\S]*<\/SOAP-ENV:Body>/.exec(xml)![0];
      return xml.replace(body, newBody).replace('</wsse:Security>', `</wsse:Security><Wrapper xmlns="urn:x">${body}</Wrapper>`);
    };

    it('refuses the signed Body moved into the header and replaced by another', () => {
      const xml = moveSigned(signed(validVaKueMrn(), a), `<SOAP-ENV:Body>${evilBody()}</SOAP-ENV:Body>`);
      const d = decodeSoap(xml);
      expect(d.ok && (d.message as { requestedDate: string }).requestedDate).toBe('2027-01-29');
      expect(outcome(verify(xml, [a]))).toBe('wsse:FailedCheck body_not_signed');
    });

    it('refuses a replacement Body that copies the signed Body\'s id', () => {
      const signedXml = signed(validVaKueMrn(), a);
      const id = /<SOAP-ENV:Body wsu:Id="([^"]+)"/.exec(signedXml)![1];
      const xml = moveSigned(signedXml, `<SOAP-ENV:Body wsu:Id="${id}" xmlns:wsu="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd">${evilBody()}</SOAP-ENV:Body>`);
      expect(outcome(verify(xml, [a]))).toBe('wsse:FailedCheck body_not_signed');
    });

    it('refuses a second Body after the signed one (the decoder reads the first; both must agree)', () => {
      const xml = signed(validVaKueMrn(), a).replace('</SOAP-ENV:Body>', `</SOAP-ENV:Body><SOAP-ENV:Body>${evilBody()}</SOAP-ENV:Body>`);
      const d = decodeSoap(xml);
      // the decoder processes the first (signed) Body: the signature covers what is processed
      expect(d.ok && d.message).toEqual(validVaKueMrn());
      expect(outcome(verify(xml, [a]))).toBe('verified');
    });
  });

  it('refuses any change to a character of the signed Body', () => {
    const xml = signed(validVaKueMrn(), a);
    const start = xml.indexOf('<SOAP-ENV:Body');
    const end = xml.indexOf('</SOAP-ENV:Body>');
    // positions of text content inside the Body (between > and <, not whitespace)
    const positions: number[] = [];
    let inText = false;
    for (let i = start; i < end; i++) {
      if (xml[i] === '>') inText = true;
      else if (xml[i] === '<') inText = false;
      else if (inText && /[A-Za-z0-9]/.test(xml[i])) positions.push(i);
    }
    expect(positions.length).toBeGreaterThan(100);
    fc.assert(
      fc.property(fc.constantFrom(...positions), fc.constantFrom(...'AbZ09x'), (pos, ch) => {
        fc.pre(xml[pos] !== ch);
        const changed = xml.slice(0, pos) + ch + xml.slice(pos + 1);
        expect(outcome(verify(changed, [a]))).toBe('wsse:FailedCheck bad_signature');
      }),
      { numRuns: 150 },
    );
  });
});
