import { sql, type Kysely } from 'kysely';

/** The WS-Security verification result of a signed inbound message (verified, subject, issuer, serial, algorithm). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE messages ADD COLUMN signature jsonb NULL`.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE messages DROP COLUMN signature`.execute(db);
}
