/** Stored answers to `Idempotency-Key` requests: a retried create gets the first answer again. */
import type { Db } from './cases.js';
import { toJson, type JsonValue } from '../schema.js';

export interface StoredAnswer {
  requestHash: string;
  statusCode: number;
  response: unknown;
}

export async function findAnswer(db: Db, principal: string, key: string): Promise<StoredAnswer | undefined> {
  const row = await db
    .selectFrom('idempotency_keys')
    .selectAll()
    .where('principal', '=', principal)
    .where('key', '=', key)
    .executeTakeFirst();
  return row && { requestHash: row.request_hash, statusCode: row.status_code, response: row.response };
}

export async function saveAnswer(db: Db, principal: string, key: string, a: StoredAnswer): Promise<void> {
  await db
    .insertInto('idempotency_keys')
    .values({
      principal,
      key,
      request_hash: a.requestHash,
      status_code: a.statusCode,
      response: toJson(a.response as JsonValue),
    })
    .execute();
}
