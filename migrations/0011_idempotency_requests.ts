import { sql, type Kysely } from 'kysely';

/**
 * `Idempotency-Key` on every command (src/http/idempotency.ts): a key is scoped per API key AND
 * per method + path, the row is claimed `in_flight` before the command runs (so two identical
 * requests racing cannot both run it) and completed with the first answer — status, body,
 * headers. `owner` is the claiming process (store/process-instance.ts): a claim of a process that
 * died is taken over at once; `locked_until` bounds a claim whose handler was abandoned. A command
 * that writes in a transaction marks its claim `committed` in that transaction, so a process dying
 * between the commit and the answer does not make a retry run it again.
 * Rows of the old creates-only scheme get the empty scope: no request matches them any more; the
 * sweep deletes them after the TTL.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE idempotency_keys
    ADD COLUMN scope text NOT NULL DEFAULT '',
    ADD COLUMN state text NOT NULL DEFAULT 'done',
    ADD COLUMN body text NULL,
    ADD COLUMN locked_until timestamptz NULL,
    ADD COLUMN owner text NULL,
    ALTER COLUMN response DROP NOT NULL,
    DROP CONSTRAINT idempotency_keys_pkey`.execute(db);
  await sql`ALTER TABLE idempotency_keys ADD PRIMARY KEY (principal, scope, key)`.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await sql`DELETE FROM idempotency_keys WHERE scope <> '' OR response IS NULL`.execute(db);
  await sql`ALTER TABLE idempotency_keys DROP CONSTRAINT idempotency_keys_pkey`.execute(db);
  await sql`ALTER TABLE idempotency_keys
    DROP COLUMN scope, DROP COLUMN state, DROP COLUMN body, DROP COLUMN locked_until, DROP COLUMN owner,
    ALTER COLUMN response SET NOT NULL,
    ADD PRIMARY KEY (principal, key)`.execute(db);
}
