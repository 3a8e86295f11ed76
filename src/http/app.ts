/**
 * The fastify application: northbound REST, health, docs. East-west and southbound endpoints
 * are registered by their own plugins. Every route is an ordinary fastify route, so hooks,
 * limits, validation and error shapes apply uniformly.
 */
import { readFileSync } from 'node:fs';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { Logger } from 'pino';
import type { Kysely } from 'kysely';
import type { Registry } from 'prom-client';
import type { Clock } from '../domain/clock.js';
import type { Database } from '../store/schema.js';
import type { GatewayConfig } from '../config/types.js';
import type { WbciService } from '../app/wbci/service.js';
import type { AgcomService } from '../app/agcom/service.js';
import type { EventBus } from '../store/event-bus.js';
import { edgeErrorHandler, edgeFrameworkErrors, edgeNotFoundHandler } from './edge-errors.js';
import { inputGuard } from './input-guard.js';
import { jsonBodyParser } from './json-body.js';
import { loadShedding } from './load-shedding.js';
import { handlerTimeout } from './handler-timeout.js';
import { apiKeyAuth } from './auth.js';
import { createValidatorCompiler, loadRestSchemas } from './schemas.js';
import { lazySerializerFactory, PendingCompilations, trackPendingCompilations } from './lazy-schemas.js';
import { switchRoutes } from './routes/switches.js';
import { eventRoutes } from './routes/events.js';
import { replyDatabaseUnavailable } from './database-unavailable.js';
import { healthRoutes } from './routes/health.js';
import { deadLetterRoutes } from './routes/dead-letters.js';
import type { DeadLetterService } from '../app/dead-letters.js';
import { wbciWireRoutes } from './routes/wbci-wire.js';
import { PeerDirectory } from './peer-auth.js';
import { migrationCodeRoutes } from './routes/migration-code.js';
import { defaultAgcomRules, migrationCodeOptions } from '../protocols/agcom/rules.js';
import { httpMetrics, inboundRefusedCounter } from './metrics.js';
import { loadWsSecurity } from '../config/ws-security-material.js';
import { consoleRoutes } from './console/plugin.js';
import { openapiOptions } from './openapi/document.js';
import { DEFAULT_IDEMPOTENCY_TTL_HOURS, idempotency } from './idempotency.js';
import { strictQuery } from './strict-query.js';

export interface AppDeps {
  config: GatewayConfig;
  db: Kysely<Database>;
  clock: Clock;
  log: Logger;
  wbci: WbciService;
  /** the Italian procedure, when "agcom" is in self.profiles */
  agcom?: AgcomService;
  bus: EventBus;
  deadLetters: DeadLetterService;
  registry: Registry;
  /** where secrets referenced by name are read (default process.env) */
  env?: NodeJS.ProcessEnv;
  /** extra plugins (east-west, wholesale) registered after the core routes */
  plugins?: ((app: FastifyInstance) => Promise<void>)[];
}

export const VERSION = '0.1.0';

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const pendingSchemas = new PendingCompilations();
  const app = Fastify({
    loggerInstance: deps.log as FastifyBaseLogger,
    bodyLimit: 1024 * 1024,
    requestIdHeader: 'x-request-id',
    return503OnClosing: true,
    // idle keep-alive connections are closed on shutdown; a short keep-alive bounds how long a
    // connection that turns idle during shutdown can hold the server open (fastify's default: 72 s)
    keepAliveTimeout: 5_000,
    forceCloseConnections: 'idle',
    ajv: undefined,
    schemaController: { compilersFactory: { buildSerializer: lazySerializerFactory(pendingSchemas) } },
    // mutual TLS: client certificates are requested, and checked per peer on the east-west routes
    // (peer-auth.ts) — a pinned digest, not a CA, decides, so unknown issuers get as far as the check
    ...(deps.config.server?.tls
      ? { https: { cert: readFileSync(deps.config.server.tls.certFile), key: readFileSync(deps.config.server.tls.keyFile), requestCert: true, rejectUnauthorized: false } }
      : {}),
    // router errors (bad URL encoding, a path segment past maxParamLength → 414) in the endpoint's format
    frameworkErrors: edgeFrameworkErrors,
  });

  const shared = loadRestSchemas();
  for (const s of shared) app.addSchema(s);
  app.setValidatorCompiler(createValidatorCompiler(shared, pendingSchemas));
  trackPendingCompilations(app, pendingSchemas);
  app.setErrorHandler((error, request, reply) => replyDatabaseUnavailable(error, request, reply) ?? edgeErrorHandler.call(app, error as Error, request, reply));
  app.setNotFoundHandler(edgeNotFoundHandler(app));
  // no body is plain text: without this fastify's text/plain parser would hand a string to the routes
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, jsonBodyParser);
  await loadShedding(app, deps.config.limits);
  handlerTimeout(app, deps.config.limits?.handlerTimeoutMs ?? 90_000);
  inputGuard(app);

  // the contract: OpenAPI 3.1 from the validation schemas and src/http/openapi (docs/openapi.json)
  await app.register(swagger, openapiOptions(VERSION));
  await app.register(swaggerUi, { routePrefix: '/docs' });

  httpMetrics(app, deps.registry);
  app.addHook('onRequest', apiKeyAuth(deps.config.apiKeys));
  strictQuery(app);
  // before any route: it hooks every command route as it is added
  idempotency(app, {
    db: deps.db,
    clock: deps.clock,
    ttlHours: deps.config.idempotency?.ttlHours ?? DEFAULT_IDEMPOTENCY_TTL_HOURS,
    // a claim outlives the longest a handler may run, then a retry of a dead process's request may take it over
    leaseMs: (deps.config.limits?.handlerTimeoutMs ?? 90_000) + 30_000,
  });

  await app.register(healthRoutes, { db: deps.db, registry: deps.registry });
  await app.register(switchRoutes, { db: deps.db, clock: deps.clock, wbci: deps.wbci, agcom: deps.agcom });
  await app.register(eventRoutes, { db: deps.db, bus: deps.bus });
  await app.register(deadLetterRoutes, { db: deps.db, deadLetters: deps.deadLetters });
  await app.register(migrationCodeRoutes, {
    options: migrationCodeOptions(deps.agcom?.settings.rules ?? defaultAgcomRules, deps.agcom?.settings.cosTable),
  });
  await app.register(wbciWireRoutes, {
    wbci: deps.wbci,
    peers: new PeerDirectory(deps.config.peers, deps.registry),
    clock: deps.clock,
    log: deps.log,
    self: deps.config.self.carrierCode,
    wsSecurity: loadWsSecurity(deps.config),
    refused: inboundRefusedCounter(deps.registry),
  });
  await app.register(consoleRoutes, {
    config: deps.config,
    db: deps.db,
    clock: deps.clock,
    log: deps.log,
    wbci: deps.wbci,
    agcom: deps.agcom,
    env: deps.env ?? process.env,
  });
  for (const plugin of deps.plugins ?? []) await app.register(plugin);
  return app;
}
