/**
 * `limits.handlerTimeoutMs`: a request whose handler has not answered in time gets 503 SG_TIMEOUT
 * (problem.ts maps fastify's FST_ERR_HANDLER_TIMEOUT) and the client may retry.
 *
 * Fastify's own `handlerTimeout` does this with an AbortController and a timer per request, and
 * aborts the controller when the request closes — a DOMException with a captured stack on every
 * request, ~6 % of the gateway's CPU under load (bench profile). No route here listens to
 * `request.signal`, so one sweep over the requests in hand does the same job: every request gets
 * the same limit, so they fall due in the order they came and a sweep stops at the first one
 * that is not due yet.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fastify from 'fastify';

const { FST_ERR_HANDLER_TIMEOUT } = fastify.errorCodes;

interface InHand {
  reply: FastifyReply;
  dueAt: number;
}

export function handlerTimeout(app: FastifyInstance, timeoutMs: number): void {
  // insertion order is due order: one limit for all
  const inHand = new Map<FastifyRequest, InHand>();
  const sweepEveryMs = Math.min(1000, Math.max(10, Math.floor(timeoutMs / 10)));
  let timer: NodeJS.Timeout | undefined;

  const sweep = () => {
    const now = Date.now();
    for (const [request, { reply, dueAt }] of inHand) {
      if (dueAt > now) break;
      inHand.delete(request);
      if (reply.sent || reply.raw.destroyed) continue;
      const err = new FST_ERR_HANDLER_TIMEOUT(timeoutMs, request.routeOptions.url ?? request.url);
      // a response already under way cannot turn into an error answer: cut it off instead
      if (reply.raw.headersSent) reply.raw.destroy(err);
      else reply.send(err);
    }
  };

  app.addHook('onReady', (done) => {
    timer = setInterval(sweep, sweepEveryMs);
    timer.unref();
    done();
  });
  app.addHook('onClose', (_app, done) => {
    clearInterval(timer);
    done();
  });
  app.addHook('onRequest', (request, reply, done) => {
    inHand.set(request, { reply, dueAt: Date.now() + timeoutMs });
    done();
  });
  const forget = (request: FastifyRequest, _reply: unknown, done: () => void) => {
    inHand.delete(request);
    done();
  };
  app.addHook('onResponse', forget);
  app.addHook('onRequestAbort', (request, done) => {
    inHand.delete(request);
    done();
  });
}
