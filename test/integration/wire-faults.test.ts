/**
 * Gateway-to-gateway wire under faults, on real PostgreSQL: a peer that is down and comes back,
 * one that loses answers, is slow, answers 5xx, garbage or refusals, hangs up mid-request; a
 * worker that dies holding a lease; several replicas on one database; and kill -9 under load.
 *
 * What must hold (architecture.md "Reliability model"): transient failures are retried with
 * backoff and delivered once the peer behaves; permanent ones become dead letters with the
 * reason, visible and replayable; per case, message n+1 is never sent before n was acknowledged;
 * every accepted message is delivered, and its effect at the peer happens once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { sql } from 'kysely';
import { createTestDatabase, pgAdminUrl, type TestDatabase } from '../support/backends.js';
import { eventually, freePort, http } from '../support/http-pair.js';
import { API_KEY, silentLog } from '../support/gateway-pair.js';
import { rawPost, sha, soapHeaders, startProxy, startStubPeer, startWireNode, teqFor, type Proxy, type StubAction, type StubPeer, type WireNode } from '../support/wire-stubs.js';
import { ManualClock } from '../../src/domain/clock.js';
import { addDays, createCalendar } from '../../src/domain/calendar.js';
import { OutboxWorker } from '../../src/delivery/outbox-worker.js';
import type { OutboundItem, SendResult, Transport } from '../../src/delivery/transport.js';
import { decodeTeq, encodeSoap, encodeSoapFault } from '../../src/protocols/wbci/soap-codec.js';
import type { WbciMessage } from '../../src/protocols/wbci/types.js';
import { soapActionOf } from '../../src/delivery/peer-transport.js';
import { validStrAuf, validVaKueMrn } from '../unit/wbci/builders.js';
import { openPostgres, type Store } from '../../src/store/connect.js';
import type { Gateway } from '../../src/gateway.js';
import { allEvents } from '../support/events.js';

const AUF = 'DEU.EKPA';
const ABG = 'DEU.EKPB';
const START = '2026-11-23T09:00:00+01:00';
const KWT = '2026-12-15';

type Json = Record<string, unknown>;

let customerSeq = 0;
function vaBody(requestedDate = KWT): Json {
  return {
    procedure: 'wbci',
    type: 'VA-KUE-MRN',
    donating: ABG,
    requestedDate,
    customer: { kind: 'person', salutation: 'Herr', firstName: 'Max', lastName: `Fault${++customerSeq}` },
    location: { street: 'Hauptstr.', houseNumber: '1', postalCode: '80331', city: 'München' },
    numbers: { kind: 'single', portingWindow: 'ZF2', list: [{ areaCode: '89', number: '1234567' }] },
  };
}
const acceptKue = { result: 'accept', code: 'ZWA', switchDate: KWT, technology: '001', resources: [{ contractNumber: '1234567890' }], pkiAbg: 'D123' };

interface OutboxView {
  id: number;
  type: string;
  status: string;
  attempts: number;
  last_error: string | null;
  lease_owner: string | null;
}

async function outboxOf(gw: Gateway, caseId: string): Promise<OutboxView[]> {
  const rows = await gw.store.db
    .selectFrom('outbox as o')
    .innerJoin('messages as m', 'm.message_id', 'o.message_id')
    .select(['o.id', 'm.type', 'o.status', 'o.attempts', 'o.last_error', 'o.lease_owner'])
    .where('o.case_id', '=', caseId)
    .orderBy('o.id')
    .execute();
  return rows.map((r) => ({ ...r, id: Number(r.id) }));
}

async function timeline(node: WireNode, caseId: string): Promise<string[]> {
  const res = await http(node, 'GET', `/v1/switches/${caseId}/messages`);
  expect(res.status, res.text).toBe(200);
  return (res.data.items as { direction: string; type: string; status: string }[]).map((m) => `${m.direction} ${m.type} ${m.status}`);
}

async function create(node: WireNode, body: Json = vaBody()): Promise<string> {
  const res = await http(node, 'POST', '/v1/switches', body);
  expect(res.status, res.text).toBe(201);
  return res.data.id as string;
}

async function post(node: WireNode, path: string, body: unknown, status = 202) {
  const res = await http(node, 'POST', path, body);
  expect(res.status, res.text).toBe(status);
  return res;
}

/** The stub's requests that carry a message of case `id`, as `type action`. */
const stubLog = (stub: StubPeer, id: string) =>
  stub.requests.filter((r) => r.message && ('vaId' in r.message ? r.message.vaId : r.message.vaIdRef) === id).map((r) => `${r.message!.type} ${r.action}`);

const exited = (c: ChildProcess): Promise<void> =>
  c.exitCode !== null || c.signalCode !== null ? Promise.resolve() : new Promise((r) => c.once('exit', () => r()));

const pgMissing = !pgAdminUrl();

describe.skipIf(pgMissing)('wire faults [postgres]', () => {
  const databases: TestDatabase[] = [];
  const closers: (() => Promise<void>)[] = [];
  const db = async () => {
    const d = await createTestDatabase();
    databases.push(d);
    return d;
  };
  // what a test (or a describe block, in its afterAll) started is stopped when it ends: idle
  // gateways polling their outboxes would only slow the tests after them
  const closeAll = async () => {
    for (const c of closers.splice(0).reverse()) await c().catch(() => undefined);
  };
  afterEach(closeAll);
  afterAll(async () => {
    await closeAll();
    for (const d of databases) await d.drop();
  });

  // -----------------------------------------------------------------------------------------
  describe('two gateways with a switchable proxy in front of each', () => {
    let a: WireNode;
    let b: WireNode;
    let toB: Proxy;
    let toA: Proxy;

    beforeAll(async () => {
      const clock = new ManualClock(START);
      const [dbA, dbB] = [await db(), await db()];
      const [portA, portB] = [await freePort(), await freePort()];
      toA = await startProxy(`http://127.0.0.1:${portA}`);
      toB = await startProxy(`http://127.0.0.1:${portB}`);
      // many attempts, short backoff: the peer is down for a while, the messages must not die meanwhile
      const retryPolicy = { maxAttempts: 1_000, baseMs: 20, capMs: 150 };
      b = await startWireNode(ABG, [{ carrierCode: AUF, url: `${toA.url}/wbci/v1` }], { databaseUrl: dbB.url, clock, retryPolicy, port: portB });
      a = await startWireNode(AUF, [{ carrierCode: ABG, url: `${toB.url}/wbci/v1` }], { databaseUrl: dbA.url, clock, retryPolicy, port: portA });
    });
    afterAll(async () => {
      await a?.gw.close();
      await b?.gw.close();
      await toA?.close();
      await toB?.close();
    });

    it('peer down, then losing answers, then back: every message arrives, in order per case, once in effect', async () => {
      await toB.set('down');
      const ids: string[] = [];
      for (let i = 0; i < 4; i++) {
        const id = await create(a);
        // STR-AUF before the RUEM-VA is allowed (wbci.md §6.3): a second message per case
        await post(a, `/v1/switches/${id}/cancel`, { kind: 'STR-AUF' });
        ids.push(id);
      }
      // the first message of every case is retried; the second was never tried
      await eventually(async () => {
        for (const id of ids) {
          const [va, str] = await outboxOf(a.gw, id);
          expect(va).toMatchObject({ type: 'VA-KUE-MRN', status: 'pending' });
          expect(va!.attempts).toBeGreaterThanOrEqual(2);
          expect(va!.last_error).toMatch(/^transport: .*ECONNREFUSED/);
          expect(str).toMatchObject({ type: 'STR-AUF', status: 'pending', attempts: 0 });
        }
      }, 15_000);
      for (const id of ids) expect((await http(b, 'GET', `/v1/switches/${id}`)).status).toBe(404);

      // B processes the VAs but A never hears back: A must resend, B must not apply them twice
      await toB.set('lose-answer');
      await eventually(async () => {
        for (const id of ids) expect((await http(b, 'GET', `/v1/switches/${id}`)).status).toBe(200);
        expect(toB.seen['lose-answer']).toBeGreaterThanOrEqual(ids.length + 2);
      }, 15_000);
      for (const id of ids) {
        const [va, str] = await outboxOf(a.gw, id);
        expect(va!.status).toBe('pending');
        expect(str!.attempts).toBe(0);
      }

      await toB.set('pass');
      await eventually(async () => {
        for (const id of ids) expect((await outboxOf(a.gw, id)).map((r) => r.status)).toEqual(['delivered', 'delivered']);
      }, 15_000);
      for (const id of ids) {
        expect(await timeline(a, id)).toEqual(['out VA-KUE-MRN delivered', 'out STR-AUF delivered']);
        expect(await timeline(b, id)).toEqual(['in VA-KUE-MRN accepted', 'in STR-AUF accepted']);
        const onB = (await http(b, 'GET', `/v1/switches/${id}`)).data;
        expect({ state: onB.state, openChange: onB.openChange?.kind }).toEqual({ state: 'AWAITING_ANSWER', openChange: 'STR-AUF' });
      }
      // nothing else reached B: no duplicate rows anywhere, and B had nothing to answer
      const onB = await b.gw.store.db.selectFrom('messages').select(['case_id', 'type']).where('case_id', 'in', ids).execute();
      expect(onB).toHaveLength(ids.length * 2);
    });

    it('per case order while the peer is failing: RUEM-VA, then the STR-AUF sent after it; the ERLM closes both sides', async () => {
      const id = await create(a);
      await eventually(async () => expect(await timeline(b, id)).toEqual(['in VA-KUE-MRN accepted']));
      await toA.set('fail');
      await post(b, `/v1/switches/${id}/answer`, acceptKue);
      // only after its own RUEM-VA may the donating side cancel; if the STR-AUF overtook the
      // RUEM-VA, A would refuse it (ABBM 8142: no answer to the VA yet)
      await post(b, `/v1/switches/${id}/cancel`, { kind: 'STR-AUF', reason: 'Kunde verstorben' });
      await eventually(async () => {
        const [ruem, storno] = await outboxOf(b.gw, id);
        expect(ruem).toMatchObject({ type: 'RUEM-VA', status: 'pending', last_error: 'HTTP 503' });
        expect(ruem!.attempts).toBeGreaterThanOrEqual(3);
        expect(storno).toMatchObject({ type: 'STR-AUF', status: 'pending', attempts: 0 });
      }, 15_000);
      await eventually(async () => expect(await timeline(a, id)).toEqual(['out VA-KUE-MRN delivered']));

      await toA.set('pass');
      await eventually(async () => expect(await timeline(a, id)).toEqual(['out VA-KUE-MRN delivered', 'in RUEM-VA accepted', 'in STR-AUF accepted']), 15_000);
      const onA = (await http(a, 'GET', `/v1/switches/${id}`)).data;
      expect({ state: onA.state, openChange: onA.openChange?.kind, from: onA.openChange?.from }).toEqual({ state: 'AGREED', openChange: 'STR-AUF', from: 'abg' });
      await post(a, `/v1/switches/${id}/changes/${onA.openChange.id}/answer`, { result: 'accept' });
      await eventually(async () => expect((await http(b, 'GET', `/v1/switches/${id}`)).data.state).toBe('CANCELLED'));
      expect((await http(a, 'GET', `/v1/switches/${id}`)).data.state).toBe('CANCELLED');
      await eventually(async () => expect(await timeline(b, id)).toEqual(['in VA-KUE-MRN accepted', 'out RUEM-VA delivered', 'out STR-AUF delivered', 'in ERLM accepted']));
    });
  });

  // -----------------------------------------------------------------------------------------
  describe('a stub peer that misbehaves in every way', () => {
    let a: WireNode;
    let stub: StubPeer;

    beforeAll(async () => {
      stub = await startStubPeer();
      a = await startWireNode(AUF, [{ carrierCode: ABG, url: stub.url }], {
        databaseUrl: (await db()).url,
        clock: new ManualClock(START),
        retryPolicy: { maxAttempts: 1_000, baseMs: 20, capMs: 100 },
        transportOptions: { responseTimeoutMs: 300 },
      });
    });
    afterAll(async () => {
      await a?.gw.close();
      await stub?.close();
    });

    const ok: StubAction = { kind: 'ok' };
    const reply = (status: number, body = '', contentType = 'text/plain', headers: Record<string, string> = {}): StubAction => ({ kind: 'reply', status, body, contentType, headers });
    const html = '<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>';
    // a real Quittung cut off in the middle, as when a proxy drops the rest
    const truncated = (() => {
      const full = teqFor({ ok: false, teqCode: '0995', issues: [], hint: { sender: AUF, vaIdRef: 'DEU.EKPA.V000000001' } });
      return full.slice(0, Math.floor(full.length / 2));
    })();

    const transient: { name: string; action: StubAction; reason: RegExp; minGapMs?: number }[] = [
      // undici's timers are coarse (a 300 ms timeout fires after about 1 s): the answer comes far later still
      { name: 'an answer slower than the response timeout', action: { kind: 'slow', ms: 3_000, then: ok }, reason: /^transport: Headers Timeout Error$/ },
      { name: '500 without Retry-After', action: reply(500, 'Internal Server Error'), reason: /^HTTP 500$/ },
      { name: '503 with Retry-After: 1 (honoured)', action: reply(503, 'maintenance', 'text/plain', { 'retry-after': '1' }), reason: /^HTTP 503$/, minGapMs: 950 },
      { name: '502 with an HTML page (a proxy)', action: reply(502, html, 'text/html'), reason: /^HTTP 502$/ },
      { name: '200 with an HTML page instead of a Quittung', action: reply(200, html, 'text/html'), reason: /^HTTP 200 without a readable Quittung$/ },
      { name: '200 with a truncated Quittung', action: reply(200, truncated, 'text/xml'), reason: /^HTTP 200 without a readable Quittung$/ },
      { name: 'the connection closed mid-request', action: { kind: 'hangup' }, reason: /^transport: other side closed$/ },
    ];

    for (const t of transient) {
      it(`transient: ${t.name} → retried, delivered once the peer behaves`, async () => {
        stub.behave(() => t.action);
        const id = await create(a);
        // failed at least twice (so retried), with the failure classified as it must be
        await eventually(async () => {
          const [row] = await outboxOf(a.gw, id);
          expect(row).toMatchObject({ status: 'pending', last_error: expect.stringMatching(t.reason) });
          expect(stubLog(stub, id).length).toBeGreaterThanOrEqual(2);
        }, 10_000);
        stub.behave(() => ok);
        await eventually(async () => expect((await outboxOf(a.gw, id)).map((r) => r.status)).toEqual(['delivered']), 10_000);
        expect(await timeline(a, id)).toEqual(['out VA-KUE-MRN delivered']);
        const log = stubLog(stub, id);
        expect(log.length).toBeGreaterThanOrEqual(3);
        expect(log.at(-1)).toBe('VA-KUE-MRN ok');
        expect(new Set(log.slice(0, -1))).toEqual(new Set([`VA-KUE-MRN ${t.action.kind}`]));
        const dead = await http(a, 'GET', `/v1/dead-letters?caseId=${id}`);
        expect(dead.data.items).toEqual([]);
        if (t.minGapMs) {
          const times = stub.requests.filter((r) => r.message && 'vaId' in r.message && r.message.vaId === id).map((r) => r.at);
          for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(t.minGapMs);
        }
      });
    }

    const permanent: { name: string; action: StubAction; reason: RegExp }[] = [
      { name: '400', action: reply(400, 'Bad Request'), reason: /^HTTP 400$/ },
      { name: '401', action: reply(401, 'Unauthorized', 'text/plain', { 'www-authenticate': 'Bearer' }), reason: /^HTTP 401$/ },
      { name: 'a negative TEQ 0995', action: { kind: 'negative', code: '0995' }, reason: /^negative TEQ 0995: Datenstruktur ungültig: stub refuses$/ },
      { name: 'a SOAP Client fault', action: reply(500, encodeSoapFault('Client', 'Absender unbekannt'), 'text/xml'), reason: /^SOAP fault SOAP-ENV:Client: Absender unbekannt$/ },
    ];

    for (const t of permanent) {
      it(`permanent: ${t.name} → dead letter with the reason, the case's next message waits, replay delivers both in order`, async () => {
        stub.behave(() => t.action);
        const id = await create(a);
        await post(a, `/v1/switches/${id}/cancel`, { kind: 'STR-AUF' });
        const dead = await eventually(async () => {
          const res = await http(a, 'GET', `/v1/dead-letters?caseId=${id}`);
          expect(res.status, res.text).toBe(200);
          expect(res.data.items).toHaveLength(1);
          return res.data.items[0] as Json;
        }, 10_000);
        expect(dead).toMatchObject({ caseId: id, type: 'VA-KUE-MRN', destination: ABG, attempts: 1, replayedAt: null, reason: expect.stringMatching(t.reason) });
        expect(await timeline(a, id)).toEqual(['out VA-KUE-MRN failed', 'out STR-AUF queued']);
        const [va, str] = await outboxOf(a.gw, id);
        expect(va).toMatchObject({ status: 'dead', attempts: 1, lease_owner: null });
        expect(str).toMatchObject({ status: 'pending', attempts: 0, lease_owner: null });

        stub.behave(() => ok);
        const replay = await post(a, `/v1/dead-letters/${dead.id}/replay`, undefined);
        expect(replay.data).toEqual({ id: dead.id, status: 'replayed' });
        await eventually(async () => expect(await timeline(a, id)).toEqual(['out VA-KUE-MRN delivered', 'out STR-AUF delivered']), 10_000);
        expect(stubLog(stub, id)).toEqual([`VA-KUE-MRN ${t.action.kind}`, 'VA-KUE-MRN ok', 'STR-AUF ok']);
        const after = await http(a, 'GET', `/v1/dead-letters?caseId=${id}`);
        expect(after.data.items).toEqual([expect.objectContaining({ id: dead.id, replayedAt: expect.any(String) })]);
        const again = await http(a, 'POST', `/v1/dead-letters/${dead.id}/replay`);
        expect({ status: again.status, code: again.data.code }).toEqual({ status: 404, code: 'SG_NOT_FOUND' });
      });
    }

    it("set aside: a VA refused for good is closed without being sent again, and the case's STR-AUF goes out", async () => {
      stub.behave((r) => (r.message?.type === 'VA-KUE-MRN' ? reply(400, 'Bad Request') : ok));
      const id = await create(a);
      await post(a, `/v1/switches/${id}/cancel`, { kind: 'STR-AUF' });
      const dead = await eventually(async () => {
        const res = await http(a, 'GET', `/v1/dead-letters?caseId=${id}`);
        expect(res.data.items).toHaveLength(1);
        return res.data.items[0] as Json;
      }, 10_000);
      // without it the STR-AUF waits behind the dead VA for good
      expect((await outboxOf(a.gw, id)).map((r) => r.status)).toEqual(['dead', 'pending']);

      const noNote = await http(a, 'POST', `/v1/dead-letters/${dead.id}/set-aside`, {});
      expect(noNote.status, noNote.text).toBe(400);
      expect(noNote.data).toMatchObject({ code: 'SG_INVALID_REQUEST', errors: [{ path: '/note', rule: 'required' }] });
      const tooLong = await http(a, 'POST', `/v1/dead-letters/${dead.id}/set-aside`, { note: 'x'.repeat(501) });
      expect(tooLong.status, tooLong.text).toBe(400);
      expect(tooLong.data).toMatchObject({ errors: [{ path: '/note', rule: 'maxLength' }] });
      const blank = await http(a, 'POST', `/v1/dead-letters/${dead.id}/set-aside`, { note: '   ' });
      expect(blank.status, blank.text).toBe(400);
      expect(blank.data).toMatchObject({ errors: [{ path: '/note', rule: 'pattern' }] });
      expect((await outboxOf(a.gw, id)).map((r) => r.status)).toEqual(['dead', 'pending']);

      const res = await post(a, `/v1/dead-letters/${dead.id}/set-aside`, { note: 'peer refuses this VA; agreed by phone' }, 200);
      expect(res.data).toEqual({ id: dead.id, status: 'set_aside' });
      await eventually(async () => expect(await timeline(a, id)).toEqual(['out VA-KUE-MRN set_aside', 'out STR-AUF delivered']), 10_000);
      expect(stubLog(stub, id)).toEqual(['VA-KUE-MRN reply', 'STR-AUF ok']);
      expect((await outboxOf(a.gw, id)).map((r) => r.status)).toEqual(['set_aside', 'delivered']);
      const listed = await http(a, 'GET', `/v1/dead-letters?caseId=${id}`);
      expect(listed.data.items).toEqual([expect.objectContaining({ id: dead.id, replayedAt: null, setAsideAt: expect.any(String), setAsideNote: 'peer refuses this VA; agreed by phone' })]);
      expect((await http(a, 'GET', `/v1/dead-letters?caseId=${id}&setAside=false`)).data.items).toEqual([]);
      const events = (await allEvents(a.gw.store.db)).filter((e) => e.caseId === id && e.type.startsWith('delivery.'));
      expect(events.map((e) => e.type)).toEqual(['delivery.dead-lettered', 'delivery.set-aside']);
      expect(events[1]!.data).toEqual({ deadLetterId: Number(dead.id), messageId: dead.messageId, note: 'peer refuses this VA; agreed by phone' });

      // closed: neither replayed nor set aside a second time
      for (const path of ['replay', 'set-aside']) {
        const again = await http(a, 'POST', `/v1/dead-letters/${dead.id}/${path}`, path === 'replay' ? undefined : { note: 'again' });
        expect({ status: again.status, code: again.data.code }).toEqual({ status: 404, code: 'SG_NOT_FOUND' });
      }
      expect(stubLog(stub, id)).toEqual(['VA-KUE-MRN reply', 'STR-AUF ok']);
    });

    it('afterwards no row is left leased, pending or dead', async () => {
      const rows = await a.gw.store.db.selectFrom('outbox').select(['id', 'status', 'lease_owner', 'lease_until']).execute();
      // the set-aside case's two rows: its VA set aside, its STR-AUF delivered
      expect(rows.length).toBe(transient.length + 2 * permanent.length + 2);
      expect(rows.filter((r) => r.status !== 'delivered' || r.lease_owner !== null || r.lease_until !== null)).toEqual([
        expect.objectContaining({ status: 'set_aside', lease_owner: null, lease_until: null }),
      ]);
    });
  });

  // -----------------------------------------------------------------------------------------
  describe('workers driven by hand', () => {
    let a: WireNode;
    let stub: StubPeer;

    beforeAll(async () => {
      stub = await startStubPeer();
      a = await startWireNode(AUF, [{ carrierCode: ABG, url: stub.url }], {
        databaseUrl: (await db()).url,
        clock: new ManualClock(START),
        background: false,
        retryPolicy: { maxAttempts: 3, baseMs: 1, capMs: 5 },
      });
    });
    afterAll(async () => {
      await a?.gw.close();
      await stub?.close();
    });

    it('retries are bounded: after maxAttempts transient failures the message is a dead letter', async () => {
      stub.behave(() => ({ kind: 'reply', status: 503, body: 'down' }));
      const id = await create(a);
      await eventually(async () => {
        await a.gw.deliver();
        expect((await outboxOf(a.gw, id))[0]!.status).toBe('dead');
      });
      const dead = (await http(a, 'GET', `/v1/dead-letters?caseId=${id}`)).data.items;
      expect(dead).toEqual([expect.objectContaining({ type: 'VA-KUE-MRN', attempts: 3, reason: 'gave up after 3 attempts: HTTP 503' })]);
      expect(stubLog(stub, id)).toEqual(['VA-KUE-MRN reply', 'VA-KUE-MRN reply', 'VA-KUE-MRN reply']);
    });

    it('a worker that dies holding a lease: the row returns to another worker when the lease ends, and the dead one cannot record anything', async () => {
      stub.behave(() => ({ kind: 'ok' }));
      const id = await create(a);
      // worker 1 claims the row and never comes back from the send (a hung or dead process)
      let claimed!: () => void;
      const inSend = new Promise<void>((r) => (claimed = r));
      let finish!: (r: SendResult) => void;
      const hung: Transport = {
        send: (_item: OutboundItem) => {
          claimed();
          return new Promise<SendResult>((r) => (finish = r));
        },
      };
      const dying = new OutboxWorker({ store: a.gw.store, transport: hung, log: silentLog(), leaseMs: 400, workerId: 'dying-worker' });
      const cycle = dying.runOnce();
      await inSend;
      const [leased] = await outboxOf(a.gw, id);
      expect(leased).toMatchObject({ status: 'pending', attempts: 1, lease_owner: 'dying-worker' });
      // the gateway's own worker must leave it alone while the lease runs …
      expect(await a.gw.deliver()).toBe(0);
      // … and take it over once it has run out
      await eventually(async () => expect(await a.gw.deliver()).toBe(1), 5_000);
      expect(await outboxOf(a.gw, id)).toEqual([expect.objectContaining({ status: 'delivered', attempts: 2, lease_owner: null })]);
      expect(stubLog(stub, id)).toEqual(['VA-KUE-MRN ok']);

      // the dead worker wakes up with a failure: it no longer owns the row and must change nothing
      finish({ ok: false, permanent: true, reason: 'late failure' });
      await cycle;
      expect(await outboxOf(a.gw, id)).toEqual([expect.objectContaining({ status: 'delivered', lease_owner: null, last_error: null })]);
      expect((await http(a, 'GET', `/v1/dead-letters?caseId=${id}`)).data.items).toEqual([]);
      expect(await timeline(a, id)).toEqual(['out VA-KUE-MRN delivered']);
      const events = (await allEvents(a.gw.store.db, id)).filter((e) => e.type.includes('deliver'));
      expect(events.map((e) => e.type)).toEqual(['message.delivered']);
    });
  });

  // -----------------------------------------------------------------------------------------
  it('the same message arriving several times at once (a sender retrying while the first try is still processed): one effect, the same answer', async () => {
    const b = await startWireNode(ABG, [{ carrierCode: AUF, url: 'http://127.0.0.1:9/wbci/v1' }], {
      databaseUrl: (await db()).url,
      clock: new ManualClock(START),
      background: false,
    });
    closers.push(() => b.gw.close());
    const control = { timestamp: '2026-11-23T09:00:00.000+01:00', major: '02', minor: '00' };
    const burst = async (msg: WbciMessage) => {
      const body = encodeSoap(msg, control);
      const answers = await Promise.all([0, 1, 2, 3, 4, 5].map(() => rawPost(`${b.url}/wbci/v1`, body, soapHeaders(AUF, ABG, soapActionOf(msg)))));
      expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
      expect(new Set(answers.map((r) => r.text)).size).toBe(1);
      const teq = decodeTeq(answers[0]!.text);
      expect(teq.ok && teq.teq.positions).toEqual([{ code: 'OK', text: 'OK' }]);
    };
    const va = validVaKueMrn({ vaId: 'DEU.EKPA.V000000777' });
    await burst(va);
    await burst(validStrAuf('auf', { vaIdRef: va.vaId, stornoId: 'DEU.EKPA.S000000777' }));
    expect(await timeline(b, va.vaId)).toEqual(['in VA-KUE-MRN accepted', 'in STR-AUF accepted']);
    const view = (await http(b, 'GET', `/v1/switches/${va.vaId}`)).data;
    expect({ state: view.state, openChange: view.openChange?.id }).toEqual({ state: 'AWAITING_ANSWER', openChange: 'DEU.EKPA.S000000777' });
    const events = (await allEvents(b.gw.store.db)).filter((e) => e.type === 'message.received');
    expect(events).toHaveLength(2);
  });

  // -----------------------------------------------------------------------------------------
  it('three replicas on one database deliver every message exactly once between them', async () => {
    const stub = await startStubPeer(() => ({ kind: 'slow', ms: 5, then: { kind: 'ok' } }));
    closers.push(() => stub.close());
    const shared = await db();
    const clock = new ManualClock(START);
    // started together on an empty database: they also race for the migrations
    const replicas = await Promise.all(
      [0, 1, 2].map(() => startWireNode(AUF, [{ carrierCode: ABG, url: stub.url }], { databaseUrl: shared.url, clock, outboxPollMs: 30 })),
    );
    for (const r of replicas) closers.push(() => r.gw.close());
    const [front] = replicas;
    const ids: string[] = [];
    const N = 30;
    await Promise.all(
      [0, 1, 2, 3, 4].map(async (lane) => {
        for (let i = lane; i < N; i += 5) {
          const id = await create(front!);
          await post(front!, `/v1/switches/${id}/cancel`, { kind: 'STR-AUF' });
          ids.push(id);
        }
      }),
    );
    await eventually(async () => {
      const pending = await front!.gw.store.db.selectFrom('outbox').select('id').where('status', '<>', 'delivered').execute();
      expect(pending).toEqual([]);
    }, 20_000);
    const received = stub.requests.map((r) => `${r.message!.type} ${'vaId' in r.message! ? r.message!.vaId : r.message!.vaIdRef}`);
    expect(received).toHaveLength(2 * N);
    expect(new Set(received).size).toBe(2 * N);
    for (const id of ids) expect(received.indexOf(`VA-KUE-MRN ${id}`)).toBeLessThan(received.indexOf(`STR-AUF ${id}`));
    const rows = await front!.gw.store.db.selectFrom('outbox').select(['status', 'attempts']).execute();
    expect(rows).toHaveLength(2 * N);
    expect(rows.every((r) => r.status === 'delivered' && r.attempts === 1)).toBe(true);
  });

  // -----------------------------------------------------------------------------------------
  it('kill -9 under load: every accepted request exists once, every message reaches the peer, its effect once', async () => {
    const database = await db();
    const stub = await startStubPeer(() => ({ kind: 'slow', ms: 20, then: { kind: 'ok' } }));
    closers.push(() => stub.close());
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'switchgate-kill-'));
    closers.push(async () => rmSync(dir, { recursive: true, force: true }));
    const configFile = join(dir, 'config.json');
    writeFileSync(
      configFile,
      JSON.stringify({
        self: { carrierCode: AUF, profiles: ['wbci'], holidayRegion: 'DE-BY' },
        apiKeys: [{ name: 'crm', keySha256: sha(API_KEY), scopes: ['switches:write', 'switches:read'] }],
        peers: [{ carrierCode: ABG, protocol: 'wbci-soap', url: stub.url, auth: { type: 'bearer', tokenEnv: 'PEER_TOKEN' } }],
        webhooks: [],
        deadlines: { wbci: { answerWorkingDays: 3, minLeadWorkingDaysKue: 7 } },
      }),
    );
    const env = { ...process.env, SWITCHGATE_CONFIG: configFile, DATABASE_URL: database.url, PORT: String(port), OUTBOX_LEASE_MS: '1500', PEER_TOKEN: 'secret', LOG_LEVEL: 'silent' };
    let child: ChildProcess | undefined;
    const startChild = async () => {
      const c = spawn(process.execPath, ['--import', 'tsx', 'test/support/gateway-child.ts'], { cwd: new URL('../../', import.meta.url).pathname, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let err = '';
      c.stderr!.on('data', (d: Buffer) => (err += d.toString()));
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`gateway child did not start: ${err}`)), 30_000);
        c.stdout!.on('data', (d: Buffer) => {
          if (d.toString().includes('READY')) {
            clearTimeout(t);
            resolve();
          }
        });
        c.once('exit', (code) => reject(new Error(`gateway child exited with ${code}: ${err}`)));
      });
      return c;
    };
    closers.push(async () => {
      child?.kill('SIGKILL');
    });
    const base = `http://127.0.0.1:${port}`;
    const call = async (method: 'POST', path: string, body: unknown, headers: Record<string, string> = {}) => {
      const res = await request(base + path, {
        method,
        headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
        headersTimeout: 10_000,
      });
      const text = await res.body.text();
      return { status: res.statusCode, data: JSON.parse(text) as Json, headers: res.headers };
    };

    // the system clock runs here (no ManualClock across processes): a KWT far enough ahead
    const cal = createCalendar({ country: 'DE', region: 'BY' });
    let kwt = cal.addWorkingDays(cal.today(new Date()), 20);
    // KUE: the day after the KWT must be a working day as well
    while (!cal.isWorkingDay(addDays(kwt, 1))) kwt = cal.addWorkingDays(kwt, 1);

    child = await startChild();
    const bodies = new Map<string, Json>();
    const created = new Map<string, string>(); // Idempotency-Key → case id (201 seen)
    const unknown = new Set<string>(); // keys whose request died with the process
    const cancelled = new Set<string>(); // case ids whose STR-AUF got a 202
    let stop = false;
    const refused: string[] = []; // answers other than the expected ones: must stay empty
    const lanes = [0, 1, 2, 3, 4, 5].map(async (lane) => {
      for (let i = 0; !stop; i++) {
        const key = `kill-${lane}-${i}`;
        const body = vaBody(kwt);
        bodies.set(key, body);
        const res = await call('POST', '/v1/switches', body, { 'idempotency-key': key }).catch(() => undefined);
        if (!res) {
          unknown.add(key);
          return;
        }
        if (res.status !== 201) refused.push(`${key}: ${res.status} ${JSON.stringify(res.data)}`);
        const id = res.data.id as string;
        created.set(key, id);
        const str = await call('POST', `/v1/switches/${id}/cancel`, { kind: 'STR-AUF' }).catch(() => undefined);
        if (!str) return;
        if (str.status !== 202) refused.push(`cancel ${id}: ${str.status} ${JSON.stringify(str.data)}`);
        cancelled.add(id);
      }
    });
    await eventually(async () => expect(created.size).toBeGreaterThanOrEqual(25), 20_000, 5);
    // the peer stops answering: whatever the gateway sends from now on is in flight when it dies
    stub.behave(() => ({ kind: 'slow', ms: 60_000, then: { kind: 'ok' } }));
    const hungFrom = stub.requests.length;
    await eventually(async () => expect(stub.requests.length).toBeGreaterThan(hungFrom), 10_000, 5);
    stop = true;
    child.kill('SIGKILL');
    await Promise.all(lanes);
    await exited(child);
    expect(refused).toEqual([]);

    const store: Store = await openPostgres(database.url, { poolSize: 2 });
    closers.push(() => store.close());
    // rows the dead process was sending: they come back when its leases end (whether the 1.5 s
    // lease has run out by now depends on the machine's load, so the owner is what is checked)
    const { rows: leased } = await sql<{ n: number }>`select count(*)::int as n from outbox where status = 'pending' and lease_owner is not null`.execute(store.db);
    expect(leased[0]!.n).toBeGreaterThanOrEqual(1);

    stub.behave(() => ({ kind: 'slow', ms: 5, then: { kind: 'ok' } }));
    child = await startChild();
    // the client repeats whatever it got no answer to, with the same Idempotency-Key
    for (const key of unknown) {
      const res = await call('POST', '/v1/switches', bodies.get(key), { 'idempotency-key': key });
      expect(res.status).toBe(201);
      created.set(key, res.data.id as string);
    }
    for (const [key, id] of created) {
      const again = await call('POST', '/v1/switches', bodies.get(key), { 'idempotency-key': key });
      expect({ status: again.status, id: again.data.id, replayed: again.headers['idempotent-replayed'] }).toEqual({ status: 201, id, replayed: 'true' });
    }

    // every accepted request exists exactly once
    const cases = await store.db.selectFrom('cases').select('id').execute();
    expect(cases.map((c) => c.id).sort()).toEqual([...new Set(created.values())].sort());
    expect(new Set(created.values()).size).toBe(created.size);
    const out = await store.db.selectFrom('messages').select(['case_id', 'type']).where('direction', '=', 'out').execute();
    const outKeys = out.map((m) => `${m.type} ${m.case_id}`);
    expect(new Set(outKeys).size).toBe(outKeys.length);
    for (const id of created.values()) expect(outKeys).toContain(`VA-KUE-MRN ${id}`);
    for (const id of cancelled) expect(outKeys).toContain(`STR-AUF ${id}`);

    // every message reaches the peer (at least once), in order per case, and is one message there
    await eventually(async () => {
      const open = await store.db.selectFrom('outbox').select(['id', 'status', 'last_error']).where('status', '<>', 'delivered').execute();
      expect(open).toEqual([]);
    }, 20_000);
    const received = stub.requests.map((r) => `${r.message!.type} ${'vaId' in r.message! ? r.message!.vaId : r.message!.vaIdRef}`);
    expect(new Set(received)).toEqual(new Set(outKeys));
    for (const id of cancelled) expect(received.indexOf(`VA-KUE-MRN ${id}`)).toBeLessThan(received.indexOf(`STR-AUF ${id}`));
    // what the peer would apply: the same content, however often it came
    const distinctContent = new Set(stub.requests.map((r) => JSON.stringify(r.message)));
    expect(distinctContent.size).toBe(outKeys.length);
  }, 90_000);
});
