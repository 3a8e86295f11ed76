/** Every message exchanged, immutable: parsed body, wire form, direction, peer, ids, times. */
import { isMessageId } from '../../domain/message-id.js';
import { sql } from 'kysely';
import type { Db } from './cases.js';
import { storedDedupeKey } from '../dedupe-keys.js';
import type { MessageRow, StoredMessageRow } from '../schema.js';
import { confirmWire, ensureDictionariesSql, withRawWire } from '../wire-codec.js';
import { packMessages } from './case-writes.js';
import { withBodies, type StoredBody } from '../body-codec.js';
import type { BodySource } from '../wire-bodies.js';
import { withCaseData } from '../case-data.js';
import { PREPARED } from '../prepared.js';
import { confirmSigners, ensureSignersSql, packSigner, withSignatures } from '../message-signers.js';

export interface MessageRecord {
  messageId: string;
  caseId: string;
  type: string;
  direction: 'in' | 'out';
  peer: string;
  businessId: string | null;
  status: string;
  body: unknown;
  raw?: string | null;
  rawFormat?: string | null;
  dedupeKey?: string | null;
  /** WS-Security verification result of a signed inbound message */
  signature?: unknown;
  /**
   * The wire form (`raw`) holds the body, read back this way (0021): the body is then not stored.
   * Set only where that is so by construction (the body was decoded from `raw`) or was checked.
   */
  bodyFrom?: BodySource | null;
}

export async function insertMessage(db: Db, m: MessageRecord): Promise<number> {
  // the one packing rule, the step statements' (wire form with its row context, body or body_from)
  const { wire: packed, body, bodyFrom } = packMessages(db, [m])[0]!;
  const signer = packSigner(db, m.signature);
  const dictionaries = ensureDictionariesSql([packed, body]);
  if (dictionaries) await dictionaries.execute(db);
  const signers = ensureSignersSql([signer]);
  if (signers) await signers.execute(db);
  const row = await db
    .insertInto('messages')
    .values({
      message_id: m.messageId,
      case_id: m.caseId,
      type: m.type,
      direction: m.direction,
      peer: m.peer,
      business_id: m.businessId,
      status: m.status,
      body: null,
      body_z: body?.z ?? null,
      body_dict: body?.dictId ?? null,
      body_from: bodyFrom,
      raw_z: packed?.z ?? null,
      raw_dict: packed?.dictId ?? null,
      raw_format: m.rawFormat ?? null,
      dedupe_key: storedDedupeKey(m.dedupeKey),
      signer: signer?.id ?? null,
    })
    .returning('seq')
    .executeTakeFirstOrThrow();
  confirmWire(db, [packed, body]);
  confirmSigners(db, [signer]);
  return row.seq;
}

/** Stored rows as the repositories return them: body restored, signature resolved. */
async function restored(db: Db, rows: StoredMessageRow[]): Promise<MessageRow[]> {
  return withSignatures(db, await withBodies(db, rows));
}

async function oneWithSignature(db: Db, row: StoredMessageRow | undefined): Promise<MessageRow | undefined> {
  return row && (await restored(db, [row]))[0];
}

export async function findByDedupeKey(db: Db, key: string): Promise<MessageRow | undefined> {
  return oneWithSignature(db, await db.selectFrom('messages').selectAll().where('dedupe_key', '=', storedDedupeKey(key)).executeTakeFirst());
}

export async function findMessage(db: Db, messageId: string): Promise<MessageRow | undefined> {
  if (!isMessageId(messageId)) return undefined;
  return oneWithSignature(db, await db.selectFrom('messages').selectAll().where('message_id', '=', messageId).executeTakeFirst());
}

/** A case's messages in order; `withRaw` restores each wire form (stored compressed) into `raw`. */
export async function messagesOfCase(db: Db, caseId: string, opts: { withRaw?: boolean } = {}): Promise<MessageRow[]> {
  const rows = await restored(db, await db.selectFrom('messages').selectAll().where('case_id', '=', caseId).orderBy('seq').execute());
  return opts.withRaw ? withRawWire(db, rows) : rows;
}

/** Whether a business id (V/S/T) was already used by a message in this direction. */
export async function businessIdUsed(db: Db, businessId: string, direction: 'in' | 'out'): Promise<boolean> {
  const row = await db
    .selectFrom('messages')
    .select('seq')
    .where('business_id', '=', businessId)
    .where('direction', '=', direction)
    .where('status', '!=', 'refused')
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

export async function setMessageStatus(db: Db, messageId: string, status: string, deliveredAt?: Date): Promise<void> {
  await db
    .updateTable('messages')
    .set(deliveredAt ? { status, delivered_at: deliveredAt } : { status })
    .where('message_id', '=', messageId)
    .execute();
}

export interface InboundContext {
  seen: { message_id: string; case_id: string; status: string; body: unknown } | null;
  caseRow: { id: string; procedure: string; data: unknown; deadlines: unknown; version: number } | null;
  ownIdUsed: boolean;
  /** donating cases from `peer` waiting for a successor VA (only asked for VAs) */
  replaced: { id: string; data: unknown; deadlines: unknown; version: number }[];
}

export interface InboundQuery {
  dedupeKey: string;
  caseId: string;
  ownId: string | null;
  replacedFrom: string | null;
}

/** An earlier message's answer as the receipt reads it: the body stored, or (0021) the wire form that holds it. */
const SEEN = sql.raw(`json_build_object('message_id', message_id, 'case_id', case_id, 'status', status, 'direction', direction, 'body', body,
    'body_z', encode(body_z, 'base64'), 'body_dict', body_dict, 'body_from', body_from,
    'raw', CASE WHEN body_from IS NOT NULL THEN raw END, 'raw_z', CASE WHEN body_from IS NOT NULL THEN encode(raw_z, 'base64') END,
    'raw_dict', CASE WHEN body_from IS NOT NULL THEN raw_dict END)`);

/** Everything the receipt of one message needs to read, in one round trip and without locks. */
export async function readInboundContext(db: Db, q: InboundQuery): Promise<InboundContext> {
  return (await readInboundContexts(db, [q]))[0]!;
}

/**
 * The receipt contexts of several messages in ONE statement (concurrent receipts share a round
 * trip); the statement's shape does not depend on how many. Same reads as one by one, same order.
 */
export async function readInboundContexts(db: Db, qs: readonly InboundQuery[]): Promise<InboundContext[]> {
  const input = JSON.stringify(qs.map((q, ord) => ({ ord, dedupe_key: storedDedupeKey(q.dedupeKey), case_id: q.caseId, own_id: q.ownId, replaced_from: q.replacedFrom })));
  type SeenStored = NonNullable<InboundContext['seen']> & Omit<StoredBody, 'body_z' | 'raw_z'> & { body_z: string | null; raw_z: string | null };
  type Stored<T> = T & { data_z: string | null; data_dict: number | null };
  type CaseStored = Stored<NonNullable<InboundContext['caseRow']>>;
  type ReplacedStored = Stored<InboundContext['replaced'][number]>;
  const { rows } = await sql<{ ord: number; seen: SeenStored | null; case_row: CaseStored | null; own_id_used: boolean; replaced: ReplacedStored[] | null }>`${sql.raw(PREPARED)}
    SELECT q.ord,
      -- the wire form only where the body is read back from it (0021)
      (SELECT ${SEEN} FROM messages WHERE dedupe_key = q.dedupe_key) AS seen,
      (SELECT json_build_object('id', id, 'procedure', procedure, 'data', data, 'data_z', encode(data_z, 'base64'), 'data_dict', data_dict,
                                'deadlines', deadlines, 'version', version)
         FROM cases WHERE id = q.case_id) AS case_row,
      (q.own_id IS NOT NULL AND EXISTS (SELECT 1 FROM messages WHERE business_id = q.own_id AND direction = 'in' AND status <> 'refused')) AS own_id_used,
      CASE WHEN q.replaced_from IS NOT NULL THEN
        (SELECT json_agg(json_build_object('id', id, 'data', data, 'data_z', encode(data_z, 'base64'), 'data_dict', data_dict,
                                           'deadlines', deadlines, 'version', version))
           FROM (SELECT id, data, data_z, data_dict, deadlines, version FROM cases
                  WHERE procedure = 'wbci' AND role = 'donating' AND peer = q.replaced_from AND state = 'REPLACED'
                  ORDER BY updated_at DESC LIMIT 20) r)
      END AS replaced
      FROM json_to_recordset(${input}::json) AS q(ord int, dedupe_key uuid, case_id text, own_id text, replaced_from text)
     ORDER BY q.ord`.execute(db);
  const bytes = (b64: string | null) => (b64 === null ? null : Buffer.from(b64, 'base64'));
  const seen = await withBodies(db, rows.flatMap((r) => (r.seen ? [{ ...r.seen, body_z: bytes(r.seen.body_z), raw_z: bytes(r.seen.raw_z) }] : [])));
  const seenOf = new Map(seen.map((s) => [s.message_id, { message_id: s.message_id, case_id: s.case_id, status: s.status, body: s.body }]));
  // JSON carries bytes as base64; the dictionaries are read once for all rows
  const fromBase64 = <T extends { data_z: string | null }>(r: T) => ({ ...r, data_z: r.data_z === null ? null : Buffer.from(r.data_z, 'base64') });
  const cases = await withCaseData(db, rows.flatMap((r) => [...(r.case_row ? [r.case_row] : []), ...(r.replaced ?? [])].map(fromBase64)));
  let next = 0;
  return rows.map((r) => {
    const caseRow = r.case_row ? (cases[next++] as NonNullable<InboundContext['caseRow']>) : null;
    const replaced = (r.replaced ?? []).map(() => cases[next++] as InboundContext['replaced'][number]);
    return { seen: r.seen ? seenOf.get(r.seen.message_id)! : null, caseRow, ownIdUsed: r.own_id_used, replaced };
  });
}
