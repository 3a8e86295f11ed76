/**
 * Stored answers to `Idempotency-Key` requests (src/http/idempotency.ts). A key is claimed
 * `in_flight` by ONE statement before the command runs — the primary key (principal, scope, key)
 * makes two racing requests agree on a single owner — and completed with the first answer.
 *
 * A claim names its process (`owner`). It is free again when that process is gone (none of its
 * connections is left, store/process-instance.ts), when its lease ran out (a handler abandoned on
 * its timeout), or when the key expired. A command that writes in a transaction marks the claim
 * `committed` there: such a claim is never run again, its answer is rebuilt from the reference.
 */
import { sql } from 'kysely';
import type { Db } from './cases.js';
import { toJson, type JsonValue } from '../schema.js';
import { APPLICATION_NAME_PREFIX, PROCESS_INSTANCE } from '../process-instance.js';

export interface KeyRef {
  principal: string;
  /** method and path, e.g. `POST /v1/switches/X/cancel` */
  scope: string;
  key: string;
}

export interface StoredRequest {
  requestHash: string;
  state: 'in_flight' | 'committed' | 'done';
  statusCode: number;
  /** done: the answer's headers; committed: `{ ref }`, what the command created */
  response: Record<string, unknown>;
  body: string | null;
  /** the claiming process is alive and within its lease */
  held: boolean;
}

export type Claim = { owned: true } | { owned: false; stored: StoredRequest | undefined };

/** true while the claim's process lives (one of its connections is open) and its lease runs */
const held = (now: Date) => sql<boolean>`(idempotency_keys.locked_until IS NULL OR idempotency_keys.locked_until >= ${now})
  AND (idempotency_keys.owner = ${PROCESS_INSTANCE}
       OR EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.application_name = ${APPLICATION_NAME_PREFIX} || idempotency_keys.owner))`;

/**
 * Claims the key for this request. Succeeds when the key is new, when its previous use has
 * expired (older than `expiredBefore`, not yet swept), or when an identical request's claim was
 * abandoned and nothing of it committed. Otherwise answers what is stored.
 */
export async function claimKey(db: Db, ref: KeyRef, requestHash: string, now: Date, leaseUntil: Date, expiredBefore: Date): Promise<Claim> {
  const claimed = await sql<{ key: string }>`
    INSERT INTO idempotency_keys (principal, scope, key, request_hash, state, status_code, response, body, locked_until, owner, created_at)
    VALUES (${ref.principal}, ${ref.scope}, ${ref.key}, ${requestHash}, 'in_flight', 0, NULL, NULL, ${leaseUntil}, ${PROCESS_INSTANCE}, ${now})
    ON CONFLICT (principal, scope, key) DO UPDATE
       SET request_hash = EXCLUDED.request_hash, state = 'in_flight', status_code = 0, response = NULL, body = NULL,
           locked_until = EXCLUDED.locked_until, owner = EXCLUDED.owner, created_at = EXCLUDED.created_at
     WHERE idempotency_keys.created_at < ${expiredBefore}
        OR (idempotency_keys.state = 'in_flight' AND idempotency_keys.request_hash = EXCLUDED.request_hash AND NOT (${held(now)}))
    RETURNING key`.execute(db);
  if (claimed.rows.length === 1) return { owned: true };
  return { owned: false, stored: await findRequest(db, ref, now) };
}

export async function findRequest(db: Db, ref: KeyRef, now: Date): Promise<StoredRequest | undefined> {
  const row = await db
    .selectFrom('idempotency_keys')
    .select(['request_hash', 'state', 'status_code', 'response', 'body'])
    .select(held(now).as('held'))
    .where('principal', '=', ref.principal)
    .where('scope', '=', ref.scope)
    .where('key', '=', ref.key)
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    requestHash: row.request_hash,
    state: row.state === 'done' || row.state === 'committed' ? row.state : 'in_flight',
    statusCode: row.status_code,
    response: (row.response ?? {}) as Record<string, unknown>,
    body: row.body,
    held: row.held,
  };
}

/** Inside the command's transaction: what it created, so that a retry after a crash never runs it again. */
export async function markCommitted(db: Db, ref: KeyRef, requestHash: string, created: JsonValue): Promise<void> {
  await db
    .updateTable('idempotency_keys')
    .set({ state: 'committed', response: toJson({ ref: created }) })
    .where('principal', '=', ref.principal)
    .where('scope', '=', ref.scope)
    .where('key', '=', ref.key)
    .where('request_hash', '=', requestHash)
    .where('state', '=', 'in_flight')
    .execute();
}

/** Stores the first answer; only the claim of this very request (same hash, not done) is completed. */
export async function completeKey(db: Db, ref: KeyRef, requestHash: string, answer: { statusCode: number; headers: Record<string, string>; body: string }): Promise<void> {
  await db
    .updateTable('idempotency_keys')
    .set({ state: 'done', status_code: answer.statusCode, response: toJson(answer.headers as JsonValue), body: answer.body, locked_until: null })
    .where('principal', '=', ref.principal)
    .where('scope', '=', ref.scope)
    .where('key', '=', ref.key)
    .where('request_hash', '=', requestHash)
    .where('state', '<>', 'done')
    .execute();
}

/** Gives the key up (the request did nothing worth repeating: a retry may run it). A committed claim is kept. */
export async function releaseKey(db: Db, ref: KeyRef, requestHash: string): Promise<void> {
  await db
    .deleteFrom('idempotency_keys')
    .where('principal', '=', ref.principal)
    .where('scope', '=', ref.scope)
    .where('key', '=', ref.key)
    .where('request_hash', '=', requestHash)
    .where('state', '=', 'in_flight')
    .execute();
}

/**
 * Deletes at most `limit` keys created before `expiredBefore`. Several replicas may sweep at once:
 * rows another sweeper holds are skipped, deleting twice is harmless.
 */
export async function sweepExpiredKeys(db: Db, expiredBefore: Date, limit: number): Promise<number> {
  const result = await sql`
    DELETE FROM idempotency_keys k
     USING (SELECT principal, scope, key FROM idempotency_keys WHERE created_at < ${expiredBefore}
             ORDER BY created_at LIMIT ${limit} FOR UPDATE SKIP LOCKED) AS old
     WHERE k.principal = old.principal AND k.scope = old.scope AND k.key = old.key`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}
