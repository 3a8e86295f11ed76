/**
 * WS-Security on the wire (wbci.md §11.4) over real HTTP on 127.0.0.1: DEU.EKPB's gateway pins DEU.EKPA's signing
 * certificates (two, as during a rollover) and requires signatures. A message signed by xmlsec1 is accepted and
 * answered with a signed Quittung that confirms its signature; every message the signature does not cover is refused
 * with a SOAP fault carrying the WS-Security fault code — not a Quittung — logged at warn, counted, and leaves every
 * table as it was. A peer that does not require signatures has signed messages recorded with the result.
 */
import { Writable } from 'node:stream';
import { sql } from 'kysely';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type Gateway } from '../../src/gateway.js';
import { ConfigError, parseConfig } from '../../src/config/load.js';
import { loadWsSecurity } from '../../src/config/ws-security-material.js';
import { ManualClock } from '../../src/domain/clock.js';
import { decodeTeq, encodeSoap, encodeTeq, positiveTeq, type ControlBlock } from '../../src/protocols/wbci/soap-codec.js';
import { createPeerTransport } from '../../src/delivery/peer-transport.js';
import type { OutboundItem } from '../../src/delivery/transport.js';
import { silentLog } from '../support/gateway-pair.js';
import type { WbciMessage } from '../../src/protocols/wbci/types.js';
import { signEnvelope } from '../../src/protocols/wbci/ws-security-sign.js';
import { TABLES } from '../../src/store/schema.js';
import { http } from '../support/http-pair.js';
import { peerToken, rawPost, soapHeaders, startStubPeer, wireConfig } from '../support/wire-stubs.js';
import { makeTestCert, signatureTemplate, tempDir, xmlsecSign, xmlsecVerify, type TestCert } from '../support/ws-security.js';
import { validVaKueMrn } from '../unit/wbci/builders.js';

const AUF = 'DEU.EKPA';
const ABG = 'DEU.EKPB';
const LAX = 'DEU.EKPC';

let dir: ReturnType<typeof tempDir>;
let a: TestCert;
let a2: TestCert;
let b: TestCert;
let foreign: TestCert;
let gw: Gateway;
let url: string;
const logLines: Record<string, unknown>[] = [];
let vaSeq = 0;

beforeAll(async () => {
  dir = tempDir();
  a = makeTestCert(dir.path, 'ekpa', '/C=DE/O=EKPA Test Carrier (fictitious)/CN=wbci.ekpa.test');
  a2 = makeTestCert(dir.path, 'ekpa-next', '/C=DE/O=EKPA Test Carrier (fictitious)/CN=wbci-next.ekpa.test');
  b = makeTestCert(dir.path, 'ekpb', '/C=DE/O=EKPB Test Carrier (fictitious)/CN=wbci.ekpb.test');
  foreign = makeTestCert(dir.path, 'other', '/C=DE/O=Somebody Else (fictitious)/CN=wbci.other.test');
  const { config, env } = wireConfig(
    ABG,
    [
      { carrierCode: AUF, url: 'http://127.0.0.1:9/wbci/v1', wsSecurity: { certFile: [a.certFile, a2.certFile], required: true } },
      { carrierCode: LAX, url: 'http://127.0.0.1:9/wbci/v1', wsSecurity: { certFile: a.certFile, required: false } },
    ],
    { self: { carrierCode: ABG, profiles: ['wbci'], holidayRegion: 'DE-BY', wsSecurity: { keyFile: b.keyFile, certFile: b.certFile } } },
  );
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) logLines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  gw = await createGateway({ config, env, inMemory: true, background: false, clock: new ManualClock('2026-11-23T09:00:00+01:00'), log: pino({ level: 'info' }, sink) });
  url = await gw.listen(0, '127.0.0.1');
});
afterAll(async () => {
  await gw?.close();
  dir?.remove();
});

const va = (sender = AUF) => {
  vaSeq++;
  return validVaKueMrn({ sender, recipient: sender, vaId: `${sender}.V${String(vaSeq).padStart(9, '0')}` });
};
const control = (cert: TestCert, over: Partial<NonNullable<ControlBlock['signature']>> = {}): ControlBlock => ({
  timestamp: '2026-11-23T09:00:00+01:00',
  major: '02',
  minor: '00',
  signature: { issuer: cert.identity.issuer, serial: cert.identity.serial, ...over },
});
const gatewaySigned = (m: WbciMessage, cert: TestCert, over = {}) => signEnvelope(encodeSoap(m, control(cert, over)), cert.identity);
const post = (xml: string | Buffer, from = AUF, contentType?: string) =>
  rawPost(`${url}/wbci/v1`, xml, { ...soapHeaders(from, ABG, 'annehmenAnfrage'), ...(contentType ? { 'content-type': contentType } : {}) });

async function rowCounts(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of TABLES) {
    const { rows } = await sql<{ n: string }>`SELECT count(*)::text AS n FROM ${sql.table(t)}`.execute(gw.store.db);
    out[t] = Number(rows[0]!.n);
  }
  return out;
}

async function refusedCount(peer: string, reason: string): Promise<number> {
  const res = await http({ gw, url }, 'GET', '/metrics');
  const line = (res.text as string).split('\n').find((l) => l.startsWith(`switchgate_inbound_refused_total{peer="${peer}",reason="${reason}"}`));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

async function messagesOf(vaId: string) {
  const res = await http({ gw, url }, 'GET', `/v1/switches/${vaId}/messages?raw=true`);
  expect(res.status, res.text).toBe(200);
  return res.data.items as Record<string, unknown>[];
}

describe('WS-Security at the WBCI endpoint [pglite]', () => {
  it('accepts a VA signed by xmlsec1; the Quittung is signed by B, confirms the request\'s signature and xmlsec1 verifies it', async () => {
    const m = va();
    const xml = xmlsecSign(signatureTemplate(encodeSoap(m, control(a)), a, { pretty: true }), a);
    const res = await post(xml);
    expect(res.status, res.text).toBe(200);
    const teq = decodeTeq(res.text);
    expect(teq.ok && teq.teq.positions).toEqual([{ code: 'OK', text: 'OK' }]);
    expect(teq.ok && teq.control.signature).toEqual({ issuer: b.identity.issuer, serial: b.identity.serial });
    const judged = xmlsecVerify(res.text, b.certFile);
    expect(judged.ok, judged.output).toBe(true);
    const sigValue = /<ds:SignatureValue>([^<]+)</.exec(xml)![1].replace(/\s+/g, '');
    expect(res.text).toContain(`Value="${sigValue}"`);

    const [stored] = await messagesOf(m.vaId);
    expect(stored).toMatchObject({ direction: 'in', type: 'VA-KUE-MRN', status: 'accepted', rawFormat: 'soap' });
    expect(stored!.signature).toEqual({ verified: true, subject: a.identity.issuer, issuer: a.identity.issuer, serial: a.identity.serial, algorithm: 'rsa-sha256' });
    // the message as received, byte for byte, so that a third party can verify it again
    expect(stored!.raw).toBe(xml);
    expect(xmlsecVerify(stored!.raw as string, a.certFile).ok).toBe(true);
  });

  it('accepts a VA signed with the second pinned certificate (rollover)', async () => {
    const m = va();
    const res = await post(gatewaySigned(m, a2));
    expect(res.status, res.text).toBe(200);
    expect((await messagesOf(m.vaId))[0]!.signature).toMatchObject({ verified: true, serial: a2.identity.serial });
  });

  const wrap = (xml: string) => {
    const body = /<SOAP-ENV:Body [\s\S]*<\/SOAP-ENV:Body>/.exec(xml)![0];
    const evil = /<SOAP-ENV:Body>[\s\S]*<\/SOAP-ENV:Body>/.exec(encodeSoap(va(), control(a)))![0];
    return xml.replace(body, evil).replace('</wsse:Security>', `</wsse:Security><Wrapper xmlns="urn:x">${body}</Wrapper>`);
  };
  const cases: [string, () => string | Buffer, string, string][] = [
    ['unsigned', () => encodeSoap(va(), control(a)), 'wsse:InvalidSecurity', 'unsigned'],
    ['signed by a certificate not pinned for the peer', () => gatewaySigned(va(), foreign), 'wsse:FailedAuthentication', 'untrusted_certificate'],
    ['tampered after signing (one digit of the Body)', () => gatewaySigned(va(), a).replace(/(<Kundenwunschtermin>\d{4}-\d{2}-\d)(\d)/, (_m, p: string, d: string) => `${p}${(Number(d) + 1) % 10}`), 'wsse:FailedCheck', 'bad_signature'],
    ['signed, but Control/signaturId names another certificate', () => gatewaySigned(va(), a, { serial: foreign.identity.serial }), 'wsse:InvalidSecurityToken', 'signaturid_mismatch'],
    ['a signed Body moved aside and replaced (signature wrapping)', () => wrap(gatewaySigned(va(), a)), 'wsse:FailedCheck', 'body_not_signed'],
    ['signed RSA-SHA1 although the peer is set to RSA-SHA256', () => xmlsecSign(signatureTemplate(encodeSoap(va(), control(a)), a, { algorithm: 'rsa-sha1' }), a), 'wsse:InvalidSecurity', 'unsupported_algorithm'],
    ['unsigned and structurally invalid (signature is checked before the schema)', () => encodeSoap(va(), control(a)).replace(/<Kundenwunschtermin>[^<]*<\/Kundenwunschtermin>/, ''), 'wsse:InvalidSecurity', 'unsigned'],
  ];

  it.each(cases)('refuses %s with a SOAP fault, writes nothing, logs and counts it', async (_name, make, fault, reason) => {
    const xml = make();
    const before = await rowCounts();
    const counted = await refusedCount(AUF, reason);
    const logged = logLines.length;
    const res = await post(xml);
    expect(res.status, res.text).toBe(500);
    expect(res.text).toContain(`<faultcode>${fault}</faultcode>`);
    expect(res.text).toContain('xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"');
    // a fault, not a (negative) Quittung
    expect(decodeTeq(res.text).ok).toBe(false);
    expect(res.text).not.toContain('Quittung');
    expect(await rowCounts()).toEqual(before);
    expect(await refusedCount(AUF, reason)).toBe(counted + 1);
    const warn = logLines.slice(logged).filter((l) => l.level === 40);
    expect(warn).toEqual([expect.objectContaining({ peer: AUF, reason, fault, msg: 'inbound SOAP refused: WS-Security' })]);
    // never the body: no customer data in any line written for this request
    expect(JSON.stringify(logLines.slice(logged))).not.toMatch(/Hauptstr|Mustermann|Kundenwunschtermin|BinarySecurityToken/);
  });

  it('answers a SOAP 1.2 message with a SOAP 1.2 fault whose Subcode is the WS-Security code', async () => {
    const before = await rowCounts();
    const xml = encodeSoap(va(), control(a), { soapVersion: '1.2' });
    const res = await post(xml, AUF, 'application/soap+xml; charset=utf-8; action="annehmenAnfrage"');
    expect(res.status, res.text).toBe(500);
    expect(res.text).toMatch(/<SOAP-ENV:Value>SOAP-ENV:Sender<\/SOAP-ENV:Value><SOAP-ENV:Subcode><SOAP-ENV:Value>wsse:InvalidSecurity<\/SOAP-ENV:Value>/);
    expect(await rowCounts()).toEqual(before);
  });

  it('from a peer that does not require signatures: unsigned is accepted, a signature that does not verify is recorded as such', async () => {
    const unsigned = va(LAX);
    const r1 = await post(encodeSoap(unsigned, control(a)), LAX);
    expect(r1.status, r1.text).toBe(200);
    // the Quittung is signed all the same, confirming that the request carried no signature
    expect(xmlsecVerify(r1.text, b.certFile).ok).toBe(true);
    expect(r1.text).toMatch(/<wsse11:SignatureConfirmation xmlns:wsse11="[^"]+" wsu:Id="[^"]+"\/>/);
    expect((await messagesOf(unsigned.vaId))[0]).not.toHaveProperty('signature');

    const foreignSigned = va(LAX);
    const r2 = await post(gatewaySigned(foreignSigned, foreign), LAX);
    expect(r2.status, r2.text).toBe(200);
    expect((await messagesOf(foreignSigned.vaId))[0]!.signature).toEqual({
      verified: false,
      subject: foreign.identity.issuer,
      issuer: foreign.identity.issuer,
      serial: foreign.identity.serial,
      algorithm: 'rsa-sha256',
    });
  });

  it('a caller without the peer\'s token is refused as unauthorised before its signature is looked at', async () => {
    const counted = await refusedCount(AUF, 'unsigned');
    const res = await rawPost(`${url}/wbci/v1`, encodeSoap(va(), control(a)), { ...soapHeaders(undefined, ABG), authorization: `Bearer ${peerToken(LAX, ABG)}` });
    expect(res.status).toBe(403);
    expect(res.text).not.toContain('wsse:');
    expect(await refusedCount(AUF, 'unsigned')).toBe(counted);
  });
});

describe('WS-Security outbound: the PeerTransport signs, and trusts only signed Quittungs [pglite]', () => {
  const transportTo = (peerUrl: string, algorithm?: 'rsa-sha1' | 'rsa-sha256') => {
    const { config, env } = wireConfig(AUF, [{ carrierCode: ABG, url: peerUrl, wsSecurity: { certFile: b.certFile, required: true, ...(algorithm ? { algorithm } : {}) } }], {
      self: { carrierCode: AUF, profiles: ['wbci'], holidayRegion: 'DE-BY', wsSecurity: { keyFile: a.keyFile, certFile: a.certFile } },
    });
    return createPeerTransport(config, silentLog(), { env });
  };
  const item = (m: WbciMessage): OutboundItem => ({ outboxId: 1, messageId: 'm-1', caseId: 'vaId' in m ? m.vaId : '', kind: 'peer', destination: ABG, type: m.type, body: m });
  const signal = () => new AbortController().signal;

  it('sends a VA signed RSA-SHA256 that B accepts as verified; the stored wire form is the signed one', async () => {
    const t = transportTo(`${url}/wbci/v1`);
    try {
      const m = va();
      const r = await t.send(item(m), signal());
      expect(r).toMatchObject({ ok: true, rawFormat: 'soap' });
      const raw = (r as { raw: string }).raw;
      expect(xmlsecVerify(raw, a.certFile).ok).toBe(true);
      expect(raw).toContain('xmldsig-more#rsa-sha256');
      expect((await messagesOf(m.vaId))[0]!.signature).toMatchObject({ verified: true, serial: a.identity.serial });
    } finally {
      await t.close();
    }
  });

  it('signs RSA-SHA1 towards a peer set to it; B, set to RSA-SHA256, answers wsse:InvalidSecurity: a permanent failure', async () => {
    const t = transportTo(`${url}/wbci/v1`, 'rsa-sha1');
    try {
      const r = await t.send(item(va()), signal());
      expect(r).toMatchObject({ ok: false, permanent: true, reason: expect.stringContaining('SOAP fault wsse:InvalidSecurity') });
    } finally {
      await t.close();
    }
  });

  it('does not take an unsigned or foreign-signed Quittung from a required peer as acknowledgement (sent again)', async () => {
    let answer = '';
    const stub = await startStubPeer(() => ({ kind: 'reply', status: 200, body: answer, contentType: 'text/xml' }));
    const t = transportTo(stub.url);
    try {
      const m = va();
      const teq = (cert?: TestCert) => {
        const xml = encodeTeq('request', positiveTeq(AUF, m.vaId), cert ? control(cert) : { timestamp: '2026-11-23T09:00:00+01:00', major: '02', minor: '00' });
        return cert ? signEnvelope(xml, cert.identity) : xml;
      };
      answer = teq();
      expect(await t.send(item(m), signal())).toMatchObject({ ok: false, permanent: false, reason: expect.stringContaining('WS-Security unsigned') });
      answer = teq(foreign);
      expect(await t.send(item(m), signal())).toMatchObject({ ok: false, permanent: false, reason: expect.stringContaining('WS-Security untrusted_certificate') });
      answer = teq(b);
      expect(await t.send(item(m), signal())).toMatchObject({ ok: true });
      // a signed Quittung confirming another message's signature is no acknowledgement of this one
      answer = signEnvelope(encodeTeq('request', positiveTeq(AUF, m.vaId), control(b)), b.identity, { confirm: 'b3RoZXIgc2lnbmF0dXJl' });
      expect(await t.send(item(m), signal())).toMatchObject({ ok: false, permanent: false, reason: expect.stringContaining('confirms another signature') });
    } finally {
      await t.close();
      await stub.close();
    }
  });
});

describe('WS-Security configuration: start-up stops, naming the key', () => {
  const base = (self: object, peer: object = {}) =>
    parseConfig({ self: { carrierCode: ABG, ...self }, peers: [{ carrierCode: AUF, protocol: 'wbci-soap', url: 'http://127.0.0.1:9/wbci/v1', ...peer }] }, 'test', {});
  const problems = (config: ReturnType<typeof base>) => {
    try {
      loadWsSecurity(config);
      return [];
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      return e.problems;
    }
  };

  it.each<[string, () => ReturnType<typeof base>, string, RegExp]>([
    ['a missing key file', () => base({ wsSecurity: { keyFile: `${dir.path}/nope.key`, certFile: b.certFile } }), 'self.wsSecurity.keyFile', /cannot read .*nope\.key: ENOENT/],
    ['a certificate file that is no PEM', () => base({ wsSecurity: { keyFile: b.keyFile, certFile: b.keyFile } }), 'self.wsSecurity.certFile', /not a PEM certificate/],
    ['a key that is not the certificate\'s', () => base({ wsSecurity: { keyFile: a.keyFile, certFile: b.certFile } }), 'self.wsSecurity.keyFile', /does not belong to the certificate/],
    ['a pinned certificate that cannot be read', () => base({}, { wsSecurity: { certFile: [a.certFile, `${dir.path}/gone.crt`], required: true } }), 'peers[0].wsSecurity.certFile[1]', /cannot read/],
    ['required without a certificate', () => base({}, { wsSecurity: { required: true } }), 'peers[0].wsSecurity.certFile', /is required when wsSecurity.required is true/],
  ])('%s', (_name, make, key, problem) => {
    expect(problems(make())).toEqual([{ key, problem: expect.stringMatching(problem) }]);
  });

  it('a wbci-json peer cannot have WS-Security', () => {
    const c = parseConfig({ self: { carrierCode: ABG }, peers: [{ carrierCode: AUF, protocol: 'wbci-json', url: 'http://127.0.0.1:9/wbci/v1/json', wsSecurity: { certFile: a.certFile } }] }, 'test', {});
    expect(problems(c)).toEqual([{ key: 'peers[0].wsSecurity', problem: expect.stringMatching(/wbci-soap peers only/) }]);
  });

  it('the schema refuses unknown keys and algorithms', () => {
    expect(() => base({}, { wsSecurity: { certFile: a.certFile, algorithm: 'rsa-md5' } })).toThrow(/peers\[0\]\.wsSecurity\.algorithm: must be one of "rsa-sha256", "rsa-sha1"/);
    expect(() => base({ wsSecurity: { keyFile: b.keyFile } })).toThrow(/self\.wsSecurity\.certFile: is required/);
  });

  it('createGateway refuses to start with a bad key before opening the database', async () => {
    await expect(createGateway({ config: base({ wsSecurity: { keyFile: a.keyFile, certFile: b.certFile } }), inMemory: true, background: false, log: pino({ level: 'silent' }) })).rejects.toThrow(
      /self\.wsSecurity\.keyFile: .* does not belong to the certificate/,
    );
  });
});
