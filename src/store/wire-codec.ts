/**
 * The wire form of each message, stored once and compressed, losslessly: `?raw=true` returns the
 * exact text received (signature re-verification depends on it).
 *
 * zlib with a preset dictionary learned per (peer, direction, format, message type): the first wire
 * form of a kind is compressed plainly and becomes the dictionary of the following ones. Per type
 * because the Body's element structure recurs only within a type: an AKM-TR against a VA's
 * dictionary took 816 bytes, against an earlier AKM-TR's 668. Everything that
 * recurs — SOAP envelope, namespaces, WS-Security boilerplate, the signer's certificate, the
 * constant parts of the body — then costs a few bytes; a signed 4.6 KB VA is stored in ~0.45 KB, of
 * which 0.3 KB are its signature and digest values (pglz TOAST of the text column: ~3.3 KB). What a
 * dictionary keeps of a message is `dictionary-source.ts`'s: no personal data. When a message
 * compresses poorly against the current dictionary (the peer rotated its certificate, a new message
 * family) it becomes the new one.
 *
 * Dictionaries are immutable, content-addressed rows of `wire_dictionaries`. A statement that
 * stores a message compressed against a dictionary this database has not confirmed yet also
 * inserts the dictionary (`ON CONFLICT DO NOTHING`), so the message can never commit without its
 * dictionary — not even inside a transaction that rolls back and is retried.
 *
 * zlib (not raw deflate) on purpose: its header carries the dictionary's Adler-32 and its trailer
 * the data's, so a wrong dictionary or a damaged row fails loudly instead of returning other bytes.
 *
 * A wire form names its own message id (the delivery header of a message sent) and its case's id,
 * which the row holds anyway: they are appended to the kind's dictionary (`wireContext`), so each
 * costs a back-reference instead of ~10–20 bytes of hex and digits (~30 bytes less per message
 * sent, ~12 per message received). The zlib header's Adler-32 tells a reader which of the two
 * dictionaries a row was compressed against: rows written before read as they are.
 *
 * The same machinery (`PackPolicy`) stores the parsed message bodies (`body-codec.ts`), the
 * unsearched part of a WBCI case's data (`case-data.ts`) and the event feed's rows
 * (`event-groups.ts`); their kinds are told apart by `format`.
 */
import { createHash } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database, MessageRow } from './schema.js';
import { CommittedRows } from './committed-rows.js';
import { adler32Of, inflateText } from './zlib-inflate.js';
import { dictionarySource, type DictionaryKeep } from './dictionary-source.js';
import { WBCI_IMPERSONAL_ELEMENTS, WBCI_STANDARD_TEXTS } from '../protocols/wbci/impersonal-names.js';

/** the window of deflate: a longer dictionary is never looked at */
const MAX_DICT = 32 * 1024;
/** How a kind of text learns its dictionaries; wire forms and parsed bodies differ in size and redundancy. */
export interface PackPolicy {
  /** texts shorter than this never become a dictionary (nothing to learn from them) */
  minDict: number;
  /** below this ratio a text is "well served" by the current dictionary */
  relearnRatio: number;
  /** what a dictionary may keep of the texts' values (never personal data; `dictionary-source.ts`) */
  keep?: DictionaryKeep;
  /**
   * relearn from a text this many times longer than the one the dictionary was learned from: texts that grow
   * (a case's data gains keys step by step) are otherwise served by a dictionary that knows only the first keys
   */
  relearnGrowth?: number;
}

/** wire forms: kilobytes of envelope and WS-Security boilerplate that recur, so ~0.15–0.3 is usual */
const WIRE_POLICY: PackPolicy = { minDict: 512, relearnRatio: 0.3, keep: { names: WBCI_IMPERSONAL_ELEMENTS, values: WBCI_STANDARD_TEXTS } };

/**
 * Short JSON texts (parsed bodies, a case's unsearched data): a dictionary is worth learning from
 * ~64 bytes on. Against a good one such a text takes ~0.3–0.5 of its size (names, numbers and ids do
 * not recur), so only a far worse ratio means the dictionary no longer fits the kind — relearning at
 * the wire forms' 0.3 would add a dictionary row every hundred texts.
 */
export const SHORT_TEXT_POLICY: PackPolicy = { minDict: 64, relearnRatio: 0.7 };
/**
 * messages compressed against a dictionary before it may be replaced: traffic that no dictionary
 * serves (data-heavy bodies) then adds at most one small dictionary row per this many messages
 */
const MIN_USES_BEFORE_RELEARN = 100;
/**
 * (peer, direction, format, type) kinds remembered: ~100 peers × ~10 types × 2 directions, each with
 * a wire form (~4 KB) and a parsed body (0016, ~0.3 KB): at most ~18 MB
 */
const MAX_LEARNED_KEYS = 8_000;
/**
 * dictionaries read back for reading rows: 20 peers × 8 types × 2 directions × (wire, body) is 640
 * in use — a smaller cache would read dictionaries from the database on most reads
 */
const MAX_CACHED_DICTS = 2_048;

export interface WireKey {
  peer: string;
  direction: 'in' | 'out';
  format: string | null;
  /** the message type (VA-KUE-MRN, AKM-TR, …) */
  type: string;
}

export interface PackedWire {
  z: Buffer;
  dictId: number | null;
  /** set when the statement must make sure the dictionary row exists */
  ensure: { id: number; dict: Buffer } | null;
}

interface Dictionary {
  id: number;
  dict: Buffer;
}

interface Learned extends Dictionary {
  /** messages compressed against it so far in this process */
  uses: number;
  /** the length of the text it was learned from */
  sampleBytes: number;
}

/** 48 bits of the SHA-256: an int8 that stays a safe JS integer (the store refuses larger ones) */
function dictionaryId(dict: Buffer): number {
  return createHash('sha256').update(dict).digest().readUIntBE(0, 6);
}

function asDictionary(raw: string, keep: DictionaryKeep | undefined): Dictionary {
  const bytes = Buffer.from(dictionarySource(raw, keep), 'utf8');
  const dict = bytes.length > MAX_DICT ? bytes.subarray(bytes.length - MAX_DICT) : bytes;
  return { id: dictionaryId(dict), dict: Buffer.from(dict) };
}

/** the current dictionary per (peer, direction, format, type) — process-wide, the bytes are the same for every database */
const learned = new Map<string, Learned>();
/** dictionaries known to be committed, per database handle (a transaction handle never confirms) */
const confirmed = new CommittedRows();
/** dictionaries read back, by id (immutable, so never stale) */
const byId = new Map<number, Buffer>();

const keyOf = (k: WireKey) => `${k.peer}\u0000${k.direction}\u0000${k.format ?? ''}\u0000${k.type}`;

function remember(key: string, d: Dictionary, sampleBytes: number): void {
  if (learned.size >= MAX_LEARNED_KEYS && !learned.has(key)) learned.delete(learned.keys().next().value!);
  learned.set(key, { ...d, uses: 0, sampleBytes });
  cache(d.id, d.dict);
}

function cache(id: number, dict: Buffer): void {
  if (byId.size >= MAX_CACHED_DICTS && !byId.has(id)) byId.delete(byId.keys().next().value!);
  byId.set(id, dict);
}

/**
 * The smallest deflate window that still reaches from the message's end back to the dictionary's
 * start: a message is a few KiB, and setting up the default 32 KiB window (its hash tables
 * included) cost a third of the compression of an unsigned VA; the output was byte for byte as
 * small. Inflate reads the window from the zlib header, so rows of either size read back alike.
 */
const windowFor = (reach: number): number => (reach <= 1 << 13 ? 13 : reach <= 1 << 14 ? 14 : 15);

/**
 * A signed wire form's signature and digest values, stored apart as bytes (the first byte of such a
 * row is 0x01; a zlib stream's has the compression method, 8, in its low nibble): base64 of random
 * bytes takes ~6 bits a character through deflate, and its Huffman codes are paid for in every
 * message. ~29 bytes less per signed message as stored (45 against a dictionary learned without the
 * values, as every dictionary is learned now) — with the hashed dedupe keys, enough to put 8
 * message rows on a heap page instead of 7 at the time.
 * Only values in canonical base64 are taken out, and a form is stored so only after it has been
 * read back to the same text; anything else is stored as one zlib stream.
 */
const SIGNED_FORMAT = 0x01;
const SIGNED_VALUE = /(<(?:[\w.-]+:)?(?:SignatureValue|DigestValue)(?:\s[^>]*)?>)([^<]*)(<\/)/g;
const EMPTIED_VALUE = /(<(?:[\w.-]+:)?(?:SignatureValue|DigestValue)(?:\s[^>]*)?>)(<\/)/g;

/** The text with its signature and digest values emptied, and the values; null when it has none or one is not canonical base64. */
function splitSigned(raw: string): { text: string; values: Buffer[] } | null {
  if (!raw.includes('SignatureValue')) return null;
  const values: Buffer[] = [];
  let canonical = true;
  const text = raw.replace(SIGNED_VALUE, (_: string, open: string, value: string, close: string) => {
    const bytes = Buffer.from(value, 'base64');
    if (value.length === 0 || bytes.length > 0xffff || bytes.toString('base64') !== value) canonical = false;
    values.push(bytes);
    return open + close;
  });
  return canonical && values.length > 0 && values.length < 256 ? { text, values } : null;
}

/** 0x01, the number of values, each one's length (2 bytes), the values, then the zlib stream of the emptied text. */
function joinSignedRow(values: readonly Buffer[], z: Buffer): Buffer {
  const head = Buffer.alloc(2 + 2 * values.length);
  head[0] = SIGNED_FORMAT;
  head[1] = values.length;
  values.forEach((v, i) => head.writeUInt16BE(v.length, 2 + 2 * i));
  return Buffer.concat([head, ...values, z]);
}

function unpackSignedRow(row: Buffer, dict: Buffer | null, context: string | undefined): string {
  const count = row[1]!;
  const values: string[] = [];
  let at = 2 + 2 * count;
  for (let i = 0; i < count; i++) {
    const length = row.readUInt16BE(2 + 2 * i);
    values.push(row.subarray(at, at + length).toString('base64'));
    at += length;
  }
  let next = 0;
  const text = inflate(row.subarray(at), dict, context).replace(EMPTIED_VALUE, (_: string, open: string, close: string) => open + (values[next++] ?? '') + close);
  if (next !== count) throw new Error(`a stored wire form holds ${count} signature values but its text has ${next} places for them`);
  return text;
}

/** What a stored wire form's row knows of it besides the text: its case's id and its message id. */
export const wireContext = (row: { case_id: string; message_id: string }): string => `${row.case_id}\n${row.message_id}`;

/** The kind's dictionary with the row's context appended (the last 32 KiB: all deflate reads). */
function withContext(dict: Buffer | null, context: string | undefined): Buffer | null {
  if (context === undefined) return dict;
  const joined = Buffer.concat([dict ?? Buffer.alloc(0), Buffer.from(context, 'utf8')]);
  return joined.length > MAX_DICT ? joined.subarray(joined.length - MAX_DICT) : joined;
}

const adlers = new WeakMap<Buffer, number>();

/** Adler-32 (RFC 1950), what a zlib stream names its dictionary by; once per dictionary. */
function adler32(bytes: Buffer): number {
  const known = adlers.get(bytes);
  if (known !== undefined) return known;
  const sum = adler32Of(bytes);
  adlers.set(bytes, sum);
  return sum;
}

/**
 * The dictionary a zlib stream was compressed against and its Adler-32: none, the kind's, or the
 * kind's with the row's context — told apart by the Adler-32 in the stream's header (FDICT). A
 * stream naming neither is inflated against the latter and fails loudly.
 */
function dictionaryOf(z: Uint8Array, dict: Buffer | null, context: string | undefined): { d: Buffer | null; adler: number | null } {
  const own = dict === null ? null : adler32(dict);
  if (context === undefined || (z[1]! & 0x20) === 0) return { d: dict, adler: own };
  const named = ((z[2]! << 24) | (z[3]! << 16) | (z[4]! << 8) | z[5]!) >>> 0;
  if (named === own) return { d: dict, adler: own };
  const joined = withContext(dict, context)!;
  // the kind's dictionary is summed once; the row's ids continue its sum (unless the join was cut)
  const whole = own !== null && dict!.length + Buffer.byteLength(context, 'utf8') <= MAX_DICT;
  return { d: joined, adler: whole ? adler32Of(joined.subarray(dict!.length), own) : adler32Of(joined) };
}

const inflate = (z: Uint8Array, dict: Buffer | null, context?: string): string => {
  const { d, adler } = dictionaryOf(z, dict, context);
  return inflateText(z, d, adler);
};

/**
 * Compresses one wire form (or other text, see `policy`); `db` is the handle the statement that
 * stores it will run on; `context` (`wireContext`) what the row holds besides (wire forms only).
 */
export function packWire(db: Kysely<Database>, raw: string, key: WireKey, policy: PackPolicy = WIRE_POLICY, context?: string): PackedWire {
  const bytes = Buffer.from(raw, 'utf8');
  const k = keyOf(key);
  const current = learned.get(k);
  const z = policy === WIRE_POLICY ? packWith(raw, current?.dict ?? null, context) : deflateText(bytes, current?.dict ?? null);
  return { z, ...learnFrom(db, k, current, raw, bytes.length, z.length, policy) };
}

/**
 * Texts of one kind compressed apart against one dictionary, learned from them together: a case's data in parts
 * that are read apart (case-data.ts).
 */
export function packTexts(db: Kysely<Database>, texts: readonly string[], key: WireKey, policy: PackPolicy): { zs: Buffer[] } & Omit<PackedWire, 'z'> {
  const k = keyOf(key);
  const current = learned.get(k);
  const zs = texts.map((t) => deflateText(Buffer.from(t, 'utf8'), current?.dict ?? null));
  const bytes = texts.reduce((n, t) => n + Buffer.byteLength(t, 'utf8'), 0);
  return { zs, ...learnFrom(db, k, current, texts.join(''), bytes, zs.reduce((n, z) => n + z.length, 0), policy) };
}

/** Learns a dictionary from `raw` where the kind has none or serves it badly; the dictionary the text was packed against. */
function learnFrom(db: Kysely<Database>, k: string, current: Learned | undefined, raw: string, bytes: number, zBytes: number, policy: PackPolicy): Omit<PackedWire, 'z'> {
  const ripe = current !== undefined && current.uses >= MIN_USES_BEFORE_RELEARN;
  const poor = ripe && zBytes > bytes * policy.relearnRatio;
  const grown = ripe && policy.relearnGrowth !== undefined && bytes > current.sampleBytes * policy.relearnGrowth;
  if (bytes >= policy.minDict && (!current || poor || grown)) remember(k, asDictionary(raw, policy.keep), bytes);
  if (!current) return { dictId: null, ensure: null };
  current.uses++;
  return { dictId: current.id, ensure: confirmed.has(db, current.id) ? null : current };
}

function deflateText(bytes: Buffer, dict: Buffer | null): Buffer {
  return dict ? deflateSync(bytes, { dictionary: dict, windowBits: windowFor(bytes.length + dict.length) }) : deflateSync(bytes, { windowBits: windowFor(bytes.length) });
}

/** A wire form's stored row against `dict` and the row's `context`: its signature values apart where it has them. */
export function packWith(raw: string, dict: Buffer | null, context: string | undefined): Buffer {
  const d = withContext(dict, context);
  return signedApart(raw, dict, d, context) ?? deflateText(Buffer.from(raw, 'utf8'), d);
}

/** The row of a signed wire form with its values apart, if it has them and reads back to the same text. */
function signedApart(raw: string, dict: Buffer | null, withCtx: Buffer | null, context: string | undefined): Buffer | null {
  const split = splitSigned(raw);
  if (!split) return null;
  const row = joinSignedRow(split.values, deflateText(Buffer.from(split.text, 'utf8'), withCtx));
  return unpackWith(row, dict, context) === raw ? row : null;
}

/** After the statement with `packed` succeeded on `db`: its dictionaries are committed (outside a transaction). */
export function confirmWire(db: Kysely<Database>, packed: readonly (PackedWire | null)[]): void {
  confirmed.confirm(db, packed.flatMap((p) => (p?.ensure ? [p.ensure.id] : [])));
}

/**
 * A CTE that inserts the dictionaries the packed rows need and the database may not have; `null`
 * when there are none. Name it and put it before the insert of the rows that reference them.
 */
export function ensureDictionariesSql(packed: readonly (PackedWire | null)[]): RawBuilder<unknown> | null {
  const seen = new Map<number, Buffer>();
  for (const p of packed) if (p?.ensure) seen.set(p.ensure.id, p.ensure.dict);
  if (seen.size === 0) return null;
  const rows = [...seen].map(([id, dict]) => sql`(${id}::bigint, ${dict}::bytea)`);
  return sql`INSERT INTO wire_dictionaries (id, dict) SELECT * FROM (VALUES ${sql.join(rows)}) AS v ON CONFLICT (id) DO NOTHING`;
}

/**
 * The same as `ensureDictionariesSql` with a text that does not depend on the dictionaries: an
 * insert from one JSON document (empty when none is new), for statements prepared once.
 */
export function dictionariesCte(packed: readonly (PackedWire | null)[]): RawBuilder<unknown> {
  const seen = new Map<number, string>();
  for (const p of packed) if (p?.ensure) seen.set(p.ensure.id, p.ensure.dict.toString('base64'));
  const rows = JSON.stringify([...seen].map(([id, dict]) => ({ id, dict })));
  return sql`INSERT INTO wire_dictionaries (id, dict) SELECT x.id, decode(x.dict, 'base64') FROM json_to_recordset(${rows}::json) AS x(id bigint, dict text) ON CONFLICT (id) DO NOTHING`;
}

/** Reads the dictionaries among `ids` this process has not cached yet (`unpackText` needs them). */
export async function loadDictionaries(db: Kysely<Database>, ids: number[]): Promise<void> {
  const missing = [...new Set(ids)].filter((id) => !byId.has(id));
  if (missing.length === 0) return;
  const rows = await db.selectFrom('wire_dictionaries').select(['id', 'dict']).where('id', 'in', missing).execute();
  for (const r of rows) cache(Number(r.id), Buffer.from(r.dict));
}

/** The text of a compressed row; its dictionary must have been loaded (`loadDictionaries`); `context` as packed. */
export function unpackText(z: Uint8Array, dictId: number | null, context?: string): string {
  if (dictId === null) return unpackWith(z, null, context);
  const dict = byId.get(dictId);
  if (!dict) throw new Error(`wire dictionary ${dictId} is missing`);
  return unpackWith(z, dict, context);
}

/** The text of a compressed row, given the bytes of its dictionary (null: none) and, for a wire form, its context. */
export function unpackWith(z: Uint8Array, dict: Buffer | null, context?: string): string {
  return z[0] === SIGNED_FORMAT ? unpackSignedRow(Buffer.from(z.buffer, z.byteOffset, z.byteLength), dict, context) : inflate(z, dict, context);
}

/** The rows with `raw` restored from `raw_z` where the wire form is stored compressed. */
export async function withRawWire(db: Kysely<Database>, rows: MessageRow[]): Promise<MessageRow[]> {
  await loadDictionaries(db, rows.flatMap((r) => (r.raw === null && r.raw_z !== null && r.raw_dict !== null ? [Number(r.raw_dict)] : [])));
  return rows.map((r) => (r.raw === null && r.raw_z !== null ? { ...r, raw: unpackText(r.raw_z, r.raw_dict === null ? null : Number(r.raw_dict), wireContext(r)) } : r));
}
