/**
 * `/v1/interconnect/requests`: access requests to TIM (voip-interconnect.md §2–§4).
 * Operator side: create (submitted at once unless `draft: true`), submit, annul. TIM side:
 * progress, complete, reject (incomplete cessations). Scopes interconnect:read / interconnect:write.
 */
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import type { Clock } from '../../domain/clock.js';
import type { CaseRow, Database } from '../../store/schema.js';
import type { InterconnectService } from '../../app/interconnect/service.js';
import type { CreateOptions, CreateRequestInput } from '../../app/interconnect/requests.js';
import { REQUEST_TYPES } from '../../protocols/interconnect/types.js';
import { anyObject, commandAnswer, commandHeaders, createAndAnswer, idParams, listPage, listQuery, problemResponses, replayCommand, replayCreate, viewOne, type ListQuery } from './interconnect-common.js';

export interface InterconnectRouteDeps {
  db: Kysely<Database>;
  clock: Clock;
  service: InterconnectService;
}

const actions = (name: string) => ({ $ref: `interconnect-actions.json#/definitions/${name}` });

export async function interconnectRequestRoutes(app: FastifyInstance, deps: InterconnectRouteDeps): Promise<void> {
  const { db, clock, service } = deps;
  const r = service.requests;
  const tags = ['interconnect'];

  app.post<{ Body: CreateRequestInput }>(
    '/v1/interconnect/requests',
    {
      config: { scope: 'interconnect:write', idempotencyReplay: replayCreate(deps, REQUEST_TYPES, { name: 'interconnection request', path: '/v1/interconnect/requests' }) },
      schema: { tags, summary: 'As operator: create an access request (R1, R2, R3, R5, further CAC modules); submitted at once unless draft', body: { $ref: 'interconnect-request.json' }, response: { 201: anyObject, ...problemResponses } },
    },
    async (request, reply) =>
      createAndAnswer(request, reply, deps, { name: 'interconnection request', path: '/v1/interconnect/requests' }, (opts) => r.create(request.body, opts)),
  );

  app.get<{ Querystring: ListQuery }>(
    '/v1/interconnect/requests',
    { config: { scope: 'interconnect:read' }, schema: { tags, summary: 'List access requests, cursor-paginated', querystring: listQuery, response: { 200: anyObject, ...problemResponses } } },
    async (request) => listPage(db, clock, REQUEST_TYPES, request.query),
  );

  app.get<{ Params: { id: string } }>(
    '/v1/interconnect/requests/:id',
    { config: { scope: 'interconnect:read' }, schema: { tags, summary: 'One access request', params: idParams, response: { 200: anyObject, ...problemResponses } } },
    async (request, reply) => viewOne(db, clock, REQUEST_TYPES, request.params.id, 'interconnection request', reply),
  );

  const replay = replayCommand(deps, REQUEST_TYPES, 'interconnection request');
  const step = <B>(path: string, body: string, summary: string, run: (id: string, b: B, opts: CreateOptions) => Promise<CaseRow>) =>
    app.post<{ Params: { id: string }; Body: B }>(
      `/v1/interconnect/requests/:id/${path}`,
      { config: { scope: 'interconnect:write', idempotencyReplay: replay }, schema: { tags, summary, params: idParams, headers: commandHeaders, body: actions(body), response: { 200: anyObject, ...problemResponses } } },
      async (request, reply) => {
        const { row, view } = await commandAnswer(request, reply, deps, request.params.id, (opts) => run(request.params.id, request.body as B, opts));
        request.log.info({ caseId: row.id, state: row.state }, `interconnect request ${path}`);
        return view;
      },
    );

  step<Record<string, never>>('submit', 'empty', 'As operator: submit a DRAFT', (id, _b, o) => r.submit(id, o));
  step<Record<string, never>>('progress', 'empty', 'As TIM: the request is being worked (IN_PROGRESS)', (id, _b, o) => r.step(id, { kind: 'progress' }, o));
  step<{ completionDate: string; tds?: { port?: string; link?: string } }>('complete', 'complete', 'As TIM: completed, with the completion date and the assigned TDs', (id, b, o) =>
    r.step(id, { kind: 'complete', completionDate: b.completionDate, tds: b.tds ?? {} }, o),
  );
  step<{ reason: string }>('reject', 'reject', 'As TIM: an incomplete cessation is not processed (REJECTED_INCOMPLETE)', (id, b, o) => r.step(id, { kind: 'reject', reason: b.reason }, o));
  step<{ requestDate: string; cacModules?: number }>('annulment', 'annulment', 'As operator: annul the whole order, not yet delivered, with the reimbursement of spec §3', (id, b, o) =>
    r.step(id, { kind: 'annul', requestDate: b.requestDate, ...(b.cacModules !== undefined ? { cacModules: b.cacModules } : {}) }, o),
  );
}
