import { sql, type Kysely } from 'kysely';

/**
 * A case's `data`, `deadlines`, `open_change` and `wholesale_order` are stored as `json` (the text
 * the gateway wrote) instead of `jsonb`. jsonb's binary form carries a header and an offset per key
 * and value: a WBCI case's `data` (the agreement the list page shows, `akmTr`, the termination date)
 * took 333 bytes as jsonb and ~255 as its compact text; with the other three columns the case row is
 * ~90 bytes shorter, and at 20,000 cases the heap went from 911 to 819 bytes per case.
 *
 * Nothing needs jsonb's indexing: no index reads these columns, and the few statements that look
 * inside them (`->`, `->>`) work on json alike; the two containment tests (a successor's resources,
 * an AGCOM line key) cast the one value they test (`::jsonb`), on rows their other conditions chose.
 * json has no equality operator: no statement compares or groups these columns.
 *
 * The rows are rewritten once (the cast prints jsonb's text, with a space after each `:` and `,`;
 * the gateway writes new values compact): on a large database a maintenance window, like 0020.
 */
const COLUMNS = ['data', 'open_change', 'wholesale_order'] as const;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen against the schema of their time
async function retype(db: Kysely<any>, type: 'json' | 'jsonb'): Promise<void> {
  const alters = [
    ...COLUMNS.map((c) => `alter column ${c} type ${type} using ${c}::${type}`),
    `alter column deadlines drop default`,
    `alter column deadlines type ${type} using deadlines::${type}`,
    `alter column deadlines set default '[]'::${type}`,
  ];
  await sql.raw(`alter table cases ${alters.join(', ')}`).execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see retype()
export async function up(db: Kysely<any>): Promise<void> {
  await retype(db, 'json');
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see retype()
export async function down(db: Kysely<any>): Promise<void> {
  await retype(db, 'jsonb');
}
