/**
 * Retention of delivered outbox rows. An outbox row is work: once its delivery is recorded on the
 * message (`messages.status`/`delivered_at`) and in the feed (`message.delivered`), nothing needs
 * the row for long. The ops desk reads delivered rows of the last hour (latency per destination)
 * and the last delivery per destination, so rows are kept for `outbox.deliveredRetentionHours`
 * (default 168 = 7 days) and then deleted in bounded batches by every replica's tick.
 *
 * Never deleted: pending and dead rows, and any row a dead letter names (its kind is shown with
 * the dead letter, and a replay puts that row back to work).
 */
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import { deleteDeliveredOlderThan } from '../store/repos/outbox.js';
import { deleteInBatches } from '../store/batched-delete.js';

export const DEFAULT_DELIVERED_RETENTION_HOURS = 168;

/**
 * Deletes delivered rows older than the retention in bounded batches; returns how many. Safe on
 * several replicas at once. Age is measured on the database's clock, the one `delivered_at` is
 * written with.
 */
export function sweepDeliveredOutbox(db: Kysely<Database>, retentionHours: number, batch = 1000, maxBatches = 10): Promise<number> {
  return deleteInBatches((limit) => deleteDeliveredOlderThan(db, retentionHours, limit), batch, maxBatches);
}
