/**
 * A WBCI case's `data` is stored in two parts (migration 0018): the keys SQL looks into or a list
 * page projects stay in `data` (jsonb until 0025, json text since); the rest — the pre-announcement (`va`, ~0.5 KB of jsonb), the
 * answer, the times, the changes — is compressed into `data_z` against a dictionary learned per
 * procedure and role, as message bodies are (`body-codec.ts`): ~1.2 KB of jsonb become ~0.3 KB of
 * jsonb and ~0.25 KB compressed. Readers get the whole object back through `withCaseData`.
 *
 * The other procedures keep all of `data` uncompressed: AGCOM cases are listed whole, and SQL searches
 * AGCOM (`sessionCode`, `lineKeys`) and interconnection (`data.pdi`) cases by keys inside it.
 * Rows written before 0018 keep everything in `data`; their next write splits them.
 */
import type { Kysely } from 'kysely';
import { toJson, type Database, type JsonValue } from './schema.js';
import { loadDictionaries, packTexts, packWire, unpackText, SHORT_TEXT_POLICY, type PackPolicy, type PackedWire } from './wire-codec.js';
import { GATEWAY_JSON_KEEP } from './dictionary-source.js';

/**
 * The case's roles, states and carrier codes may stay in a dictionary; the customer's data not (`dictionary-source.ts`).
 * A case's data grows step by step (the answer, the agreement, the AKM-TR): a dictionary learned from a case's
 * opening knows none of those keys, and the whole text still compresses well enough never to be relearned for them.
 */
const CASE_DATA_POLICY: PackPolicy = { ...SHORT_TEXT_POLICY, keep: GATEWAY_JSON_KEEP, relearnGrowth: 1.25 };

/**
 * The keys of a WBCI case's data that stay in the `data` column: `agreement` (the successor lookup searches its
 * resources), `akmTr` (the wholesale tick compares its time) and the list page's projection
 * (src/http/views.ts CASE_VIEW_DATA; a test keeps the two in step). A key SQL reads must be here —
 * `data -> 'va'` would find nothing.
 */
export const WBCI_HOT_KEYS: readonly string[] = ['agreement', 'akmTr', 'terminationDate', 'replaces', 'replacedBy'];

/**
 * Hot keys of which SQL reads only these members: the rest of each object is compressed, its member
 * names kept in place (`0` for each hot one) so that the object reads back in its order. An
 * agreement's numbers, technology and flags are ~140 bytes of a case row as text and far fewer
 * compressed (docs/capacity.md, session 17). These halves are a zlib stream of their own at the head
 * of `data_z` (`SPLIT_FORMAT`), so that a list page showing the agreement reads and inflates just
 * them (`COLD_HALVES_SQL`), not the VA.
 */
export const WBCI_PARTLY_HOT: Readonly<Record<string, readonly string[]>> = { agreement: ['resources'], akmTr: ['at'] };

/** Whether a list page projecting these keys must read WBCI rows' cold halves as well. */
export const needsColdPart = (keys: readonly string[]): boolean => keys.some((k) => k in WBCI_PARTLY_HOT);

/**
 * `data_z` as [2, length of the halves' stream (16 bits), the halves' stream, the other cold keys' stream (absent
 * when there are none)]; any other `data_z` is one zlib stream of the cold keys (its first byte is 0x?8).
 */
const SPLIT_FORMAT = 0x02;

/** SQL for the head of `data_z` that holds the cold halves (null for a row without them). */
export const COLD_HALVES_SQL = `case when get_byte(data_z, 0) = ${SPLIT_FORMAT} then substring(data_z from 1 for 3 + get_byte(data_z, 1) * 256 + get_byte(data_z, 2)) end`;

export interface PackedCaseData {
  /** what goes into the `data` column */
  data: unknown;
  /** the cold keys, compressed; null when the case has none */
  cold: PackedWire | null;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Splits a case's data into its searchable part and its compressed cold keys. */
export function packCaseData(db: Kysely<Database>, c: { procedure: string; role: string; data: unknown }): PackedCaseData {
  const data = c.data;
  if (c.procedure !== 'wbci' || !isObject(data)) return { data, cold: null };
  const hot: Record<string, unknown> = {};
  const halves: Record<string, unknown> = {};
  const rest: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(data)) {
    if (!WBCI_HOT_KEYS.includes(k)) rest[k] = v;
    else if (!splitInto(k, v, hot, halves)) hot[k] = v;
  }
  const key = { peer: `case:${c.role}`, direction: 'in' as const, format: 'case-data', type: c.procedure };
  const hasRest = Object.keys(rest).length > 0;
  // the other cold keys in one stream: the layout before the split (and its reader)
  const restOnly = () => (hasRest ? packWire(db, toJson(rest as JsonValue), key, CASE_DATA_POLICY) : null);
  if (Object.keys(halves).length === 0) return { data: hot, cold: restOnly() };
  const texts = [toJson(halves as JsonValue), ...(hasRest ? [toJson(rest as JsonValue)] : [])];
  const { zs, ...dict } = packTexts(db, texts, key, CASE_DATA_POLICY);
  const head = zs[0]!;
  if (head.length <= 0xffff) return { data: hot, cold: { z: Buffer.concat([Buffer.from([SPLIT_FORMAT, head.length >> 8, head.length & 0xff]), ...zs]), ...dict } };
  // 16 bits name the head's length: an agreement that does not fit (no real one comes near) stays whole
  return { data: Object.fromEntries(Object.entries(data).filter(([k]) => WBCI_HOT_KEYS.includes(k))), cold: restOnly() };
}

/**
 * Puts the members SQL reads of a partly hot key into `hot`, the object with `0` in their places into `halves`;
 * false (nothing written) when the value is not an object with members of both kinds.
 */
function splitInto(key: string, value: unknown, hot: Record<string, unknown>, halves: Record<string, unknown>): boolean {
  const members = WBCI_PARTLY_HOT[key];
  if (!members || !isObject(value)) return false;
  const names = Object.keys(value);
  if (!names.some((n) => members.includes(n)) || names.every((n) => members.includes(n))) return false;
  const kept: Record<string, unknown> = {};
  const rest: Record<string, unknown> = {};
  for (const n of names) {
    if (members.includes(n)) kept[n] = value[n];
    rest[n] = members.includes(n) ? 0 : value[n];
  }
  hot[key] = kept;
  halves[key] = rest;
  return true;
}

/** The cold keys of a stored `data_z` (or of its head alone: `COLD_HALVES_SQL`); `inflate` opens one stream. */
function coldOf(z: Uint8Array, inflate: (stream: Uint8Array) => string): { rest: Record<string, unknown>; halves: Record<string, unknown> } {
  const parse = (part: Uint8Array) => JSON.parse(inflate(part)) as Record<string, unknown>;
  if (z[0] !== SPLIT_FORMAT) return { rest: parse(z), halves: {} };
  const end = 3 + ((z[1]! << 8) | z[2]!);
  return { halves: parse(z.subarray(3, end)), rest: z.length > end ? parse(z.subarray(end)) : {} };
}

/** A case's data from its stored parts; `inflate` opens one zlib stream of `data_z` (against the row's dictionary). */
export function mergedCaseData(data: unknown, z: Uint8Array, inflate: (stream: Uint8Array) => string): unknown {
  return merged(data, coldOf(z, inflate));
}

/** The stored parts as one object: cold keys after hot ones, a split key's hot members back in their places. */
function merged(hot: unknown, cold: ReturnType<typeof coldOf>): unknown {
  const out: Record<string, unknown> = { ...(hot as Record<string, unknown>), ...cold.rest };
  for (const [key, half] of Object.entries(cold.halves)) {
    const h = isObject(hot) ? hot[key] : undefined;
    // a list page's projection may have left the key out: there is nothing to put back then
    if (isObject(h) && isObject(half)) out[key] = { ...half, ...h };
  }
  return out;
}

/** A row as stored: the cold keys may be in `data_z`. */
export interface StoredCaseData {
  data: unknown;
  data_z?: Uint8Array | null;
  data_dict?: number | string | null;
}

/** The rows with their cold keys merged back into `data`, without the storage columns. */
export async function withCaseData<R extends StoredCaseData>(db: Kysely<Database>, rows: R[]): Promise<Omit<R, 'data_z' | 'data_dict'>[]> {
  await loadDictionaries(db, rows.flatMap((r) => (r.data_z != null && r.data_dict != null ? [Number(r.data_dict)] : [])));
  return rows.map(({ data_z, data_dict, ...row }) => {
    if (data_z == null) return row;
    const dictId = data_dict == null ? null : Number(data_dict);
    return { ...row, data: mergedCaseData(row.data, data_z, (stream) => unpackText(stream, dictId)) };
  });
}
