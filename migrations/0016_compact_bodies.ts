import { sql, type Kysely } from 'kysely';

/**
 * Each message's parsed body compressed against a dictionary learned per kind
 * (src/store/body-codec.ts): ~420 bytes of jsonb become ~150 of bytea, ~0.8 KB per case. `body`
 * stays for the rows written before (and stays null for the new ones); one of the two is always set.
 * The check is NOT VALID so that adding it does not read the whole table — every row written
 * before satisfies it anyway (`body` was NOT NULL). `body_z` is compressed already: EXTERNAL keeps
 * PostgreSQL from trying again should a row ever pass the TOAST threshold.
 */
const UP = [
  `alter table messages add column body_z bytea null, add column body_dict bigint null, alter column body drop not null`,
  `alter table messages alter column body_z set storage external`,
  `alter table messages add constraint messages_body_stored check (body is not null or body_z is not null) not valid`,
];

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen against the schema of their time
export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of UP) await sql.raw(statement).execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see up()
export async function down(db: Kysely<any>): Promise<void> {
  // SQL cannot inflate the compressed bodies: going back would lose them
  const { rows } = await sql<{ n: number }>`select count(*)::int as n from messages where body is null`.execute(db);
  if (Number(rows[0]?.n ?? 0) > 0) throw new Error(`0016 cannot be undone: ${rows[0]!.n} message bodies are stored compressed only`);
  await sql`alter table messages drop constraint if exists messages_body_stored`.execute(db);
  await sql`alter table messages drop column if exists body_z, drop column if exists body_dict, alter column body set not null`.execute(db);
}
