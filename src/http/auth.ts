/**
 * API keys: `Authorization: Bearer <key>`; only the SHA-256 of each key is configured. A route
 * names the scope it needs in its `config.scope`.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ApiKeyConfig, Scope } from '../config/types.js';
import { problem, sendProblem } from './problem.js';
import { bearerToken, sha256Hex } from '../net/bearer.js';

export interface Principal {
  name: string;
  scopes: ReadonlySet<Scope>;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
  interface FastifyContextConfig {
    scope?: Scope;
  }
}

export { bearerToken, sha256Hex } from '../net/bearer.js';

export function apiKeyAuth(keys: ApiKeyConfig[]) {
  const byHash = new Map(keys.map((k) => [k.keySha256, { name: k.name, scopes: new Set(k.scopes) } satisfies Principal]));
  // callback style: an async hook costs a promise and a turn of the microtask queue on every request
  return function authenticate(request: FastifyRequest, reply: FastifyReply, done: () => void): void {
    const scope = request.routeOptions.config.scope;
    if (!scope) return done();
    const token = bearerToken(request.headers.authorization);
    const principal = token ? byHash.get(sha256Hex(token)) : undefined;
    if (!principal) {
      request.log.info({ reason: token ? 'unknown key' : 'no bearer token' }, 'request refused: not authenticated');
      reply.header('www-authenticate', 'Bearer realm="switchgate"');
      void sendProblem(reply, problem(401, 'SG_UNAUTHENTICATED', token ? 'the API key is not valid' : 'an API key is required (Authorization: Bearer <key>)'));
      return;
    }
    if (!principal.scopes.has(scope)) {
      request.log.info({ apiKey: principal.name, scope }, 'request refused: missing scope');
      void sendProblem(reply, problem(403, 'SG_FORBIDDEN', `the API key "${principal.name}" lacks the scope ${scope}`));
      return;
    }
    request.principal = principal;
    done();
  };
}
