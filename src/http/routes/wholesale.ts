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
import type { WholesaleConfig } from '../../config/types.js';
import type { WholesaleService } from '../../app/wholesale/service.js';
import { AppError } from '../../app/errors.js';
import { bearerToken } from '../auth.js';
import { problem, sendProblem } from '../problem.js';
import { checkWholesale, type WholesaleSchemaName } from '../../wholesale/schemas.js';
import type { Notification } from '../../wholesale/notification.js';
import type { VerificationRequest } from '../../wholesale/verification.js';

export interface WholesaleRoutesDeps {
  service: WholesaleService;
  config: WholesaleConfig | undefined;
}

const idParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 64 } },
} as const;

const problemRef = { $ref: 'common.json#/definitions/problem' } as const;

/** The provider's bearer token, compared by hash in constant time. */
export function providerAuth(expectedSha256: string | undefined) {
  const expected = expectedSha256 ? Buffer.from(expectedSha256, 'hex') : undefined;
  return async function authenticate(request: FastifyRequest, reply: FastifyReply) {
    const token = bearerToken(request.headers.authorization);
    let ok = false;
    if (expected && token) {
      const got = createHash('sha256').update(token).digest();
      ok = got.length === expected.length && timingSafeEqual(got, expected);
    }
    if (!ok) {
      const why = !expected ? 'no wholesale provider token is configured (wholesale.inboundTokenSha256)' : token ? 'the bearer token is not the wholesale provider\'s' : 'the wholesale provider\'s bearer token is required';
      request.log.warn({ reason: why }, 'wholesale callback refused: not authenticated');
      reply.header('www-authenticate', 'Bearer realm="switchgate-wholesale"');
      return sendProblem(reply, problem(401, 'SG_UNAUTHENTICATED', why));
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
    const auth = providerAuth(deps.config?.inboundTokenSha256);

    app.post<{ Params: { id: string } }>(
      '/v1/switches/:id/wholesale-order',
      {
        config: { scope: 'switches:write' },
        schema: {
          tags: ['switches'],
          summary: 'Place the phase-3 wholesale order now (once phase 2 has succeeded; one per case)',
          description:
            'No body. 202 with the order; 409 with a precise code when phase 2 has not succeeded (SG_WHOLESALE_PHASE2_PENDING, SG_WHOLESALE_AKM_TR_MISSING, SG_WHOLESALE_AKM_TR_WINDOW_OPEN, …) or the case already has its order (SG_WHOLESALE_ORDER_EXISTS).',
          params: idParams,
          response: { 202: { type: 'object', additionalProperties: true }, 401: problemRef, 403: problemRef, 404: problemRef, 409: problemRef },
        },
      },
      async (request, reply) => {
        const order = await service.placeOrder(request.params.id);
        request.log.info({ caseId: request.params.id, orderType: order.orderType }, 'wholesale order placed on request');
        return reply.code(202).send({ messageId: order.messageId, wholesaleOrder: order });
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
