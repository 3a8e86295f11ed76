/**
 * The parsed body of each message, stored compressed (migration 0016): zlib against a dictionary
 * learned per (peer, direction, message type) from an earlier body of the same kind, as the wire
 * forms are (`wire-codec.ts`, whose dictionaries and rows it shares under the format `body`).
 * Since 0021 a body its wire form holds is not stored at all: it is read back from the wire form
 * (`wire-bodies.ts`).
 *
 * Why not jsonb: a body is 200–500 bytes, far below the ~2 KB at which PostgreSQL compresses a row,
 * and its keys and structure recur in every body of its kind. Against its kind's dictionary a body
 * takes ~40 % of its JSON text (~150 instead of ~420 bytes as jsonb) — ~0.8 KB per case.
 *
 * What is given up: SQL cannot look into a body any more. Nothing does: every reader goes through
 * the repositories, which restore `body` with `withBodies`. Rows written before 0016 keep their
 * jsonb `body` and are read as they are.
 */
import type { Kysely } from 'kysely';
import { toJson, type Database, type JsonValue } from './schema.js';
import { loadDictionaries, packWire, unpackText, wireContext, SHORT_TEXT_POLICY, type PackedWire } from './wire-codec.js';
import { bodyFromWire } from './wire-bodies.js';

export interface BodyKey {
  peer: string;
  direction: 'in' | 'out';
  type: string;
}

/** Compresses one body; `db` is the handle the statement that stores it will run on. */
export function packBody(db: Kysely<Database>, body: unknown, key: BodyKey): PackedWire {
  return packWire(db, toJson((body ?? null) as JsonValue), { ...key, format: 'body' }, SHORT_TEXT_POLICY);
}

/** A row as stored: `body` is null when `body_z` holds it, both are when its wire form does (`body_from`). */
export interface StoredBody {
  message_id: string;
  case_id: string;
  body: unknown;
  body_z: Uint8Array | null;
  body_dict: number | string | null;
  body_from: number | string | null;
  direction: string;
  raw: string | null;
  raw_z: Uint8Array | null;
  raw_dict: number | string | null;
}

const dictOf = (id: number | string | null): number | null => (id === null ? null : Number(id));
const fromWire = (r: StoredBody): boolean => r.body === null && r.body_z === null && r.body_from !== null;

/**
 * The rows with `body` restored: inflated from `body_z`, or read back from the wire form — whose
 * text is then left in `raw` (it had to be inflated anyway).
 */
export async function withBodies<R extends StoredBody>(db: Kysely<Database>, rows: R[]): Promise<(Omit<R, 'body'> & { body: JsonValue })[]> {
  await loadDictionaries(
    db,
    rows.flatMap((r) => {
      if (r.body !== null) return [];
      if (r.body_z !== null) return r.body_dict === null ? [] : [Number(r.body_dict)];
      return fromWire(r) && r.raw === null && r.raw_dict !== null ? [Number(r.raw_dict)] : [];
    }),
  );
  return rows.map((r) => {
    if (r.body !== null) return r as R & { body: JsonValue };
    if (r.body_z !== null) return { ...r, body: JSON.parse(unpackText(r.body_z, dictOf(r.body_dict))) as JsonValue };
    if (!fromWire(r)) return r as R & { body: JsonValue };
    const raw = r.raw ?? (r.raw_z === null ? null : unpackText(r.raw_z, dictOf(r.raw_dict), wireContext(r)));
    if (raw === null) throw new Error(`message ${r.message_id}: body_from is set but no wire form is stored`);
    return { ...r, raw, body: bodyFromWire(Number(r.body_from), raw, r.direction === 'out' ? 'out' : 'in', r.message_id) };
  });
}
