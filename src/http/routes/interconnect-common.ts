/** What the interconnection routes share: list paging over the case store, the view, scopes. */
import { decodeListCursor, encodeListCursor } from '../list-cursor.js';
import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Clock } from '../../domain/clock.js';
import type { CaseRow, Database } from '../../store/schema.js';
import { findAnswer, saveAnswer } from '../../store/repos/idempotency.js';
import type { CreateOptions } from '../../app/interconnect/requests.js';
import { listCases, loadCase } from '../../store/repos/cases.js';
import { AppError, notFound } from '../../app/errors.js';
import { interconnectView } from '../../app/interconnect/view.js';

export const problemResponses = {
  400: { $ref: 'common.json#/definitions/problem' },
  401: { $ref: 'common.json#/definitions/problem' },
  403: { $ref: 'common.json#/definitions/problem' },
  404: { $ref: 'common.json#/definitions/problem' },
  409: { $ref: 'common.json#/definitions/problem' },
  422: { $ref: 'common.json#/definitions/problem' },
} as const;

export const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 64 } } } as const;
export const anyObject = { type: 'object', additionalProperties: true } as const;

export const listQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    state: { type: 'string', maxLength: 40 },
    type: { type: 'string', maxLength: 40 },
    cursor: { type: 'string', maxLength: 512 },
    limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
  },
} as const;

export interface ListQuery {
  state?: string;
  type?: string;
  cursor?: string;
  limit: number;
}

/** One page of interconnection objects of the given case types. */
export async function listPage(db: Kysely<Database>, clock: Clock, types: readonly string[], q: ListQuery) {
  const wanted = q.type ? types.filter((t) => t === q.type) : types;
  if (wanted.length === 0) return { items: [], nextCursor: null };
  const rows = await listCases(db, { procedure: 'interconnect', types: wanted, state: q.state, after: q.cursor ? decodeListCursor(q.cursor) : undefined, limit: q.limit + 1 });
  const page = rows.slice(0, q.limit);
  const last = page[page.length - 1];
  const now = clock.now();
  return {
    items: page.map((r) => interconnectView(r, now)),
    nextCursor: rows.length > q.limit && last ? encodeListCursor(last.created_us, last.id) : null,
  };
}

/** One object, if it is an interconnection case of one of `types`. */
export async function viewOne(db: Kysely<Database>, clock: Clock, types: readonly string[], id: string, what: string) {
  const row = await loadCase(db, id);
  if (!row || row.procedure !== 'interconnect' || !types.includes(row.type)) throw notFound(what, id);
  return interconnectView(row, clock.now());
}

const isUniqueViolation = (err: unknown): boolean => (err as { code?: string } | null)?.code === '23505';

export const idempotencyHeaders = { type: 'object', properties: { 'idempotency-key': { type: 'string', minLength: 1, maxLength: 255 } } } as const;

/**
 * A create with `Idempotency-Key`: the first answer (201 and the object's id) is stored in the
 * creating transaction; a retry with the same key and body is answered with the object as it is
 * now, a retry with another body is refused (422 SG_IDEMPOTENCY_KEY_REUSED).
 */
export async function idempotentCreate(
  request: FastifyRequest,
  reply: FastifyReply,
  deps: { db: Kysely<Database>; clock: Clock },
  what: { types: readonly string[]; name: string; path: string },
  create: (opts: CreateOptions) => Promise<CaseRow>,
): Promise<FastifyReply> {
  const raw = request.headers['idempotency-key'];
  const key = Array.isArray(raw) ? raw[0] : raw;
  const principal = request.principal!.name;
  const hash = createHash('sha256').update(`${request.url}\n${JSON.stringify(request.body)}`).digest('hex');
  // says whether it answered (not the reply itself: a FastifyReply is thenable)
  const replay = async (): Promise<boolean> => {
    const stored = await findAnswer(deps.db, principal, key!);
    if (!stored) return false;
    if (stored.requestHash !== hash) {
      throw new AppError(422, 'SG_IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was used with a different request', [
        { path: '/headers/idempotency-key', rule: 'sameRequest', code: 'SG_IDEMPOTENCY_KEY_REUSED', message: 'was already used for a different request' },
      ]);
    }
    const view = await viewOne(deps.db, deps.clock, what.types, (stored.response as { id: string }).id, what.name);
    reply.header('idempotent-replayed', 'true').code(stored.statusCode).send(view);
    return true;
  };
  if (key && (await replay())) return reply;
  let row: CaseRow;
  try {
    row = await create(key ? { beforeCommit: (trx, id) => saveAnswer(trx, principal, key, { requestHash: hash, statusCode: 201, response: { id } }) } : {});
  } catch (err) {
    if (key && isUniqueViolation(err) && (await replay())) return reply;
    throw err;
  }
  request.log.info({ caseId: row.id, type: row.type, state: row.state }, `interconnect ${what.name} created`);
  reply.header('location', `${what.path}/${encodeURIComponent(row.id)}`);
  return reply.code(201).send(interconnectView(row, deps.clock.now()));
}
