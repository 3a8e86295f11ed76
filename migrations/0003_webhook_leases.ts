import { sql, type Kysely } from 'kysely';

/** One replica at a time delivers a webhook's events in order: a lease on its cursor row. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE webhook_cursors ADD COLUMN lease_owner text NULL, ADD COLUMN lease_until timestamptz NULL`.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE webhook_cursors DROP COLUMN lease_owner, DROP COLUMN lease_until`.execute(db);
}
