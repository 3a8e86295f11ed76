/**
 * A destination back after an outage has a backlog to drain, and every claim of the drain must walk
 * the pending rows in id order (outbox_pending_id_idx) and stop after a few. On a table PostgreSQL has
 * no statistics of yet (a young, restored or pg_upgraded database) it plans a read of every pending
 * row and a sort instead — tens of milliseconds a claim at 10,000 rows. The recovery analyzes the
 * outbox first when it releases a backlog (OutboxWorker #analyzeForBacklog); the plan shows it.
 */
import { randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import { sql, type Kysely } from 'kysely';
import pino from 'pino';
import { describeEachBackend } from '../support/backends.js';
import { writeCaseSteps, type CaseStep } from '../../src/store/repos/case-writes.js';
import { OutboxWorker } from '../../src/delivery/outbox-worker.js';
import { FIRST_IN_QUEUE } from '../../src/store/repos/outbox.js';
import type { Database } from '../../src/store/schema.js';

const log = pino({ level: 'silent' });
const vaId = (n: number) => `DEU.EKPA.V${String(n).padStart(9, '0')}`;
const opening = (id: string): CaseStep => {
  const messageId = randomUUID();
  return {
    caseWrite: 'insert',
    snapshot: { id, procedure: 'wbci', type: 'VA-KUE-MRN', role: 'recipient', peer: 'DEU.EKPB', state: 'AWAITING_ANSWER', requestedDate: '2026-12-15', switchDate: null, openChange: null, data: { vaId: id }, deadlines: [], nextDueAt: null, overdue: false },
    messages: [{ messageId, caseId: id, type: 'VA-KUE-MRN', direction: 'out', peer: 'DEU.EKPB', businessId: id, status: 'queued', body: { vaId: id } }],
    outbox: [{ message: 0, kind: 'peer', destination: 'DEU.EKPB' }],
    history: [],
    events: [],
  };
};

/** The scans of the drain's claim (claimDue's selection, without its lease). */
async function claimPlan(db: Kysely<Database>): Promise<string> {
  const { rows } = await sql<{ 'QUERY PLAN': string }>`
    EXPLAIN SELECT o.id FROM outbox o
     WHERE o.status = 'pending' AND o.next_attempt_at <= now() AND (o.lease_until IS NULL OR o.lease_until < now())
       AND ${FIRST_IN_QUEUE}
     ORDER BY o.id LIMIT 32`.execute(db);
  return rows.map((r) => r['QUERY PLAN']).join('\n');
}

describeEachBackend('outbox backlog after an outage', ({ open }) => {
  it('the recovery that releases a backlog analyzes the outbox, so that claims walk the pending rows in id order', { timeout: 120_000 }, async () => {
    const store = await open();
    const cases = 1_200;
    for (let from = 1; from <= cases; from += 50) await writeCaseSteps(store.db, Array.from({ length: 50 }, (_, i) => opening(vaId(from + i))));
    // the outage: every row tried once and waiting on backoff
    await sql`UPDATE outbox SET attempts = 1, next_attempt_at = now() + interval '1 hour', last_error = 'transport: connect ECONNREFUSED'`.execute(store.db);
    // no statistics yet: the plan reads all pending rows and sorts them
    expect(await claimPlan(store.db)).toMatch(/Sort/);

    const sent: string[] = [];
    const worker = new OutboxWorker({ store, transport: { send: async (item) => (sent.push(item.caseId), { ok: true }) }, log, pollMs: 60_000, probeIntervalMs: 0 });
    // the peer is back: a probe gets through and the destination's waiting rows are released
    expect(await worker.probe()).toBe(1);
    const { rows } = await sql<{ due: number }>`SELECT count(*)::int AS due FROM outbox WHERE status = 'pending' AND next_attempt_at <= now()`.execute(store.db);
    expect(rows[0]!.due).toBe(cases - 1);
    const plan = await claimPlan(store.db);
    expect(plan).toMatch(/Index Scan using outbox_pending_id_idx on outbox o/);
    expect(plan).not.toMatch(/Sort/);
    expect(sent).toHaveLength(1);
    await store.close();
  });

  it('a recovery that releases a few rows does not analyze', async () => {
    const store = await open();
    await writeCaseSteps(store.db, Array.from({ length: 20 }, (_, i) => opening(vaId(i + 1))));
    await sql`UPDATE outbox SET attempts = 1, next_attempt_at = now() + interval '1 hour'`.execute(store.db);
    // (a pooled embedded store may carry an earlier test's analyze: compare before and after)
    const lastAnalyze = async () =>
      (await sql<{ at: Date | null }>`SELECT last_analyze AS at FROM pg_stat_user_tables WHERE relname = 'outbox'`.execute(store.db)).rows[0]?.at?.getTime() ?? null;
    const before = await lastAnalyze();
    const worker = new OutboxWorker({ store, transport: { send: async () => ({ ok: true }) }, log, pollMs: 60_000, probeIntervalMs: 0 });
    expect(await worker.probe()).toBe(1);
    expect(await lastAnalyze()).toBe(before);
    await store.close();
  });
});
