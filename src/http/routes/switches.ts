/** Northbound REST: switches (cases), their messages and the CRM's answers. */
import { decodeListCursor, encodeListCursor } from '../list-cursor.js';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import type { Clock } from '../../domain/clock.js';
import type { Database } from '../../store/schema.js';
import { caseExists, loadCase, listCases } from '../../store/repos/cases.js';
import { findMessage, messagesOfCase } from '../../store/repos/messages.js';
import type { Sent, WbciService } from '../../app/wbci/service.js';
import type {
  AnswerInput,
  CancelInput,
  ChangeAnswerInput,
  RescheduleInput,
  ResourceHandoverAnswerInput,
  ResourceHandoverInput,
  StartWbciSwitch,
} from '../../app/wbci/commands.js';
import { AppError, notFound } from '../../app/errors.js';
import { CASE_VIEW_DATA, caseView, messageView } from '../views.js';
import { sendJson } from '../json-answer.js';
import type { AgcomService } from '../../app/agcom/service.js';
import type { StartAgcomSwitch } from '../../app/agcom/commands.js';
import { agcomRest } from './agcom-switches.js';
import { ifMatchHeaderSchema, sendsCase, underIfMatch } from '../case-etag.js';
import { warningsSchema, warningsView } from '../warnings.js';
import { idempotentOptions } from '../idempotency.js';
import type { CommandOptions } from '../../app/case-unit.js';
import { idParams, problemResponses } from './route-schemas.js';

export interface SwitchRoutesDeps {
  db: Kysely<Database>;
  clock: Clock;
  wbci: WbciService;
  /** the Italian procedure, when enabled: its cases are dispatched to it (agcom-switches.ts) */
  agcom?: AgcomService;
}

const messageAccepted = {
  type: 'object',
  additionalProperties: true,
  properties: { messageId: { type: 'string' }, case: { type: 'object', additionalProperties: true }, warnings: warningsSchema },
} as const;

/** the headers of a command on a case */
export const caseCommandHeaders = { type: 'object', properties: { 'if-match': ifMatchHeaderSchema } } as const;

// The field rules name fields of the WBCI message; a CRM has to find them in the body it sent.
// Only the Meldung positions differ in shape: `codes[i]` (reject) or `code` + `corrections[i]`
// (accept) become `positions`, and `pkiAbg` becomes the confirmed numbers.

export const positionsAsCodes = (p: string): string => p.replace(/^\/positions(?=\/|$)/, '/codes');

export function answerPath(body: AnswerInput): (p: string) => string {
  if (body.result === 'reject') return positionsAsCodes;
  return (p) => {
    const m = /^\/positions\/(\d+)(?:\/corrected)?(.*)$/.exec(p);
    if (m) return m[1] === '0' ? '/code' : `/corrections/${Number(m[1]) - 1}${m[2]}`;
    if (p === '/positions') return '/code';
    if (body.numbers === undefined && body.pkiAbg !== undefined && /^\/numbers\/(list|blocks)\/\d+\/pkiAbg$/.test(p)) return '/pkiAbg';
    return p;
  };
}

/** A 422 of the field rules, with its paths (and the texts quoting them) in request-body terms. */
export function inBodyTerms(err: unknown, toBody: (p: string) => string): unknown {
  if (!(err instanceof AppError) || err.status !== 422 || err.code !== 'SG_VALIDATION') return err;
  let detail = err.message;
  const issues = err.issues.map((issue, i) => {
    const path = toBody(issue.path);
    if (path === issue.path) return issue;
    if (i === 0) detail = detail.split(issue.path).join(path);
    return { ...issue, path, message: issue.message.split(issue.path).join(path) };
  });
  return new AppError(err.status, err.code, detail, issues);
}

export async function switchRoutes(app: FastifyInstance, deps: SwitchRoutesDeps): Promise<void> {
  const { db, clock, wbci } = deps;
  const agcom = agcomRest(deps);

  app.post<{ Body: StartWbciSwitch | StartAgcomSwitch; Headers: { 'idempotency-key'?: string } }>(
    '/v1/switches',
    {
      config: {
        scope: 'switches:write',
        // the process died between the commit and the answer: the case as it is now
        idempotencyReplay: async (caseId, reply) => {
          const row = await loadCase(db, String(caseId));
          if (!row) throw notFound('switch', String(caseId));
          reply.header('location', `/v1/switches/${encodeURIComponent(row.id)}`);
          sendsCase(reply, row);
          return { statusCode: 201, body: { ...caseView(row, clock.now()), warnings: [] } };
        },
      },
      schema: {
        tags: ['switches'],
        summary: 'Start a switch as recipient (WBCI VA-KUE-MRN / VA-KUE-ORN / VA-RRNP; AGCOM migrazione / attivazione)',
        headers: { type: 'object', properties: { 'idempotency-key': { type: 'string', minLength: 1, maxLength: 255 } } },
        body: { $ref: 'start-switch.json' },
        response: { 201: { type: 'object', additionalProperties: true, properties: { warnings: warningsSchema } }, ...problemResponses },
      },
    },
    async (request, reply) => {
      const opts = idempotentOptions(request);
      const started = request.body.procedure === 'agcom' ? await agcom.start(request.body, opts) : await wbci.startSwitch(request.body, opts);
      const { row } = started;
      request.log.info({ caseId: row.id }, 'switch started');
      reply.header('location', `/v1/switches/${encodeURIComponent(row.id)}`);
      sendsCase(reply, row);
      return sendJson(reply.code(201), { ...caseView(row, clock.now()), warnings: warningsView(started.warnings) });
    },
  );

  app.get<{ Querystring: { state?: string; peer?: string; role?: string; procedure?: string; overdue?: boolean; cursor?: string; limit: number } }>(
    '/v1/switches',
    {
      config: { scope: 'switches:read' },
      schema: {
        tags: ['switches'],
        summary: 'List switches, cursor-paginated',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            state: { type: 'string', maxLength: 40 },
            peer: { type: 'string', maxLength: 20 },
            role: { enum: ['recipient', 'donating'] },
            procedure: { enum: ['wbci', 'agcom'] },
            overdue: { type: 'boolean' },
            cursor: { type: 'string', maxLength: 512 },
            limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
          },
        },
        response: {
          200: {
            type: 'object',
            properties: { items: { type: 'array', items: { type: 'object', additionalProperties: true } }, nextCursor: { type: ['string', 'null'] } },
          },
          ...problemResponses,
        },
      },
    },
    async (request, reply) => {
      const q = request.query;
      const filter = {
        state: q.state,
        peer: q.peer,
        role: q.role,
        procedure: q.procedure,
        overdue: q.overdue,
        after: q.cursor ? decodeListCursor(q.cursor) : undefined,
        limit: q.limit + 1,
      };
      // a page reads of each case's `data` only what its view shows (views.ts CASE_VIEW_DATA)
      const rows = await listCases(db, filter, { data: CASE_VIEW_DATA });
      const page = rows.slice(0, q.limit);
      const last = page[page.length - 1];
      const now = clock.now();
      return sendJson(reply, {
        items: page.map((r) => caseView(r, now)),
        nextCursor: rows.length > q.limit && last ? encodeListCursor(last.created_us, last.id) : null,
      });
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/switches/:id',
    {
      config: { scope: 'switches:read' },
      schema: { tags: ['switches'], summary: 'The case (ETag: its version, for If-Match on the commands)', params: idParams, response: { 200: { type: 'object', additionalProperties: true }, ...problemResponses } },
    },
    async (request, reply) => {
      const row = await loadCase(db, request.params.id);
      if (!row) throw notFound('switch', request.params.id);
      sendsCase(reply, row);
      return sendJson(reply, caseView(row, clock.now()));
    },
  );

  app.get<{ Params: { id: string }; Querystring: { raw?: boolean } }>(
    '/v1/switches/:id/messages',
    {
      config: { scope: 'switches:read' },
      schema: {
        tags: ['switches'],
        summary: 'The timeline of messages both ways',
        params: idParams,
        querystring: { type: 'object', additionalProperties: false, properties: { raw: { type: 'boolean', default: false } } },
        response: {
          200: { type: 'object', properties: { items: { type: 'array', items: { type: 'object', additionalProperties: true } } } },
          ...problemResponses,
        },
      },
    },
    async (request, reply) => {
      const rows = await messagesOfCase(db, request.params.id, { withRaw: request.query.raw === true });
      // a case without messages is rare: the existence probe runs only then
      if (rows.length === 0 && !(await caseExists(db, request.params.id))) throw notFound('switch', request.params.id);
      return sendJson(reply, { items: rows.map((m) => messageView(m, request.query.raw === true)) });
    },
  );

  // The CRM's writes on an existing case: each becomes exactly one outbound message.
  const write = <B>(
    path: string,
    bodySchema: string,
    summary: string,
    run: (id: string, body: B, params: Record<string, string>, opts: CommandOptions) => Promise<Sent>,
    bodyPath: (body: B) => (messagePath: string) => string = () => (p) => p,
  ) =>
    app.post<{ Params: Record<string, string>; Body: B }>(
      path,
      {
        config: {
          scope: 'switches:write',
          // the process died between the commit and the answer: the message it queued, and the case as it is now
          idempotencyReplay: async (messageId, reply) => {
            const message = await findMessage(db, String(messageId));
            const row = message && (await loadCase(db, message.case_id));
            if (!message || !row) throw notFound('message', String(messageId));
            sendsCase(reply, row);
            return { statusCode: 202, body: { messageId: message.message_id, case: caseView(row, clock.now()), warnings: [] } };
          },
        },
        ...(agcom.hookFor(path) ? { preValidation: agcom.hookFor(path) } : {}),
        schema: {
          tags: ['switches'],
          summary,
          headers: caseCommandHeaders,
          body: { $ref: bodySchema },
          response: { 202: messageAccepted, 412: { $ref: 'common.json#/definitions/problem' }, ...problemResponses },
        },
      },
      async (request, reply) => {
        const id = request.params.id!;
        const opts = idempotentOptions(request);
        let sent: Sent;
        try {
          sent = await underIfMatch(request, id, () => run(id, request.body as B, request.params, opts));
        } catch (err) {
          throw inBodyTerms(err, bodyPath(request.body as B));
        }
        request.log.info({ caseId: id, messageId: sent.messageId }, 'message queued');
        sendsCase(reply, sent.row);
        return reply
          .code(202)
          .send({ messageId: sent.messageId, case: caseView(sent.row, clock.now()), warnings: warningsView(sent.warnings, bodyPath(request.body as B)) });
      },
    );

  write<AnswerInput>('/v1/switches/:id/answer', 'answer.json', 'As donating: accept (RUEM-VA) or reject (ABBM) the VA', (id, b, _p, o) => wbci.answer(id, b, o), answerPath);
  write<ResourceHandoverInput>('/v1/switches/:id/resource-handover', 'resource-handover.json', 'As recipient: AKM-TR', (id, b, _p, o) => wbci.resourceHandover(id, b, o));
  write<ResourceHandoverAnswerInput>(
    '/v1/switches/:id/resource-handover/answer',
    'resource-handover-answer.json',
    'As donating: reject an AKM-TR (ABBM-TR)',
    (id, b, _p, o) => wbci.answerResourceHandover(id, b, o),
    () => positionsAsCodes,
  );
  write<RescheduleInput>('/v1/switches/:id/reschedule', 'reschedule.json', 'As recipient: TVS-VA with a new requested date', (id, b, _p, o) => wbci.reschedule(id, b, o));
  write<CancelInput>('/v1/switches/:id/cancel', 'cancel.json', 'Either side: STR-AUF or STR-AEN', (id, b, _p, o) => wbci.cancel(id, b, o));
  app.post<{ Params: { id: string }; Body: { replaces: string } }>(
    '/v1/switches/:id/link',
    {
      config: { scope: 'switches:write' },
      schema: {
        tags: ['switches'],
        summary: 'Link this case as the successor of a VA cancelled by STR-AEN (after wbci.successor-ambiguous); sends nothing',
        params: idParams,
        headers: caseCommandHeaders,
        body: { $ref: 'link.json' },
        response: { 200: { type: 'object', additionalProperties: true }, 412: { $ref: 'common.json#/definitions/problem' }, ...problemResponses },
      },
    },
    async (request, reply) => {
      const row = await underIfMatch(request, request.params.id, () => wbci.link(request.params.id, request.body.replaces));
      sendsCase(reply, row);
      return caseView(row, clock.now());
    },
  );

  write<ChangeAnswerInput>(
    '/v1/switches/:id/changes/:changeId/answer',
    'change-answer.json',
    'Answer an incoming TVS-VA or Storno: ERLM or ABBM',
    (id, b, p, o) => wbci.answerChange(id, p.changeId!, b, o),
    (b) => (b.result === 'reject' ? positionsAsCodes : (p) => p),
  );
}
