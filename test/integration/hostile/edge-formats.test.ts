/**
 * One error format per endpoint (issue #9, point 3), control characters refused on every route
 * (point 2), load shedding and timeouts (point 1), over real HTTP on 127.0.0.1. Two gateways:
 * the WBCI one and an AGCOM one (which also serves WBCI, REST, wholesale and NP routes).
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type Gateway } from '../../../src/gateway.js';
import { createPeerTransport } from '../../../src/delivery/peer-transport.js';
import { ManualClock } from '../../../src/domain/clock.js';
import { edgeFormatOf } from '../../../src/http/edge-errors.js';
import { agcomConfig, agcomEnv, NOW as AGCOM_NOW } from '../../support/agcom-pair.js';
import { describeEachBackend } from '../../support/backends.js';
import { API_KEY, silentLog } from '../../support/gateway-pair.js';
import { freePort } from '../../support/http-pair.js';
import type { WireNode } from '../../support/wire-stubs.js';
import { encodeSoap } from '../../../src/protocols/wbci/soap-codec.js';
import { validVaKueMrn } from '../../unit/wbci/builders.js';
import { jsonVa, restVa, soapVa } from './corpus.js';
import { alive, jsonWireHeaders, rowCounts, rowDelta, send, soapHeadersFrom, startWbciEdge, type Answer, type Sent } from './world.js';
import { findMessage } from '../../../src/store/repos/messages.js';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const PROVIDER_TOKEN = 'wholesale-provider-token';
const NP_TOKEN = 'np-donor-token';
const MB = 1024 * 1024;
const WBCI_SOAP_TOKEN = 'edge-wbci-soap-token';
const WBCI_JSON_TOKEN = 'edge-wbci-json-token';
// the token agcom-pair's configuration expects from OLA at OLB
const AGCOM_OLA_TOKEN = 'agcom-token-OLA-to-OLB';

type Format = 'problem' | 'soap-fault' | 'agcom-reply';
const FORMAT: Record<ReturnType<typeof edgeFormatOf>, Format> = { problem: 'problem', 'soap-wbci': 'soap-fault', 'soap-agcom': 'soap-fault', 'agcom-reply': 'agcom-reply' };

interface AgcomNode {
  gw: Gateway;
  url: string;
}

async function startAgcomEdge(limits?: Record<string, number>): Promise<AgcomNode> {
  const port = await freePort();
  const config = agcomConfig('OLB', [{ op: 'OLA', url: 'http://127.0.0.1:9/agcom/v1/upload', protocol: 'agcom-file' }], {
    wholesale: { url: 'http://127.0.0.1:9/wholesale', inboundTokenSha256: sha(PROVIDER_TOKEN) },
    agcom: { cowOwner: { '2ZZ': 'OLB' }, numberPortability: { url: 'http://127.0.0.1:9/np', inboundTokenSha256: sha(NP_TOKEN) } },
    ...(limits ? { limits } : {}),
  });
  // WBCI partners too, so that the wire endpoints' own errors are reached: a caller is authenticated before its body is read
  config.peers.push(
    { carrierCode: 'DEU.EKPA', protocol: 'wbci-soap', url: 'http://127.0.0.1:9/wbci/v1', auth: { type: 'none' }, inboundTokenSha256: sha(WBCI_SOAP_TOKEN) },
    { carrierCode: 'DEU.EKPC', protocol: 'wbci-json', url: 'http://127.0.0.1:9/wbci/v1/json', auth: { type: 'none' }, inboundTokenSha256: sha(WBCI_JSON_TOKEN) },
  );
  const env = agcomEnv();
  const log = silentLog();
  const gw = await createGateway({ config, inMemory: true, log, clock: new ManualClock(AGCOM_NOW), env, transport: createPeerTransport(config, log, { env }), background: false });
  await gw.listen(port, '127.0.0.1');
  return { gw, url: `http://127.0.0.1:${port}` };
}

/** The credentials a route expects, so that the refusal under test is not an authentication one. */
function authFor(url: string): Record<string, string> {
  if (url.startsWith('/wholesale/')) return { authorization: `Bearer ${PROVIDER_TOKEN}` };
  if (url.startsWith('/agcom/v1/np-notifications')) return { authorization: `Bearer ${NP_TOKEN}` };
  if (url.startsWith('/agcom')) return { authorization: `Bearer ${AGCOM_OLA_TOKEN}` };
  if (url.startsWith('/wbci/v1/json')) return { authorization: `Bearer ${WBCI_JSON_TOKEN}` };
  if (url.startsWith('/wbci/')) return { authorization: `Bearer ${WBCI_SOAP_TOKEN}` };
  return { authorization: `Bearer ${API_KEY}` };
}

/** The endpoints whose error format is under test, with the body and media type they take. */
const ENDPOINTS: { path: string; format: Format; contentType: string; body: () => string }[] = [
  { path: '/v1/switches', format: 'problem', contentType: 'application/json', body: () => JSON.stringify(restVa()) },
  { path: '/wbci/v1/json', format: 'problem', contentType: 'application/json', body: () => '{}' },
  { path: '/agcom/v1/json', format: 'problem', contentType: 'application/json', body: () => '{}' },
  { path: '/wholesale/v1/notifications', format: 'problem', contentType: 'application/json', body: () => '{}' },
  { path: '/wbci/v1', format: 'soap-fault', contentType: 'text/xml; charset=utf-8', body: () => soapVa() },
  { path: '/agcom/v1', format: 'soap-fault', contentType: 'text/xml; charset=utf-8', body: () => '<x/>' },
  { path: '/agcom/v1/upload?Operatore=OLA&TipoFile=N&FileName=x.xml', format: 'agcom-reply', contentType: 'application/xml', body: () => '<x/>' },
];

function expectFormat(a: Answer, status: number, format: Format, code: RegExp | string) {
  const context = `${a.status} ${a.format} ${a.code}: ${a.text.slice(0, 300)}`;
  expect(a.status, context).toBe(status);
  expect(a.format, context).toBe(format);
  if (format === 'agcom-reply') {
    expect(a.code, context).toMatch(status >= 500 ? /^06$/ : /^0[1235]$/);
    expect(a.text, context).toMatch(typeof code === 'string' ? new RegExp(code) : code);
  } else {
    expect(a.code, context).toMatch(typeof code === 'string' ? new RegExp(`^${code}$`) : code);
  }
}

describe('one error format per endpoint [pglite]', () => {
  let node: AgcomNode;
  const opens: (() => Promise<void>)[] = [];
  beforeAll(async () => {
    node = await startAgcomEdge();
    opens.push(() => node.gw.close());
  });
  afterAll(async () => {
    for (const close of opens) await close();
  });

  const post = (e: (typeof ENDPOINTS)[number], over: Partial<Sent> & { extraHeaders?: Record<string, string> } = {}) =>
    send(node.url, { path: e.path, headers: { ...authFor(e.path), 'content-type': e.contentType, ...over.extraHeaders }, body: over.body ?? e.body(), method: over.method });

  for (const e of ENDPOINTS) {
    describe(e.path.split('?')[0]!, () => {
      it('a 21 MB body: 413 SG_BODY_TOO_LARGE', async () => {
        expectFormat(await post(e, { body: 'x'.repeat(21 * MB) }), 413, e.format, 'SG_BODY_TOO_LARGE');
      });
      it('Content-Encoding gzip: 415 SG_UNSUPPORTED_CONTENT_ENCODING', async () => {
        expectFormat(await post(e, { extraHeaders: { 'content-encoding': 'gzip' } }), 415, e.format, 'SG_UNSUPPORTED_CONTENT_ENCODING');
      });
      it('charset=latin1: 415 SG_UNSUPPORTED_CHARSET', async () => {
        expectFormat(await post(e, { extraHeaders: { 'content-type': `${e.contentType.split(';')[0]}; charset=latin1` } }), 415, e.format, 'SG_UNSUPPORTED_CHARSET');
      });
      it('malformed JSON: 400 SG_MALFORMED_BODY', async () => {
        expectFormat(await post(e, { body: '{"a":', extraHeaders: { 'content-type': 'application/json' } }), 400, e.format, 'SG_MALFORMED_BODY');
      });
      it('invalid UTF-8 in JSON: 400 SG_INVALID_ENCODING', async () => {
        const a = await send(node.url, { path: e.path, headers: { ...authFor(e.path), 'content-type': 'application/json' }, body: Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]) });
        expectFormat(a, 400, e.format, 'SG_INVALID_ENCODING');
      });
      it('a media type nobody reads: 415', async () => {
        expectFormat(await post(e, { extraHeaders: { 'content-type': 'application/x-nonsense' } }), 415, e.format, /SG_UNSUPPORTED_MEDIA_TYPE|Content-Type must be/);
      });
      it('a method the path does not have: 405 with Allow', async () => {
        const a = await post(e, { method: 'PUT' });
        expectFormat(a, 405, e.format, 'SG_METHOD_NOT_ALLOWED');
        expect(String(a.headers.allow)).toMatch(/POST/);
      });
    });
  }

  it('GET on a SOAP endpoint without ?wsdl, or for an unknown schema: a SOAP fault', async () => {
    for (const path of ['/wbci/v1', '/agcom/v1']) {
      expectFormat(await send(node.url, { method: 'GET', path }), 400, 'soap-fault', 'SG_BAD_REQUEST');
      expectFormat(await send(node.url, { method: 'GET', path: `${path}?xsd=nope.xsd` }), 404, 'soap-fault', 'SG_NOT_FOUND');
    }
  });

  it('unknown routes: 404 SG_ROUTE_NOT_FOUND as a problem, under every prefix', async () => {
    for (const path of ['/v1/nope', '/wbci/v1/nope', '/agcom/v1/nope', '/wholesale/v1/nope', '/nope']) {
      expectFormat(await send(node.url, { method: 'GET', path, headers: authFor(path) }), 404, 'problem', 'SG_ROUTE_NOT_FOUND');
    }
  });

  it('a 10 KB id: 414 SG_URI_TOO_LONG; an id that does not decode: 400 SG_BAD_URL — as problems', async () => {
    for (const path of [`/v1/switches/${'a'.repeat(10_000)}`, `/v1/switches/${'a'.repeat(10_000)}/messages`, `/v1/dead-letters/${'9'.repeat(10_000)}/replay`]) {
      expectFormat(await send(node.url, { method: path.endsWith('replay') ? 'POST' : 'GET', path, headers: authFor(path) }), 414, 'problem', 'SG_URI_TOO_LONG');
    }
    for (const path of ['/v1/switches/%ff%fe', '/v1/switches/%E0%A4%A', '/v1/switches/%c0%af/messages']) {
      expectFormat(await send(node.url, { method: 'GET', path, headers: authFor(path) }), 400, 'problem', 'SG_BAD_URL');
    }
  });

  it('an upload parameter with a control character: the Reply for that parameter (02, 01, 03)', async () => {
    const up = (q: string) => send(node.url, { path: `/agcom/v1/upload?${q}`, headers: { ...authFor('/agcom'), 'content-type': 'application/xml' }, body: '<x/>' });
    expectFormat(await up('Operatore=OL%00A&TipoFile=N&FileName=x'), 400, 'agcom-reply', /SG_CONTROL_CHARACTER/);
    expect((await up('Operatore=OL%00A&TipoFile=N&FileName=x')).code).toBe('02');
    expect((await up('Operatore=OLA&TipoFile=N&FileName=x%07')).code).toBe('01');
    expect((await up('Operatore=OLA&TipoFile=%7f&FileName=x')).code).toBe('03');
  });
});

describe('control characters are refused on every route, naming the parameter [pglite]', () => {
  let node: AgcomNode;
  beforeAll(async () => {
    node = await startAgcomEdge();
  });
  afterAll(async () => node?.gw.close());

  it('the sweep sees every route (a new route cannot escape it)', () => {
    const urls = new Set(node.gw.app.routeCatalogue.map((r) => `${r.method} ${r.url}`));
    for (const r of ['GET /v1/switches/:id', 'POST /v1/switches', 'GET /v1/events', 'POST /wbci/v1', 'POST /agcom/v1/upload', 'POST /wholesale/v1/notifications', 'POST /agcom/v1/np-notifications', 'GET /health/live']) {
      expect(urls, r).toContain(r);
    }
  });

  it('NUL, ESC and DEL in every path parameter, every declared query parameter and an undeclared one, and in JSON bodies', async () => {
    const routes = node.gw.app.routeCatalogue.filter((r) => !['HEAD', 'OPTIONS'].includes(r.method));
    expect(routes.length).toBeGreaterThan(25);
    let checked = 0;
    for (const route of routes) {
      const format = FORMAT[edgeFormatOf(route.url.replace(/:\w+/g, 'x'))];
      const params = [...route.url.matchAll(/:(\w+)|\*/g)].map((m) => m[1] ?? '*');
      const fill = (bad: string | undefined) => route.url.replace(/:(\w+)|\*/g, (_m, name: string | undefined) => ((name ?? '*') === bad ? 'a%00b' : 'x'));
      const headers = { ...authFor(route.url), 'content-type': 'application/json' };
      const body = route.method === 'GET' ? undefined : '{}';
      const expectRefused = async (path: string, field: string, what: string) => {
        const a = await send(node.url, { method: route.method, path, headers, body });
        const context = `${route.method} ${route.url} (${what}): ${a.status} ${a.text.slice(0, 300)}`;
        expect(a.status, context).toBe(400);
        expect(a.format, context).toBe(format);
        expect(a.text, context).toContain('SG_CONTROL_CHARACTER');
        if (format === 'problem') expect(JSON.parse(a.text).errors[0].path, context).toBe(field);
        checked++;
      };
      for (const p of params) await expectRefused(fill(p), `/params/${p}`, `path parameter ${p}`);
      const base = fill(undefined);
      const sep = base.includes('?') ? '&' : '?';
      for (const [q, i] of [...route.query, 'unexpected'].map((q, i) => [q, i] as const)) {
        const char = ['%00', '%1b', '%7f'][i % 3];
        await expectRefused(`${base}${sep}${q}=a${char}b`, `/query/${q}`, `query ${q}`);
      }
      if (route.method !== 'GET' && !['soap-fault', 'agcom-reply'].includes(format)) {
        const a = await send(node.url, { method: route.method, path: base, headers, body: JSON.stringify({ note: 'a\u0000b', nested: { text: 'ok' } }) });
        const context = `${route.method} ${route.url} (body): ${a.status} ${a.text.slice(0, 300)}`;
        expect(a.status, context).toBe(422);
        expect(JSON.parse(a.text), context).toMatchObject({ code: 'SG_CONTROL_CHARACTER', errors: [{ path: '/note' }] });
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(60);
    await alive(node.url);
  });
});

describe('load shedding and timeouts [pglite]', () => {
  let node: AgcomNode;
  beforeAll(async () => {
    node = await startAgcomEdge({ maxEventLoopDelayMs: 5, eventLoopSampleIntervalMs: 100, shedMinInFlight: 0, retryAfterSeconds: 7, handlerTimeoutMs: 300 });
  });
  afterAll(async () => node?.gw.close());

  /** Blocks the event loop (the gateway runs in this process), then lets one sample be taken. */
  const stall = async () => {
    const until = Date.now() + 300;
    while (Date.now() < until) {
      // busy: this is the stall the guard must notice
    }
    // one turn of the loop: the overdue sample runs first (it expired first), then the request goes out
    await new Promise((r) => setTimeout(r, 0));
  };

  it('a lagging event loop sheds requests with 503 + Retry-After in each endpoint\'s format; /health/live still answers', async () => {
    for (const e of ENDPOINTS) {
      let a: Answer | undefined;
      for (let attempt = 0; attempt < 5 && a?.status !== 503; attempt++) {
        await stall();
        a = await send(node.url, { path: e.path, headers: { ...authFor(e.path), 'content-type': e.contentType }, body: e.body() });
      }
      expectFormat(a!, 503, e.format, 'SG_OVERLOADED');
      expect(a!.headers['retry-after']).toBe('7');
    }
    await stall();
    await alive(node.url);
  });

  it('a lagging loop with few requests in hand (a starved machine) sheds nothing', async () => {
    const calm = await startAgcomEdge({ maxEventLoopDelayMs: 5, eventLoopSampleIntervalMs: 100, shedMinInFlight: 4 });
    try {
      await stall();
      const a = await send(calm.url, { path: '/v1/tools/migration-code/validate', headers: { ...authFor('/v1'), 'content-type': 'application/json' }, body: JSON.stringify({ code: '2ZZ123456789A' }) });
      expect(a.status, a.text).toBe(200);
    } finally {
      await calm.gw.close();
    }
  });

  it('shedding writes nothing', async () => {
    const before = await rowCounts(node.gw.store.db as never);
    await stall();
    const a = await send(node.url, { path: '/v1/switches', headers: { ...authFor('/v1'), 'content-type': 'application/json' }, body: JSON.stringify({ ...restVa(), procedure: 'agcom' }) });
    expect(a.status).toBe(503);
    expect(rowDelta(before, await rowCounts(node.gw.store.db as never))).toEqual({});
  });

  it('a handler past limits.handlerTimeoutMs: 503 SG_TIMEOUT with Retry-After, as a problem', async () => {
    // the long poll waits 2 s for events that never come; the timeout (300 ms) answers first
    let a: Answer | undefined;
    for (let attempt = 0; attempt < 20 && a?.code !== 'SG_TIMEOUT'; attempt++) {
      // the stalls of the tests before may still shed this request: let a calm sample pass
      if (a?.code === 'SG_OVERLOADED') await new Promise((r) => setTimeout(r, 150));
      a = await send(node.url, { method: 'GET', path: '/v1/events?wait=2', headers: authFor('/v1') });
    }
    expectFormat(a!, 503, 'problem', 'SG_TIMEOUT');
    expect(a!.headers['retry-after']).toBe('7');
  });
});

describeEachBackend('requested dates past the horizon', ({ open }) => {
  let node: WireNode;
  beforeAll(async () => {
    node = await startWbciEdge(await open(), { deadlines: { wbci: {}, maxRequestedDateHorizonDays: 730 } });
  });
  afterAll(async () => node?.gw.close());

  it('REST: 422 SG_DATE_HORIZON with the field path, at once, nothing written; the gateway stays live', async () => {
    for (const requestedDate of ['9999-12-31', '2100-06-01', '1999-12-31']) {
      const before = await rowCounts(node.gw.store.db as never);
      const a = await send(node.url, { path: '/v1/switches', headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify({ ...restVa(), requestedDate }) });
      expect(a.status, a.text).toBe(422);
      expect(JSON.parse(a.text)).toMatchObject({ code: 'SG_DATE_HORIZON', errors: [{ path: '/requestedDate', rule: 'maxRequestedDateHorizonDays', code: 'SG_DATE_HORIZON' }] });
      expect(rowDelta(before, await rowCounts(node.gw.store.db as never))).toEqual({});
      await alive(node.url);
    }
  });
});

describeEachBackend('lenient acceptances, decided (README "Input limits and error formats")', ({ open }) => {
  let node: WireNode;
  beforeAll(async () => {
    node = await startWbciEdge(await open());
  });
  afterAll(async () => node?.gw.close());

  it('accepted: a JSON body with a UTF-8 BOM (REST and JSON wire); charset=utf-8 in any spelling', async () => {
    const rest = await send(node.url, { path: '/v1/switches', headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json; charset=UTF-8' }, body: `\ufeff${JSON.stringify(restVa())}` });
    expect(rest.status, rest.text).toBe(201);
    const wire = await send(node.url, { path: '/wbci/v1/json', headers: jsonWireHeaders({ 'content-type': 'application/json; charset=utf8' }), body: `\ufeff${JSON.stringify(jsonVa())}` });
    expect([wire.format, wire.code], wire.text).toEqual(['json-teq', 'OK']);
  });

  it('accepted: comments, CDATA sections and a UTF-8 BOM in SOAP (the same XML information), SOAP 1.2 as application/soap+xml', async () => {
    const vaId = 'DEU.EKPA.V000777001';
    const xml = soapVa({ vaId }).replace('<Control>', '<!-- from the peer --><Control>').replace('Müller', '<![CDATA[Mül]]><!-- split -->ler');
    const a = await send(node.url, { path: '/wbci/v1', headers: soapHeadersFrom(), body: `\ufeff${xml}` });
    expect([a.format, a.code], a.text).toEqual(['soap-teq', 'OK']);
    const { message_id } = await node.gw.store.db.selectFrom('messages').select('message_id').where('business_id', '=', vaId).executeTakeFirstOrThrow();
    const stored = (await findMessage(node.gw.store.db, message_id))!;
    expect(JSON.stringify(stored.body)).toContain('"lastName":"Müller"');
    const soap12 = encodeSoap(validVaKueMrn({ vaId: 'DEU.EKPA.V000777002' }), { timestamp: '2026-11-23T09:00:00.000+01:00', major: '02', minor: '00' }, { soapVersion: '1.2' });
    const b = await send(node.url, { path: '/wbci/v1', headers: soapHeadersFrom(undefined, { 'content-type': 'application/soap+xml; charset=utf-8; action="annehmenAnfrage"' }), body: soap12 });
    expect([b.status, b.format, b.code], b.text).toEqual([200, 'soap-teq', 'OK']);
  });

  it('refused: charset=latin1 (415 SG_UNSUPPORTED_CHARSET) and a SOAP 1.2 envelope as text/xml (415 SG_SOAP_VERSION_MISMATCH)', async () => {
    const latin = await send(node.url, { path: '/v1/switches', headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json; charset=latin1' }, body: Buffer.from(JSON.stringify(restVa()), 'latin1') });
    expectFormat(latin, 415, 'problem', 'SG_UNSUPPORTED_CHARSET');
    const soap12 = encodeSoap(validVaKueMrn({ vaId: 'DEU.EKPA.V000777003' }), { timestamp: '2026-11-23T09:00:00.000+01:00', major: '02', minor: '00' }, { soapVersion: '1.2' });
    const a = await send(node.url, { path: '/wbci/v1', headers: soapHeadersFrom(), body: soap12 });
    expectFormat(a, 415, 'soap-fault', 'SG_SOAP_VERSION_MISMATCH');
  });
});
