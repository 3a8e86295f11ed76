/**
 * Which content-addressed rows (wire dictionaries, signer rows) a database handle is known to have
 * committed. A statement that references a row its handle has not confirmed inserts that row too
 * (`ON CONFLICT DO NOTHING`), so nothing commits without what it references; once the statement
 * succeeded outside a transaction the rows are confirmed and later statements leave them out. A
 * transaction handle never confirms: its transaction may still roll back.
 */
import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

export class CommittedRows {
  readonly #byHandle = new WeakMap<object, Set<number>>();

  has(db: Kysely<Database>, id: number): boolean {
    return this.#byHandle.get(db)?.has(id) ?? false;
  }

  /** After a statement that inserted (or found) rows `ids` succeeded on `db`. */
  confirm(db: Kysely<Database>, ids: Iterable<number>): void {
    if (db.isTransaction) return;
    let known = this.#byHandle.get(db);
    for (const id of ids) {
      if (!known) this.#byHandle.set(db, (known = new Set()));
      known.add(id);
    }
  }
}
