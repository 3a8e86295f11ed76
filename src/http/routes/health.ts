/** Liveness, readiness (database reachable, migrations applied) and Prometheus metrics. */
import type { FastifyInstance } from 'fastify';
import { sql, type Kysely } from 'kysely';
import type { Registry } from 'prom-client';
import type { Database } from '../../store/schema.js';
import { migrationStatus } from '../../store/migrate.js';

export interface HealthRoutesDeps {
  db: Kysely<Database>;
  registry: Registry;
}

/** Probes arrive every few seconds from load balancers and Prometheus: their requests are logged only when they fail. */
const PROBE = { logLevel: 'warn' } as const;

export async function healthRoutes(app: FastifyInstance, deps: HealthRoutesDeps): Promise<void> {
  app.get('/health/live', { ...PROBE, schema: { tags: ['health'], summary: 'Liveness' } }, async () => ({ status: 'ok' }));

  app.get('/health/ready', { ...PROBE, schema: { tags: ['health'], summary: 'Readiness: database reachable and migrations applied' } }, async (_request, reply) => {
    try {
      await sql`SELECT 1`.execute(deps.db);
      const { pending } = await migrationStatus(deps.db);
      if (pending.length > 0) {
        return reply.code(503).send({ status: 'unavailable', database: 'ok', migrations: { pending } });
      }
      return { status: 'ok', database: 'ok', migrations: { pending: [] } };
    } catch (err) {
      return reply.code(503).header('retry-after', '5').send({ status: 'unavailable', database: 'unreachable', error: (err as Error).message });
    }
  });

  app.get('/metrics', { ...PROBE, schema: { tags: ['health'], summary: 'Prometheus metrics', hide: false } }, async (_request, reply) => {
    reply.type(deps.registry.contentType);
    return deps.registry.metrics();
  });
}
