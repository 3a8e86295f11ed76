import { sql, type Kysely } from 'kysely';

/**
 * The keys of a WBCI case's `data` that SQL never searches and a list page never projects — the VA,
 * the answer, the times — stored compressed against a dictionary learned per procedure and role
 * (src/store/case-data.ts): ~0.5–0.6 KB less per WBCI case. Rows written before keep them in `data`;
 * readers merge both.
 */
const UP = [
  `alter table cases add column data_z bytea null, add column data_dict bigint null`,
  `alter table cases alter column data_z set storage external`,
];

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen against the schema of their time
export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of UP) await sql.raw(statement).execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see up()
export async function down(db: Kysely<any>): Promise<void> {
  // SQL cannot inflate the compressed keys: going back would lose them
  const { rows } = await sql<{ n: number }>`select count(*)::int as n from cases where data_z is not null`.execute(db);
  if (Number(rows[0]?.n ?? 0) > 0) throw new Error(`0018 cannot be undone: ${rows[0]!.n} cases keep part of their data compressed`);
  await sql`alter table cases drop column if exists data_z, drop column if exists data_dict`.execute(db);
}
