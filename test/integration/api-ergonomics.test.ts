/**
 * Issue #13 point 4 and "Bad input": Idempotency-Key on every command, cursor paging of dead
 * letters, ETag / If-Match on cases, the synchronous warnings of a command, and unknown query
 * parameters refused — on both backends, through the real fastify pipeline (and real HTTP on
 * 127.0.0.1 where requests race).
 */
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { describeEachBackend } from '../support/backends.js';
import { API_KEY, quickStartVa, rest, startPair, type Pair } from '../support/gateway-pair.js';
import { request } from 'undici';
import { parseConfig, ConfigError } from '../../src/config/load.js';
import { r2Body, startInterconnectPair, untilState, type InterconnectPair } from '../support/interconnect-pair.js';
import type { Gateway } from '../../src/gateway.js';

const OTHER_KEY = 'other-crm-key';
const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const apiKeys = [
  { name: 'crm', keySha256: sha(API_KEY), scopes: ['switches:write', 'switches:read', 'events:read', 'dead-letters:read', 'dead-letters:write', 'tools:use'] },
  { name: 'other-crm', keySha256: sha(OTHER_KEY), scopes: ['switches:write', 'switches:read'] },
] as const;

const count = async (gw: Gateway, table: 'cases' | 'messages' | 'outbox' | 'idempotency_keys', caseId?: string): Promise<number> => {
  const where = caseId ? sql` where case_id = ${caseId}` : sql``;
  const { rows } = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)}${where}`.execute(gw.store.db);
  return rows[0]!.n;
};

const accept = (switchDate = '2026-12-15') => ({ result: 'accept', code: 'ZWA', switchDate, technology: '001', resources: [{ contractNumber: '1234567890' }], pkiAbg: 'D123' });

/** A VA from A, delivered to B: the case id both sides share. */
async function vaAtB(pair: Pair, body: object = quickStartVa()): Promise<string> {
  const started = await rest(pair.a, 'POST', '/v1/switches', body);
  expect(started.statusCode, started.body).toBe(201);
  await pair.pump();
  return started.data.id as string;
}

describeEachBackend('API ergonomics', ({ open }) => {
  let pair: Pair | undefined;
  afterEach(async () => {
    await pair?.close();
    pair = undefined;
  });
  const start = async () => (pair = await startPair(open, { configA: { apiKeys: [...apiKeys] } as never, configB: { apiKeys: [...apiKeys] } as never }));

  describe('Idempotency-Key', () => {
    it('a command (the answer) retried with its key runs once and is answered again, byte for byte', async () => {
      const p = await start();
      const id = await vaAtB(p);
      const key = { 'idempotency-key': 'answer-1' };
      const first = await rest(p.b, 'POST', `/v1/switches/${id}/answer`, accept(), key);
      expect(first.statusCode, first.body).toBe(202);
      expect(first.headers['idempotent-replayed']).toBeUndefined();
      const messages = await count(p.b, 'messages', id);
      const again = await rest(p.b, 'POST', `/v1/switches/${id}/answer`, accept(), key);
      expect([again.statusCode, again.headers['idempotent-replayed'], again.body, again.headers.etag]).toEqual([202, 'true', first.body, first.headers.etag]);
      expect(await count(p.b, 'messages', id)).toBe(messages);
      // the same key with another body is refused, and changes nothing
      const reused = await rest(p.b, 'POST', `/v1/switches/${id}/answer`, accept('2026-12-16'), key);
      expect(reused.statusCode).toBe(422);
      expect(reused.data).toMatchObject({ code: 'SG_IDEMPOTENCY_KEY_REUSED', errors: [{ path: '/headers/idempotency-key', code: 'SG_IDEMPOTENCY_KEY_REUSED' }] });
      expect(await count(p.b, 'messages', id)).toBe(messages);
    });

    it('a key is scoped per API key and per method + path', async () => {
      const p = await start();
      const key = { 'idempotency-key': 'shared-key' };
      const mine = await rest(p.a, 'POST', '/v1/switches', quickStartVa(), key);
      const theirs = await rest(p.a, 'POST', '/v1/switches', quickStartVa(), { ...key, authorization: `Bearer ${OTHER_KEY}` });
      expect([mine.statusCode, theirs.statusCode, theirs.headers['idempotent-replayed']]).toEqual([201, 201, undefined]);
      expect(theirs.data.id).not.toBe(mine.data.id);
      // the same key on another route is another key
      await p.pump();
      const cancel = await rest(p.a, 'POST', `/v1/switches/${mine.data.id}/cancel`, { kind: 'STR-AUF' }, key);
      expect([cancel.statusCode, cancel.headers['idempotent-replayed']]).toEqual([202, undefined]);
    });

    it('a malformed key is a 400 naming the header; requests refused before the command leave no key behind', async () => {
      const p = await start();
      const long = await rest(p.a, 'POST', '/v1/switches', quickStartVa(), { 'idempotency-key': 'k'.repeat(256) });
      expect(long.statusCode).toBe(400);
      expect(long.data.errors[0]).toMatchObject({ path: '/headers/idempotency-key', rule: 'maxLength' });
      const invalid = await rest(p.a, 'POST', '/v1/switches', { ...quickStartVa(), bogus: 1 }, { 'idempotency-key': 'k-invalid' });
      expect(invalid.statusCode).toBe(400);
      expect(await count(p.a, 'idempotency_keys')).toBe(0);
      // the corrected request may use the key
      const ok = await rest(p.a, 'POST', '/v1/switches', quickStartVa(), { 'idempotency-key': 'k-invalid' });
      expect(ok.statusCode, ok.body).toBe(201);
    });

    it('while the first request runs, the same key is 409 SG_IDEMPOTENCY_IN_FLIGHT; afterwards its answer is replayed', async () => {
      const p = await start();
      const service = p.a.wbci;
      const original = service.startSwitch.bind(service);
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      let runs = 0;
      service.startSwitch = async (...args: Parameters<typeof original>) => {
        runs++;
        await gate;
        return original(...args);
      };
      const key = { 'idempotency-key': 'slow-1' };
      const first = rest(p.a, 'POST', '/v1/switches', quickStartVa(), key);
      // the claim is in the database before the command runs
      for (let i = 0; i < 200 && runs === 0; i++) await new Promise((r) => setTimeout(r, 5));
      expect(runs).toBe(1);
      const during = await rest(p.a, 'POST', '/v1/switches', quickStartVa(), key);
      expect(during.statusCode).toBe(409);
      expect(during.data).toMatchObject({ code: 'SG_IDEMPOTENCY_IN_FLIGHT', errors: [{ path: '/headers/idempotency-key' }] });
      release();
      const done = await first;
      expect(done.statusCode, done.body).toBe(201);
      const after = await rest(p.a, 'POST', '/v1/switches', quickStartVa(), key);
      expect([after.statusCode, after.headers['idempotent-replayed'], after.data.id, after.headers.location]).toEqual([201, 'true', done.data.id, done.headers.location]);
      expect(runs).toBe(1);
    });

    it('identical requests racing over real HTTP: the command runs once', async () => {
      const p = await start();
      const base = await p.a.listen(0, '127.0.0.1');
      const post = (path: string, body: unknown, key: string) =>
        fetch(`${base}${path}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json', 'idempotency-key': key },
          body: JSON.stringify(body),
        }).then(async (r) => ({ status: r.status, replayed: r.headers.get('idempotent-replayed'), data: (await r.json()) as { id?: string; code?: string; messageId?: string } }));

      const casesBefore = await count(p.a, 'cases');
      const starts = await Promise.all(Array.from({ length: 8 }, () => post('/v1/switches', quickStartVa(), 'race-start')));
      const ran = starts.filter((r) => r.status === 201 && r.replayed === null);
      expect(ran, JSON.stringify(starts)).toHaveLength(1);
      for (const r of starts) {
        if (r.status === 201) expect(r.data.id).toBe(ran[0]!.data.id);
        else expect([r.status, r.data.code]).toEqual([409, 'SG_IDEMPOTENCY_IN_FLIGHT']);
      }
      expect(await count(p.a, 'cases')).toBe(casesBefore + 1);

      // a command on the case, raced the same way: one STR-AUF
      const id = ran[0]!.data.id!;
      await p.pump();
      const outboxBefore = await count(p.a, 'outbox', id);
      const cancels = await Promise.all(Array.from({ length: 8 }, () => post(`/v1/switches/${id}/cancel`, { kind: 'STR-AUF' }, 'race-cancel')));
      expect(cancels.filter((r) => r.status === 202 && r.replayed === null)).toHaveLength(1);
      for (const r of cancels) expect([202, 409]).toContain(r.status);
      expect(new Set(cancels.filter((r) => r.status === 202).map((r) => r.data.messageId)).size).toBe(1);
      expect(await count(p.a, 'outbox', id)).toBe(outboxBefore + 1);
    });

    it('keys expire after idempotency.ttlHours: an expired key is new, and the sweep deletes it', async () => {
      pair = await startPair(open, { configA: { idempotency: { ttlHours: 2 } } as never });
      const p = pair;
      const key = { 'idempotency-key': 'ttl-1' };
      const first = await rest(p.a, 'POST', '/v1/switches', quickStartVa(), key);
      expect(first.statusCode).toBe(201);
      p.clock.advance(119 * 60_000);
      expect(await p.a.sweepIdempotencyKeys()).toBe(0);
      expect((await rest(p.a, 'POST', '/v1/switches', quickStartVa(), key)).headers['idempotent-replayed']).toBe('true');
      p.clock.advance(2 * 60_000);
      // expired but not swept yet: the key is free again
      const second = await rest(p.a, 'POST', '/v1/switches', quickStartVa({ lastName: 'Other' }), key);
      expect([second.statusCode, second.headers['idempotent-replayed']]).toEqual([201, undefined]);
      expect(second.data.id).not.toBe(first.data.id);
      await rest(p.a, 'POST', '/v1/switches', quickStartVa(), { 'idempotency-key': 'ttl-2' });
      expect(await count(p.a, 'idempotency_keys')).toBe(2);
      p.clock.advance(3 * 3_600_000);
      expect(await p.a.sweepIdempotencyKeys()).toBe(2);
      expect(await count(p.a, 'idempotency_keys')).toBe(0);
    });

    it('dead-letter replay takes a key too', async () => {
      const p = await start();
      p.transport.targets.delete('DEU.EKPB');
      await rest(p.a, 'POST', '/v1/switches', quickStartVa());
      await p.a.deliver();
      const { items } = (await rest(p.a, 'GET', '/v1/dead-letters')).data as { items: { id: string }[] };
      expect(items).toHaveLength(1);
      const key = { 'idempotency-key': 'replay-1' };
      const first = await rest(p.a, 'POST', `/v1/dead-letters/${items[0]!.id}/replay`, undefined, key);
      const again = await rest(p.a, 'POST', `/v1/dead-letters/${items[0]!.id}/replay`, undefined, key);
      expect([first.statusCode, again.statusCode, again.headers['idempotent-replayed'], again.body]).toEqual([202, 202, 'true', first.body]);
      // without the key the second replay is what it is: nothing left to replay
      expect((await rest(p.a, 'POST', `/v1/dead-letters/${items[0]!.id}/replay`)).statusCode).toBe(404);
    });
  });

  describe('dead letters are cursor-paged', () => {
    it('{ items, nextCursor } newest first, like every list; a foreign cursor is 400', async () => {
      const p = await start();
      p.transport.targets.delete('DEU.EKPB');
      for (let i = 0; i < 3; i++) await rest(p.a, 'POST', '/v1/switches', quickStartVa({ lastName: `L${i}` }));
      await p.a.deliver();
      const first = await rest(p.a, 'GET', '/v1/dead-letters?limit=2');
      expect(first.statusCode, first.body).toBe(200);
      expect(first.data.items).toHaveLength(2);
      expect(typeof first.data.nextCursor).toBe('string');
      const second = await rest(p.a, 'GET', `/v1/dead-letters?limit=2&cursor=${encodeURIComponent(first.data.nextCursor)}`);
      expect(second.data.items).toHaveLength(1);
      expect(second.data.nextCursor).toBeNull();
      const ids = [...first.data.items, ...second.data.items].map((d: { id: string }) => Number(d.id));
      expect(ids).toEqual([...ids].sort((x, y) => y - x));
      expect(new Set(ids).size).toBe(3);
      const caseCursor = (await rest(p.a, 'GET', '/v1/switches?limit=1')).data.nextCursor as string;
      for (const bad of ['nope', caseCursor]) {
        const r = await rest(p.a, 'GET', `/v1/dead-letters?cursor=${encodeURIComponent(bad)}`);
        expect(r.statusCode).toBe(400);
        expect(r.data).toMatchObject({ code: 'SG_INVALID_CURSOR', errors: [{ path: '/query/cursor' }] });
      }
    });
  });

  describe('ETag / If-Match', () => {
    const version = async (gw: Gateway, id: string) => (await gw.store.db.selectFrom('cases').select('version').where('id', '=', id).executeTakeFirstOrThrow()).version;

    it('reads carry the case version; a stale If-Match is 412 and changes nothing; the current one runs and answers the new ETag', async () => {
      const p = await start();
      const id = await vaAtB(p);
      const read = await rest(p.b, 'GET', `/v1/switches/${id}`);
      expect(read.headers.etag).toBe(`"${await version(p.b, id)}"`);
      const messages = await count(p.b, 'messages', id);
      const stale = await rest(p.b, 'POST', `/v1/switches/${id}/answer`, accept(), { 'if-match': `"${(await version(p.b, id)) - 1}"` });
      expect(stale.statusCode).toBe(412);
      expect(stale.data).toMatchObject({ status: 412, code: 'SG_PRECONDITION_FAILED', errors: [{ path: '/headers/if-match' }] });
      expect(await count(p.b, 'messages', id)).toBe(messages);
      const weak = await rest(p.b, 'POST', `/v1/switches/${id}/answer`, accept(), { 'if-match': `W/${read.headers.etag}` });
      expect(weak.statusCode).toBe(412);
      const malformed = await rest(p.b, 'POST', `/v1/switches/${id}/answer`, accept(), { 'if-match': '7' });
      expect(malformed.statusCode).toBe(400);
      expect(malformed.data.errors[0]).toMatchObject({ path: '/headers/if-match' });

      const ok = await rest(p.b, 'POST', `/v1/switches/${id}/answer`, accept(), { 'if-match': read.headers.etag as string });
      expect(ok.statusCode, ok.body).toBe(202);
      expect(ok.headers.etag).toBe(`"${await version(p.b, id)}"`);
      expect(ok.headers.etag).not.toBe(read.headers.etag);
      expect((await rest(p.b, 'GET', `/v1/switches/${id}`)).headers.etag).toBe(ok.headers.etag);
      // the old ETag is stale now
      const late = await rest(p.b, 'POST', `/v1/switches/${id}/cancel`, { kind: 'STR-AUF' }, { 'if-match': read.headers.etag as string });
      expect(late.statusCode).toBe(412);
    });

    it('two commands racing on the same ETag: one runs, the other is 412 (the check is atomic with the write)', async () => {
      const p = await start();
      const id = await vaAtB(p);
      const etag = (await rest(p.b, 'GET', `/v1/switches/${id}`)).headers.etag as string;
      const outcomes = await Promise.all([
        rest(p.b, 'POST', `/v1/switches/${id}/answer`, accept(), { 'if-match': etag }),
        rest(p.b, 'POST', `/v1/switches/${id}/answer`, accept('2026-12-16'), { 'if-match': etag }),
      ]);
      expect(outcomes.map((o) => o.statusCode).sort()).toEqual([202, 412]);
      expect((await p.b.store.db.selectFrom('messages').select('type').where('case_id', '=', id).where('direction', '=', 'out').execute()).length).toBe(1);
    });

    it('If-Match: * needs the case to exist, any version', async () => {
      const p = await start();
      const id = await vaAtB(p);
      expect((await rest(p.b, 'POST', `/v1/switches/${id}/answer`, accept(), { 'if-match': '*' })).statusCode).toBe(202);
      expect((await rest(p.b, 'POST', '/v1/switches/DEU.EKPA.V999/answer', accept(), { 'if-match': '*' })).statusCode).toBe(404);
    });
  });

  describe('synchronous warnings', () => {
    it('a start with a short lead time answers its warning; the feed has it too; none → []', async () => {
      const p = await start();
      const short = await rest(p.a, 'POST', '/v1/switches', quickStartVa({ requestedDate: '2026-12-03' }));
      expect(short.statusCode, short.body).toBe(201);
      expect(short.data.warnings).toEqual([expect.objectContaining({ code: 'SG_DATE_SHORT_LEAD', path: expect.stringMatching(/requestedDate/) })]);
      expect(Object.keys(short.data.warnings[0]).sort()).toEqual(['code', 'message', 'path']);
      const feed = (await rest(p.a, 'GET', '/v1/events')).data.items as { type: string; caseId: string; data: { code: string } }[];
      expect(feed.filter((e) => e.type === 'case.warning' && e.caseId === short.data.id).map((e) => e.data.code)).toEqual(['SG_DATE_SHORT_LEAD']);
      const plain = await rest(p.a, 'POST', '/v1/switches', quickStartVa());
      expect(plain.data.warnings).toEqual([]);
    });

    it('a command answers the warnings it produced (a RUEM-VA with a Wechseltermin inside the short-lead window)', async () => {
      const p = await start();
      const id = await vaAtB(p, quickStartVa({ requestedDate: '2026-12-02' }));
      const ruem = await rest(p.b, 'POST', `/v1/switches/${id}/answer`, accept('2026-12-02'));
      expect(ruem.statusCode, ruem.body).toBe(202);
      expect(ruem.data.warnings).toEqual(expect.arrayContaining([expect.objectContaining({ code: 'SG_DATE_SHORT_LEAD', path: '/switchDate' })]));
      // and a command without any has an empty list
      await p.pump();
      const tvs = await rest(p.a, 'POST', `/v1/switches/${id}/reschedule`, { requestedDate: '2026-12-21' });
      expect([tvs.statusCode, tvs.data.warnings]).toEqual([202, []]);
    });
  });

  describe('unknown query parameters', () => {
    it('are refused on /v1 like unknown body fields; declared ones, the wire and the docs are untouched', async () => {
      const p = await start();
      const id = await vaAtB(p);
      for (const [method, url] of [
        ['GET', `/v1/switches/${id}?foo=1`],
        ['GET', '/v1/switches?foo=1'],
        ['GET', `/v1/switches/${id}/messages?foo=1`],
        ['GET', '/v1/dead-letters?foo=1'],
        ['POST', '/v1/switches?foo=1'],
      ] as const) {
        const r = await rest(p.a, method, url, method === 'POST' ? quickStartVa() : undefined);
        expect(r.statusCode, url).toBe(400);
        expect(r.data, url).toMatchObject({ code: 'SG_INVALID_REQUEST', errors: [{ path: '/query/foo', rule: 'additionalProperties' }] });
      }
      expect(await count(p.a, 'cases')).toBe(1);
      expect((await rest(p.a, 'GET', `/v1/switches/${id}/messages?raw=true`)).statusCode).toBe(200);
      expect((await rest(p.a, 'GET', '/v1/switches?limit=1&role=recipient')).statusCode).toBe(200);
      expect((await rest(p.a, 'GET', '/wbci/v1?wsdl')).statusCode).toBe(200);
      expect((await rest(p.a, 'GET', '/docs/json?foo=1')).statusCode).toBe(200);
      expect((await rest(p.a, 'GET', '/health/live?foo=1')).statusCode).toBe(200);
    });
  });
});

describeEachBackend('API ergonomics on the interconnection objects', ({ open }) => {
  let ic: InterconnectPair | undefined;
  afterEach(async () => {
    await ic?.close();
    ic = undefined;
  });

  it('a create replays under its key; reads carry the ETag; a stale If-Match is 412, the current one runs', { timeout: 120_000 }, async () => {
    ic = await startInterconnectPair(open, open);
    const call = async (node: InterconnectPair['op'], method: 'GET' | 'POST', path: string, body?: unknown, headers: Record<string, string> = {}) => {
      const res = await request(`${node.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${API_KEY}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      return { status: res.statusCode, headers: res.headers, data: (await res.body.json()) as { id: string; state: string; code?: string } };
    };
    const created = await call(ic.op, 'POST', '/v1/interconnect/requests', r2Body(['192.0.2.60']), { 'idempotency-key': 'ic-1' });
    expect(created.status, JSON.stringify(created.data)).toBe(201);
    const again = await call(ic.op, 'POST', '/v1/interconnect/requests', r2Body(['192.0.2.60']), { 'idempotency-key': 'ic-1' });
    expect([again.status, again.headers['idempotent-replayed'], again.data.id, again.headers.etag]).toEqual([201, 'true', created.data.id, created.headers.etag]);
    const id = created.data.id;
    await untilState(ic.tim, `requests/${id}`, 'SUBMITTED');
    const read = await call(ic.tim, 'GET', `/v1/interconnect/requests/${id}`);
    expect(read.headers.etag).toMatch(/^"\d+"$/);
    const stale = await call(ic.tim, 'POST', `/v1/interconnect/requests/${id}/progress`, {}, { 'if-match': '"999"' });
    expect([stale.status, stale.data.code]).toEqual([412, 'SG_PRECONDITION_FAILED']);
    expect((await call(ic.tim, 'GET', `/v1/interconnect/requests/${id}`)).data.state).toBe('SUBMITTED');
    const ok = await call(ic.tim, 'POST', `/v1/interconnect/requests/${id}/progress`, {}, { 'if-match': read.headers.etag as string });
    expect([ok.status, ok.data.state]).toEqual([200, 'IN_PROGRESS']);
    expect(ok.headers.etag).not.toBe(read.headers.etag);
    expect((await call(ic.tim, 'GET', `/v1/interconnect/requests/${id}`)).headers.etag).toBe(ok.headers.etag);
  });
});

describe('config idempotency.ttlHours', () => {
  const base = { self: { carrierCode: 'DEU.EKPA' } };
  it('defaults to absent (24 h) and takes whole hours from 1 to 720', () => {
    expect(parseConfig(base, 'test').idempotency).toBeUndefined();
    expect(parseConfig({ ...base, idempotency: { ttlHours: 48 } }, 'test').idempotency).toEqual({ ttlHours: 48 });
  });
  it.each([
    [{ ttlHours: 0 }, 'idempotency.ttlHours'],
    [{ ttlHours: 1.5 }, 'idempotency.ttlHours'],
    [{ ttlHours: '24' }, 'idempotency.ttlHours'],
    [{ ttlHours: 721 }, 'idempotency.ttlHours'],
    [{ ttl: 24 }, 'idempotency.ttl'],
  ])('%j is refused naming %s', (idempotency, key) => {
    let err: unknown;
    try {
      parseConfig({ ...base, idempotency }, 'test');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems.map((p) => p.key)).toContain(key);
  });
});
