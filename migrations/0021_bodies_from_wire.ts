import { sql, type Kysely } from 'kysely';

/**
 * A message whose wire form holds its parsed body stores the wire form only (src/store/wire-bodies.ts):
 * `body_from` names how to read the body back from it (1: a WBCI SOAP envelope, 2: a WBCI JSON
 * document), and `body`, `body_z` stay null. ~0.5 KB per case (a third of a message row). Rows
 * written before keep their body as they are. The check is NOT VALID for the reason 0016's is:
 * every row written before satisfies the new condition already.
 */
const UP = [
  `alter table messages add column body_from smallint null`,
  `alter table messages drop constraint if exists messages_body_stored`,
  `alter table messages add constraint messages_body_stored check (body is not null or body_z is not null or (body_from is not null and (raw is not null or raw_z is not null))) not valid`,
];

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen against the schema of their time
export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of UP) await sql.raw(statement).execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see up()
export async function down(db: Kysely<any>): Promise<void> {
  // SQL cannot decode a SOAP envelope: going back would lose those bodies (as 0016's down says of its own)
  const { rows } = await sql<{ n: number }>`select count(*)::int as n from messages where body is null and body_z is null`.execute(db);
  if (Number(rows[0]?.n ?? 0) > 0) throw new Error(`0021 cannot be undone: ${rows[0]!.n} message bodies are stored as their wire form only`);
  await sql`alter table messages drop constraint if exists messages_body_stored`.execute(db);
  await sql`alter table messages drop column if exists body_from`.execute(db);
  await sql`alter table messages add constraint messages_body_stored check (body is not null or body_z is not null) not valid`.execute(db);
}
