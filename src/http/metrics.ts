/** HTTP request metrics for Prometheus. */
import type { FastifyInstance } from 'fastify';
import { Counter, Histogram, type Registry } from 'prom-client';

export function httpMetrics(app: FastifyInstance, registry: Registry): void {
  const duration = new Histogram({
    name: 'switchgate_http_request_duration_seconds',
    help: 'HTTP request duration by route and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  app.addHook('onResponse', (request, reply, done) => {
    duration.observe(
      { method: request.method, route: request.routeOptions.url ?? 'unknown', status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
    done();
  });
}

export const INBOUND_REFUSED = 'switchgate_inbound_refused_total';

/**
 * Inbound calls refused before they changed anything (authentication, client certificate,
 * version, signature), by peer and reason. Get-or-create: every route plugin of one gateway
 * counts into the same series.
 */
export function inboundRefusedCounter(registry: Registry): Counter<'peer' | 'reason'> {
  const existing = registry.getSingleMetric(INBOUND_REFUSED) as Counter<'peer' | 'reason'> | undefined;
  return (
    existing ??
    new Counter({
      name: INBOUND_REFUSED,
      help: 'Inbound east-west and southbound calls refused before they changed anything, by peer and reason',
      labelNames: ['peer', 'reason'],
      registers: [registry],
    })
  );
}
