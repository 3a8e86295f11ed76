import { sql, type Kysely } from 'kysely';

/**
 * Console logouts that every replica honours: the session cookie is signed and stateless, so a
 * logged-out cookie would stay valid until it expires. Logging out records the session's id here
 * until that expiry; every console request looks its id up by primary key. Rows past their expiry
 * prove nothing any more (the cookie itself has expired) and are swept.
 */
const UP = [
  `create table console_revoked_sessions (
     session_id  text primary key,
     expires_at  timestamptz not null,
     revoked_at  timestamptz not null default now()
   )`,
  `create index console_revoked_sessions_expires_idx on console_revoked_sessions (expires_at)`,
];

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of UP) await sql.raw(statement).execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await sql.raw('drop table console_revoked_sessions').execute(db);
}
