/** Outbound work written in the same transaction as the state change that causes it. */
import { sql } from 'kysely';
import type { Db } from './cases.js';

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
