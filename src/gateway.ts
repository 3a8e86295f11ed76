/**
 * Composition root: opens the database, applies migrations, wires the services, the HTTP app,
 * the outbox worker and the timers. Everything is injectable so tests run whole gateways with a
 * manual clock, in-memory PGlite or a real PostgreSQL, and a test transport.
 */
import type { FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { systemClock, type Clock } from './domain/clock.js';
import { createCalendar, parseHolidayRegion } from './domain/calendar.js';
import type { GatewayConfig } from './config/types.js';
import { openDatabase, type Store } from './store/connect.js';
import { migrateToLatest } from './store/migrate.js';
import { sequenceIdSource, type IdSource } from './store/ids.js';
import { resolveWbciRules } from './protocols/wbci/rules.js';
import { WbciService } from './app/wbci/service.js';
import { EventBus } from './app/event-bus.js';
import { buildApp } from './http/app.js';
import { OutboxWorker } from './delivery/outbox-worker.js';
import type { Transport } from './delivery/transport.js';
import type { RetryPolicy } from './delivery/retry-policy.js';
import { WebhookDispatcher } from './delivery/webhooks.js';

export interface GatewayOptions {
  config: GatewayConfig;
  /** PostgreSQL; when absent PGlite under `dataDir`, or in memory when `inMemory` */
  databaseUrl?: string;
  dataDir?: string;
  inMemory?: boolean;
  /** an already opened store (tests); the gateway takes ownership and closes it */
  store?: Store;
  clock?: Clock;
  ids?: IdSource;
  log?: Logger;
  /** outbound delivery; without one, rows stay in the outbox */
  transport?: Transport;
  retryPolicy?: RetryPolicy;
  /** run the outbox worker and the deadline timer (tests drive them by hand when false) */
  background?: boolean;
  tickIntervalMs?: number;
  /** where secrets referenced by name are read (default process.env) */
  env?: NodeJS.ProcessEnv;
  outboxPollMs?: number;
}

export interface Gateway {
  config: GatewayConfig;
  app: FastifyInstance;
  store: Store;
  wbci: WbciService;
  worker: OutboxWorker | undefined;
  bus: EventBus;
  log: Logger;
  listen(port: number, host: string): Promise<string>;
  /** flags overdue deadlines and applies time-driven transitions now */
  tick(): Promise<number>;
  /** delivers what is due now (one worker cycle), for tests without background workers */
  deliver(): Promise<number>;
  close(): Promise<void>;
}

export function createLogger(level = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({
    level,
    base: { service: 'switchgate' },
    // defence in depth: personal data never belongs in logs, even if someone logs a body
    redact: {
      paths: ['*.customer', '*.location', '*.numbers', '*.furtherHolders', '*.name', 'body', 'req.headers.authorization'],
      censor: '[redacted]',
    },
  });
}

export async function createGateway(opts: GatewayOptions): Promise<Gateway> {
  const { config } = opts;
  const log = opts.log ?? createLogger();
  const clock = opts.clock ?? systemClock;
  const store =
    opts.store ??
    (await openDatabase({
      databaseUrl: opts.databaseUrl,
      dataDir: opts.dataDir,
      inMemory: opts.inMemory,
      logger: log,
    }));
  try {
    const { applied } = await migrateToLatest(store.db);
    if (applied.length) log.info({ applied }, 'migrations applied');
  } catch (err) {
    await store.close();
    throw err;
  }

  const region = parseHolidayRegion(config.self.holidayRegion);
  const calendar = createCalendar(region);
  const rules = resolveWbciRules(config.deadlines.wbci);
  const peers = new Set(config.peers.map((p) => p.carrierCode));
  const ids = opts.ids ?? sequenceIdSource(store.db as never, config.self.carrierCode);
  const wbci = new WbciService({
    db: store.db,
    clock,
    ids,
    calendar,
    rules,
    self: config.self.carrierCode,
    isPeer: (c) => peers.has(c),
    log,
  });
  for (const p of config.peers.filter((p) => !p.inboundTokenSha256 && !p.tls)) {
    log.warn({ peer: p.carrierCode }, 'peer has no inboundTokenSha256: its inbound calls are accepted unauthenticated');
  }
  const bus = new EventBus();
  await bus.start(store);
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const app = await buildApp({ config, db: store.db, clock, log, wbci, bus, registry });

  const worker = opts.transport
    ? new OutboxWorker({ store, transport: opts.transport, log, policy: opts.retryPolicy, pollMs: opts.outboxPollMs })
    : undefined;
  const background = opts.background ?? true;
  const env = opts.env ?? process.env;
  const webhooks = config.webhooks.map(
    (webhook) => new WebhookDispatcher({ db: store.db, bus, log, webhook, secret: env[webhook.secretEnv] ?? '' }),
  );
  let timer: NodeJS.Timeout | undefined;
  if (background) {
    await worker?.start();
    for (const w of webhooks) w.start();
    timer = setInterval(() => {
      wbci.tickDue().catch((err: unknown) => log.error({ err }, 'deadline tick failed'));
    }, opts.tickIntervalMs ?? 30_000);
    timer.unref();
  }

  let closed = false;
  return {
    config,
    app,
    store,
    wbci,
    worker,
    bus,
    log,
    listen: (port, host) => app.listen({ port, host }),
    tick: () => wbci.tickDue(),
    deliver: async () => (worker ? worker.runOnce() : 0),
    async close() {
      if (closed) return;
      closed = true;
      if (timer) clearInterval(timer);
      await worker?.stop();
      await Promise.all(webhooks.map((w) => w.stop()));
      await app.close();
      await bus.stop();
      await store.close();
    },
  };
}
