/** What the interconnection routes share: list paging over the case store, the view, scopes. */
import { decodeListCursor, encodeListCursor } from '../list-cursor.js';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Clock } from '../../domain/clock.js';
import type { CaseRow, Database } from '../../store/schema.js';
import { listCases, loadCase } from '../../store/repos/cases.js';
import { notFound } from '../../app/errors.js';
import { interconnectView } from '../../app/interconnect/view.js';
import { ifMatchHeaderSchema, sendsCase, underIfMatch } from '../case-etag.js';
import { idempotentOptions } from '../idempotency.js';
import type { CreateOptions } from '../../app/interconnect/requests.js';

export { idParams, problemResponses } from './route-schemas.js';
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

/** One object, if it is an interconnection case of one of `types`; its ETag on `reply`. */
export async function viewOne(db: Kysely<Database>, clock: Clock, types: readonly string[], id: string, what: string, reply?: FastifyReply) {
  const row = await loadCase(db, id);
  if (!row || row.procedure !== 'interconnect' || !types.includes(row.type)) throw notFound(what, id);
  if (reply) sendsCase(reply, row);
  return interconnectView(row, clock.now());
}

/**
 * A create: 201 with the object, its Location and ETag. (`Idempotency-Key` is src/http/idempotency.ts's,
 * like on every command.)
 */
export async function createAndAnswer(
  request: FastifyRequest,
  reply: FastifyReply,
  deps: { clock: Clock },
  what: { name: string; path: string },
  create: (opts: CreateOptions) => Promise<CaseRow>,
): Promise<FastifyReply> {
  const row = await create(idempotentOptions(request));
  request.log.info({ caseId: row.id, type: row.type, state: row.state }, `interconnect ${what.name} created`);
  reply.header('location', `${what.path}/${encodeURIComponent(row.id)}`);
  sendsCase(reply, row);
  return reply.code(201).send(interconnectView(row, deps.clock.now()));
}

/**
 * A command on one object, under the request's If-Match; answers the object with its new ETag. Its
 * Idempotency-Key is marked in the command's transaction (the route's `idempotencyReplay` is
 * `replayCommand`).
 */
export async function commandAnswer(request: FastifyRequest, reply: FastifyReply, deps: { clock: Clock }, id: string, run: (opts: CreateOptions) => Promise<CaseRow>) {
  const row = await underIfMatch(request, id, () => run(idempotentOptions(request)));
  sendsCase(reply, row);
  return { row, view: interconnectView(row, deps.clock.now()) };
}

/** The create's answer rebuilt from its id, for a process that died between the commit and the answer. */
export function replayCreate(deps: { db: Kysely<Database>; clock: Clock }, types: readonly string[], what: { name: string; path: string }) {
  return async (id: unknown, reply: FastifyReply) => {
    const view = await viewOne(deps.db, deps.clock, types, String(id), what.name, reply);
    reply.header('location', `${what.path}/${encodeURIComponent(String(id))}`);
    return { statusCode: 201, body: view };
  };
}

/** A command's answer rebuilt from its object, for a process that died between the commit and the answer. */
export function replayCommand(deps: { db: Kysely<Database>; clock: Clock }, types: readonly string[], name: string) {
  return async (id: unknown, reply: FastifyReply) => ({ statusCode: 200, body: await viewOne(deps.db, deps.clock, types, String(id), name, reply) });
}

export const commandHeaders = { type: 'object', properties: { 'if-match': ifMatchHeaderSchema } } as const;
