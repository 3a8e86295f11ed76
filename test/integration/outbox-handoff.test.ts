/**
 * The handoff (store/repos/step-batcher.ts, delivery/outbox-worker.ts): outbox rows leased to this
 * process's worker in the statement that writes them, and handed to it once committed — no NOTIFY,
 * no claim statement between a commit and its delivery.
 */
import { randomUUID } from 'node:crypto';
import { sql, type KyselyPlugin, type RootOperationNode, type QueryResult, type UnknownRow } from 'kysely';
import pino from 'pino';
import { expect, it } from 'vitest';
import { describeEachBackend } from '../support/backends.js';
import { StepBatcher, type HandedOffRow, type OutboxHandoff } from '../../src/store/repos/step-batcher.js';
import { writeCaseStep, type CaseStep } from '../../src/store/repos/case-writes.js';
import { OUTBOX_CHANNEL } from '../../src/store/repos/outbox.js';
import { OutboxWorker } from '../../src/delivery/outbox-worker.js';
import type { OutboundItem, Transport } from '../../src/delivery/transport.js';
import type { Store } from '../../src/store/connect.js';

const log = pino({ level: 'silent' });
const vaId = (n: number) => `DEU.EKPA.V${String(n).padStart(9, '0')}`;

const opening = (id: string, destinations: string[] = ['DEU.EKPB']): CaseStep => {
  const messageIds = destinations.map(() => randomUUID());
  return {
    caseWrite: 'insert',
    snapshot: {
      id, procedure: 'wbci', type: 'VA-KUE-MRN', role: 'recipient', peer: 'DEU.EKPB', state: 'AWAITING_ANSWER',
      requestedDate: '2026-12-15', switchDate: null, openChange: null, data: { vaId: id }, deadlines: [], nextDueAt: null, overdue: false,
    },
    messages: destinations.map((d, i) => ({
      messageId: messageIds[i]!, caseId: id, type: 'VA-KUE-MRN', direction: 'out' as const, peer: d, businessId: i === 0 ? id : null, status: 'queued',
      // `skipped` is not JSON: a claim reads the body back without it, and so must the handoff
      body: { vaId: id, n: i, skipped: undefined },
    })),
    outbox: destinations.map((d, i) => ({ message: i, kind: 'peer' as const, destination: d })),
    history: [{ from: null, to: 'AWAITING_ANSWER', note: 'VA-KUE-MRN' }],
    events: [{ type: 'message.queued', caseId: id, data: { messageId: messageIds[0] } }],
  };
};

/** A later step of the case, written under its version (a message of the case to the same peer). */
const later = (id: string, version: number): CaseStep => {
  const messageId = randomUUID();
  return {
    ...opening(id),
    caseWrite: 'update',
    expectedVersion: version,
    messages: [{ messageId, caseId: id, type: 'STR-AUF', direction: 'out', peer: 'DEU.EKPB', businessId: null, status: 'queued', body: { vaId: id } }],
    history: [],
    events: [],
  };
};

/** A handoff that records what it is given and has room for `room` rows at a time. */
class Recorder implements OutboxHandoff {
  readonly owner = 'worker-here';
  readonly leaseMs = 60_000;
  reserved = 0;
  readonly adopted: HandedOffRow[] = [];
  constructor(public room = 100) {}
  reserve(n: number): number {
    const k = Math.min(n, this.room - this.reserved);
    this.reserved += k;
    return k;
  }
  adopt(rows: HandedOffRow[]): void {
    this.reserved -= rows.length;
    this.adopted.push(...rows);
  }
  release(n: number): void {
    this.reserved -= n;
  }
}

const outboxRows = (store: Store) =>
  store.db.selectFrom('outbox').select(['id', 'message_id', 'case_id', 'lease_owner', 'attempts', 'status', sql<number>`extract(epoch from lease_until - now())`.as('lease_s')]).orderBy('id').execute();

/** A store whose claims are counted as they reach the database (all, and those that returned rows); no listener. */
function countingClaims(store: Store): { store: Store; claims: { sent: number; withRows: number } } {
  const claims = { sent: 0, withRows: 0 };
  const ids = new Set<unknown>();
  const plugin: KyselyPlugin = {
    transformQuery: (args) => {
      if (JSON.stringify(args.node).includes('FOR UPDATE SKIP LOCKED')) {
        claims.sent++;
        ids.add(args.queryId);
      }
      return args.node as RootOperationNode;
    },
    transformResult: async (args): Promise<QueryResult<UnknownRow>> => {
      if (ids.has(args.queryId) && args.result.rows.length > 0) claims.withRows++;
      return args.result;
    },
  };
  return { store: { ...store, db: store.db.withPlugin(plugin), listen: undefined }, claims };
}

/** Notifications on the outbox channel while `fn` runs (and shortly after: they are delivered asynchronously). */
async function outboxWakeUps(store: Store, fn: () => Promise<unknown>): Promise<number> {
  let n = 0;
  const unlisten = await store.listen!(OUTBOX_CHANNEL, () => n++);
  try {
    await fn();
    await new Promise((r) => setTimeout(r, 300));
    return n;
  } finally {
    await unlisten();
  }
}

describeEachBackend('outbox handoff', ({ open }) => {
  it('leases a new case\'s row to the handoff as it is written, hands it over once committed, and wakes nobody', async () => {
    const store = await open();
    const batcher = new StepBatcher(store.db, { maxInFlight: 1 });
    const handoff = new Recorder();
    batcher.handOffTo(handoff);
    const steps = [1, 2, 3].map((n) => opening(vaId(n)));
    const wakeUps = await outboxWakeUps(store, () => Promise.all(steps.map((s) => batcher.write(s))));
    expect(wakeUps).toBe(0);
    const rows = await outboxRows(store);
    expect(rows.map((r) => [r.case_id, r.lease_owner, r.attempts, r.status])).toEqual(steps.map((s) => [s.snapshot!.id, 'worker-here', 1, 'pending']));
    for (const r of rows) expect(Number(r.lease_s)).toBeGreaterThan(50);
    // what a claim of the same rows would have returned: ids, destination, type, the body as stored
    expect(handoff.adopted.sort((a, b) => a.outboxId - b.outboxId)).toEqual(
      rows.map((r, i) => ({ outboxId: Number(r.id), messageId: r.message_id, caseId: r.case_id, kind: 'peer', destination: 'DEU.EKPB', type: 'VA-KUE-MRN', body: { vaId: vaId(i + 1), n: 0 } })),
    );
    expect(handoff.reserved).toBe(0);
    await store.close();
  });

  it('leases no more rows than the handoff has room for, and only a step\'s first row per destination; the rest wake the claim', async () => {
    const store = await open();
    const batcher = new StepBatcher(store.db, { maxInFlight: 1 });
    const handoff = new Recorder(2);
    const wakeUps = await outboxWakeUps(store, async () => {
      // a statement in flight (its lease decided as it started: none), so the next three steps,
      // queued in the same tick, share one batch
      const first = batcher.write(opening(vaId(1)));
      batcher.handOffTo(handoff);
      await Promise.all([first, batcher.write(opening(vaId(2), ['DEU.EKPB', 'DEU.EKPB'])), batcher.write(opening(vaId(3))), batcher.write(opening(vaId(4)))]);
    });
    expect(wakeUps).toBeGreaterThan(0);
    const rows = await outboxRows(store);
    // V2's second row waits behind its first; of the three first rows, two fit the handoff's room
    expect(rows.map((r) => [r.case_id, r.lease_owner, r.attempts])).toEqual([
      [vaId(1), null, 0],
      [vaId(2), 'worker-here', 1],
      [vaId(2), null, 0],
      [vaId(3), 'worker-here', 1],
      [vaId(4), null, 0],
    ]);
    expect(handoff.adopted.map((r) => r.caseId).sort()).toEqual([vaId(2), vaId(3)]);
    expect(handoff.reserved).toBe(0);
    await store.close();
  });

  it('a later step\'s row is leased only when nothing older of its case waits for the same destination', async () => {
    const store = await open();
    const batcher = new StepBatcher(store.db);
    const handoff = new Recorder();
    await writeCaseStep(store.db, opening(vaId(1)));
    batcher.handOffTo(handoff);
    // the VA is still pending: the STR-AUF must not overtake it
    await batcher.write(later(vaId(1), 1));
    await sql`UPDATE outbox SET status = 'delivered', delivered_at = now()`.execute(store.db);
    // both delivered now: the next one may go at once
    await batcher.write(later(vaId(1), 2));
    expect((await outboxRows(store)).map((r) => [r.lease_owner, r.attempts])).toEqual([
      [null, 0],
      [null, 0],
      ['worker-here', 1],
    ]);
    expect(handoff.adopted).toHaveLength(1);
    expect(handoff.reserved).toBe(0);
    await store.close();
  });

  it('a statement that fails leases nothing: the steps written one by one are handed over, the failed one\'s room is released', async () => {
    const store = await open();
    const batcher = new StepBatcher(store.db, { maxInFlight: 1 });
    await batcher.write(opening(vaId(1)));
    const handoff = new Recorder();
    batcher.handOffTo(handoff);
    const blocker = batcher.write(opening(vaId(9)));
    const outcomes = await Promise.allSettled([blocker, batcher.write(opening(vaId(2))), batcher.write(opening(vaId(1))), batcher.write(opening(vaId(3)))]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect(handoff.adopted.map((r) => r.caseId).sort()).toEqual([vaId(2), vaId(3), vaId(9)]);
    expect(handoff.reserved).toBe(0);
    const leased = (await outboxRows(store)).filter((r) => r.lease_owner !== null).map((r) => r.case_id);
    expect(leased.sort()).toEqual([vaId(2), vaId(3), vaId(9)]);
    await store.close();
  });

  it('a running worker delivers a handed-over row with no wake-up and no poll; rows of a worker that died come back when the lease ends', async () => {
    const store = await open();
    const sent: OutboundItem[] = [];
    const transport: Transport = {
      send: async (item) => {
        sent.push(item);
        return { ok: true };
      },
    };
    // no listener and a poll once a minute: only the handoff can deliver within the test
    const deaf: Store = { ...store, listen: undefined };
    const worker = new OutboxWorker({ store: deaf, transport, log, pollMs: 60_000, leaseMs: 400 });
    const batcher = new StepBatcher(store.db);
    expect(worker.reserve(1)).toBe(0);
    await worker.start();
    batcher.handOffTo(worker);
    await batcher.write(opening(vaId(1)));
    await expect.poll(() => sent.length, { timeout: 5_000 }).toBe(1);
    await expect.poll(async () => (await outboxRows(store)).map((r) => r.status), { timeout: 5_000 }).toEqual(['delivered']);
    expect(sent[0]).toMatchObject({ caseId: vaId(1), type: 'VA-KUE-MRN', destination: 'DEU.EKPB', body: { vaId: vaId(1), n: 0 } });
    await worker.stop();
    expect(worker.reserve(1)).toBe(0);

    // a handoff that never delivers (its process died after the commit): the lease ends, any worker claims the row
    const dead = new Recorder();
    batcher.handOffTo({ ...dead, owner: 'dead-worker', leaseMs: 400, reserve: (n) => dead.reserve(n), adopt: () => undefined, release: (n) => dead.release(n) });
    await batcher.write(opening(vaId(2)));
    const other = new OutboxWorker({ store, transport, log, leaseMs: 400 });
    expect(await other.runOnce()).toBe(0);
    await new Promise((r) => setTimeout(r, 500));
    expect(await other.runOnce()).toBe(1);
    expect(sent.map((s) => s.caseId)).toEqual([vaId(1), vaId(2)]);
    const [, row] = await outboxRows(store);
    expect([row!.status, row!.attempts]).toEqual(['delivered', 2]);
    await store.close();
  });

  it('a worker has room for its batch size less its deliveries in flight and what it promised', async () => {
    const store = await open();
    const worker = new OutboxWorker({ store, transport: { send: async () => ({ ok: true }) }, log, batchSize: 3, pollMs: 60_000 });
    await worker.start();
    expect(worker.reserve(2)).toBe(2);
    expect(worker.reserve(5)).toBe(1);
    expect(worker.reserve(1)).toBe(0);
    worker.release(2);
    expect(worker.reserve(4)).toBe(2);
    worker.release(3);
    await worker.stop();
    await store.close();
  });

  it('with deliveries in flight, a claim waits for a quarter batch of free slots (or for gatherMs)', async () => {
    const store = await open();
    for (let n = 1; n <= 12; n++) await writeCaseStep(store.db, opening(vaId(n)));
    const counted = countingClaims(store);
    const ends: (() => void)[] = [];
    const sent: string[] = [];
    const transport: Transport = {
      send: (item) => {
        sent.push(item.caseId);
        return new Promise((resolve) => ends.push(() => resolve({ ok: true })));
      },
    };
    const worker = new OutboxWorker({ store: counted.store, transport, log, batchSize: 8, pollMs: 60_000, gatherMs: 60_000 });
    await worker.start();
    await expect.poll(() => sent.length).toBe(8);
    expect(counted.claims.sent).toBe(1);
    // one slot free, seven in flight: no claim of one row
    ends.shift()!();
    await new Promise((r) => setTimeout(r, 300));
    expect([sent.length, counted.claims.sent]).toEqual([8, 1]);
    // two free (a quarter of 8): one claim of two
    ends.shift()!();
    await expect.poll(() => sent.length).toBe(10);
    expect(counted.claims.sent).toBe(2);
    while (ends.length) ends.shift()!();
    await expect.poll(() => sent.length).toBe(12);
    while (ends.length) ends.shift()!();
    await worker.stop();
    await store.close();
  });

  it('rows leased to a worker that stopped while they were written go back to the claim at once', async () => {
    const store = await open();
    const worker = new OutboxWorker({ store, transport: { send: async () => ({ ok: true }) }, log, pollMs: 60_000 });
    await worker.start();
    const batcher = new StepBatcher(store.db);
    // the worker stops between the reservation and the commit
    const handoff: OutboxHandoff = {
      owner: worker.owner,
      leaseMs: 60_000,
      reserve: (n) => worker.reserve(n),
      adopt: (rows) => void worker.stop().then(() => worker.adopt(rows)),
      release: (n) => worker.release(n),
    };
    batcher.handOffTo(handoff);
    await batcher.write(opening(vaId(1)));
    await expect.poll(async () => (await outboxRows(store)).map((r) => [r.lease_owner, r.attempts, r.status])).toEqual([[null, 0, 'pending']]);
    await store.close();
  });

  it('a case\'s next row goes out with its predecessor\'s acknowledgement: no claim finds it', async () => {
    const store = await open();
    const id = vaId(1);
    await writeCaseStep(store.db, opening(id));
    await writeCaseStep(store.db, { ...later(id, 1), caseWrite: 'none', snapshot: undefined, expectedVersion: undefined });
    const counted = countingClaims(store);
    const sent: string[] = [];
    const transport: Transport = {
      send: async (item) => {
        sent.push(item.type);
        return { ok: true };
      },
    };
    const worker = new OutboxWorker({ store: counted.store, transport, log, pollMs: 60_000 });
    await worker.start();
    await expect.poll(() => sent).toEqual(['VA-KUE-MRN', 'STR-AUF']);
    await expect.poll(async () => (await outboxRows(store)).map((r) => [r.status, r.attempts])).toEqual([
      ['delivered', 1],
      ['delivered', 1],
    ]);
    expect(counted.claims.withRows).toBe(1);
    await worker.stop();
    await store.close();
  });
});
