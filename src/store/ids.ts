/**
 * Business id source (wbci.md §8, §14.2): `<own carrier code>.<V|S|T><9 chars>` from separate
 * monotonic database sequences. Ids are fetched in blocks so that taking one costs no round trip;
 * a block's unused ids are lost on restart — ids are never reused, gaps are harmless.
 * Injected into the services so tests can use deterministic ids.
 */
import { sql, type Kysely } from 'kysely';

export type IdKind = 'V' | 'S' | 'T';

export interface IdSource {
  next(kind: IdKind): Promise<string>;
}

export function sequenceIdSource(db: Kysely<unknown>, carrierCode: string, blockSize = 32): IdSource {
  const cache = new Map<IdKind, string[]>();
  const pending = new Map<IdKind, Promise<void>>();
  const refill = async (kind: IdKind): Promise<void> => {
    const seq = `wbci_${kind.toLowerCase()}_id_seq`;
    const { rows } = await sql<{ n: string }>`SELECT nextval(${seq}::regclass)::text AS n FROM generate_series(1, ${blockSize})`.execute(db);
    const ids = rows.map((r) => {
      if (r.n.length > 9) throw new Error(`id sequence ${seq} exhausted`);
      return `${carrierCode}.${kind}${r.n.padStart(9, '0')}`;
    });
    cache.set(kind, [...(cache.get(kind) ?? []), ...ids].sort());
  };
  return {
    async next(kind) {
      for (;;) {
        const ids = cache.get(kind);
        if (ids && ids.length) return ids.shift()!;
        let p = pending.get(kind);
        if (!p) {
          p = refill(kind).finally(() => pending.delete(kind));
          pending.set(kind, p);
        }
        await p;
      }
    },
  };
}
