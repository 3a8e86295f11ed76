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
