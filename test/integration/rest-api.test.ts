/**
 * Acceptance: the northbound REST API as a CRM sees it (architecture.md "Northbound REST"):
 * WBCI code-table rules, bad input as RFC 9457 problems that change nothing, Idempotency-Key,
 * list filters and cursor pagination, the event feed (replay and long-poll), deadlines and the
 * overdue flag, a restart on the same database, signed webhooks with retries, health and docs.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, describeEachBackend, type TestDatabase } from '../support/backends.js';
import { eventually } from '../support/http-pair.js';
import { API_KEY, InProcessTransport, READ_ONLY_KEY, rest, silentLog, startPair, testConfig, type Pair } from '../support/gateway-pair.js';
import { createGateway, type Gateway } from '../../src/gateway.js';
import { ManualClock } from '../../src/domain/clock.js';
import { SIGNATURE_HEADER, signWebhook, WebhookDispatcher } from '../../src/delivery/webhooks.js';
import { allEvents } from '../support/events.js';
import { countHistory } from '../support/history.js';

// Monday 23 Nov 2026, 09:00 in Munich (the pair's default clock).
const START = '2026-11-23T09:00:00+01:00';
const KWT = '2026-12-15';

type Json = Record<string, unknown>;
type Res = Awaited<ReturnType<typeof rest>>;
interface FeedEvent {
  cursor: string;
  type: string;
  caseId: string | null;
  data: Json;
}

let customerSeq = 0;
const customer = () => ({ kind: 'person', salutation: 'Herr', firstName: 'Max', lastName: `Api${++customerSeq}` });
const location = { street: 'Hauptstr.', houseNumber: '1', postalCode: '80331', city: 'München' };
const numbers = { kind: 'single', portingWindow: 'ZF2', list: [{ areaCode: '89', number: '1234567' }] };
const vaBody = (extra: Json = {}): Json => ({ procedure: 'wbci', type: 'VA-KUE-MRN', donating: 'DEU.EKPB', requestedDate: KWT, customer: customer(), location, numbers, ...extra });
const acceptBody = (extra: Json = {}): Json => ({ result: 'accept', code: 'ZWA', switchDate: KWT, technology: '001', resources: [{ contractNumber: '1234567890' }], pkiAbg: 'D123', ...extra });

const TABLES = ['cases', 'messages', 'outbox', 'events', 'idempotency_keys'] as const;

async function rowCounts(gw: Gateway): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of TABLES) {
    const r = await gw.store.db.selectFrom(t).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    out[t] = Number(r.n);
  }
  out.history = await countHistory(gw.store.db);
  return out;
}

/**
 * The events as the table holds them, in the feed's documented order (tx, seq), once every one of
 * them is visible to feed readers (an event shows only when every older transaction of the
 * cluster has ended, src/store/repos/events.ts). The ground truth the REST feed is compared with.
 */
async function tableFeed(gw: Gateway): Promise<FeedEvent[]> {
  for (let attempt = 0; ; attempt++) {
    const events = await allEvents(gw.store.db);
    if (events.every((e) => e.visible)) return events.map((e) => ({ cursor: `${e.tx}-${e.seq}`, type: e.type, caseId: e.caseId, data: e.data as Json }));
    if (attempt > 500) throw new Error(`events stay invisible: ${events.filter((e) => !e.visible).length} of ${events.length}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * Makes the feed span a change in the number of digits of the transaction ids (999 → 1000, …):
 * where the feed compares or sorts cursors as text instead of numbers, that is where it breaks.
 */
async function crossTxDigitBoundary(gw: Gateway): Promise<void> {
  const db = gw.store.db;
  const first = await sql<{ tx: string }>`SELECT tx::text AS tx FROM events ORDER BY events.tx LIMIT 1`.execute(db);
  const now = await sql<{ tx: string }>`SELECT pg_current_xact_id()::text AS tx`.execute(db);
  if (!first.rows[0]) throw new Error('crossTxDigitBoundary needs an event before the boundary');
  const from = first.rows[0].tx;
  const current = Number(now.rows[0]!.tx);
  if (String(current).length > from.length) return; // already spans one
  const burn = 10 ** String(current).length - current - 1;
  if (burn > 20_000) throw new Error(`cannot reach the next transaction id digit from ${current}`);
  // one transaction id per COMMIT
  await sql.raw(`DO $$ BEGIN FOR i IN 1..${burn} LOOP PERFORM pg_current_xact_id(); COMMIT; END LOOP; END $$`).execute(db);
}

/** The whole REST feed, page by page. */
async function restFeed(gw: Gateway, limit = 1000): Promise<FeedEvent[]> {
  const all: FeedEvent[] = [];
  let after: string | null = null;
  for (let pages = 0; pages < 10_000; pages++) {
    const res = await rest(gw, 'GET', `/v1/events?limit=${limit}${after ? `&after=${after}` : ''}`);
    expect(res.statusCode, res.body).toBe(200);
    const items = res.data.items as FeedEvent[];
    if (items.length === 0) {
      expect(res.data.nextCursor).toBe(after);
      return all;
    }
    expect(res.data.nextCursor).toBe(items.at(-1)!.cursor);
    all.push(...items);
    after = res.data.nextCursor as string;
  }
  throw new Error('the feed does not end');
}

function expectProblem(res: Res, status: number, code: string) {
  expect(res.statusCode, res.body).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.data).toMatchObject({ type: expect.stringMatching(/^https?:\/\/\S+$/), title: expect.any(String), status, code });
  expect(res.body).not.toMatch(/\bat .*\.(ts|js):\d+/); // never a stack trace
}

describeEachBackend('northbound REST API', ({ backend, open }) => {
  // -------------------------------------------------------------------------------------------
  describe('requests on one pair', () => {
    let pair: Pair;
    beforeAll(async () => {
      pair = await startPair(open, { now: START });
    });
    afterAll(async () => pair?.close());

    const A = (method: 'GET' | 'POST', url: string, body?: unknown, headers?: Record<string, string>) => rest(pair.a, method, url, body, headers);
    const B = (method: 'GET' | 'POST', url: string, body?: unknown, headers?: Record<string, string>) => rest(pair.b, method, url, body, headers);

    /** A VA from A, delivered: B holds it AWAITING_ANSWER. */
    async function newVa(extra: Json = {}): Promise<string> {
      const res = await A('POST', '/v1/switches', vaBody(extra));
      expect(res.statusCode, res.body).toBe(201);
      await pair.pump();
      return res.data.id as string;
    }

    /** The call is refused as a problem document and neither database changes. */
    async function expectRejected(call: () => Promise<Res>, status: number, code: string, error?: Json): Promise<Res> {
      await pair.pump();
      const before = { a: await rowCounts(pair.a), b: await rowCounts(pair.b) };
      const res = await call();
      expectProblem(res, status, code);
      if (error) {
        expect(res.data.errors, res.body).toEqual(expect.any(Array));
        expect(res.data.errors, res.body).toContainEqual(expect.objectContaining(error));
      }
      await pair.pump();
      expect({ a: await rowCounts(pair.a), b: await rowCounts(pair.b) }).toEqual(before);
      return res;
    }

    describe('WBCI code table through REST', () => {
      it('RUEM-VA carries exactly one of ZWA / NAT: the code is required and only those four values are taken', async () => {
        const id = await newVa();
        const { code: _code, ...noCode } = acceptBody();
        await expectRejected(() => B('POST', `/v1/switches/${id}/answer`, noCode), 400, 'SG_INVALID_REQUEST', { path: '/code', rule: 'required' });
        await expectRejected(() => B('POST', `/v1/switches/${id}/answer`, acceptBody({ code: '8104' })), 400, 'SG_INVALID_REQUEST', { path: '/code', rule: 'enum' });
        await expectRejected(() => B('POST', `/v1/switches/${id}/answer`, acceptBody({ code: ['ZWA', 'NAT'] })), 400, 'SG_INVALID_REQUEST', { path: '/code' });
        const ok = await B('POST', `/v1/switches/${id}/answer`, acceptBody({ code: '8002', switchDate: '2026-12-16' }));
        expect(ok.statusCode, ok.body).toBe(202);
        const ruem = (await B('GET', `/v1/switches/${id}/messages`)).data.items.at(-1);
        // the message sent carries each code's standard text, as the wire does (0021)
        expect(ruem.body.positions).toEqual([{ code: '8002', text: 'Auftragsbestätigung (NAT)' }]);
      });

      it('ADA corrections: one corrected value per code, each value checked like the field it corrects', async () => {
        const id = await newVa();
        await expectRejected(
          () => B('POST', `/v1/switches/${id}/answer`, acceptBody({ corrections: [{ field: 'postalCode', value: '8033' }] })),
          422,
          'SG_VALIDATION',
          { path: '/corrections/0/value', code: 'SG_FIELD_FORMAT' },
        );
        await expectRejected(
          () => B('POST', `/v1/switches/${id}/answer`, acceptBody({ corrections: [{ field: 'district', value: 'Au' }] })),
          400,
          'SG_INVALID_REQUEST',
          { path: '/corrections/0/field', rule: 'enum' },
        );
        const ok = await B('POST', `/v1/switches/${id}/answer`, acceptBody({ code: 'NAT', corrections: [{ field: 'houseNumber', value: '3' }] }));
        expect(ok.statusCode, ok.body).toBe(202);
        const ruem = (await B('GET', `/v1/switches/${id}/messages`)).data.items.at(-1);
        expect(ruem.body.positions).toEqual([
          { code: '8002', text: 'Auftragsbestätigung (NAT)' },
          { code: '8107', text: 'Adresse abweichend Hausnummer', corrected: { field: 'houseNumber', value: '3' } },
        ]);
      });

      it('SONST (8116) needs a reason; a reason needs SONST, 8115, 8141 or 8142', async () => {
        const id = await newVa();
        await expectRejected(() => B('POST', `/v1/switches/${id}/answer`, { result: 'reject', codes: [{ code: '8116' }] }), 422, 'SG_VALIDATION', {
          path: '/reason',
          rule: 'sonstReason',
          code: 'SG_CODE_RULE',
        });
        await expectRejected(() => B('POST', `/v1/switches/${id}/answer`, { result: 'reject', codes: [{ code: '8116' }], reason: '   ' }), 422, 'SG_VALIDATION', {
          path: '/reason',
          rule: 'sonstReason',
        });
        await expectRejected(() => B('POST', `/v1/switches/${id}/answer`, { result: 'reject', codes: [{ code: '8117' }], reason: 'kenne ich nicht' }), 422, 'SG_VALIDATION', {
          path: '/reason',
          rule: 'reasonWithoutCode',
        });
        const ok = await B('POST', `/v1/switches/${id}/answer`, { result: 'reject', codes: [{ code: '8116' }], reason: 'Anschluss bereits gekündigt' });
        expect(ok.statusCode, ok.body).toBe(202);
        expect(ok.data.case.state).toBe('REJECTED');
      });

      it('an ABBM with only ADF codes is refused on send; ADF with another code is fine', async () => {
        const id = await newVa();
        await expectRejected(() => B('POST', `/v1/switches/${id}/answer`, { result: 'reject', codes: [{ code: '8108' }, { code: '8110' }] }), 422, 'SG_VALIDATION', {
          path: '/codes',
          rule: 'adfOnly',
          code: 'SG_CODE_RULE',
        });
        await expectRejected(() => B('POST', `/v1/switches/${id}/answer`, { result: 'reject', codes: [] }), 422, 'SG_VALIDATION', { path: '/codes' });
        await expectRejected(() => B('POST', `/v1/switches/${id}/answer`, { result: 'reject', codes: [{ code: '8001' }] }), 422, 'SG_VALIDATION', {
          path: '/codes/0/code',
          rule: 'allowedIn',
        });
        const ok = await B('POST', `/v1/switches/${id}/answer`, { result: 'reject', codes: [{ code: '8108' }, { code: '8112' }] });
        expect(ok.statusCode, ok.body).toBe(202);
      });

      it('ABBM-TR takes only 8140 and 8143–8148', async () => {
        const id = await newVa();
        expect((await B('POST', `/v1/switches/${id}/answer`, acceptBody())).statusCode).toBe(202);
        await pair.pump();
        expect((await A('POST', `/v1/switches/${id}/resource-handover`, { takeOver: true, lines: [{ contractNumber: '1234567890' }] })).statusCode).toBe(202);
        await pair.pump();
        for (const code of ['8141', '8117', '8003', '8149']) {
          await expectRejected(() => B('POST', `/v1/switches/${id}/resource-handover/answer`, { codes: [{ code }] }), 422, 'SG_VALIDATION', {
            path: '/codes/0/code',
            code: 'SG_CODE_RULE',
          });
        }
        const ok = await B('POST', `/v1/switches/${id}/resource-handover/answer`, { codes: [{ code: '8145' }, { code: '8146' }] });
        expect(ok.statusCode, ok.body).toBe(202);
        expect(ok.data.case.state).toBe('AGREED');
      });

      it('RNG (8103) carries up to 10 valid numbers; no other code carries numbers', async () => {
        const id = await newVa();
        // national numbers as the wire carries them: ONKZ without the 0, then the Rufnummer
        const n = (i: number) => `8912345${i}`;
        await expectRejected(() => B('POST', `/v1/switches/${id}/answer`, { result: 'reject', codes: [{ code: '8117', numbers: [n(1)] }] }), 422, 'SG_VALIDATION', {
          path: '/codes/0/numbers',
          rule: 'numbersOnlyRng',
        });
        await expectRejected(
          () => B('POST', `/v1/switches/${id}/answer`, { result: 'reject', codes: [{ code: '8103', numbers: Array.from({ length: 11 }, (_, i) => n(i)) }] }),
          422,
          'SG_VALIDATION',
          { path: '/codes/0/numbers' },
        );
        await expectRejected(() => B('POST', `/v1/switches/${id}/answer`, { result: 'reject', codes: [{ code: '8103', numbers: [n(1), '0891234567'] }] }), 422, 'SG_VALIDATION', {
          path: '/codes/0/numbers/1',
          code: 'SG_FIELD_FORMAT',
        });
        await expectRejected(() => B('POST', `/v1/switches/${id}/answer`, { result: 'reject', codes: [{ code: '8103', numbers: [{ areaCode: '89', number: '1234567' }] }] }), 400, 'SG_INVALID_REQUEST', {
          path: '/codes/0/numbers/0',
          rule: 'type',
        });
        const ok = await B('POST', `/v1/switches/${id}/answer`, { result: 'reject', codes: [{ code: '8103', numbers: [n(1), n(2)] }] });
        expect(ok.statusCode, ok.body).toBe(202);
        await pair.pump();
        const abbm = (await A('GET', `/v1/switches/${id}/messages`)).data.items.at(-1);
        expect(abbm.body.positions).toEqual([{ code: '8103', text: 'Rufnummer nicht geschaltet', numbers: [n(1), n(2)] }]);
      });
    });

    describe('bad input: a precise problem document, nothing stored', () => {
      it('malformed JSON → 400 SG_MALFORMED_BODY', async () => {
        await expectRejected(
          () => pair.a.app.inject({ method: 'POST', url: '/v1/switches', headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' }, payload: '{"procedure": "wbci",' }).then((r) => Object.assign(r, { data: JSON.parse(r.body) as unknown })),
          400,
          'SG_MALFORMED_BODY',
        );
      });

      it('an unknown field → 400 naming it', async () => {
        const body = vaBody();
        body.customer = { ...(body.customer as Json), nickname: 'Maxi' };
        const res = await expectRejected(() => A('POST', '/v1/switches', body), 400, 'SG_INVALID_REQUEST', { path: '/customer/nickname', rule: 'additionalProperties' });
        expect(res.data.detail).toContain('/customer/nickname');
        await expectRejected(() => A('POST', '/v1/switches', { ...vaBody(), colour: 'blue' }), 400, 'SG_INVALID_REQUEST', { path: '/colour' });
      });

      it('a wrong type is not coerced → 400', async () => {
        await expectRejected(() => A('POST', '/v1/switches', vaBody({ requestedDate: 20261215 })), 400, 'SG_INVALID_REQUEST', { path: '/requestedDate', rule: 'type' });
        await expectRejected(() => A('POST', '/v1/switches', vaBody({ numbers: { ...numbers, list: [{ areaCode: 89, number: '1234567' }] } })), 400, 'SG_INVALID_REQUEST', {
          path: '/numbers/list/0/areaCode',
          rule: 'type',
        });
        const id = await newVa();
        expect((await B('POST', `/v1/switches/${id}/answer`, acceptBody())).statusCode).toBe(202);
        await pair.pump();
        await expectRejected(() => A('POST', `/v1/switches/${id}/resource-handover`, { takeOver: 'true' }), 400, 'SG_INVALID_REQUEST', { path: '/takeOver', rule: 'type' });
      });

      it('a missing mandatory field → 400 naming it', async () => {
        const { customer: _c, ...noCustomer } = vaBody();
        await expectRejected(() => A('POST', '/v1/switches', noCustomer), 400, 'SG_INVALID_REQUEST', { path: '/customer', rule: 'required' });
      });

      it('a wrong format → 422 with the field path', async () => {
        await expectRejected(() => A('POST', '/v1/switches', vaBody({ location: { ...location, postalCode: '8033' } })), 422, 'SG_VALIDATION', {
          path: '/location/postalCode',
          code: 'SG_FIELD_FORMAT',
        });
        await expectRejected(() => A('POST', '/v1/switches', vaBody({ requestedDate: '2026-02-30' })), 422, 'SG_VALIDATION', { path: '/requestedDate' });
        await expectRejected(() => A('POST', '/v1/switches', vaBody({ type: 'VA-RRNP' })), 422, 'SG_VALIDATION', { path: '/pkiAuf' });
        await expectRejected(() => A('POST', '/v1/switches', vaBody({ donating: 'DEU.NOPE' })), 422, 'SG_UNKNOWN_PEER', { path: '/donating' });
      });

      it('an unknown case → 404', async () => {
        for (const url of ['/v1/switches/DEU.EKPB.V000000001', '/v1/switches/DEU.EKPB.V000000001/messages']) {
          await expectRejected(() => A('GET', url), 404, 'SG_NOT_FOUND');
        }
        await expectRejected(() => A('POST', '/v1/switches/nope/cancel', { kind: 'STR-AUF' }), 404, 'SG_NOT_FOUND');
      });

      it('no or a wrong API key → 401 with www-authenticate; a key without the scope → 403', async () => {
        const noKey = await expectRejected(() => pair.a.app.inject({ method: 'POST', url: '/v1/switches', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(vaBody()) }).then((r) => Object.assign(r, { data: JSON.parse(r.body) as unknown })), 401, 'SG_UNAUTHENTICATED');
        expect(noKey.headers['www-authenticate']).toMatch(/^Bearer /);
        const wrong = await expectRejected(() => A('POST', '/v1/switches', vaBody(), { authorization: 'Bearer not-a-key' }), 401, 'SG_UNAUTHENTICATED');
        expect(wrong.headers['www-authenticate']).toMatch(/^Bearer /);
        const basic = await expectRejected(() => A('GET', '/v1/switches', undefined, { authorization: `Basic ${Buffer.from(`x:${API_KEY}`).toString('base64')}` }), 401, 'SG_UNAUTHENTICATED');
        expect(basic.headers['www-authenticate']).toMatch(/^Bearer /);
        await expectRejected(() => A('POST', '/v1/switches', vaBody(), { authorization: `Bearer ${READ_ONLY_KEY}` }), 403, 'SG_FORBIDDEN');
        await expectRejected(() => A('GET', '/v1/events', undefined, { authorization: `Bearer ${READ_ONLY_KEY}` }), 403, 'SG_FORBIDDEN');
        // the read-only key reads
        expect((await A('GET', '/v1/switches?limit=1', undefined, { authorization: `Bearer ${READ_ONLY_KEY}` })).statusCode).toBe(200);
      });
    });

    describe('Idempotency-Key on POST /v1/switches', () => {
      it('the same key and body twice → one case, the second answer replayed', async () => {
        const body = vaBody();
        const before = await rowCounts(pair.a);
        const first = await A('POST', '/v1/switches', body, { 'idempotency-key': `k-${backend}-1` });
        expect(first.statusCode, first.body).toBe(201);
        expect(first.headers['idempotent-replayed']).toBeUndefined();
        const second = await A('POST', '/v1/switches', body, { 'idempotency-key': `k-${backend}-1` });
        expect(second.statusCode, second.body).toBe(201);
        expect(second.headers['idempotent-replayed']).toBe('true');
        expect(second.data.id).toBe(first.data.id);
        const after = await rowCounts(pair.a);
        expect({ cases: after.cases - before.cases, messages: after.messages - before.messages, outbox: after.outbox - before.outbox, keys: after.idempotency_keys - before.idempotency_keys }).toEqual({
          cases: 1,
          messages: 1,
          outbox: 1,
          keys: 1,
        });
        await pair.pump();
        expect((await B('GET', `/v1/switches/${first.data.id}/messages`)).data.items).toHaveLength(1);
      });

      it('the same key with another body → 422 SG_IDEMPOTENCY_KEY_REUSED', async () => {
        const first = await A('POST', '/v1/switches', vaBody(), { 'idempotency-key': `k-${backend}-2` });
        expect(first.statusCode).toBe(201);
        await expectRejected(() => A('POST', '/v1/switches', vaBody(), { 'idempotency-key': `k-${backend}-2` }), 422, 'SG_IDEMPOTENCY_KEY_REUSED', {
          path: '/headers/idempotency-key',
        });
      });

      it('the same values with the keys in another order are the same request → replayed, one case', async () => {
        const body = vaBody();
        const reordered = Object.fromEntries(Object.entries(body).reverse());
        expect(JSON.stringify(reordered)).not.toBe(JSON.stringify(body));
        const before = await rowCounts(pair.a);
        const first = await A('POST', '/v1/switches', body, { 'idempotency-key': `k-${backend}-order` });
        expect(first.statusCode, first.body).toBe(201);
        const second = await A('POST', '/v1/switches', reordered, { 'idempotency-key': `k-${backend}-order` });
        expect([second.statusCode, second.headers['idempotent-replayed'], second.data.id]).toEqual([201, 'true', first.data.id]);
        const after = await rowCounts(pair.a);
        expect({ cases: after.cases - before.cases, messages: after.messages - before.messages }).toEqual({ cases: 1, messages: 1 });
      });

      it('a key stored before key order was ignored (its fingerprint the body as received) is still answered as a retry', async () => {
        const body = vaBody();
        const key = `k-${backend}-legacy`;
        const first = await A('POST', '/v1/switches', body, { 'idempotency-key': key });
        expect(first.statusCode, first.body).toBe(201);
        // as the gateway before this rule stored it: the SHA-256 of the body in the order received
        const legacy = createHash('sha256').update(JSON.stringify(body)).digest('hex');
        const stored = await pair.a.store.db.updateTable('idempotency_keys').set({ request_hash: legacy }).where('key', '=', key).executeTakeFirst();
        expect(Number(stored.numUpdatedRows)).toBe(1);
        const again = await A('POST', '/v1/switches', body, { 'idempotency-key': key });
        expect([again.statusCode, again.headers['idempotent-replayed'], again.data.id]).toEqual([201, 'true', first.data.id]);
        // another body under that key is still refused
        await expectRejected(() => A('POST', '/v1/switches', vaBody(), { 'idempotency-key': key }), 422, 'SG_IDEMPOTENCY_KEY_REUSED', { path: '/headers/idempotency-key' });
      });

      it('concurrent requests with the same key → one case', async () => {
        const body = vaBody();
        const before = await rowCounts(pair.a);
        const answers = await Promise.all(Array.from({ length: 5 }, () => A('POST', '/v1/switches', body, { 'idempotency-key': `k-${backend}-3` })));
        // one runs; the others are answered with its result, or 409 while it is still running
        const created = answers.filter((r) => r.statusCode === 201);
        for (const r of answers) if (r.statusCode !== 201) expect([r.statusCode, r.data.code], r.body).toEqual([409, 'SG_IDEMPOTENCY_IN_FLIGHT']);
        expect(new Set(created.map((r) => r.data.id)).size).toBe(1);
        expect(created.filter((r) => r.headers['idempotent-replayed'] !== 'true')).toHaveLength(1);
        const after = await rowCounts(pair.a);
        expect({ cases: after.cases - before.cases, outbox: after.outbox - before.outbox }).toEqual({ cases: 1, outbox: 1 });
      });
    });

    describe('event feed GET /v1/events', () => {
      it('is ordered and replayable from any cursor', async () => {
        const id = await newVa();
        await crossTxDigitBoundary(pair.a);
        await newVa();
        const truth = await tableFeed(pair.a);
        const all = await restFeed(pair.a);
        // every event once, in (tx, seq) order
        expect(all.map((e) => e.cursor)).toEqual(truth.map((e) => e.cursor));
        expect(all.map((e) => [e.type, e.caseId, e.data])).toEqual(truth.map((e) => [e.type, e.caseId, e.data]));
        // the same feed read in pages of 3
        expect(await restFeed(pair.a, 3)).toEqual(all);
        const mine = all.filter((e) => e.caseId === id).map((e) => e.type);
        expect(mine).toEqual(['message.queued', 'case.case-opened', 'message.delivered']);
        for (const k of [0, Math.floor(all.length / 2), all.length - 2]) {
          const tail = await A('GET', `/v1/events?limit=1000&after=${all[k]!.cursor}`);
          expect(tail.data.items).toEqual(all.slice(k + 1));
        }
        const end = await A('GET', `/v1/events?after=${all.at(-1)!.cursor}`);
        expect(end.data).toEqual({ items: [], nextCursor: all.at(-1)!.cursor });
      });

      it('long-poll: wait=2 returns as soon as an event arrives', async () => {
        const all = await tableFeed(pair.a);
        const last = all.at(-1)!.cursor;
        const started = Date.now();
        const poll = A('GET', `/v1/events?after=${last}&wait=2`);
        await new Promise((r) => setTimeout(r, 100));
        const created = await A('POST', '/v1/switches', vaBody());
        expect(created.statusCode).toBe(201);
        const res = await poll;
        const elapsed = Date.now() - started;
        expect(res.statusCode, res.body).toBe(200);
        expect((res.data.items as FeedEvent[]).map((e) => e.caseId)).toContain(created.data.id);
        expect(elapsed).toBeLessThan(1500);
        await pair.pump();
      });

      it('long-poll with nothing new returns empty when the wait is over', async () => {
        const all = await tableFeed(pair.a);
        const last = all.at(-1)!.cursor;
        const started = Date.now();
        const res = await A('GET', `/v1/events?after=${last}&wait=1`);
        expect(Date.now() - started).toBeGreaterThanOrEqual(900);
        expect(res.data).toEqual({ items: [], nextCursor: last });
      });

      it('an invalid cursor → 400 SG_INVALID_CURSOR', async () => {
        for (const bad of ['abc', '1-', '-1-2', '99999999999999999999999-1']) {
          await expectRejected(() => A('GET', `/v1/events?after=${encodeURIComponent(bad)}`), 400, 'SG_INVALID_CURSOR', { path: '/query/after' });
        }
        await expectRejected(() => A('GET', '/v1/events?wait=61'), 400, 'SG_INVALID_REQUEST', { path: '/query/wait' });
      });
    });

    describe('health and docs', () => {
      it('/health/live and /health/ready answer 200 without a key', async () => {
        const live = await pair.a.app.inject({ method: 'GET', url: '/health/live' });
        expect(live.statusCode).toBe(200);
        const ready = await pair.a.app.inject({ method: 'GET', url: '/health/ready' });
        expect(ready.statusCode, ready.body).toBe(200);
        expect(JSON.parse(ready.body)).toMatchObject({ status: 'ok', database: 'ok', migrations: { pending: [] } });
      });

      it('/docs serves the UI and /docs/json the OpenAPI document with the switch paths', async () => {
        const ui = await pair.a.app.inject({ method: 'GET', url: '/docs' });
        expect([200, 302]).toContain(ui.statusCode);
        if (ui.statusCode === 200) expect(ui.headers['content-type']).toMatch(/text\/html/);
        const doc = await pair.a.app.inject({ method: 'GET', url: '/docs/json' });
        expect(doc.statusCode).toBe(200);
        const openapi = JSON.parse(doc.body) as { openapi: string; paths: Record<string, Record<string, unknown>> };
        expect(openapi.openapi).toMatch(/^3\./);
        for (const [path, method] of [
          ['/v1/switches', 'post'],
          ['/v1/switches', 'get'],
          ['/v1/switches/{id}', 'get'],
          ['/v1/switches/{id}/messages', 'get'],
          ['/v1/switches/{id}/answer', 'post'],
          ['/v1/switches/{id}/resource-handover', 'post'],
          ['/v1/switches/{id}/resource-handover/answer', 'post'],
          ['/v1/switches/{id}/reschedule', 'post'],
          ['/v1/switches/{id}/cancel', 'post'],
          ['/v1/switches/{id}/changes/{changeId}/answer', 'post'],
          ['/v1/events', 'get'],
        ] as const) {
          expect(openapi.paths[path]?.[method], `${method} ${path}`).toBeDefined();
        }
      });
    });

    describe('webhooks', () => {
      let server: Server;
      let url = '';
      const received: { status: number; eventId: string; body: string; signature: string }[] = [];
      let failuresLeft = 2;
      const SECRET = 'whsec-test';

      beforeAll(async () => {
        server = createServer((req: IncomingMessage, res) => {
          let body = '';
          req.setEncoding('utf8');
          req.on('data', (c: string) => (body += c));
          req.on('end', () => {
            const status = failuresLeft-- > 0 ? 500 : 204;
            received.push({ status, eventId: String(req.headers['switchgate-event-id']), body, signature: String(req.headers[SIGNATURE_HEADER]) });
            res.writeHead(status).end();
          });
        });
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
        const addr = server.address();
        url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/hook`;
      });
      afterAll(async () => {
        await new Promise<void>((resolve) => server?.close(() => resolve()));
      });

      it('every event arrives signed, in feed order, exactly once, after two failed deliveries', async () => {
        const id = await newVa();
        const feed = await tableFeed(pair.a);
        expect(feed.some((e) => e.caseId === id)).toBe(true);
        const dispatcher = new WebhookDispatcher({
          db: pair.a.store.db,
          bus: pair.a.bus,
          log: silentLog(),
          webhook: { url, secretEnv: 'UNUSED', name: `test-${backend}` },
          secret: SECRET,
          policy: { maxAttempts: Number.POSITIVE_INFINITY, baseMs: 10, capMs: 40 },
        });
        dispatcher.start();
        try {
          // until all are in, or nothing more arrives for 3 s
          let seen = -1;
          let quietSince = Date.now();
          while (received.filter((r) => r.status === 204).length < feed.length && Date.now() - quietSince < 3_000) {
            if (received.length !== seen) [seen, quietSince] = [received.length, Date.now()];
            await new Promise((r) => setTimeout(r, 20));
          }
        } finally {
          await dispatcher.stop();
        }
        expect(received.slice(0, 3).map((r) => r.status)).toEqual([500, 500, 204]);
        // the failed ones were the first event, retried
        expect(new Set(received.slice(0, 3).map((r) => r.eventId))).toEqual(new Set([feed[0]!.cursor]));
        const delivered = received.filter((r) => r.status === 204);
        expect(delivered.map((r) => r.eventId)).toEqual(feed.map((e) => e.cursor));
        for (const r of received) {
          const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(r.signature);
          expect(m, r.signature).not.toBeNull();
          expect(r.signature).toBe(signWebhook(SECRET, Number(m![1]), r.body));
          expect(r.signature).not.toBe(signWebhook('another-secret', Number(m![1]), r.body));
        }
        const bodies = delivered.map((r) => JSON.parse(r.body) as Json);
        expect(bodies.map((b) => [b.id, b.type, b.caseId])).toEqual(feed.map((e) => [e.cursor, e.type, e.caseId]));
      });
    });
  });

  // -------------------------------------------------------------------------------------------
  describe('list, deadlines and overdue (own pair: the clock moves)', () => {
    let pair: Pair;
    const ids: string[] = [];
    beforeAll(async () => {
      pair = await startPair(open, { now: START });
      for (let i = 0; i < 5; i++) {
        const res = await rest(pair.a, 'POST', '/v1/switches', vaBody());
        expect(res.statusCode, res.body).toBe(201);
        ids.push(res.data.id as string);
      }
      await pair.pump();
      // two of them agreed
      for (const id of [ids[1]!, ids[3]!]) expect((await rest(pair.b, 'POST', `/v1/switches/${id}/answer`, acceptBody())).statusCode).toBe(202);
      await pair.pump();
    });
    afterAll(async () => pair?.close());

    const list = async (gw: Gateway, query: string) => {
      const res = await rest(gw, 'GET', `/v1/switches?${query}`);
      expect(res.statusCode, res.body).toBe(200);
      return res.data as { items: { id: string; state: string; role: string; peer: string; overdue: boolean }[]; nextCursor: string | null };
    };
    const idsOf = (l: { items: { id: string }[] }) => l.items.map((c) => c.id);

    /** B lists in its own creation order: the order the VAs arrived in. */
    const onB = async (...pick: number[]) => idsOf(await list(pair.b, '')).filter((id) => pick.map((i) => ids[i]).includes(id));

    it('filters by state, peer and role', async () => {
      expect(idsOf(await list(pair.a, ''))).toEqual(ids);
      expect([...idsOf(await list(pair.b, ''))].sort()).toEqual([...ids].sort());
      expect(idsOf(await list(pair.a, 'state=AGREED'))).toEqual([ids[1], ids[3]]);
      expect(idsOf(await list(pair.b, 'state=AWAITING_ANSWER'))).toEqual(await onB(0, 2, 4));
      expect(idsOf(await list(pair.a, 'peer=DEU.EKPB'))).toEqual(ids);
      expect(idsOf(await list(pair.a, 'peer=DEU.EKPX'))).toEqual([]);
      expect(idsOf(await list(pair.a, 'role=recipient'))).toEqual(ids);
      expect(idsOf(await list(pair.a, 'role=donating'))).toEqual([]);
      expect(idsOf(await list(pair.b, 'role=donating&peer=DEU.EKPA&state=AGREED'))).toEqual(await onB(1, 3));
      expect((await list(pair.b, 'role=donating')).items.every((c) => c.role === 'donating' && c.peer === 'DEU.EKPA')).toBe(true);
      const bad = await rest(pair.a, 'GET', '/v1/switches?role=owner');
      expectProblem(bad, 400, 'SG_INVALID_REQUEST');
    });

    it('paginates with a cursor, without duplicates or gaps', async () => {
      for (const [gw, query, expected] of [
        [pair.a, '', ids],
        [pair.b, '', await onB(0, 1, 2, 3, 4)],
        [pair.b, 'state=AWAITING_ANSWER&', await onB(0, 2, 4)],
      ] as [Gateway, string, string[]][]) {
        const seen: string[] = [];
        let cursor: string | null = null;
        let pages = 0;
        do {
          const page = await list(gw, `${query}limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
          expect(page.items.length).toBeLessThanOrEqual(2);
          seen.push(...idsOf(page));
          cursor = page.nextCursor;
          pages++;
        } while (cursor && pages < 10);
        expect(seen).toEqual(expected);
        expect(pages).toBe(Math.ceil(expected.length / 2));
      }
      const bad = await rest(pair.a, 'GET', '/v1/switches?cursor=not-a-cursor');
      expectProblem(bad, 400, 'SG_INVALID_CURSOR');
    });

    it('a VA gives the donating side an answer deadline 3 working days later, end of day in Berlin; overdue after it', async () => {
      const id = ids[0]!;
      const dueAt = '2026-11-26T22:59:59.999Z'; // Thursday 26 Nov 2026, 23:59:59.999 CET
      for (const gw of [pair.a, pair.b]) {
        const c = (await rest(gw, 'GET', `/v1/switches/${id}`)).data;
        expect(c.deadlines).toEqual([{ name: 'answer', dueAt, party: 'abg', ref: id, overdue: false }]);
        expect(c.overdue).toBe(false);
      }
      expect(idsOf(await list(pair.b, 'overdue=true'))).toEqual([]);

      // still within the day
      pair.clock.set('2026-11-26T23:59:00+01:00');
      expect(await pair.b.tick()).toBeGreaterThanOrEqual(0);
      expect((await rest(pair.b, 'GET', `/v1/switches/${id}`)).data.overdue).toBe(false);
      expect(idsOf(await list(pair.b, 'overdue=true'))).toEqual([]);

      const feedBefore = await tableFeed(pair.b);
      pair.clock.set('2026-11-27T00:00:01+01:00');
      const c = (await rest(pair.b, 'GET', `/v1/switches/${id}`)).data;
      expect(c.deadlines).toEqual([{ name: 'answer', dueAt, party: 'abg', ref: id, overdue: true }]);
      expect(c.overdue).toBe(true);
      for (let i = 0; i < 3; i++) await pair.b.tick();
      // the three VAs nobody answered are overdue, the agreed ones are not
      expect(idsOf(await list(pair.b, 'overdue=true'))).toEqual(await onB(0, 2, 4));
      expect(idsOf(await list(pair.b, 'overdue=false'))).toEqual(await onB(1, 3));
      const after = (await tableFeed(pair.b)).slice(feedBefore.length);
      const overdue = after.filter((e) => e.type === 'deadline.overdue');
      expect(overdue.map((e) => e.caseId).sort()).toEqual([ids[0], ids[2], ids[4]].sort());
      expect(overdue[0]!.data).toMatchObject({ name: 'answer', dueAt, party: 'abg' });
      // answering clears it
      expect((await rest(pair.b, 'POST', `/v1/switches/${id}/answer`, acceptBody())).statusCode).toBe(202);
      await pair.b.tick();
      expect(idsOf(await list(pair.b, 'overdue=true'))).toEqual(await onB(2, 4));
    });
  });

  // -------------------------------------------------------------------------------------------
  describe('restart on the same database', () => {
    let db: TestDatabase | undefined;
    let dataDir: string | undefined;
    const gateways: Gateway[] = [];
    afterAll(async () => {
      for (const g of gateways) await g.close();
      await db?.drop();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    });

    it('every case and message is found again after close and re-create', async () => {
      const clock = new ManualClock(START);
      const transport = new InProcessTransport();
      const where = backend === 'postgres' ? { databaseUrl: (db = await createTestDatabase()).url } : { dataDir: (dataDir = mkdtempSync(join(tmpdir(), 'sg-restart-'))) };
      const makeA = async () => {
        const g = await createGateway({ config: testConfig('DEU.EKPA', 'DEU.EKPB'), clock, transport, background: false, log: silentLog(), ...where });
        gateways.push(g);
        transport.targets.set('DEU.EKPA', g);
        return g;
      };
      let a = await makeA();
      const b = await createGateway({ config: testConfig('DEU.EKPB', 'DEU.EKPA'), clock, transport, background: false, log: silentLog(), store: await open() });
      gateways.push(b);
      transport.targets.set('DEU.EKPB', b);
      const pump = async () => {
        for (let i = 0; i < 20 && (await a.deliver()) + (await b.deliver()) > 0; i++);
      };

      const created: string[] = [];
      for (let i = 0; i < 3; i++) created.push((await rest(a, 'POST', '/v1/switches', vaBody())).data.id as string);
      await pump();
      expect((await rest(b, 'POST', `/v1/switches/${created[0]}/answer`, acceptBody())).statusCode).toBe(202);
      await pump();
      const pending = await rest(a, 'POST', '/v1/switches', vaBody()); // still in A's outbox at the restart
      created.push(pending.data.id as string);

      const snap = async (g: Gateway) => {
        const out: Json = { list: (await rest(g, 'GET', '/v1/switches')).data, events: (await rest(g, 'GET', '/v1/events?limit=1000')).data };
        for (const id of created) {
          out[id] = (await rest(g, 'GET', `/v1/switches/${id}`)).data;
          out[`${id} messages`] = (await rest(g, 'GET', `/v1/switches/${id}/messages?raw=true`)).data;
        }
        return out;
      };
      // the feed shows events once no older transaction is open anywhere in the cluster
      // (pg_snapshot_xmin): wait until the newest one (the pending VA's) is visible
      const settled = (s: Json) => ((s.events as Json).items as { caseId: string }[]).some((e) => e.caseId === created[3]);
      const before = await eventually(async () => {
        const s = await snap(a);
        expect(settled(s)).toBe(true);
        return s;
      });
      expect((before[created[0]!] as Json).state).toBe('AGREED');
      await a.close();
      a = await makeA();
      await eventually(async () => expect(await snap(a)).toEqual(before));

      // and it carries on: the queued VA goes out, the agreed case takes its AKM-TR, ids are not reused
      await pump();
      expect((await rest(b, 'GET', `/v1/switches/${created[3]}`)).statusCode).toBe(200);
      expect((await rest(a, 'POST', `/v1/switches/${created[0]}/resource-handover`, { takeOver: true, lines: [{ contractNumber: '1234567890' }] })).statusCode).toBe(202);
      const next = await rest(a, 'POST', '/v1/switches', vaBody());
      expect(created).not.toContain(next.data.id);
      await pump();
      expect((await rest(b, 'GET', `/v1/switches/${created[0]}`)).data.state).toBe('TR_NOTIFIED');
    });
  });
});
