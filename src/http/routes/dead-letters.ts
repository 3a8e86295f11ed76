/** Deliveries that gave up: the list, their replay, and setting one aside without sending it again. */
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../../store/schema.js';
import type { DeadLetterService } from '../../app/dead-letters.js';
import { AppError } from '../../app/errors.js';
import { decodeIdCursor, encodeIdCursor } from '../list-cursor.js';
import { idempotentOptions } from '../idempotency.js';

export async function deadLetterRoutes(app: FastifyInstance, deps: { db: Kysely<Database>; deadLetters: DeadLetterService }): Promise<void> {
  const { db, deadLetters } = deps;
  const replayed = (id: string) => ({ id, status: 'replayed' as const });
  const setAside = (id: string) => ({ id, status: 'set_aside' as const });
  const params = { type: 'object', required: ['id'], properties: { id: { type: 'string', pattern: '^[0-9]{1,15}$' } } };
  /** a command on an open letter; false from the service: unknown, replayed or set aside already */
  const closed = (id: string) => new AppError(404, 'SG_NOT_FOUND', `dead letter ${id} does not exist, or was replayed or set aside already`);
  app.get<{ Querystring: { replayed?: boolean; setAside?: boolean; caseId?: string; cursor?: string; limit: number } }>(
    '/v1/dead-letters',
    {
      config: { scope: 'dead-letters:read' },
      schema: {
        tags: ['delivery'],
        summary: 'Deliveries that gave up, with the reason; newest first, cursor-paginated',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            replayed: { type: 'boolean' },
            setAside: { type: 'boolean' },
            caseId: { type: 'string', maxLength: 64 },
            cursor: { type: 'string', maxLength: 512, description: 'nextCursor of the previous page' },
            limit: { type: 'integer', minimum: 1, maximum: 500, default: 100 },
          },
        },
      },
    },
    async (request) => {
      const { limit } = request.query;
      let q = db
        .selectFrom('dead_letters as d')
        .leftJoin('messages as m', 'm.message_id', 'd.message_id')
        .leftJoin('outbox as o', 'o.id', 'd.outbox_id')
        .select(['d.id', 'd.message_id', 'd.case_id', 'd.destination', 'd.reason', 'd.attempts', 'd.created_at', 'd.replayed_at', 'd.set_aside_at', 'd.set_aside_note', 'm.type', 'o.kind as outbox_kind'])
        .select(['d.kind', 'd.webhook', 'd.event_id', 'd.event_type', 'd.redelivered_at'])
        .orderBy('d.id', 'desc')
        .limit(limit + 1);
      if (request.query.cursor !== undefined) q = q.where('d.id', '<', Number(decodeIdCursor(request.query.cursor)));
      if (request.query.caseId) q = q.where('d.case_id', '=', request.query.caseId);
      if (request.query.replayed !== undefined) q = q.where('d.replayed_at', request.query.replayed ? 'is not' : 'is', null);
      if (request.query.setAside !== undefined) q = q.where('d.set_aside_at', request.query.setAside ? 'is not' : 'is', null);
      const rows = await q.execute();
      const page = rows.slice(0, limit);
      return {
        items: page.map((r) => ({
          id: String(r.id),
          // peer / wholesale for outbox rows; webhook for feed events a webhook kept refusing
          kind: r.kind === 'webhook' ? 'webhook' : (r.outbox_kind ?? 'peer'),
          messageId: r.message_id,
          caseId: r.case_id,
          type: r.kind === 'webhook' ? r.event_type : r.type,
          ...(r.kind === 'webhook' ? { webhook: r.webhook, eventId: r.event_id, redeliveredAt: r.redelivered_at ? r.redelivered_at.toISOString() : null } : {}),
          destination: r.destination,
          reason: r.reason,
          attempts: r.attempts,
          at: r.created_at.toISOString(),
          replayedAt: r.replayed_at ? r.replayed_at.toISOString() : null,
          setAsideAt: r.set_aside_at ? r.set_aside_at.toISOString() : null,
          setAsideNote: r.set_aside_note,
        })),
        nextCursor: rows.length > limit ? encodeIdCursor(String(page[page.length - 1]!.id)) : null,
      };
    },
  );

  app.post<{ Params: { id: string } }>(
    '/v1/dead-letters/:id/replay',
    {
      config: {
        scope: 'dead-letters:write',
        // the process died between the replay's commit and its answer: the replay happened
        idempotencyReplay: async (id) => ({ statusCode: 202, body: replayed(String(id)) }),
      },
      schema: {
        tags: ['delivery'],
        summary: 'Put a dead-lettered delivery back into the outbox (kind webhook: the webhook sends the event again)',
        params,
      },
    },
    async (request, reply) => {
      const ok = await deadLetters.replay(Number(request.params.id), idempotentOptions(request));
      if (!ok) throw closed(request.params.id);
      return reply.code(202).send(replayed(request.params.id));
    },
  );

  app.post<{ Params: { id: string }; Body: { note: string } }>(
    '/v1/dead-letters/:id/set-aside',
    {
      config: {
        scope: 'dead-letters:write',
        // the process died between the command's commit and its answer: the letter is set aside
        idempotencyReplay: async (id) => ({ statusCode: 200, body: setAside(String(id)) }),
      },
      schema: {
        tags: ['delivery'],
        summary: "Close a dead letter without sending it again (the receiver refuses it for good): the case's later messages to that destination go out",
        params,
        body: { $ref: 'dead-letter-set-aside.json' },
      },
    },
    async (request, reply) => {
      const ok = await deadLetters.setAside(Number(request.params.id), request.body.note, idempotentOptions(request));
      if (!ok) throw closed(request.params.id);
      return reply.code(200).send(setAside(request.params.id));
    },
  );
}
