/**
 * `POST /interconnect/v1`: the counterpart gateway's messages (schemas/interconnect/wire.json and
 * wire-bodies.json), authenticated like the other peer protocols (bearer token per peer, the
 * envelope's sender must be the authenticated peer). Answered once the step is committed:
 * 200 `{ status: "accepted" | "duplicate", id }`; a refusal by the rules is a problem document
 * (404 unknown object, 409 not now / not you, 422 content) that the sender dead-letters.
 */
import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import type { FastifyInstance } from 'fastify';
import type { InterconnectService } from '../../app/interconnect/service.js';
import type { WireEnvelope } from '../../app/interconnect/wire.js';
import { ajvIssues } from '../../schemas/ajv-issues.js';
import type { PeerDirectory } from '../peer-auth.js';
import { problem, sendProblem } from '../problem.js';
import { loadRestSchemas } from '../schemas.js';

const load = (name: string) => JSON.parse(readFileSync(new URL(`../../../schemas/interconnect/${name}`, import.meta.url), 'utf8')) as { $id: string };

function compileWire(): { envelope: ValidateFunction; body: (object: string, kind: string) => ValidateFunction | undefined } {
  const ajv = new Ajv({ allErrors: true, strict: false });
  for (const s of loadRestSchemas().filter((s) => s.$id === 'common.json' || s.$id.startsWith('interconnect-'))) ajv.addSchema(s);
  ajv.addSchema(load('wire-bodies.json'));
  const envelope = ajv.compile(load('wire.json'));
  const cache = new Map<string, ValidateFunction | undefined>();
  return {
    envelope,
    body: (object, kind) => {
      const key = `${object}-${kind}`;
      if (!cache.has(key)) {
        const exists = ajv.getSchema(`interconnect-wire-bodies.json#/definitions/${key}`);
        cache.set(key, exists);
      }
      return cache.get(key);
    },
  };
}

export async function interconnectWireRoutes(app: FastifyInstance, deps: { service: InterconnectService; peers: PeerDirectory }): Promise<void> {
  const wire = compileWire();
  app.post('/interconnect/v1', { schema: { hide: true }, bodyLimit: 512 * 1024 }, async (request, reply) => {
    const body = request.body;
    if (!wire.envelope(body)) {
      const issues = ajvIssues(wire.envelope.errors, { code: 'SG_SCHEMA' });
      return sendProblem(reply, problem(400, 'SG_INVALID_REQUEST', issues[0] ? `${issues[0].path || '/'}: ${issues[0].message}` : 'invalid envelope', issues));
    }
    const env = body as WireEnvelope;
    const auth = deps.peers.authenticate(request, env.sender, ['interconnect-json']);
    if (!auth.ok) {
      request.log.warn({ status: auth.status, reason: auth.reason, sender: env.sender }, 'inbound interconnect message refused: peer not authenticated');
      return sendProblem(reply, problem(auth.status, auth.status === 401 ? 'SG_UNAUTHENTICATED' : 'SG_FORBIDDEN', auth.reason));
    }
    const validateBody = wire.body(env.object, env.kind);
    if (!validateBody) {
      return sendProblem(reply, problem(422, 'SG_IC_WIRE', `/kind: ${env.kind} is not a step of a ${env.object}`, [{ path: '/kind', rule: 'kindOfObject', code: 'SG_IC_WIRE', message: `${env.kind} is not a step of a ${env.object}` }]));
    }
    if (!validateBody(env.body)) {
      const issues = ajvIssues(validateBody.errors, { code: 'SG_SCHEMA', pathPrefix: '/body' });
      return sendProblem(reply, problem(400, 'SG_INVALID_REQUEST', issues[0] ? `${issues[0].path}: ${issues[0].message}` : 'invalid body', issues));
    }
    const outcome = await deps.service.receive(env, auth.peer, JSON.stringify(body));
    if (outcome.status === 'refused') {
      const first = outcome.issues[0];
      return sendProblem(reply, problem(outcome.httpStatus, outcome.code, first ? `${first.path || '/'}: ${first.message}` : 'refused', outcome.issues));
    }
    return reply.send({ status: outcome.duplicate ? 'duplicate' : 'accepted', id: outcome.caseId });
  });
}
