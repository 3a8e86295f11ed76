/** `GET /v1/events?after=&wait=`: the ordered, replayable event feed, long-polled. */
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../../store/schema.js';
import { decodeCursor, readEvents, START } from '../../store/repos/events.js';
import type { EventBus } from '../../store/event-bus.js';
import { AppError } from '../../app/errors.js';

export interface EventRoutesDeps {
  db: Kysely<Database>;
  bus: EventBus;
}

/** While a reader waits, re-check this often even without a notification. */
const RECHECK_MS = 200;

export async function eventRoutes(app: FastifyInstance, deps: EventRoutesDeps): Promise<void> {
  app.get<{ Querystring: { after?: string; wait: number; limit: number } }>(
    '/v1/events',
    {
      config: { scope: 'events:read' },
      schema: {
        tags: ['events'],
        summary: 'Ordered, replayable event feed (long-poll with wait=seconds)',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            after: { type: 'string', maxLength: 40, description: 'cursor of the last event seen; omit to start at the beginning' },
            wait: { type: 'integer', minimum: 0, maximum: 60, default: 0, description: 'seconds to wait for new events when there are none' },
            limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
          },
        },
      },
    },
    async (request) => {
      const { wait, limit } = request.query;
      let after = START;
      if (request.query.after !== undefined) {
        const c = decodeCursor(request.query.after);
        if (!c) {
          throw new AppError(400, 'SG_INVALID_CURSOR', 'the cursor is not one this API returned', [
            { path: '/query/after', rule: 'cursor', code: 'SG_INVALID_CURSOR', message: 'is not a cursor returned by this API' },
          ]);
        }
        after = c;
      }
      const deadline = Date.now() + wait * 1000;
      const closed = new AbortController();
      request.raw.once('close', () => closed.abort());
      for (;;) {
        const items = await readEvents(deps.db, after, limit);
        const remaining = deadline - Date.now();
        if (items.length > 0 || remaining <= 0 || closed.signal.aborted || deps.bus.closing) {
          return { items, nextCursor: items.length ? items[items.length - 1]!.cursor : request.query.after ?? null };
        }
        await deps.bus.wait(Math.min(RECHECK_MS, remaining), closed.signal);
      }
    },
  );
}
