/**
 * Both layers of trust at once, as with a real WBCI partner: two gateways serve HTTPS, present and
 * pin each other's client certificates (mutual TLS), and sign every SOAP message with WS-Security
 * while requiring the other's pinned signature. The canonical good case (VA-KUE-MRN → RUEM-VA →
 * AKM-TR) runs through; every message each side received is recorded as verified, and `xmlsec1`
 * verifies the raw forms the gateways stored.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, request } from 'undici';
import { API_KEY, quickStartVa } from '../support/gateway-pair.js';
import { eventually, freePort } from '../support/http-pair.js';
import { startWireNode, type WireNode } from '../support/wire-stubs.js';
import { makeTestCert, tempDir, xmlsecVerifyAll, type TestCert } from '../support/ws-security.js';
import { ManualClock } from '../../src/domain/clock.js';

const AUF = 'DEU.EKPA';
const ABG = 'DEU.EKPB';
const dir = new URL('../fixtures/tls/', import.meta.url).pathname;
const pem = (f: string) => readFileSync(dir + f);
const derSha = (f: string) => createHash('sha256').update(new X509Certificate(pem(f)).raw).digest('hex');
const serverTls = { tls: { certFile: dir + 'server.pem', keyFile: dir + 'server.key' } };
const va = quickStartVa();

describe('mutual TLS and WS-Security together between two gateways [pglite]', () => {
  let a: WireNode;
  let b: WireNode;
  let certs: { a: TestCert; b: TestCert };
  const certDir = tempDir();
  // the CRM's client: trusts the test CA, presents no certificate (the REST API asks for none)
  const crm = new Agent({ connect: { ca: pem('ca.pem') } });

  beforeAll(async () => {
    certs = {
      a: makeTestCert(certDir.path, 'ekpa', '/C=DE/O=EKPA Test Carrier (fictitious)/CN=wbci.ekpa.test'),
      b: makeTestCert(certDir.path, 'ekpb', '/C=DE/O=EKPB Test Carrier (fictitious)/CN=wbci.ekpb.test'),
    };
    const [pa, pb] = [await freePort(), await freePort()];
    const clock = new ManualClock('2026-11-23T09:00:00+01:00');
    const common = { inMemory: true, clock, retryPolicy: { maxAttempts: 20, baseMs: 20, capMs: 200 } };
    const self = (carrierCode: string, own: TestCert) => ({
      server: serverTls,
      self: { carrierCode, profiles: ['wbci' as const], holidayRegion: 'DE-BY', wsSecurity: { keyFile: own.keyFile, certFile: own.certFile } },
    });
    const peer = (pinnedClient: string, ownClient: string, signer: TestCert) => ({
      inboundCertSha256: [derSha(`${pinnedClient}.pem`)],
      tls: { caFile: dir + 'ca.pem', certFile: dir + `${ownClient}.pem`, keyFile: dir + `${ownClient}.key` },
      wsSecurity: { certFile: signer.certFile, required: true },
    });
    b = await startWireNode(ABG, [{ carrierCode: AUF, url: `https://127.0.0.1:${pa}/wbci/v1`, extra: peer('client', 'client-b', certs.a) }], {
      ...common,
      port: pb,
      configOverrides: self(ABG, certs.b),
    });
    a = await startWireNode(AUF, [{ carrierCode: ABG, url: `https://127.0.0.1:${pb}/wbci/v1`, extra: peer('client-b', 'client', certs.b) }], {
      ...common,
      port: pa,
      configOverrides: self(AUF, certs.a),
    });
  });
  afterAll(async () => {
    await a?.gw.close();
    await b?.gw.close();
    await crm.close();
    certDir.remove();
  });

  async function rest(node: WireNode, method: 'GET' | 'POST', path: string, body?: unknown) {
    const res = await request(node.url + path, {
      method,
      dispatcher: crm,
      headers: { authorization: `Bearer ${API_KEY}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.body.text();
    return { status: res.statusCode, text, data: text ? JSON.parse(text) : undefined };
  }

  const timeline = async (node: WireNode, id: string) =>
    (await rest(node, 'GET', `/v1/switches/${id}/messages`)).data.items.map((m: { direction: string; type: string; status: string }) => `${m.direction} ${m.type} ${m.status}`);

  it('VA → RUEM-VA → AKM-TR over mutual TLS, every message signed, verified and pinned on receipt', async () => {
    const created = await rest(a, 'POST', '/v1/switches', va);
    expect(created.status, created.text).toBe(201);
    const id = created.data.id as string;
    await eventually(async () => expect((await rest(b, 'GET', `/v1/switches/${id}`)).data?.state).toBe('AWAITING_ANSWER'));
    const answer = await rest(b, 'POST', `/v1/switches/${id}/answer`, {
      result: 'accept', code: 'ZWA', switchDate: '2026-12-15', technology: '001', resources: [{ contractNumber: '1234567890' }], pkiAbg: 'D123',
    });
    expect(answer.status, answer.text).toBe(202);
    await eventually(async () => expect((await rest(a, 'GET', `/v1/switches/${id}`)).data.state).toBe('AGREED'));
    const handover = await rest(a, 'POST', `/v1/switches/${id}/resource-handover`, { takeOver: true, lines: [{ contractNumber: '1234567890' }] });
    expect(handover.status, handover.text).toBe(202);
    await eventually(async () => {
      expect(await timeline(a, id)).toEqual(['out VA-KUE-MRN delivered', 'in RUEM-VA accepted', 'out AKM-TR delivered']);
      expect(await timeline(b, id)).toEqual(['in VA-KUE-MRN accepted', 'out RUEM-VA delivered', 'in AKM-TR accepted']);
    });
    expect((await rest(b, 'GET', `/v1/switches/${id}`)).data.state).toBe((await rest(a, 'GET', `/v1/switches/${id}`)).data.state);

    // each side recorded what it received as verified, signed by the other's pinned certificate;
    // the raw forms kept byte for byte verify with xmlsec1, an implementation that is not ours
    for (const [node, signer] of [[b, certs.a], [a, certs.b]] as const) {
      const items = (await rest(node, 'GET', `/v1/switches/${id}/messages?raw=true`)).data.items as { direction: string; raw: string; signature?: { verified: boolean; serial: string } }[];
      const inbound = items.filter((m) => m.direction === 'in');
      expect(inbound.length).toBeGreaterThan(0);
      for (const m of inbound) expect(m.signature).toMatchObject({ verified: true, serial: signer.identity.serial });
      const judged = xmlsecVerifyAll(inbound.map((m) => m.raw), signer.certFile);
      expect(judged.ok, judged.output).toBe(true);
      expect(judged.verified).toBe(inbound.length);
    }
  }, 120_000);
});
