/**
 * The WS-Security verification result of a signed inbound message, stored once per distinct
 * result. What the verifier records (verdict, subject, issuer, serial, algorithm) describes the
 * peer's certificate, not the message, so it used to repeat ~250 bytes on every inbound message;
 * now each message carries an 8-byte reference (`messages.signer`) to an immutable,
 * content-addressed `message_signers` row and the API answers the same object as before.
 *
 * Same discipline as the wire dictionaries (wire-codec.ts): the statement that stores a message
 * referencing a signer row this process has not seen committed also inserts that row
 * (`ON CONFLICT DO NOTHING`), so a message never commits without it. Rows written before 0012
 * keep their `signature` jsonb; readers take it when set.
 */
import { createHash } from 'node:crypto';
import { sql, type Kysely, type RawBuilder } from 'kysely';
import { toJson, type Database, type JsonValue, type MessageRow } from './schema.js';
import { CommittedRows } from './committed-rows.js';

const MAX_CACHED = 1_024;

export interface PackedSigner {
  id: number;
  /** the detail as JSON text, when the statement must make sure its row exists */
  ensure: string | null;
}

/** signer rows known to be committed, per database handle (a transaction handle never confirms) */
const confirmed = new CommittedRows();
/** details read back, by id (immutable, so never stale) */
const byId = new Map<number, unknown>();

function cache(id: number, detail: unknown): void {
  if (byId.size >= MAX_CACHED && !byId.has(id)) byId.delete(byId.keys().next().value!);
  byId.set(id, detail);
}

/** 48 bits of the SHA-256 of the detail's JSON: an int8 that stays a safe JS integer */
function signerId(text: string): number {
  return createHash('sha256').update(text).digest().readUIntBE(0, 6);
}

/** The reference for one message's verification result; `db` is the handle the storing statement runs on. */
export function packSigner(db: Kysely<Database>, signature: unknown): PackedSigner | null {
  if (signature == null) return null;
  const text = toJson(signature as JsonValue);
  const id = signerId(text);
  return { id, ensure: confirmed.has(db, id) ? null : text };
}

/** After the statement with `packed` succeeded on `db`: its signer rows are committed (outside a transaction). */
export function confirmSigners(db: Kysely<Database>, packed: readonly (PackedSigner | null)[]): void {
  confirmed.confirm(db, packed.flatMap((p) => (p?.ensure ? [p.id] : [])));
}

/**
 * An INSERT of the signer rows the packed references need and the database may not have; `null`
 * when there are none. Name it as a CTE of the statement that inserts the messages.
 */
export function ensureSignersSql(packed: readonly (PackedSigner | null)[]): RawBuilder<unknown> | null {
  const seen = new Map<number, string>();
  for (const p of packed) if (p?.ensure) seen.set(p.id, p.ensure);
  if (seen.size === 0) return null;
  const rows = [...seen].map(([id, detail]) => sql`(${id}::bigint, ${detail}::jsonb)`);
  return sql`INSERT INTO message_signers (id, detail) SELECT * FROM (VALUES ${sql.join(rows)}) AS v ON CONFLICT (id) DO NOTHING`;
}

/** The same with a text that does not depend on the rows: one JSON document (empty when none is new), for prepared statements. */
export function signersCte(packed: readonly (PackedSigner | null)[]): RawBuilder<unknown> {
  const seen = new Map<number, unknown>();
  for (const p of packed) if (p?.ensure) seen.set(p.id, JSON.parse(p.ensure));
  const rows = JSON.stringify([...seen].map(([id, detail]) => ({ id, detail })));
  return sql`INSERT INTO message_signers (id, detail) SELECT x.id, x.detail FROM json_to_recordset(${rows}::json) AS x(id bigint, detail jsonb) ON CONFLICT (id) DO NOTHING`;
}

/** The rows with `signature` restored from their signer reference (rows before 0012 have it inline). */
export async function withSignatures<R extends Pick<MessageRow, 'signature' | 'signer'>>(db: Kysely<Database>, rows: R[]): Promise<R[]> {
  const missing = [...new Set(rows.flatMap((r) => (r.signature === null && r.signer !== null && !byId.has(Number(r.signer)) ? [Number(r.signer)] : [])))];
  if (missing.length) {
    const found = await db.selectFrom('message_signers').select(['id', 'detail']).where('id', 'in', missing).execute();
    for (const f of found) cache(Number(f.id), f.detail);
  }
  return rows.map((r) => {
    if (r.signature !== null || r.signer === null) return r;
    const detail = byId.get(Number(r.signer));
    if (detail === undefined) throw new Error(`message signer ${r.signer} is missing`);
    return { ...r, signature: detail as R['signature'] };
  });
}
