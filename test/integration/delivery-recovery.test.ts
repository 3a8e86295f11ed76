/**
 * Per-destination recovery and per-destination retry policies (issue 9, point 5). Two whole
 * gateways, the in-process wire between them, a fixed jitter; time is the database's `now()`,
 * never a stopwatch: the tests assert due times and the order of attempts.
 */
import { afterEach, expect, it } from 'vitest';
import { sql, type KyselyPlugin } from 'kysely';
import { describeEachBackend } from '../support/backends.js';
import { rest, silentLog, startPair, type Pair, quickStartVa } from '../support/gateway-pair.js';
import { OutboxWorker } from '../../src/delivery/outbox-worker.js';
import type { GatewayConfig } from '../../src/config/types.js';
import type { Gateway } from '../../src/gateway.js';
import { parseConfig } from '../../src/config/load.js';

const KWT = '2026-12-15';
let seq = 0;
const vaBody = () => quickStartVa({ requestedDate: KWT, lastName: `Drain${++seq}` });

const peerB = (retry: Record<string, number>): Partial<GatewayConfig> =>
  ({ peers: [{ carrierCode: 'DEU.EKPB', protocol: 'wbci-soap', url: 'http://127.0.0.1:9/wbci/v1', auth: { type: 'none' }, retry }] }) as unknown as Partial<GatewayConfig>;

interface Row {
  id: number;
  case_id: string;
  type: string;
  status: string;
  attempts: number;
  waiting: boolean;
  next_attempt_at: Date;
}

/** A's outbox with, per row, whether it waits on backoff (due after the database's now()). */
async function outbox(gw: Gateway): Promise<Row[]> {
  const { rows } = await sql<Row>`
    SELECT o.id, o.case_id, m.type, o.status, o.attempts, o.next_attempt_at, (o.next_attempt_at > now()) AS waiting
      FROM outbox o JOIN messages m ON m.message_id = o.message_id ORDER BY o.id`.execute(gw.store.db);
  return rows.map((r) => ({ ...r, id: Number(r.id) }));
}

async function create(pair: Pair): Promise<string> {
  const res = await rest(pair.a, 'POST', '/v1/switches', vaBody());
  expect(res.statusCode, res.body).toBe(201);
  return res.data.id as string;
}

describeEachBackend('delivery recovery per destination', ({ open }) => {
  let pair: Pair | undefined;
  afterEach(async () => {
    await pair?.close();
    pair = undefined;
  });

  // the fixed jitter makes every wait exactly half of the backoff ceiling
  async function startFixed(retry: Record<string, number>): Promise<Pair> {
    pair = await startPair(open, { configA: peerB(retry), gateway: { retryJitter: () => 0.5 } });
    return pair;
  }

  it('once the peer answers again, every row of it waiting on backoff is due at once, in case order', async () => {
    const p = await startFixed({ maxAttempts: 10, initialDelayMs: 60_000, maxDelayMs: 60_000 });
    p.transport.down = true;
    const waitingIds = [await create(p), await create(p), await create(p)];
    const cancelled = waitingIds[0]!;
    const cancel = await rest(p.a, 'POST', `/v1/switches/${cancelled}/cancel`, { kind: 'STR-AUF' });
    expect(cancel.statusCode, cancel.body).toBeLessThan(300);

    // every head fails once and waits 30 s; the STR-AUF waits behind its VA
    expect(await p.a.deliver()).toBe(3);
    let rows = await outbox(p.a);
    expect(rows.filter((r) => r.type === 'VA-KUE-MRN').map((r) => [r.attempts, r.waiting])).toEqual([[1, true], [1, true], [1, true]]);
    expect(await p.a.deliver()).toBe(0);

    // the peer is back; a new VA is due at once and succeeds
    p.transport.down = false;
    const fresh = await create(p);
    expect(await p.a.deliver()).toBe(1);
    expect(p.transport.sent.map((s) => s.type)).toEqual(['VA-KUE-MRN']);

    // …which made every row waiting on backoff for DEU.EKPB due now
    rows = await outbox(p.a);
    const pending = rows.filter((r) => r.status === 'pending');
    expect(pending.map((r) => r.waiting)).toEqual(pending.map(() => false));
    expect(pending).toHaveLength(4);

    // delivered without any clock moving, and per case in order: the STR-AUF after its VA
    await p.pump();
    rows = await outbox(p.a);
    expect(rows.every((r) => r.status === 'delivered')).toBe(true);
    const order = rows.sort((x, y) => x.id - y.id);
    expect(order.filter((r) => r.case_id === cancelled).map((r) => r.type)).toEqual(['VA-KUE-MRN', 'STR-AUF']);
    const received = await p.b.store.db.selectFrom('messages').select(['case_id', 'type']).where('direction', '=', 'in').orderBy('seq').execute();
    const bOrder = received.filter((m) => m.case_id === cancelled).map((m) => m.type);
    expect(bOrder).toEqual(['VA-KUE-MRN', 'STR-AUF']);
    expect(new Set(received.map((m) => m.case_id))).toEqual(new Set([...waitingIds, fresh]));
  }, 120_000);

  it('draining a backlog of rows that failed before releases the destination\'s waiting rows once, not once per row', async () => {
    const p = await startFixed({ maxAttempts: 10, initialDelayMs: 60_000, maxDelayMs: 60_000 });
    p.transport.down = true;
    for (let i = 0; i < 6; i++) await create(p);
    expect(await p.a.deliver()).toBe(6);
    // the peer is back and the rows' backoff has run out: a worker that never saw them fail drains them
    p.transport.down = false;
    await sql`UPDATE outbox SET next_attempt_at = now() WHERE status = 'pending'`.execute(p.a.store.db);
    let releases = 0;
    const counting: KyselyPlugin = {
      transformQuery: (args) => {
        const node = args.node as { kind: string; sqlFragments?: readonly string[] };
        if (node.kind === 'RawNode' && node.sqlFragments?.join('').includes('SET next_attempt_at = now()')) releases++;
        return args.node;
      },
      transformResult: async (args) => args.result,
    };
    const worker = new OutboxWorker({ store: { ...p.a.store, db: p.a.store.db.withPlugin(counting) }, transport: p.transport, log: silentLog(), workerId: 'drainer' });
    expect(await worker.runOnce()).toBe(6);
    expect((await outbox(p.a)).map((r) => [r.status, r.attempts])).toEqual(Array.from({ length: 6 }, () => ['delivered', 2]));
    // each of the six had failed before; one release serves them all (two if the six answers
    // straddled the one-second window on a very slow machine; without the rule it is six)
    expect(releases).toBeGreaterThanOrEqual(1);
    expect(releases).toBeLessThanOrEqual(2);
  }, 120_000);

  it('a probe tries a waiting destination out of schedule: a failed probe costs no attempt, a good one releases the rest', async () => {
    const p = await startFixed({ maxAttempts: 3, initialDelayMs: 60_000, maxDelayMs: 60_000 });
    p.transport.down = true;
    await create(p);
    await create(p);
    await create(p);
    expect(await p.a.deliver()).toBe(3);
    const before = await outbox(p.a);
    expect(before.every((r) => r.waiting && r.attempts === 1)).toBe(true);

    // still down: one probe, nothing changes but the last error
    expect(await p.a.worker!.probe()).toBe(1);
    const after = await outbox(p.a);
    expect(after.map((r) => [r.attempts, r.status, r.next_attempt_at.getTime()])).toEqual(before.map((r) => [r.attempts, r.status, r.next_attempt_at.getTime()]));
    // probes never bring the dead letter closer: many failed probes, still 1 attempt of 3 each
    for (let i = 0; i < 5; i++) expect(await p.a.worker!.probe()).toBe(1);
    expect((await outbox(p.a)).map((r) => r.attempts)).toEqual([1, 1, 1]);
    expect(await p.a.store.db.selectFrom('dead_letters').select('id').execute()).toEqual([]);

    // back: the probe (the row waiting longest) is delivered and the other two are due now
    p.transport.down = false;
    expect(await p.a.worker!.probe()).toBe(1);
    const rows = await outbox(p.a);
    expect(rows.filter((r) => r.status === 'delivered')).toHaveLength(1);
    expect(rows.filter((r) => r.status === 'pending').map((r) => r.waiting)).toEqual([false, false]);
    expect(await p.a.deliver()).toBe(2);
    // nothing left to probe
    expect(await p.a.worker!.probe()).toBe(0);
  }, 120_000);

  it('a destination that fails on and on is dead-lettered at exactly its peers[].retry.maxAttempts', async () => {
    const p = await startFixed({ maxAttempts: 4, initialDelayMs: 1, maxDelayMs: 1 });
    p.transport.down = true;
    const id = await create(p);
    let attemptsMade = 0;
    for (let i = 0; i < 50; i++) {
      const n = await p.a.deliver();
      attemptsMade += n;
      const dead = await p.a.store.db.selectFrom('dead_letters').selectAll().execute();
      if (dead.length > 0) {
        expect(dead).toHaveLength(1);
        expect(dead[0]).toMatchObject({ case_id: id, attempts: 4 });
        expect(dead[0]!.reason).toMatch(/gave up after 4 attempts/);
        break;
      }
      // the backoff is 0-1 ms: wait until the database's clock passed it
      await sql`SELECT pg_sleep(0.005)`.execute(p.a.store.db);
    }
    expect(attemptsMade).toBe(4);
    expect((await outbox(p.a)).map((r) => [r.status, r.attempts])).toEqual([['dead', 4]]);
  }, 120_000);
});

it('the retry shape is one schema fragment: peers, wholesale and number portability take it; contradictions name the key', () => {
  const base = {
    self: { carrierCode: 'DEU.EKPA' },
    peers: [{ carrierCode: 'DEU.EKPB', protocol: 'wbci-soap', url: 'http://127.0.0.1:9/wbci/v1', retry: { maxAttempts: 5 } }],
    wholesale: { url: 'http://127.0.0.1:9/w', retry: { initialDelayMs: 500, maxDelayMs: 60_000 } },
  };
  const c = parseConfig(base, 'test', {});
  expect(c.peers[0]!.retry).toEqual({ maxAttempts: 5 });
  expect(c.wholesale!.retry).toEqual({ initialDelayMs: 500, maxDelayMs: 60_000 });
  expect(() => parseConfig({ ...base, peers: [{ ...base.peers[0], retry: { maxAttempts: 0 } }] }, 'test', {})).toThrow(/peers\[0\]\.retry\.maxAttempts/);
  expect(() => parseConfig({ ...base, peers: [{ ...base.peers[0], retry: { tries: 3 } }] }, 'test', {})).toThrow(/peers\[0\]\.retry\.tries: unknown key/);
  expect(() => parseConfig({ ...base, wholesale: { ...base.wholesale, retry: { initialDelayMs: 5000, maxDelayMs: 10 } } }, 'test', {})).toThrow(
    /wholesale\.retry\.maxDelayMs: must be at least initialDelayMs \(5000\)/,
  );
});
