/**
 * Interconnection billing REST (spec §7; profile "interconnect"):
 *
 *   POST /v1/interconnect/traffic            text/csv call records → calls and seconds per month and band
 *   POST /v1/interconnect/netting            netting statement of month X
 *   POST /v1/interconnect/payments/allocate  imputation of a partial payment
 *   GET  /v1/interconnect/invoices/access-services?month=YYYY-MM
 *                                            the access-services invoice of a month, from the accesses' lifecycle
 *
 * The CSV body is never buffered: a content-type parser of this plugin hands fastify's raw request
 * stream to the rater, so a month of traffic (hundreds of MB) is rated in bounded memory and the
 * body limit of JSON requests does not apply. Traffic is an import (`interconnect:write`); netting
 * and imputation compute from the body alone and store nothing (`interconnect:read`).
 */
import type { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { Counter, type Registry } from 'prom-client';
import type { WorkingDayCalendar } from '../../domain/calendar.js';
import type { CompiledTimeBands } from '../../protocols/interconnect/billing/time-bands.js';
import { rateTraffic } from '../../app/interconnect-billing/traffic.js';
import { computeAllocation, computeNetting, type AllocateBody, type NettingBody } from '../../app/interconnect-billing/payments.js';
import { problem, sendProblem } from '../problem.js';
import { accessRecordsForBilling, accessServicesInvoiceAnswer, type AccessTariffStrings } from '../../app/interconnect-billing/access-invoice.js';
import type { AccessRecord as StoredAccess } from '../../store/repos/interconnect-accesses.js';
import { problemRef } from './route-schemas.js';

export interface InterconnectBillingDeps {
  bands: CompiledTimeBands;
  /** the Italian working-day calendar (holidays, last working day, terms) */
  calendar: WorkingDayCalendar;
  registry?: Registry;
  /** the completed accesses with their components (the access store) */
  accesses?: () => Promise<readonly StoredAccess[]>;
  /** `interconnect.tariffs` (decimal strings) */
  tariffs?: AccessTariffStrings;
}


const csvProblem = {
  type: 'object',
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    code: { type: 'string' },
    lines: { type: 'integer', description: 'lines read' },
    invalidLines: { type: 'integer', description: 'malformed lines (errors lists at most 100)' },
    errors: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          path: { type: 'string' },
          line: { type: 'integer' },
          field: { type: 'string' },
          rule: { type: 'string' },
          code: { type: 'string' },
          message: { type: 'string' },
        },
      },
    },
  },
} as const;

const ratingAnswer = {
  type: 'object',
  required: ['calls', 'months'],
  properties: {
    calls: { type: 'integer' },
    months: {
      type: 'array',
      items: {
        type: 'object',
        required: ['month', 'bands'],
        properties: {
          month: { type: 'string' },
          bands: {
            type: 'object',
            additionalProperties: { type: 'object', required: ['seconds', 'calls'], properties: { seconds: { type: 'integer' }, calls: { type: 'integer' } } },
          },
        },
      },
    },
  },
} as const;

const mediaType = (header: string | undefined) => (header ?? '').split(';')[0]!.trim().toLowerCase();

export async function interconnectBillingRoutes(app: FastifyInstance, deps: InterconnectBillingDeps): Promise<void> {
  const imports = new Counter({
    name: 'switchgate_interconnect_traffic_imports_total',
    help: 'Traffic CSV imports by outcome (rated, refused, incomplete)',
    labelNames: ['outcome'],
    registers: deps.registry ? [deps.registry] : [],
  });
  const ratedCalls = new Counter({
    name: 'switchgate_interconnect_rated_calls_total',
    help: 'Calls rated by accepted traffic imports',
    registers: deps.registry ? [deps.registry] : [],
  });

  // the stream itself is the body: the rater reads it as it arrives
  app.addContentTypeParser('text/csv', (_request, payload, done) => done(null, payload));

  app.post(
    '/v1/interconnect/traffic',
    {
      // a streamed body that is rated, not stored: nothing to make idempotent
      config: { scope: 'interconnect:write', idempotency: false },
      schema: {
        tags: ['interconnect'],
        summary: 'Rate a month of call records (text/csv: callId,start,durationSeconds[,service]) by month and time band',
        consumes: ['text/csv'],
        response: { 200: ratingAnswer, 400: problemRef, 401: problemRef, 403: problemRef, 415: problemRef, 422: csvProblem },
      },
    },
    async (request, reply) => {
      if (mediaType(request.headers['content-type']) !== 'text/csv') {
        return sendProblem(reply, problem(415, 'SG_UNSUPPORTED_MEDIA_TYPE', 'the call records must be sent as text/csv'));
      }
      let outcome: Awaited<ReturnType<typeof rateTraffic>>;
      try {
        outcome = await rateTraffic(request.body as Readable, { bands: deps.bands, calendar: deps.calendar });
      } catch (err) {
        // the client went away or the connection broke mid-upload: nothing was kept
        imports.inc({ outcome: 'incomplete' });
        request.log.info({ err: (err as Error).message }, 'traffic import aborted: the body ended early');
        return sendProblem(reply, problem(400, 'SG_BODY_INCOMPLETE', 'the CSV body did not arrive completely; nothing of this import was kept'));
      }
      if (!outcome.ok) {
        imports.inc({ outcome: 'refused' });
        const { summary } = outcome;
        const first = summary.issues[0]!;
        request.log.info({ lines: summary.lines, invalidLines: summary.invalidLines }, 'traffic import refused: malformed lines');
        const body = {
          ...problem(422, 'SG_CSV_INVALID', `line ${first.line}: ${first.field}: ${first.message}; nothing of this import was kept`, summary.issues),
          lines: summary.lines,
          invalidLines: summary.invalidLines,
        };
        return reply.code(422).type('application/problem+json').send(body);
      }
      imports.inc({ outcome: 'rated' });
      ratedCalls.inc(outcome.result.calls);
      request.log.info({ lines: outcome.lines, calls: outcome.result.calls, months: outcome.result.months.map((m) => m.month) }, 'traffic rated');
      return outcome.result;
    },
  );

  app.post<{ Body: NettingBody }>(
    '/v1/interconnect/netting',
    {
      config: { scope: 'interconnect:read' },
      schema: {
        tags: ['interconnect'],
        summary: 'Netting statement of month X: residual − disputed per invoice, net balance, netting value date',
        body: { $ref: 'interconnect-netting.json' },
        response: { 400: problemRef, 401: problemRef, 403: problemRef, 422: problemRef },
      },
    },
    async (request) => computeNetting(request.body, deps.calendar),
  );

  app.post<{ Body: AllocateBody }>(
    '/v1/interconnect/payments/allocate',
    {
      config: { scope: 'interconnect:read' },
      schema: {
        tags: ['interconnect'],
        summary: 'Impute a partial payment to open debts (art. 1193 c.c.): overdue, least secured, most burdensome, oldest, then pro rata',
        body: { $ref: 'interconnect-payment-allocate.json' },
        response: { 400: problemRef, 401: problemRef, 403: problemRef, 422: problemRef },
      },
    },
    async (request) => computeAllocation(request.body, deps.calendar),
  );

  const { accesses, tariffs } = deps;
  if (accesses && tariffs) {
    app.get<{ Querystring: { month: string } }>(
      '/v1/interconnect/invoices/access-services',
      {
        config: { scope: 'interconnect:read' },
        schema: {
          tags: ['interconnect'],
          summary: 'Access-services invoice of a month: activation fees, pro-rata and monthly fees, next month\'s advance, pro rata up to cessation',
          querystring: {
            type: 'object',
            additionalProperties: false,
            required: ['month'],
            properties: { month: { type: 'string', pattern: '^[0-9]{4}-(0[1-9]|1[0-2])$', description: 'the invoice month, YYYY-MM' } },
          },
          response: { 400: problemRef, 401: problemRef, 403: problemRef, 422: problemRef },
        },
      },
      async (request) =>
        accessServicesInvoiceAnswer({ month: request.query.month, accesses: accessRecordsForBilling(await accesses()), tariffs }),
    );
  }
}
