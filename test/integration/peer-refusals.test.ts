/**
 * Every refusal on the east-west wire, over real HTTP: the precise status and fault / problem /
 * negative Quittung, a warn log line with the carrier code and the reason (never the body), one
 * count in switchgate_inbound_refused_total{peer,reason}, and nothing written. Also: a token list
 * (old and new during a rollover) and the WBCI major release configured per peer.
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { rawPost, sha, soapHeaders, startWireNode, type WireNode } from '../support/wire-stubs.js';
import { validVaKueMrn } from '../unit/wbci/builders.js';
import { ManualClock } from '../../src/domain/clock.js';
import { decodeTeq, encodeSoap } from '../../src/protocols/wbci/soap-codec.js';
import { API_KEY } from '../support/gateway-pair.js';

const AUF = 'DEU.EKPA';
const ABG = 'DEU.EKPB';
const ROLL = 'DEU.EKPC';
const JSONPEER = 'DEU.EKPD';
const control = (major = '02') => ({ timestamp: '2026-11-23T09:00:00.000+01:00', major, minor: '00' });
const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

let seq = 700;
const va = (sender: string) => {
  const n = String(++seq).padStart(9, '0');
  return validVaKueMrn({ sender, recipient: sender, vaId: `${sender}.V${n}` });
};

describe('refusals on the east-west wire [pglite]', () => {
  let b: WireNode;
  const logLines: Record<string, unknown>[] = [];
  const rawLog: string[] = [];

  beforeAll(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        rawLog.push(chunk.toString());
        for (const l of chunk.toString().split('\n').filter(Boolean)) logLines.push(JSON.parse(l) as Record<string, unknown>);
        done();
      },
    });
    b = await startWireNode(
      ABG,
      [
        { carrierCode: AUF, url: 'http://127.0.0.1:9/wbci/v1' },
        // a token rollover (old and new both accepted) and a peer that speaks major release 03
        { carrierCode: ROLL, url: 'http://127.0.0.1:9/wbci/v1', extra: { inboundTokenSha256: [sha('roll-old'), sha('roll-new')], version: { major: '03', minor: '00' } } },
        { carrierCode: JSONPEER, url: 'http://127.0.0.1:9/wbci/v1/json', protocol: 'wbci-json' },
      ],
      { inMemory: true, clock: new ManualClock('2026-11-23T09:00:00+01:00'), background: false, log: pino({ level: 'info' }, sink) },
    );
  });
  afterAll(async () => b?.gw.close());

  async function counts(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const t of ['cases', 'messages', 'outbox', 'events', 'dead_letters'] as const) {
      const r = await b.gw.store.db.selectFrom(t).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      out[t] = Number(r.n);
    }
    return out;
  }

  async function metric(peer: string, reason: string): Promise<number> {
    const res = await request(`${b.url}/metrics`, { headers: bearer(API_KEY) });
    const text = await res.body.text();
    const line = text.split('\n').find((l) => l.startsWith('switchgate_inbound_refused_total{') && l.includes(`peer="${peer}"`) && l.includes(`reason="${reason}"`));
    return line ? Number(line.split(' ').pop()) : 0;
  }

  /** Sends, then checks: nothing written, one count, one warn line with peer and reason and no body. */
  async function refusal(peer: string, reason: string, send: () => Promise<{ status: number; text: string; headers: Record<string, unknown> }>) {
    const before = await counts();
    const m0 = await metric(peer, reason);
    const from = logLines.length;
    const res = await send();
    expect(await counts()).toEqual(before);
    expect(await metric(peer, reason)).toBe(m0 + 1);
    const warns = logLines.slice(from).filter((l) => l.level === 40);
    expect(warns).toHaveLength(1);
    expect(warns[0]).toMatchObject({ peer, reason });
    const logged = JSON.stringify(logLines.slice(from));
    for (const personal of ['Müller', 'Hauptstra', '80331']) expect(logged).not.toContain(personal);
    return res;
  }

  const soap = (body: string, headers: Record<string, string>) => rawPost(`${b.url}/wbci/v1`, body, { ...soapHeaders(undefined, ABG), ...headers });
  const fault = (text: string) => /<faultstring>([^<]*)<\/faultstring>/.exec(text)?.[1]?.replace(/&apos;/g, "'");

  it('an unknown token: 401 fault, before the message is read', async () => {
    const res = await refusal('unknown', 'unknown_token', () => soap('<not even xml', bearer('guessed')));
    expect(res.status).toBe(401);
    expect(fault(res.text)).toBe('not authorised: unknown bearer token');
  });

  it('no credentials at all: 401 fault naming no peer, before the message is read', async () => {
    const res = await refusal('unknown', 'no_credentials', () => soap(encodeSoap(va(AUF), control()), {}));
    expect(res.status).toBe(401);
    expect(fault(res.text)).toBe('not authorised: a bearer token or a client certificate of a configured peer is required');
  });

  it('a valid token for a message naming another sender: 403 sender_mismatch', async () => {
    const res = await refusal(ROLL, 'sender_mismatch', () => soap(encodeSoap(va(AUF), control('03')), bearer('roll-new')));
    expect(res.status).toBe(403);
    expect(fault(res.text)).toBe(`not authorised: credentials of ${ROLL} used for a message from ${AUF}`);
  });

  it('a JSON peer on the SOAP endpoint: 403 wrong_endpoint', async () => {
    const res = await refusal(JSONPEER, 'wrong_endpoint', () => soap(encodeSoap(va(JSONPEER), control()), bearer(`token-${JSONPEER}-to-${ABG}`)));
    expect(res.status).toBe(403);
    expect(fault(res.text)).toBe(`not authorised: ${JSONPEER} is not configured for this endpoint (wbci-json)`);
  });

  it('the JSON endpoint answers in problem+json', async () => {
    const res = await refusal('unknown', 'unknown_token', async () => {
      const r = await request(`${b.url}/wbci/v1/json`, { method: 'POST', headers: { 'content-type': 'application/json', ...bearer('guessed') }, body: '{}' });
      return { status: r.statusCode, text: await r.body.text(), headers: r.headers };
    });
    expect(res.status).toBe(401);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(res.text)).toMatchObject({ code: 'SG_UNAUTHENTICATED', detail: 'unknown bearer token' });
  });

  it('a major release other than the peer\'s: negative Quittung 0993, counted as version_mismatch, nothing written', async () => {
    // DEU.EKPA is configured for 02 (the default): 03 is refused although DEU.EKPC may send it
    const res = await refusal(AUF, 'version_mismatch', () => soap(encodeSoap(va(AUF), control('03')), bearer(`token-${AUF}-to-${ABG}`)));
    expect(res.status).toBe(200);
    const teq = decodeTeq(res.text, { supportedMajors: ['02', '03'] });
    expect(teq.ok && teq.teq.positions[0]?.code).toBe('0993');
    // and DEU.EKPC, configured for 03, may not send 02
    const res2 = await refusal(ROLL, 'version_mismatch', () => soap(encodeSoap(va(ROLL), control('02')), bearer('roll-old')));
    const teq2 = decodeTeq(res2.text, { supportedMajors: ['02', '03'] });
    expect(teq2.ok && teq2.teq.positions[0]?.code).toBe('0993');
  });

  it('a token rollover: the old and the new token are both accepted, in the peer\'s own major release', async () => {
    for (const token of ['roll-old', 'roll-new']) {
      const before = (await counts()).cases;
      const res = await soap(encodeSoap(va(ROLL), control('03')), bearer(token));
      expect(res.status, res.text).toBe(200);
      const teq = decodeTeq(res.text, { supportedMajors: ['02', '03'] });
      expect(teq.ok && teq.teq.positions[0]?.code, res.text).toBe('OK');
      // the Quittung answers in the peer's own major release
      expect(teq.ok && teq.control.major).toBe('03');
      expect((await counts()).cases).toBe(before + 1);
    }
  });
});
