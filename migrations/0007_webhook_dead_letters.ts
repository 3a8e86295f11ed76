import { sql, type Kysely } from 'kysely';

/**
 * Webhook events a CRM endpoint kept refusing become dead letters too (kind `webhook`): they name
 * the webhook and the feed event instead of an outbox row. `redelivered_at` closes a replay the
 * dispatcher has carried out (delivered, or dead-lettered again as a new row).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE dead_letters
    ADD COLUMN kind text NOT NULL DEFAULT 'outbox',
    ADD COLUMN webhook text NULL,
    ADD COLUMN event_id text NULL,
    ADD COLUMN event_type text NULL,
    ADD COLUMN redelivered_at timestamptz NULL,
    ALTER COLUMN outbox_id DROP NOT NULL,
    ALTER COLUMN message_id DROP NOT NULL,
    ALTER COLUMN case_id DROP NOT NULL`.execute(db);
  await sql`CREATE INDEX dead_letters_webhook_replays ON dead_letters (webhook, id) WHERE kind = 'webhook' AND replayed_at IS NOT NULL AND redelivered_at IS NULL`.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP INDEX IF EXISTS dead_letters_webhook_replays`.execute(db);
  await sql`DELETE FROM dead_letters WHERE kind = 'webhook'`.execute(db);
  await sql`ALTER TABLE dead_letters
    DROP COLUMN kind, DROP COLUMN webhook, DROP COLUMN event_id, DROP COLUMN event_type, DROP COLUMN redelivered_at,
    ALTER COLUMN outbox_id SET NOT NULL, ALTER COLUMN message_id SET NOT NULL, ALTER COLUMN case_id SET NOT NULL`.execute(db);
}
