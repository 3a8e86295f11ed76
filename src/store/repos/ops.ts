/**
 * Read models of the operations desk (console peers page, scrape-time metrics). Every query is
 * bounded by an index (0004_ops_observability) and reads the shared database, so every replica
 * reports the same figures.
 */
import { sql } from 'kysely';
import type { Db } from './cases.js';
import { EVENTS_PER_ROW } from '../event-groups.js';

export interface DestinationHealth {
  destination: string;
  pending: number;
  /** seconds since the oldest pending row was written; 0 when none */
  oldestPendingSeconds: number;
  lastDeliveredAt: Date | null;
  failuresLastHour: number;
  deadLetters: number;
  /** queue-to-acknowledged time of the last (≤ 200) deliveries within the hour, in milliseconds */
  latencyP50Ms: number | null;
  latencyP95Ms: number | null;
}

/** The destinations worth showing: the configured ones plus any with a backlog or open dead letters. */
export async function destinationHealth(db: Db, configured: readonly string[]): Promise<DestinationHealth[]> {
  const { rows } = await sql<{
    destination: string;
    pending: number | string;
    oldest_s: number | string | null;
    last_delivered_at: Date | null;
    failures: number | string;
    dead: number | string;
    p50: number | string | null;
    p95: number | string | null;
  }>`
    WITH dest AS (
      SELECT value AS destination FROM json_array_elements_text(${JSON.stringify(configured)}::json)
      UNION SELECT DISTINCT destination FROM outbox WHERE status = 'pending'
      UNION SELECT DISTINCT destination FROM dead_letters WHERE replayed_at IS NULL AND set_aside_at IS NULL)
    SELECT d.destination,
      (SELECT count(*) FROM outbox o WHERE o.status = 'pending' AND o.destination = d.destination) AS pending,
      (SELECT extract(epoch FROM now() - min(o.created_at)) FROM outbox o WHERE o.status = 'pending' AND o.destination = d.destination) AS oldest_s,
      (SELECT max(o.delivered_at) FROM outbox o WHERE o.status = 'delivered' AND o.destination = d.destination) AS last_delivered_at,
      (SELECT count(*) FROM delivery_failures f WHERE f.destination = d.destination AND f.at > now() - interval '1 hour') AS failures,
      (SELECT count(*) FROM dead_letters x WHERE x.replayed_at IS NULL AND x.set_aside_at IS NULL AND x.destination = d.destination) AS dead,
      l.p50, l.p95
    FROM dest d
    LEFT JOIN LATERAL (
      SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS p50, percentile_cont(0.95) WITHIN GROUP (ORDER BY ms) AS p95
        FROM (SELECT extract(epoch FROM o.delivered_at - o.created_at) * 1000 AS ms
                FROM outbox o
               WHERE o.status = 'delivered' AND o.destination = d.destination AND o.delivered_at > now() - interval '1 hour'
               ORDER BY o.delivered_at DESC LIMIT 200) recent) l ON true
    ORDER BY d.destination`.execute(db);
  const num = (v: number | string | null): number => (v === null ? 0 : Number(v));
  return rows.map((r) => ({
    destination: r.destination,
    pending: num(r.pending),
    oldestPendingSeconds: Math.max(0, num(r.oldest_s)),
    lastDeliveredAt: r.last_delivered_at,
    failuresLastHour: num(r.failures),
    deadLetters: num(r.dead),
    latencyP50Ms: r.p50 === null ? null : Math.round(Number(r.p50)),
    latencyP95Ms: r.p95 === null ? null : Math.round(Number(r.p95)),
  }));
}

/** Open deadlines that have passed, per procedure and deadline name (only flagged cases are read). */
export async function overdueDeadlines(db: Db, now: Date): Promise<{ procedure: string; deadline: string; count: number }[]> {
  const { rows } = await sql<{ procedure: string; deadline: string; n: number | string }>`
    SELECT c.procedure, d->>'name' AS deadline, count(*) AS n
      FROM cases c, json_array_elements(c.deadlines) d
     WHERE c.overdue AND (d->>'dueAt')::timestamptz < ${now}
     GROUP BY 1, 2`.execute(db);
  return rows.map((r) => ({ procedure: r.procedure, deadline: r.deadline, count: Number(r.n) }));
}

/** Per webhook: age of the oldest event it has not delivered yet (0 when it is caught up). */
export async function webhookLag(db: Db): Promise<{ webhook: string; seconds: number }[]> {
  const { rows } = await sql<{ name: string; s: number | string | null }>`
    SELECT w.name,
      (SELECT extract(epoch FROM now() - e.at) FROM events e
        -- from the row that may hold the cursor's event (src/store/event-groups.ts), if events follow it there
        WHERE (e.tx, e.seq) >= (w.last_tx::xid8, w.last_seq - w.last_seq % ${EVENTS_PER_ROW})
          AND (e.tx <> w.last_tx::xid8 OR e.seq + coalesce(e.n, 1) - 1 > w.last_seq)
        ORDER BY e.tx, e.seq LIMIT 1) AS s
      FROM webhook_cursors w`.execute(db);
  return rows.map((r) => ({ webhook: r.name, seconds: Math.max(0, r.s === null ? 0 : Number(r.s)) }));
}

/**
 * Age of the oldest committed event the feed cannot show yet: the feed stops at the oldest running
 * transaction of the cluster (pg_snapshot_xmin), so a long transaction anywhere holds it back.
 */
export async function feedLag(db: Db): Promise<number> {
  const { rows } = await sql<{ s: number | string | null }>`
    SELECT extract(epoch FROM now() - min(at)) AS s FROM events WHERE tx >= pg_snapshot_xmin(pg_current_snapshot())`.execute(db);
  const s = rows[0]?.s;
  return Math.max(0, s === null || s === undefined ? 0 : Number(s));
}

/** Counts per state (with the list's filters other than state), for the console's header. */
export async function caseCountsByState(
  db: Db,
  f: { procedure?: string; role?: string; peer?: string; overdue?: boolean },
): Promise<{ state: string; count: number }[]> {
  let q = db.selectFrom('cases').select(['state', sql<string>`count(*)`.as('n')]).groupBy('state').orderBy('state');
  if (f.procedure) q = q.where('procedure', '=', f.procedure);
  if (f.role) q = q.where('role', '=', f.role as 'recipient' | 'donating');
  if (f.peer) q = q.where('peer', '=', f.peer);
  if (f.overdue !== undefined) q = q.where('overdue', '=', f.overdue);
  const rows = await q.execute();
  return rows.map((r) => ({ state: r.state, count: Number(r.n) }));
}

export interface DeadLetterListItem {
  id: number;
  /** null for a webhook's dead letter (an event, not a message) */
  messageId: string | null;
  caseId: string | null;
  type: string;
  destination: string;
  reason: string;
  attempts: number;
  at: Date;
}

export async function openDeadLetters(db: Db, limit: number): Promise<DeadLetterListItem[]> {
  const rows = await db
    .selectFrom('dead_letters as d')
    .leftJoin('messages as m', 'm.message_id', 'd.message_id')
    .select(['d.id', 'd.message_id', 'd.case_id', 'd.destination', 'd.reason', 'd.attempts', 'd.created_at', 'm.type', 'd.event_type', 'd.webhook'])
    .where('d.replayed_at', 'is', null)
    .where('d.set_aside_at', 'is', null)
    .orderBy('d.id', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    id: Number(r.id),
    messageId: r.message_id,
    caseId: r.case_id,
    type: r.type ?? r.event_type ?? 'event',
    destination: r.destination ?? `webhook ${r.webhook ?? ''}`.trim(),
    reason: r.reason,
    attempts: r.attempts,
    at: r.created_at,
  }));
}
