/** Every message exchanged, immutable: parsed body, wire form, direction, peer, ids, times. */
import type { Db } from './cases.js';
import { toJson, type JsonValue, type MessageRow } from '../schema.js';

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
}

export async function insertMessage(db: Db, m: MessageRecord): Promise<number> {
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
      body: toJson(m.body as JsonValue),
      raw: m.raw ?? null,
      raw_format: m.rawFormat ?? null,
      dedupe_key: m.dedupeKey ?? null,
    })
    .returning('seq')
    .executeTakeFirstOrThrow();
  return row.seq;
}

export async function findByDedupeKey(db: Db, key: string): Promise<MessageRow | undefined> {
  return db.selectFrom('messages').selectAll().where('dedupe_key', '=', key).executeTakeFirst();
}

export async function findMessage(db: Db, messageId: string): Promise<MessageRow | undefined> {
  return db.selectFrom('messages').selectAll().where('message_id', '=', messageId).executeTakeFirst();
}

export async function messagesOfCase(db: Db, caseId: string): Promise<MessageRow[]> {
  return db.selectFrom('messages').selectAll().where('case_id', '=', caseId).orderBy('seq').execute();
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
