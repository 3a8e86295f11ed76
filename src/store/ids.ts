/**
 * Business id source (wbci.md §8, §14.2): `<own carrier code>.<V|S|T><9 chars>` from separate
 * monotonic sequences. Injected into the services so tests can use deterministic ids.
 */
import { sql, type Kysely } from 'kysely';

export type IdKind = 'V' | 'S' | 'T';

export interface IdSource {
  next(kind: IdKind): Promise<string>;
}

export function sequenceIdSource(db: Kysely<unknown>, carrierCode: string): IdSource {
  return {
    async next(kind) {
      const seq = `wbci_${kind.toLowerCase()}_id_seq`;
      const { rows } = await sql<{ n: string }>`SELECT nextval(${seq}::regclass)::text AS n`.execute(db);
      const n = rows[0]!.n;
      if (n.length > 9) throw new Error(`id sequence ${seq} exhausted`);
      return `${carrierCode}.${kind}${n.padStart(9, '0')}`;
    },
  };
}
