/**
 * Domain metrics on /metrics. Counters and the delivery histogram are per process (Prometheus
 * sums them over replicas); the gauges are read from the shared database at scrape time, with
 * indexed, bounded queries (src/store/repos/ops.ts), so every replica reports the same value —
 * aggregate them with max(), not sum(). One round of reads serves all gauges of a scrape.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { sql, type Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../store/schema.js';
import type { Clock } from '../domain/clock.js';
import type { GatewayConfig } from '../config/types.js';
import type { DeliveryObserver } from '../delivery/outbox-worker.js';
import type { OutboundItem, SendResult } from '../delivery/transport.js';
import { feedLag, overdueDeadlines, webhookLag } from '../store/repos/ops.js';
import { WHOLESALE_DESTINATION } from '../wholesale/types.js';

export interface DomainMetrics {
  observer: DeliveryObserver;
  inbound(peer: string, type: string, outcome: string): void;
}

interface Snapshot {
  backlog: { destination: string; pending: number; oldestSeconds: number; dead: number }[];
  overdue: { procedure: string; deadline: string; count: number }[];
  webhooks: { webhook: string; seconds: number }[];
  feedLagSeconds: number;
}

/** A failure reason as a bounded label: the class of failure, never the peer's text. */
export function failureReason(result: Extract<SendResult, { ok: false }>): string {
  const r = result.reason;
  const http = /^HTTP (\d)\d\d/.exec(r);
  if (/^negative TEQ/.test(r)) return 'negative_ack';
  if (/^SOAP fault/.test(r)) return 'soap_fault';
  if (/timeout|timed out|aborted/i.test(r)) return 'timeout';
  if (/ECONNREFUSED|ECONNRESET|EPIPE|ENOTFOUND|EHOSTUNREACH|socket|other side closed|connect/i.test(r)) return 'connection';
  if (http) return `http_${http[1]}xx`;
  if (/without a readable/.test(r)) return 'unreadable_answer';
  return result.permanent ? 'permanent_other' : 'transient_other';
}

async function backlog(db: Kysely<Database>): Promise<Snapshot['backlog']> {
  const { rows } = await sql<{ destination: string; pending: string | number; oldest_s: string | number | null; dead: string | number }>`
    SELECT destination, sum(pending) AS pending, max(oldest_s) AS oldest_s, sum(dead) AS dead FROM (
      SELECT destination, count(*) AS pending, extract(epoch FROM now() - min(created_at)) AS oldest_s, 0 AS dead
        FROM outbox WHERE status = 'pending' GROUP BY destination
      UNION ALL
      SELECT destination, 0, NULL, count(*) FROM dead_letters WHERE replayed_at IS NULL AND set_aside_at IS NULL GROUP BY destination) x
    GROUP BY destination`.execute(db);
  return rows.map((r) => ({
    destination: r.destination,
    pending: Number(r.pending),
    oldestSeconds: r.oldest_s === null ? 0 : Math.max(0, Number(r.oldest_s)),
    dead: Number(r.dead),
  }));
}

/** Sets every label set seen before to 0 first, so a cleared backlog reads 0 instead of vanishing. */
function setAll<L extends string>(gauge: Gauge<L>, seen: Map<string, Partial<Record<L, string>>>, values: { labels: Partial<Record<L, string>>; value: number }[]) {
  for (const labels of seen.values()) gauge.set(labels, 0);
  for (const { labels, value } of values) {
    seen.set(JSON.stringify(labels), labels);
    gauge.set(labels, value);
  }
}

export function createDomainMetrics(deps: { db: Kysely<Database>; registry: Registry; config: GatewayConfig; log: Logger; clock: Clock }): DomainMetrics {
  const { db, registry, config, log, clock } = deps;
  const registers = [registry];
  const configured = [...config.peers.map((p) => p.carrierCode), ...(config.wholesale ? [WHOLESALE_DESTINATION] : [])];

  // prom-client collects every metric of a scrape concurrently: the gauges share the reads in flight
  let inflight: Promise<Snapshot | undefined> | undefined;
  const snapshot = (): Promise<Snapshot | undefined> => {
    inflight ??= (async () => {
      try {
        const [b, o, w, f] = await Promise.all([backlog(db), overdueDeadlines(db, clock.now()), webhookLag(db), feedLag(db)]);
        return { backlog: b, overdue: o, webhooks: w, feedLagSeconds: f };
      } catch (err) {
        log.warn({ err }, 'metrics: database gauges not refreshed');
        return undefined;
      } finally {
        inflight = undefined;
      }
    })();
    return inflight;
  };

  const gaugeByDestination = (name: string, help: string, pick: (b: Snapshot['backlog'][number]) => number) => {
    const seen = new Map<string, Partial<Record<'destination', string>>>();
    new Gauge({
      name,
      help,
      labelNames: ['destination'],
      registers,
      async collect() {
        const s = await snapshot();
        if (!s) return;
        const values = new Map(configured.map((d) => [d, 0]));
        for (const b of s.backlog) values.set(b.destination, pick(b));
        setAll(this, seen, [...values].map(([destination, value]) => ({ labels: { destination }, value })));
      },
    });
  };

  gaugeByDestination('switchgate_outbox_pending', 'Outbox rows waiting for delivery, per destination (shared database; aggregate with max)', (b) => b.pending);
  gaugeByDestination('switchgate_outbox_oldest_pending_seconds', 'Age of the oldest undelivered outbox row, per destination (0 when none)', (b) => b.oldestSeconds);
  gaugeByDestination('switchgate_dead_letters', 'Dead letters not replayed yet, per destination', (b) => b.dead);

  const overdueSeen = new Map<string, Partial<Record<'procedure' | 'deadline', string>>>();
  new Gauge({
    name: 'switchgate_deadlines_overdue',
    help: 'Open deadlines past their due time, per procedure and deadline',
    labelNames: ['procedure', 'deadline'],
    registers,
    async collect() {
      const s = await snapshot();
      if (s) setAll(this, overdueSeen, s.overdue.map((o) => ({ labels: { procedure: o.procedure, deadline: o.deadline }, value: o.count })));
    },
  });

  const webhookSeen = new Map<string, Partial<Record<'webhook', string>>>();
  new Gauge({
    name: 'switchgate_webhook_lag_seconds',
    help: 'Age of the oldest event a webhook has not delivered yet (0 when caught up)',
    labelNames: ['webhook'],
    registers,
    async collect() {
      const s = await snapshot();
      if (s) setAll(this, webhookSeen, s.webhooks.map((w) => ({ labels: { webhook: w.webhook }, value: w.seconds })));
    },
  });

  new Gauge({
    name: 'switchgate_feed_lag_seconds',
    help: 'Age of the oldest committed event the feed cannot show yet (held back by the oldest running transaction)',
    registers,
    async collect() {
      const s = await snapshot();
      if (s) this.set(s.feedLagSeconds);
    },
  });

  const duration = new Histogram({
    name: 'switchgate_delivery_duration_seconds',
    help: 'Time of one delivery attempt (request to the partner and its acknowledgement), per destination',
    labelNames: ['destination', 'outcome'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers,
  });
  const failures = new Counter({
    name: 'switchgate_delivery_failures_total',
    help: 'Failed delivery attempts, per destination and class of failure',
    labelNames: ['destination', 'reason'],
    registers,
  });
  const inbound = new Counter({
    name: 'switchgate_inbound_messages_total',
    help: 'Messages received from peers, per peer, message type and outcome (accepted, refused, invalid, duplicate)',
    labelNames: ['peer', 'type', 'outcome'],
    registers,
  });

  return {
    observer: {
      attempt(item: OutboundItem, result: SendResult, seconds: number) {
        duration.observe({ destination: item.destination, outcome: result.ok ? 'delivered' : 'failed' }, seconds);
        if (!result.ok) failures.inc({ destination: item.destination, reason: failureReason(result) });
      },
    },
    inbound(peer, type, outcome) {
      inbound.inc({ peer, type, outcome });
    },
  };
}
