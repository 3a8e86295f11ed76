/**
 * `Idempotency-Key` on every command: each `POST /v1/…` route whose scope is a `…:write` scope
 * (opt out with `config: { idempotency: false }`, e.g. a streamed upload that stores nothing).
 *
 * - The key (1–255 characters) is scoped per API key and per method + path.
 * - Before the command runs, the key is claimed in ONE statement (store/repos/idempotency.ts):
 *   of two identical requests racing, one runs the command, the other is answered 409
 *   `SG_IDEMPOTENCY_IN_FLIGHT` — the command is never run twice.
 * - The first answer (status, body, Location/ETag) is stored before it is sent; a retry gets it
 *   again with `Idempotent-Replayed: true`, the command is not run. The same key with another
 *   body is 422 `SG_IDEMPOTENCY_KEY_REUSED`; the same values with the keys in another order are the
 *   same body (`request-fingerprint.ts`).
 * - Answers that did nothing — malformed requests (400), conflicts worth retrying (408, 409,
 *   429) and server errors — give the key up, so a retry runs the command. A handler abandoned on
 *   its timeout (503 `SG_TIMEOUT`) may still commit: its key stays claimed until its lease ends.
 * - A claim of a process that died is free at once (store/repos/idempotency.ts). The creates and
 *   the commands on WBCI and AGCOM cases, interconnection objects and the wholesale order (placing
 *   and resuming it) mark their claim in the transaction that writes (`idempotentCommit`): if the
 *   process dies between the commit and the answer, the retry gets the answer rebuilt from what was
 *   written (the case, object or order; the queued message), never a second run. A dead-letter
 *   replay runs again on such a retry; a second replay of the same dead letter is refused (404).
 * - Keys expire after `idempotency.ttlHours` (default 24): an expired key is a new key, and
 *   `sweepIdempotencyKeys` deletes them in bounded batches.
 *
 * The claim runs as the first preValidation hook, before the body schema and before the AGCOM
 * hook that answers AGCOM cases itself, so every way a command can be answered is covered.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, preValidationAsyncHookHandler, RouteOptions } from 'fastify';
import type { Kysely } from 'kysely';
import type { Clock } from '../domain/clock.js';
import { legacyFingerprint, requestFingerprint } from './request-fingerprint.js';
import type { Database } from '../store/schema.js';
import { claimKey, completeKey, markCommitted, releaseKey, sweepExpiredKeys, type KeyRef } from '../store/repos/idempotency.js';
import type { JsonValue } from '../store/schema.js';
import type { Db } from '../store/repos/cases.js';
import { AppError } from '../app/errors.js';
import type { CommandOptions } from '../app/case-unit.js';
import { deleteInBatches } from '../store/batched-delete.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** false: this POST does not take an Idempotency-Key (it changes nothing, or its body is a stream) */
    idempotency?: boolean;
    /**
     * For a command that marks its claim committed in its own transaction (`idempotentCommit`):
     * the answer, rebuilt from what it created, when its process died before answering.
     */
    idempotencyReplay?: (created: unknown, reply: FastifyReply) => Promise<{ statusCode: number; body: unknown }>;
  }
}

export interface IdempotencyOptions {
  db: Kysely<Database>;
  clock: Clock;
  /** how long a key and its answer are kept (config `idempotency.ttlHours`, default 24) */
  ttlHours: number;
  /** how long a claim holds when its process dies mid-request */
  leaseMs: number;
}

export const DEFAULT_IDEMPOTENCY_TTL_HOURS = 24;
export const IDEMPOTENCY_HEADER = 'idempotency-key';
export const REPLAYED_HEADER = 'idempotent-replayed';
const MAX_KEY_LENGTH = 255;
/** the answer headers a replay repeats */
const STORED_HEADERS = ['content-type', 'location', 'etag'] as const;
/** statuses after which the command certainly did nothing a retry would repeat */
const RELEASING = new Set([400, 408, 409, 429]);

export const idempotencyHeaderSchema = {
  type: 'string',
  minLength: 1,
  maxLength: MAX_KEY_LENGTH,
  description: 'Makes a retry safe: the first answer is stored for idempotency.ttlHours and repeated (Idempotent-Replayed: true)',
} as const;

interface Claimed {
  ref: KeyRef;
  hash: string;
}

const claims = new WeakMap<FastifyRequest, Claimed>();

/**
 * For a command that writes in a transaction: call the result inside it with what the command
 * created. The claim is then `committed` with the command, and a retry after a crash between the
 * commit and the answer gets the answer rebuilt (config `idempotencyReplay`), never a second run.
 */
export function idempotentCommit(request: FastifyRequest): ((trx: Db, created: JsonValue) => Promise<void>) | undefined {
  const claimed = claims.get(request);
  return claimed && ((trx, created) => markCommitted(trx, claimed.ref, claimed.hash, created));
}

/** `idempotentCommit` as the options a create or command takes (empty without a key). */
export function idempotentOptions(request: FastifyRequest): CommandOptions {
  const commit = idempotentCommit(request);
  return commit ? { beforeCommit: (trx, ref) => commit(trx, ref) } : {};
}

const inFlight = (reply: FastifyReply) => {
  reply.header('retry-after', '1');
  return new AppError(409, 'SG_IDEMPOTENCY_IN_FLIGHT', 'a request with this Idempotency-Key is still being processed; retry shortly', [
    { path: '/headers/idempotency-key', rule: 'notInFlight', code: 'SG_IDEMPOTENCY_IN_FLIGHT', message: 'is in use by a request still being processed' },
  ]);
};

/** Whether a route takes the key: POST under /v1 with a write scope, unless it opts out. */
export function takesIdempotencyKey(route: Pick<RouteOptions, 'method' | 'url' | 'config'>): boolean {
  const methods = Array.isArray(route.method) ? route.method : [route.method];
  const config = route.config as { scope?: string; idempotency?: boolean } | undefined;
  return methods.includes('POST') && route.url.startsWith('/v1/') && config?.scope?.endsWith(':write') === true && config.idempotency !== false;
}

function invalidKey(message: string, rule: string): AppError {
  return new AppError(400, 'SG_INVALID_REQUEST', `/headers/idempotency-key: ${message}`, [
    { path: '/headers/idempotency-key', rule, code: 'SG_SCHEMA', message },
  ]);
}

/** The key of the request, if it sent one; a malformed key is a 400 naming the header. */
function keyOf(request: FastifyRequest): string | undefined {
  const raw = request.headers[IDEMPOTENCY_HEADER];
  if (raw === undefined) return undefined;
  if (Array.isArray(raw)) throw invalidKey('must be sent once', 'maxItems');
  if (raw.length < 1) throw invalidKey('must NOT have fewer than 1 characters', 'minLength');
  if (raw.length > MAX_KEY_LENGTH) throw invalidKey(`must NOT have more than ${MAX_KEY_LENGTH} characters`, 'maxLength');
  return raw;
}

const pathOf = (url: string): string => {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
};

export function idempotency(app: FastifyInstance, opts: IdempotencyOptions): void {
  const ttlMs = opts.ttlHours * 3_600_000;

  const claim: preValidationAsyncHookHandler = async function claimIdempotencyKey(request, reply) {
    const key = keyOf(request);
    if (key === undefined || !request.principal) return;
    const ref: KeyRef = { principal: request.principal.name, scope: `${request.method} ${pathOf(request.url)}`, key };
    let hash = requestFingerprint(request.body);
    // a claim released between our insert and our read leaves nothing to answer: claim again
    for (let attempt = 0; attempt < 3; attempt++) {
      const now = opts.clock.now();
      const outcome = await claimKey(opts.db, ref, hash, now, new Date(now.getTime() + opts.leaseMs), new Date(now.getTime() - ttlMs));
      if (outcome.owned) {
        claims.set(request, { ref, hash });
        return;
      }
      const stored = outcome.stored;
      if (!stored) continue;
      if (stored.requestHash !== hash && stored.requestHash === legacyFingerprint(request.body)) {
        // stored before fingerprints ignored key order: the same request; go on under its stored form
        hash = stored.requestHash;
        continue;
      }
      if (stored.requestHash !== hash) {
        throw new AppError(422, 'SG_IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was used with a different request body', [
          { path: '/headers/idempotency-key', rule: 'sameRequest', code: 'SG_IDEMPOTENCY_KEY_REUSED', message: 'was already used for a different request' },
        ]);
      }
      if (stored.state === 'in_flight') {
        if (stored.held) throw inFlight(reply);
        continue;
      }
      if (stored.state === 'committed') {
        // committed by a process that died before it answered: rebuild the answer, never run again
        const rebuild = request.routeOptions.config.idempotencyReplay;
        if (stored.held || !rebuild) throw inFlight(reply);
        const answer = await rebuild(stored.response.ref, reply);
        const body = JSON.stringify(answer.body);
        reply.type('application/json; charset=utf-8');
        const headers: Record<string, string> = {};
        for (const name of STORED_HEADERS) {
          const value = reply.getHeader(name);
          if (value !== undefined) headers[name] = String(value);
        }
        await completeKey(opts.db, ref, hash, { statusCode: answer.statusCode, headers, body });
        request.log.info({ status: answer.statusCode }, 'idempotent request replayed from its committed command');
        return reply.header(REPLAYED_HEADER, 'true').code(answer.statusCode).send(body);
      }
      request.log.info({ status: stored.statusCode }, 'idempotent request replayed');
      for (const [name, value] of Object.entries(stored.response)) reply.header(name, String(value));
      return reply.header(REPLAYED_HEADER, 'true').code(stored.statusCode).send(stored.body ?? '');
    }
    throw inFlight(reply);
  };

  app.addHook('onRoute', (route) => {
    if (!takesIdempotencyKey(route)) return;
    const existing = route.preValidation;
    route.preValidation = [claim, ...(existing === undefined ? [] : Array.isArray(existing) ? existing : [existing])];
    // on the command routes only: every other request would pay for a hook with nothing to do
    const sending = route.onSend;
    route.onSend = [storeAnswer, ...(sending === undefined ? [] : Array.isArray(sending) ? sending : [sending])];
    // documented in the route's header schema (and so in the OpenAPI document)
    const schema = (route.schema ??= {}) as { headers?: { type?: string; properties?: Record<string, unknown> } };
    const headers = schema.headers ?? { type: 'object' };
    schema.headers = { ...headers, properties: { ...headers.properties, [IDEMPOTENCY_HEADER]: idempotencyHeaderSchema } };
  });

  /** Stores the answer under the claimed key, or releases the key for answers that must not be replayed. */
  async function settle(request: FastifyRequest, reply: FastifyReply, payload: unknown, claimed: Claimed): Promise<void> {
    const status = reply.statusCode;
    try {
      if (status === 503 && typeof payload === 'string' && payload.includes('"SG_TIMEOUT"')) {
        // the abandoned handler may still commit: the claim holds until its lease ends
        request.log.warn('command timed out: its Idempotency-Key stays claimed until the lease ends');
      } else if (RELEASING.has(status) || status >= 500 || (typeof payload !== 'string' && !Buffer.isBuffer(payload) && payload != null)) {
        await releaseKey(opts.db, claimed.ref, claimed.hash);
      } else {
        const headers: Record<string, string> = {};
        for (const name of STORED_HEADERS) {
          const value = reply.getHeader(name);
          if (value !== undefined) headers[name] = String(value);
        }
        const body = payload == null ? '' : Buffer.isBuffer(payload) ? payload.toString('utf8') : (payload as string);
        await completeKey(opts.db, claimed.ref, claimed.hash, { statusCode: status, headers, body });
      }
    } catch (err) {
      // the answer is still sent; without a stored answer a retry meets the claim until its lease ends
      request.log.error({ err }, 'could not store the idempotent answer');
    }
  }

  /** onSend of the command routes; callback style, so a request without a key costs no promise. */
  function storeAnswer(request: FastifyRequest, reply: FastifyReply, payload: unknown, done: (err: null, payload: unknown) => void): void {
    const claimed = claims.get(request);
    if (!claimed) return done(null, payload);
    claims.delete(request);
    void settle(request, reply, payload, claimed).then(() => done(null, payload));
  }
}

/** Deletes expired keys in bounded batches; returns how many. Safe on several replicas at once. */
export function sweepIdempotencyKeys(db: Kysely<Database>, clock: Clock, ttlHours: number, batch = 1000, maxBatches = 10): Promise<number> {
  const expiredBefore = new Date(clock.now().getTime() - ttlHours * 3_600_000);
  return deleteInBatches((limit) => sweepExpiredKeys(db, expiredBefore, limit), batch, maxBatches);
}
