/**
 * `/v1/interconnect/faults` (spec §5) and `/v1/interconnect/projects` (spec §6): fault reports with
 * TIM's diagnosis and closure, and migration / new-supply projects with their PVV/PQR events.
 */
import type { FastifyInstance } from 'fastify';
import type { OpenFaultInput } from '../../app/interconnect/faults.js';
import type { OpenProjectInput } from '../../app/interconnect/projects.js';
import type { ProjectEventKind } from '../../protocols/interconnect/project.js';
import { anyObject, commandAnswer, commandHeaders, createAndAnswer, idParams, listPage, listQuery, problemResponses, replayCommand, replayCreate, viewOne, type ListQuery } from './interconnect-common.js';
import type { InterconnectRouteDeps } from './interconnect-requests.js';

const actions = (name: string) => ({ $ref: `interconnect-actions.json#/definitions/${name}` });

export async function interconnectAssuranceRoutes(app: FastifyInstance, deps: InterconnectRouteDeps): Promise<void> {
  const { db, clock, service } = deps;
  const tags = ['interconnect'];
  const write = { scope: 'interconnect:write' as const };
  const read = { scope: 'interconnect:read' as const };

  app.post<{ Body: OpenFaultInput }>(
    '/v1/interconnect/faults',
    { config: { ...write, idempotencyReplay: replayCreate(deps, ['fault'], { name: 'fault report', path: '/v1/interconnect/faults' }) }, schema: { tags, summary: 'As operator: report a fault to TIM', body: actions('fault'), response: { 201: anyObject, ...problemResponses } } },
    async (request, reply) => createAndAnswer(request, reply, deps, { name: 'fault report', path: '/v1/interconnect/faults' }, (opts) => service.faults.open(request.body, opts)),
  );
  app.get<{ Querystring: ListQuery }>('/v1/interconnect/faults', { config: read, schema: { tags, summary: 'List fault reports', querystring: listQuery, response: { 200: anyObject, ...problemResponses } } }, async (request) =>
    listPage(db, clock, ['fault'], request.query),
  );
  app.get<{ Params: { id: string } }>('/v1/interconnect/faults/:id', { config: read, schema: { tags, summary: 'One fault report', params: idParams, response: { 200: anyObject, ...problemResponses } } }, async (request, reply) =>
    viewOne(db, clock, ['fault'], request.params.id, 'fault report', reply),
  );
  app.post<{ Params: { id: string }; Body: { diagnosis: string } }>(
    '/v1/interconnect/faults/:id/diagnosis',
    { config: { ...write, idempotencyReplay: replayCommand(deps, ['fault'], 'fault report') }, schema: { tags, summary: 'As TIM: the diagnosis (DIAGNOSED)', params: idParams, headers: commandHeaders, body: actions('diagnosis'), response: { 200: anyObject, ...problemResponses } } },
    async (request, reply) =>
      (await commandAnswer(request, reply, deps, request.params.id, (opts) => service.faults.step(request.params.id, { kind: 'diagnose', diagnosis: request.body.diagnosis }, opts))).view,
  );
  app.post<{ Params: { id: string }; Body: { outcome: 'a' | 'b' | 'c'; diagnosis?: string } }>(
    '/v1/interconnect/faults/:id/close',
    { config: { ...write, idempotencyReplay: replayCommand(deps, ['fault'], 'fault report') }, schema: { tags, summary: 'As TIM: close with outcome a | b | c (b, c: intervento a vuoto, charged)', params: idParams, headers: commandHeaders, body: actions('faultClose'), response: { 200: anyObject, ...problemResponses } } },
    async (request, reply) => {
      const b = request.body;
      const { row, view } = await commandAnswer(request, reply, deps, request.params.id, (opts) =>
        service.faults.step(request.params.id, { kind: 'close', outcome: b.outcome, ...(b.diagnosis ? { diagnosis: b.diagnosis } : {}) }, opts),
      );
      request.log.info({ caseId: row.id, outcome: b.outcome }, 'interconnect fault closed');
      return view;
    },
  );

  app.post<{ Body: OpenProjectInput }>(
    '/v1/interconnect/projects',
    { config: { ...write, idempotencyReplay: replayCreate(deps, ['project'], { name: 'project', path: '/v1/interconnect/projects' }) }, schema: { tags, summary: 'As operator: request a migration to VoLTE-VoIP/IP or a new supply', body: actions('project'), response: { 201: anyObject, ...problemResponses } } },
    async (request, reply) => createAndAnswer(request, reply, deps, { name: 'project', path: '/v1/interconnect/projects' }, (opts) => service.projects.open(request.body, opts)),
  );
  app.get<{ Querystring: ListQuery }>('/v1/interconnect/projects', { config: read, schema: { tags, summary: 'List projects', querystring: listQuery, response: { 200: anyObject, ...problemResponses } } }, async (request) =>
    listPage(db, clock, ['project'], request.query),
  );
  app.get<{ Params: { id: string } }>('/v1/interconnect/projects/:id', { config: read, schema: { tags, summary: 'One project with its clocks', params: idParams, response: { 200: anyObject, ...problemResponses } } }, async (request, reply) =>
    viewOne(db, clock, ['project'], request.params.id, 'project', reply),
  );
  app.post<{ Params: { id: string }; Body: { event: ProjectEventKind; note?: string } }>(
    '/v1/interconnect/projects/:id/events',
    { config: { ...write, idempotencyReplay: replayCommand(deps, ['project'], 'project') }, schema: { tags, summary: 'Record a project event (agreement signed, test window set, report sent, remarks, failure, blocking, resolved, suspension, restart, migration done)', params: idParams, headers: commandHeaders, body: actions('projectEvent'), response: { 200: anyObject, ...problemResponses } } },
    async (request, reply) => {
      const { row, view } = await commandAnswer(request, reply, deps, request.params.id, (opts) => service.projects.record(request.params.id, request.body.event, request.body.note, opts));
      request.log.info({ caseId: row.id, event: request.body.event, state: row.state }, 'interconnect project event');
      return view;
    },
  );
}
