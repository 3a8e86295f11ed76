import { sql, type Kysely } from 'kysely';

/**
 * Business ids (V-, S-, T-ids of wbci.md §8) come from database sequences: never reused, even
 * after a rollback, and free of row-lock contention between concurrent requests and replicas.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  for (const kind of ['v', 's', 't']) {
    await sql.raw(`CREATE SEQUENCE IF NOT EXISTS wbci_${kind}_id_seq START 1`).execute(db);
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  for (const kind of ['v', 's', 't']) {
    await sql.raw(`DROP SEQUENCE IF EXISTS wbci_${kind}_id_seq`).execute(db);
  }
}
