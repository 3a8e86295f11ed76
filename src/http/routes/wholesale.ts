/**
 * Phase 3 over HTTP.
 *
 * Northbound (CRM, API key): `POST /v1/switches/{id}/wholesale-order` places the order when
 * phase 2 has succeeded (409 with the precise reason otherwise), `GET …/wholesale-order` shows
 * it with its deliveries.
 *
 * Southbound (the wholesale provider, bearer token checked against `wholesale.inboundTokenSha256`):
 * `POST /wholesale/v1/notifications` (order state events, schemas/wholesale/notification.json) and
 * `POST /wholesale/v1/verifications` (the donating-side check, verification-request.json).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Counter } from 'prom-client';
import { hashList, type WholesaleConfig } from '../../config/types.js';
import { clientCertSha256 } from '../peer-auth.js';
import type { WholesaleService } from '../../app/wholesale/service.js';
import { AppError } from '../../app/errors.js';
import { bearerToken } from '../auth.js';
import { ifMatchHeaderSchema, sendsCase, underIfMatch } from '../case-etag.js';
import { idempotentOptions } from '../idempotency.js';
import { problem, sendProblem } from '../problem.js';
import { checkWholesale, type WholesaleSchemaName } from '../../wholesale/schemas.js';
import type { Notification } from '../../wholesale/notification.js';
import type { VerificationRequest } from '../../wholesale/verification.js';
import { idParams, problemRef } from './route-schemas.js';

export interface WholesaleRoutesDeps {
  service: WholesaleService;
  config: WholesaleConfig | undefined;
  /** switchgate_inbound_refused_total */
  refused?: Counter<'peer' | 'reason'>;
}

/**
 * The provider's bearer token (one hash, or old and new during a rollover), compared by hash in
 * constant time, and its client certificate when `wholesale.inboundCertSha256` pins one. Runs
 * before the body is read.
 */
export function providerAuth(config: Pick<WholesaleConfig, 'inboundTokenSha256' | 'inboundCertSha256'> | undefined, refused?: Counter<'peer' | 'reason'>) {
  const expected = hashList(config?.inboundTokenSha256).map((h) => Buffer.from(h, 'hex'));
  const pinned = config?.inboundCertSha256 ?? [];
  return async function authenticate(request: FastifyRequest, reply: FastifyReply) {
    const token = bearerToken(request.headers.authorization);
    // a pinned certificate alone authenticates a provider configured without a token
    let ok = expected.length === 0 && pinned.length > 0;
    if (expected.length > 0 && token) {
      const got = createHash('sha256').update(token).digest();
      ok = expected.some((e) => got.length === e.length && timingSafeEqual(got, e));
    }
    let reason = 'token_required';
    let status: 401 | 403 = 401;
    let why = expected.length === 0 ? 'no wholesale provider token or certificate is configured (wholesale.inboundTokenSha256, wholesale.inboundCertSha256)' : token ? 'the bearer token is not the wholesale provider\'s' : 'the wholesale provider\'s bearer token is required';
    if (ok && pinned.length > 0) {
      const cert = clientCertSha256(request);
      ok = cert !== undefined && pinned.includes(cert);
      if (!ok) {
        reason = cert ? 'client_cert_mismatch' : 'client_cert_required';
        status = cert ? 403 : 401;
        why = cert ? 'the client certificate is not the wholesale provider\'s' : 'the wholesale provider must present its client certificate (mutual TLS)';
      }
    } else if (!ok && token && expected.length > 0) {
      reason = 'unknown_token';
    }
    if (!ok) {
      request.log.warn({ peer: 'wholesale', reason, status, detail: why }, 'wholesale callback refused');
      refused?.inc({ peer: 'wholesale', reason });
      if (status === 401) reply.header('www-authenticate', 'Bearer realm="switchgate-wholesale"');
      return sendProblem(reply, problem(status, status === 401 ? 'SG_UNAUTHENTICATED' : 'SG_FORBIDDEN', why));
    }
  };
}

function validated<T>(name: WholesaleSchemaName, body: unknown): T {
  const issues = checkWholesale(name, body);
  if (issues.length) {
    const first = issues[0]!;
    throw new AppError(400, 'SG_INVALID_REQUEST', `${first.path || '/'}: ${first.message}`, issues);
  }
  return body as T;
}

export function wholesaleRoutes(deps: WholesaleRoutesDeps) {
  return async function plugin(app: FastifyInstance): Promise<void> {
    const { service } = deps;
    const auth = providerAuth(deps.config, deps.refused);

    app.post<{ Params: { id: string } }>(
      '/v1/switches/:id/wholesale-order',
      {
        config: {
          scope: 'switches:write',
          // the process died between placing the order and answering: the order as it is now
          idempotencyReplay: async (caseId, reply) => {
            const view = await service.orderView(String(caseId));
            if (!view) throw new AppError(404, 'SG_WHOLESALE_NO_ORDER', `${String(caseId)} has no wholesale order`);
            sendsCase(reply, { version: view.caseVersion });
            return { statusCode: 202, body: { messageId: view.order.messageId, wholesaleOrder: view.order } };
          },
        },
        schema: {
          tags: ['switches'],
          summary: 'Place the phase-3 wholesale order now (once phase 2 has succeeded; one per case)',
          description:
            'No body. 202 with the order; 409 with a precise code when phase 2 has not succeeded (SG_WHOLESALE_PHASE2_PENDING, SG_WHOLESALE_AKM_TR_MISSING, SG_WHOLESALE_AKM_TR_WINDOW_OPEN, …) or the case already has its order (SG_WHOLESALE_ORDER_EXISTS).',
          params: idParams,
          headers: { type: 'object', properties: { 'if-match': ifMatchHeaderSchema } },
          response: { 202: { type: 'object', additionalProperties: true }, 401: problemRef, 403: problemRef, 404: problemRef, 409: problemRef, 412: problemRef },
        },
      },
      async (request, reply) => {
        const { order, caseVersion } = await underIfMatch(request, request.params.id, () => service.placeOrder(request.params.id, idempotentOptions(request)));
        request.log.info({ caseId: request.params.id, orderType: order.orderType }, 'wholesale order placed on request');
        sendsCase(reply, { version: caseVersion });
        return reply.code(202).send({ messageId: order.messageId, wholesaleOrder: order });
      },
    );

    app.post<{ Params: { id: string }; Body: { reason?: string } | undefined }>(
      '/v1/switches/:id/wholesale-order/resume',
      {
        config: {
          scope: 'switches:write',
          // the process died between queueing the N2 and answering: the order as it is now
          idempotencyReplay: async (caseId) => {
            const view = await service.orderView(String(caseId));
            if (!view) throw new AppError(404, 'SG_WHOLESALE_NO_ORDER', `${String(caseId)} has no wholesale order`);
            return { statusCode: 202, body: { wholesaleOrder: view.order } };
          },
        },
        schema: {
          tags: ['switches'],
          summary: 'Resume a suspended FTTH order (desospensione: N2 AZIONE=0 to the network operator)',
          description:
            'Body optional: `{ "reason": "…" }` (MOTIVAZIONE of the N2). 202 with the order; 409 SG_WHOLESALE_NOT_SUSPENDED when the order is not Sospeso, SG_WHOLESALE_RESUME_NOT_SUPPORTED when the case has no FTTH order.',
          params: idParams,
          body: { type: 'object', additionalProperties: false, properties: { reason: { type: 'string', minLength: 1, maxLength: 255 } } },
          response: { 202: { type: 'object', additionalProperties: true }, 401: problemRef, 403: problemRef, 404: problemRef, 409: problemRef },
        },
      },
      async (request, reply) => {
        const order = await service.resumeOrder(request.params.id, request.body?.reason, idempotentOptions(request));
        request.log.info({ caseId: request.params.id }, 'FTTH desospensione queued on request');
        return reply.code(202).send({ wholesaleOrder: order });
      },
    );

    app.get<{ Params: { id: string } }>(
      '/v1/switches/:id/wholesale-order',
      {
        config: { scope: 'switches:read' },
        schema: {
          tags: ['switches'],
          summary: 'The wholesale order of a case, with the delivery state of each request sent for it',
          params: idParams,
          response: { 200: { type: 'object', additionalProperties: true }, 401: problemRef, 403: problemRef, 404: problemRef },
        },
      },
      async (request) => {
        const view = await service.orderView(request.params.id);
        if (!view) throw new AppError(404, 'SG_WHOLESALE_NO_ORDER', `${request.params.id} has no wholesale order`);
        return { ...view.order, deliveries: view.deliveries };
      },
    );

    app.post(
      '/wholesale/v1/notifications',
      {
        onRequest: auth,
        schema: {
          tags: ['wholesale'],
          summary: 'Order state events from the wholesale provider (schemas/wholesale/notification.json)',
          description:
            'Bearer token of the provider. 200 {status: "accepted"|"duplicate"}; 404 SG_WHOLESALE_ORDER_UNKNOWN; 409 for a transition the order lifecycle refuses (SG_WHOLESALE_STATE_SKIPPED, SG_WHOLESALE_STATE_PASSED, SG_WHOLESALE_ORDER_CLOSED, …) or SG_WHOLESALE_EVENT_ID_REUSED. A refused event changes nothing.',
        },
      },
      async (request) => {
        const n = validated<Notification>('notification', request.body);
        const outcome = await service.receiveNotification(n, JSON.stringify(request.body));
        request.log.info({ eventId: n.eventId, caseId: n.event.productOrder.externalId, status: outcome.status, state: outcome.order.state }, 'wholesale notification');
        return { eventId: n.eventId, status: outcome.status, orderState: outcome.order.state };
      },
    );

    app.post(
      '/wholesale/v1/verifications',
      {
        onRequest: auth,
        schema: {
          tags: ['wholesale'],
          summary: 'Donating-side verification: did phase 2 succeed for this id and these numbers?',
          description:
            'Bearer token of the provider. Body {id, numbers[]}. Answer {result: "OK"} or {result: "KO", code: UNKNOWN_ID | CANCELLED | NOT_AGREED | EXPIRED | NUMBERS_MISMATCH, message}.',
        },
      },
      async (request) => {
        const req = validated<VerificationRequest & { orderId?: string }>('verificationRequest', request.body);
        return service.verify({ id: req.id, numbers: req.numbers }, req.orderId ? { orderId: req.orderId } : {});
      },
    );
  };
}
