/** Outbound work written in the same transaction as the state change that causes it. */
import { sql } from 'kysely';
import type { Db } from './cases.js';
import { withBodies, type StoredBody } from '../body-codec.js';

export const OUTBOX_CHANNEL = 'switchgate_outbox';

export async function enqueue(
  db: Db,
  item: { messageId: string; caseId: string; kind: 'peer' | 'wholesale'; destination: string },
): Promise<void> {
  await db
    .insertInto('outbox')
    .values({ message_id: item.messageId, case_id: item.caseId, kind: item.kind, destination: item.destination })
    .execute();
  await sql`SELECT pg_notify(${OUTBOX_CHANNEL}, '')`.execute(db);
}

/**
 * Deletes up to `limit` rows delivered more than `hours` ago (database time, as `delivered_at` is
 * written) that no dead letter names; SKIP LOCKED lets replicas sweep side by side.
 */
export async function deleteDeliveredOlderThan(db: Db, hours: number, limit: number): Promise<number> {
  // oldest first through outbox_delivered_at_idx (0014); the ids as one array, so each row is
  // deleted through the primary key whatever the planner estimates for the join
  const result = await sql`
    DELETE FROM outbox
     WHERE id = ANY (ARRAY(SELECT id FROM outbox x
                   WHERE x.status = 'delivered' AND x.delivered_at < now() - make_interval(hours => ${hours}::int)
                     AND NOT EXISTS (SELECT 1 FROM dead_letters d WHERE d.outbox_id = x.id)
                   ORDER BY x.delivered_at
                   LIMIT ${limit} FOR UPDATE SKIP LOCKED))`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}

/** An outbox row with what delivering it takes: the unit a transport sends. */
export interface OutboxItem {
  outboxId: number;
  messageId: string;
  caseId: string;
  kind: 'peer' | 'wholesale';
  /** peer carrier code, or `wholesale` */
  destination: string;
  /** message type, e.g. `RUEM-VA` */
  type: string;
  /** the stored domain message */
  body: unknown;
}

/** An outbox row a worker claimed, with its message. */
export interface ClaimedRow {
  id: number | string;
  message_id: string;
  case_id: string;
  kind: 'peer' | 'wholesale';
  destination: string;
  attempts: number;
  type: string;
  body: unknown;
}

/**
 * The outbox's per-case order, in one place: an older row `p` of the same case and destination holds a
 * row back while it is pending or dead. Delivered rows and dead letters an operator set aside
 * (src/delivery/dead-letters.ts) no longer do. Used by the claim, the probe, the worker's next-due
 * time, the handoff lease (case-writes.ts) and the chained acknowledgement (delivered-acks.ts).
 */
export const HOLDS_BACK = sql`p.status IN ('pending', 'dead')`;

/** Outbox row `o` is next in its queue: no older row of its case, kind and destination holds it back. */
export const FIRST_IN_QUEUE = sql`NOT EXISTS (
             SELECT 1 FROM outbox p
              WHERE p.case_id = o.case_id AND p.kind = o.kind AND p.destination = o.destination AND p.id < o.id AND ${HOLDS_BACK})`;

/**
 * Leases up to `limit` rows that are due and whose case has nothing older undelivered for the same
 * destination, oldest first. Walks the pending rows in id order (outbox_pending_id_idx, 0015) and
 * stops after `limit` claimable ones, however long the backlog.
 */
export async function claimDue(db: Db, o: { workerId: string; leaseMs: number; limit: number }): Promise<ClaimedRow[]> {
  const { rows } = await sql<StoredClaim>`
      WITH next AS (
        SELECT o.id FROM outbox o
         WHERE o.status = 'pending'
           AND o.next_attempt_at <= now()
           AND (o.lease_until IS NULL OR o.lease_until < now())
           AND ${FIRST_IN_QUEUE}
         ORDER BY o.id
         LIMIT ${o.limit}
         FOR UPDATE SKIP LOCKED
      )
      UPDATE outbox
         SET lease_owner = ${o.workerId},
             lease_until = now() + ${`${o.leaseMs} milliseconds`}::interval,
             attempts = outbox.attempts + 1
        FROM next, messages m
       WHERE outbox.id = next.id AND m.message_id = outbox.message_id
      RETURNING ${CLAIMED}`.execute(db);
  return withClaimBodies(db, rows);
}

/**
 * The destination's row waiting longest to be tried (a probe of a destination that failed),
 * leased without counting an attempt: a transient failure leaves it as it was.
 */
export async function claimProbe(db: Db, o: { workerId: string; leaseMs: number; kind: ClaimedRow['kind']; destination: string }): Promise<ClaimedRow | undefined> {
  const { rows } = await sql<StoredClaim>`
      WITH next AS (
        SELECT o.id FROM outbox o
         WHERE o.status = 'pending' AND o.kind = ${o.kind} AND o.destination = ${o.destination}
           AND o.next_attempt_at > now()
           AND (o.lease_until IS NULL OR o.lease_until < now())
           AND ${FIRST_IN_QUEUE}
         ORDER BY o.next_attempt_at, o.id
         LIMIT 1
         FOR UPDATE SKIP LOCKED
      )
      UPDATE outbox
         SET lease_owner = ${o.workerId},
             lease_until = now() + ${`${o.leaseMs} milliseconds`}::interval
        FROM next, messages m
       WHERE outbox.id = next.id AND m.message_id = outbox.message_id
      RETURNING ${CLAIMED}`.execute(db);
  return (await withClaimBodies(db, rows))[0];
}

/**
 * What a claim returns: the row and its message's type and (stored) body. A message not yet
 * delivered has no wire form; one delivered before (claimed again after a lost lease) may have its
 * body only there (0021).
 */
export const CLAIMED = sql.raw(
  'outbox.id, outbox.message_id, outbox.case_id, outbox.kind, outbox.destination, outbox.attempts, m.type, m.direction, m.body, m.body_z, m.body_dict, m.body_from, m.raw, m.raw_z, m.raw_dict',
);
export type StoredClaim = Omit<ClaimedRow, 'body'> & StoredBody;

/** Claimed rows as stored → with their message's body decoded. */
export async function withClaimBodies(db: Db, rows: StoredClaim[]): Promise<ClaimedRow[]> {
  return (await withBodies(db, rows)).map(({ body_z: _z, body_dict: _d, body_from: _f, direction: _dir, raw: _r, raw_z: _rz, raw_dict: _rd, ...row }) => row);
}
