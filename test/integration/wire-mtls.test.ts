/**
 * Mutual TLS both ways between two gateways: each serves HTTPS (`server.tls`), presents its own
 * client certificate when it calls the other (`peers[].tls`), and pins the other's certificate
 * (`peers[].inboundCertSha256`) besides its bearer token. A VA goes A → B and the answer B → A.
 * Then B is called with the right token but a missing, foreign or impostor certificate: refused
 * (401/403 SOAP fault; problem+json on the JSON wholesale route), counted, and nothing is written.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, request } from 'undici';
import { API_KEY, quickStartVa } from '../support/gateway-pair.js';
import { eventually, freePort } from '../support/http-pair.js';
import { sha, soapHeaders, startWireNode, type WireNode } from '../support/wire-stubs.js';
import { validVaKueMrn } from '../unit/wbci/builders.js';
import { ManualClock } from '../../src/domain/clock.js';
import { decodeTeq, encodeSoap } from '../../src/protocols/wbci/soap-codec.js';

const AUF = 'DEU.EKPA';
const ABG = 'DEU.EKPB';
const dir = new URL('../fixtures/tls/', import.meta.url).pathname;
const pem = (f: string) => readFileSync(dir + f);
const derSha = (f: string) => createHash('sha256').update(new X509Certificate(pem(f)).raw).digest('hex');
const CONTROL = { timestamp: '2026-11-23T09:00:00.000+01:00', major: '02', minor: '00' };
const serverTls = { tls: { certFile: dir + 'server.pem', keyFile: dir + 'server.key' } };
const va = quickStartVa();

/** An HTTPS client that trusts the test CA and presents `cert` (or no certificate). */
const clientWith = (cert?: string) =>
  new Agent({ connect: { ca: pem('ca.pem'), ...(cert ? { cert: pem(`${cert}.pem`), key: pem(`${cert}.key`) } : {}) } });

describe('mutual TLS between two gateways [pglite]', () => {
  let a: WireNode;
  let b: WireNode;
  const agents = { none: clientWith(), a: clientWith('client'), b: clientWith('client-b'), rogue: clientWith('rogue') };

  beforeAll(async () => {
    const [pa, pb] = [await freePort(), await freePort()];
    const clock = new ManualClock('2026-11-23T09:00:00+01:00');
    const common = { inMemory: true, clock, retryPolicy: { maxAttempts: 20, baseMs: 20, capMs: 200 } };
    b = await startWireNode(
      ABG,
      [{ carrierCode: AUF, url: `https://127.0.0.1:${pa}/wbci/v1`, extra: { inboundCertSha256: [derSha('client.pem')], tls: { caFile: dir + 'ca.pem', certFile: dir + 'client-b.pem', keyFile: dir + 'client-b.key' } } }],
      {
        ...common,
        port: pb,
        configOverrides: {
          server: serverTls,
          wholesale: { url: 'http://127.0.0.1:9', protocol: 'rest', placeOrders: 'manual', inboundTokenSha256: sha('wholesale-token'), inboundCertSha256: [derSha('client.pem')] },
        },
      },
    );
    a = await startWireNode(
      AUF,
      [{ carrierCode: ABG, url: `https://127.0.0.1:${pb}/wbci/v1`, extra: { inboundCertSha256: [derSha('client-b.pem')], tls: { caFile: dir + 'ca.pem', certFile: dir + 'client.pem', keyFile: dir + 'client.key' } } }],
      { ...common, port: pa, configOverrides: { server: serverTls } },
    );
  });
  afterAll(async () => {
    await a?.gw.close();
    await b?.gw.close();
    await Promise.all(Object.values(agents).map((x) => x.close()));
  });

  async function rest(node: WireNode, method: 'GET' | 'POST', path: string, body?: unknown) {
    const res = await request(node.url + path, {
      method,
      dispatcher: agents.none,
      headers: { authorization: `Bearer ${API_KEY}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.body.text();
    return { status: res.statusCode, text, data: res.headers['content-type']?.toString().includes('json') ? JSON.parse(text) : undefined };
  }

  async function counts(node: WireNode): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const t of ['cases', 'messages', 'outbox', 'events'] as const) {
      const r = await node.gw.store.db.selectFrom(t).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      out[t] = Number(r.n);
    }
    return out;
  }

  async function refusedCount(node: WireNode, peer: string, reason: string): Promise<number> {
    const text = (await rest(node, 'GET', '/metrics')).text;
    const line = text.split('\n').find((l) => l.startsWith('switchgate_inbound_refused_total{') && l.includes(`peer="${peer}"`) && l.includes(`reason="${reason}"`));
    return line ? Number(line.split(' ').pop()) : 0;
  }

  it('a VA goes A → B and the answer B → A, each side presenting its own certificate', async () => {
    const created = await rest(a, 'POST', '/v1/switches', va);
    expect(created.status, created.text).toBe(201);
    const id = created.data.id as string;
    await eventually(async () => expect((await rest(b, 'GET', `/v1/switches/${id}`)).data.state).toBe('AWAITING_ANSWER'));
    const answer = await rest(b, 'POST', `/v1/switches/${id}/answer`, {
      result: 'accept', code: 'ZWA', switchDate: '2026-12-15', technology: '001', resources: [{ contractNumber: '1234567890' }], pkiAbg: 'D123',
    });
    expect(answer.status, answer.text).toBe(202);
    await eventually(async () => {
      const msgs = (await rest(a, 'GET', `/v1/switches/${id}/messages`)).data.items.map((m: { direction: string; type: string; status: string }) => `${m.direction} ${m.type} ${m.status}`);
      expect(msgs).toEqual(['out VA-KUE-MRN delivered', 'in RUEM-VA accepted']);
    });
  });

  describe('B refuses A\'s token with the wrong certificate, before reading the message', () => {
    let seq = 500;
    const body = () => encodeSoap(validVaKueMrn({ vaId: `DEU.EKPA.V${String(++seq).padStart(9, '0')}` }), CONTROL);

    const cases = [
      { name: 'no client certificate', agent: 'none', status: 401, reason: 'client_cert_required', text: `${AUF} must present its client certificate (mutual TLS)` },
      { name: 'the other gateway\'s certificate (same CA)', agent: 'b', status: 403, reason: 'client_cert_mismatch', text: `the client certificate is not the one configured for ${AUF}` },
      { name: 'a self-signed impostor naming DEU.EKPA', agent: 'rogue', status: 403, reason: 'client_cert_mismatch', text: `the client certificate is not the one configured for ${AUF}` },
    ] as const;

    for (const c of cases) {
      it(`${c.name}: ${c.status} SOAP fault, counted, nothing written`, async () => {
        const before = await counts(b);
        const metricBefore = await refusedCount(b, AUF, c.reason);
        const res = await request(`${b.url}/wbci/v1`, { method: 'POST', dispatcher: agents[c.agent], headers: soapHeaders(AUF, ABG), body: body() });
        const text = await res.body.text();
        expect(res.statusCode, text).toBe(c.status);
        expect(res.headers['content-type']).toMatch(/^text\/xml/);
        expect(text).toContain('<faultcode>SOAP-ENV:Client</faultcode>');
        expect(text).toContain(`not authorised: ${c.text}`);
        expect(await counts(b)).toEqual(before);
        expect(await refusedCount(b, AUF, c.reason)).toBe(metricBefore + 1);
      });
    }

    it('the right certificate with a wrong token is still refused (both are required)', async () => {
      const before = await counts(b);
      const res = await request(`${b.url}/wbci/v1`, { method: 'POST', dispatcher: agents.a, headers: { ...soapHeaders(undefined, ABG), authorization: 'Bearer guessed' }, body: body() });
      expect(res.statusCode).toBe(401);
      expect(await res.body.text()).toContain('not authorised: unknown bearer token');
      const noToken = await request(`${b.url}/wbci/v1`, { method: 'POST', dispatcher: agents.a, headers: soapHeaders(undefined, ABG), body: body() });
      expect(noToken.statusCode).toBe(401);
      expect(await noToken.body.text()).toContain(`not authorised: ${AUF} must authenticate with its bearer token`);
      expect(await counts(b)).toEqual(before);
    });

    it('the right certificate and token are accepted (the control case)', async () => {
      const res = await request(`${b.url}/wbci/v1`, { method: 'POST', dispatcher: agents.a, headers: soapHeaders(AUF, ABG), body: body() });
      const text = await res.body.text();
      expect(res.statusCode, text).toBe(200);
      expect(decodeTeq(text)).toMatchObject({ ok: true, teq: { positions: [{ code: 'OK' }] } });
    });
  });

  it('wholesale.inboundCertSha256: the provider\'s token with a wrong or no certificate is refused as problem+json', async () => {
    const post = (agent: keyof typeof agents) =>
      request(`${b.url}/wholesale/v1/verifications`, {
        method: 'POST',
        dispatcher: agents[agent],
        headers: { authorization: 'Bearer wholesale-token', 'content-type': 'application/json' },
        body: JSON.stringify({ id: 'DEU.EKPA.V000000001', numbers: ['0891234567'] }),
      });
    const before = await counts(b);
    for (const [agent, status, code, reason] of [['none', 401, 'SG_UNAUTHENTICATED', 'client_cert_required'], ['rogue', 403, 'SG_FORBIDDEN', 'client_cert_mismatch']] as const) {
      const metricBefore = await refusedCount(b, 'wholesale', reason);
      const res = await post(agent);
      expect(res.statusCode).toBe(status);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(((await res.body.json()) as { code: string }).code).toBe(code);
      expect(await refusedCount(b, 'wholesale', reason)).toBe(metricBefore + 1);
    }
    expect(await counts(b)).toEqual(before);
    const ok = await post('a');
    expect(ok.statusCode).toBe(200);
    expect(((await ok.body.json()) as { result: string }).result).toBe('KO');
  });
});
