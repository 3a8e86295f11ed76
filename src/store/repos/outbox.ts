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
  const result = await sql`
    DELETE FROM outbox o
     USING (SELECT id FROM outbox x
             WHERE x.status = 'delivered' AND x.delivered_at < now() - make_interval(hours => ${hours}::int)
               AND NOT EXISTS (SELECT 1 FROM dead_letters d WHERE d.outbox_id = x.id)
             LIMIT ${limit} FOR UPDATE SKIP LOCKED) AS old
     WHERE o.id = old.id`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}
