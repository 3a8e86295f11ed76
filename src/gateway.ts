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
import { resolveWbciRules } from './config/wbci-rules.js';
import { WbciService } from './app/wbci/service.js';
import { StepBatcher } from './store/repos/step-batcher.js';
import { EventBus } from './store/event-bus.js';
import { buildApp } from './http/app.js';
import { createDeadLetterService, type DeadLetterService } from './app/dead-letters.js';
import { DEFAULT_IDEMPOTENCY_TTL_HOURS, sweepIdempotencyKeys } from './http/idempotency.js';
import { DEFAULT_DELIVERED_RETENTION_HOURS, sweepDeliveredOutbox } from './delivery/outbox-retention.js';
import { OutboxWorker } from './delivery/outbox-worker.js';
import { routingTransport, type Transport } from './delivery/transport.js';
import { defaultRetryPolicy, retryPolicyOf, type RetryPolicy } from './delivery/retry-policy.js';
import { WebhookDispatcher } from './delivery/webhooks.js';
import { WholesaleService } from './app/wholesale/service.js';
import { createWholesaleTransport } from './delivery/wholesale-transport.js';
import { wholesaleRoutes } from './http/routes/wholesale.js';
import { agcomEnabled, resolveAgcomSettings } from './app/agcom/settings.js';
import { AgcomService } from './app/agcom/service.js';
import { createAgcomTransport, type AgcomTransport } from './delivery/agcom-transport.js';
import { agcomWireRoutes } from './http/routes/agcom-wire.js';
import { npNotificationRoutes } from './http/routes/np-notifications.js';
import { NP_DESTINATION, NumberPortabilityNotifier } from './app/agcom/number-portability.js';
import { createNpTransport } from './delivery/np-transport.js';
import { FTTH_DESTINATION, FtthDonatingService } from './app/agcom/ftth-donating.js';
import { FtthRecipientService, RECIPIENT_MESSAGE_TYPES } from './app/agcom/ftth-recipient.js';
import { DEFAULT_RIMODULAZIONE, ftthIntakeIssues } from './protocols/agcom/ftth/recipient.js';
import { createFtthTransport } from './delivery/agcom-ftth-transport.js';
import { agcomFtthRoutes } from './http/routes/agcom-ftth.js';
import { FtthNpRecipientService, isNpDonorDestination, NpDonors } from './app/agcom/ftth-np.js';
import { FtthNpDonorService } from './app/agcom/ftth-np-donor.js';
import { createAgcomNpTransport } from './delivery/agcom-np-transport.js';
import { resolveFtthCodes } from './protocols/agcom/ftth/codes.js';
import { interconnectBillingRoutes } from './http/routes/interconnect-billing.js';
import { italianCalendar } from './app/interconnect-billing/traffic.js';
import { resolveTimeBands } from './config/interconnect-time-bands.js';
import { listAccesses } from './store/repos/interconnect-accesses.js';
import type { AccessTariffStrings } from './app/interconnect-billing/access-invoice.js';
import { interconnectEnabled, resolveInterconnectSettings } from './app/interconnect/settings.js';
import { InterconnectService } from './app/interconnect/service.js';
import { createInterconnectTransport, type InterconnectTransport } from './delivery/interconnect-transport.js';
import { interconnectRequestRoutes } from './http/routes/interconnect-requests.js';
import { interconnectAssuranceRoutes } from './http/routes/interconnect-assurance.js';
import { interconnectWireRoutes } from './http/routes/interconnect-wire.js';
import { loadWsSecurity } from './config/ws-security-material.js';
import { hasInboundAuth, PeerDirectory } from './http/peer-auth.js';
import { inboundRefusedCounter } from './http/metrics.js';
import { createDomainMetrics } from './http/domain-metrics.js';

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
  /**
   * delivery of `wholesale` outbox rows; defaults to the REST/SOAP client of `config.wholesale`
   * (used only when `transport` is given: it routes peer rows, this one wholesale rows)
   */
  wholesaleTransport?: Transport;
  /**
   * delivery of peer rows for AGCOM partners; defaults to the file/JSON/SOAP uploader of
   * delivery/agcom-transport.ts (used only when `transport` is given, like the wholesale one)
   */
  agcomTransport?: Transport;
  retryPolicy?: RetryPolicy;
  /** run the outbox worker and the deadline timer (tests drive them by hand when false) */
  background?: boolean;
  tickIntervalMs?: number;
  /** where secrets referenced by name are read (default process.env) */
  env?: NodeJS.ProcessEnv;
  outboxPollMs?: number;
  /** lease of each webhook dispatcher (default 30 s; tests shorten it) */
  webhookLeaseMs?: number;
  /** how often a destination with rows waiting on backoff is probed (default 5 s; 0: never) */
  outboxProbeMs?: number;
  /** source of the backoff jitter (tests fix it; default Math.random) */
  retryJitter?: () => number;
}

export interface Gateway {
  config: GatewayConfig;
  app: FastifyInstance;
  store: Store;
  wbci: WbciService;
  wholesale: WholesaleService;
  /** the Italian procedure, when "agcom" is in self.profiles */
  agcom: AgcomService | undefined;
  /** the interconnection procedures with TIM, when "interconnect" is in self.profiles */
  interconnect: InterconnectService | undefined;
  /** the REST API's replay of dead letters */
  deadLetters: DeadLetterService;
  worker: OutboxWorker | undefined;
  bus: EventBus;
  log: Logger;
  listen(port: number, host: string): Promise<string>;
  /** flags overdue deadlines, applies time-driven transitions and places phase-3 orders due by time, now */
  tick(): Promise<number>;
  /** delivers what is due now (one worker cycle), for tests without background workers */
  deliver(): Promise<number>;
  /** deletes expired Idempotency-Keys (a bounded batch); returns how many */
  sweepIdempotencyKeys(): Promise<number>;
  /** deletes delivered outbox rows older than outbox.deliveredRetentionHours (bounded batches); returns how many */
  sweepDeliveredOutbox(): Promise<number>;
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
  // an invalid AGCOM configuration stops start-up before anything is opened
  const agcomSettings = agcomEnabled(config) ? resolveAgcomSettings(config) : undefined;
  const interconnectSettings = interconnectEnabled(config) ? resolveInterconnectSettings(config) : undefined;
  // so do unreadable WS-Security keys and certificates; read once here, used by the wire routes
  loadWsSecurity(config);
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

  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const metrics = createDomainMetrics({ db: store.db, registry, config, log, clock });

  const region = parseHolidayRegion(config.self.holidayRegion);
  const calendar = createCalendar(region);
  const rules = resolveWbciRules(config.deadlines.wbci);
  const peers = new Set(config.peers.map((p) => p.carrierCode));
  const ids = opts.ids ?? sequenceIdSource(store.db as never, config.self.carrierCode);
  const agcomCarrierOf = agcomSettings
    ? (op: string) => (op === agcomSettings.operatorCode ? config.self.carrierCode : agcomSettings.byOperator(op)?.carrierCode)
    : undefined;
  const npConfig = agcomSettings && config.agcom?.numberPortability?.enabled !== false ? config.agcom?.numberPortability : undefined;
  // the NP counterparts one by one (N11/N13 over SOAP, or JSON per entry); they also call our NP services
  const npDonors = new NpDonors(agcomSettings ? (config.agcom?.numberPortability?.donors ?? []) : []);
  const npRules = { defaultDonor: config.agcom?.numberPortability?.defaultDonor, ranges: config.agcom?.numberPortability?.ranges ?? [] };
  const np = npConfig ? new NumberPortabilityNotifier(npRules, log, { donors: npDonors, jsonEndpoint: npConfig.url !== undefined }) : undefined;
  // agcom is created after wholesale (it takes wholesale's hook); the validity is asked for only later
  const agcomSessionValidUntil = (s: Parameters<AgcomService['sessionCodeValidUntil']>[0]): Date | null => agcom?.sessionCodeValidUntil(s) ?? null;
  // the Italian phase 3 in the FTTH model (italy.md §10.3): N1–N3 out, N4–N7 in, instead of `wholesale`
  const ftthProvider = agcomSettings ? config.agcom?.wholesale : undefined;
  const ftthCodes = resolveFtthCodes(config.agcom?.ftth?.codes);
  const ftthRecipient: FtthRecipientService | undefined =
    agcomSettings && ftthProvider?.protocol === 'agcom-ftth'
      ? new FtthRecipientService({
          db: store.db,
          clock,
          log,
          codes: ftthCodes,
          settings: {
            operatorCode: agcomSettings.operatorCode,
            networkOperatorCode: ftthProvider.operatorCode,
            technicalContact: config.agcom?.ftth?.technicalContact,
            rimodulazione: { ...DEFAULT_RIMODULAZIONE, ...config.agcom?.ftth?.rimodulazione },
          },
          placeOrders: ftthProvider.placeOrders ?? 'auto',
          ...(np ? { np } : {}),
          completeCase: async (trx, id, note): Promise<boolean> => (await agcom?.completeByNetwork(trx, id, note)) ?? false,
          onReceived: metrics.inbound,
        })
      : undefined;
  if (ftthRecipient && (!ftthProvider?.operatorCode || !config.agcom?.ftth?.technicalContact)) {
    log.warn('agcom.wholesale (agcom-ftth) lacks operatorCode or agcom.ftth.technicalContact: every N1 will be blocked (wholesale.order-blocked)');
  }
  const wholesale = new WholesaleService({ db: store.db, clock, calendar, rules, config: config.wholesale, log, agcomCarrierOf, np, agcomSessionValidUntil, ...(ftthRecipient ? { agcomPhase3: ftthRecipient } : {}) });
  const batcher = new StepBatcher(store.db);
  const wbci = new WbciService({
    batcher,
    db: store.db,
    clock,
    ids,
    calendar,
    rules,
    maxRequestedDateHorizonDays: config.deadlines.maxRequestedDateHorizonDays,
    self: config.self.carrierCode,
    isPeer: (c) => peers.has(c),
    log,
    onCaseChanged: wholesale.onCaseChanged,
    akmTrChecks: config.wbci?.akmTrChecks ?? 'auto',
    wholesaleOrders: config.wholesale !== undefined,
    onReceived: metrics.inbound,
  });
  const agcom = agcomSettings
    ? new AgcomService({ db: store.db, clock, ids, settings: agcomSettings, log, onCaseChanged: wholesale.onAgcomCaseChanged, onReceived: metrics.inbound, ...(ftthRecipient ? { startChecks: ftthIntakeIssues } : {}) })
    : undefined;
  const interconnect = interconnectSettings ? new InterconnectService({ db: store.db, clock, ids, settings: interconnectSettings, log }) : undefined;
  for (const p of config.peers.filter((p) => !hasInboundAuth(p))) {
    log.warn({ peer: p.carrierCode }, 'peer has neither inboundTokenSha256 nor inboundCertSha256: its inbound calls are accepted unauthenticated');
  }
  const bus = new EventBus();
  await bus.start(store);
  if (config.wholesale && !hasInboundAuth(config.wholesale)) {
    log.warn('wholesale has no inboundTokenSha256: the provider\'s callbacks and verification requests are refused (401)');
  }
  const plugins = [wholesaleRoutes({ service: wholesale, config: config.wholesale, refused: inboundRefusedCounter(registry) })];
  if (agcom) plugins.push((app: FastifyInstance) => agcomWireRoutes(app, { agcom, peers: new PeerDirectory(config.peers, registry), log }));
  const npInbound = config.agcom?.numberPortability?.inboundTokenSha256;
  if (agcom && (npInbound || npDonors.size > 0)) plugins.push((app: FastifyInstance) => npNotificationRoutes(app, { db: store.db, ...(npInbound ? { inboundTokenSha256: npInbound } : {}), donors: npDonors }));
  // the FTTH network operator (italy.md §10.3): its N8/N10 to us as Donating, our N9 to it; its N4–N7 to us as Recipient
  if (agcomSettings && (ftthProvider || npDonors.size > 0)) {
    const donating = new FtthDonatingService({ db: store.db, clock, log, wholesale, codes: ftthCodes, operatorCode: agcomSettings.operatorCode });
    const ftthNp =
      npDonors.size > 0
        ? {
            donors: npDonors,
            recipient: new FtthNpRecipientService({ db: store.db, log }),
            donor: new FtthNpDonorService({ db: store.db, clock, log, operatorCode: agcomSettings.operatorCode, rules: npRules, donors: npDonors, carrierOf: (op) => agcomSettings.byOperator(op)?.carrierCode }),
            refused: inboundRefusedCounter(registry),
          }
        : undefined;
    plugins.push((app: FastifyInstance) =>
      agcomFtthRoutes(app, { donating, inboundTokenSha256: ftthProvider?.inboundTokenSha256, ...(ftthNp ? { np: ftthNp } : {}), ...(ftthRecipient ? { recipient: ftthRecipient } : {}) }),
    );
  }
  if (interconnect) {
    const deps = { db: store.db, clock, service: interconnect };
    plugins.push((app: FastifyInstance) => interconnectRequestRoutes(app, deps));
    plugins.push((app: FastifyInstance) => interconnectAssuranceRoutes(app, deps));
    plugins.push((app: FastifyInstance) => interconnectWireRoutes(app, { service: interconnect, peers: new PeerDirectory(config.peers) }));
    const tariffs = config.interconnect!.tariffs as AccessTariffStrings;
    const billing = { bands: resolveTimeBands(config), calendar: italianCalendar(), registry, accesses: () => listAccesses(store.db), tariffs };
    plugins.push((app: FastifyInstance) => interconnectBillingRoutes(app, billing));
  }
  const deadLetters = createDeadLetterService(store.db);
  const app = await buildApp({ config, db: store.db, clock, log, wbci, agcom, bus, deadLetters, registry, plugins, env: opts.env ?? process.env });

  const env = opts.env ?? process.env;
  // Peer rows go to the peer transport, wholesale rows to the wholesale client.
  const ownWholesaleTransport = opts.transport && config.wholesale && !opts.wholesaleTransport ? createWholesaleTransport(config.wholesale, log, { env }) : undefined;
  const wholesaleTransport = opts.wholesaleTransport ?? ownWholesaleTransport;
  const ownAgcomTransport: AgcomTransport | undefined =
    opts.transport && agcomSettings && !opts.agcomTransport ? createAgcomTransport({ settings: agcomSettings, db: store.db, log, env, now: () => clock.now() }) : undefined;
  const agcomTransport = opts.agcomTransport ?? ownAgcomTransport;
  const ownInterconnectTransport: InterconnectTransport | undefined =
    opts.transport && interconnectSettings ? createInterconnectTransport(interconnectSettings.counterparts, log, { env }) : undefined;
  const wbciOrAgcomTransport =
    opts.transport && agcomTransport && agcomSettings
      ? routingTransport((item) => (agcomSettings.byCarrier(item.destination) ? agcomTransport : opts.transport))
      : opts.transport;
  // interconnection counterparts are peers of their own protocol: their rows go to their own client
  const peerTransport =
    wbciOrAgcomTransport && ownInterconnectTransport && interconnectSettings
      ? routingTransport((item) => (interconnectSettings.counterpart(item.destination) ? ownInterconnectTransport : wbciOrAgcomTransport))
      : wbciOrAgcomTransport;
  // Southbound rows: number-portability notices to their endpoint, the rest to the wholesale client.
  const npTransport = opts.transport && npConfig?.url ? createNpTransport({ url: npConfig.url, ...(npConfig.auth ? { auth: npConfig.auth } : {}) }, log, { env }) : undefined;
  const southbound =
    npTransport && wholesaleTransport
      ? routingTransport((item) => (item.destination === NP_DESTINATION ? npTransport : wholesaleTransport))
      : (npTransport ?? wholesaleTransport);
  const ftthTransport = opts.transport && ftthProvider ? createFtthTransport(ftthProvider, log, { env }) : undefined;
  const southboundAll = ftthTransport ? routingTransport((item) => (item.destination === FTTH_DESTINATION ? ftthTransport : southbound)) : southbound;
  // the NP counterparts (N11 out as Recipient, N13 KO out as Donor), each its own destination
  const agcomNpTransport = opts.transport && npDonors.size > 0 ? createAgcomNpTransport(npDonors.all(), log, { env }) : undefined;
  const southboundNp =
    agcomNpTransport && southboundAll
      ? routingTransport((item) => (isNpDonorDestination(item.destination) ? agcomNpTransport : southboundAll))
      : (agcomNpTransport ?? southboundAll);
  const transport =
    peerTransport && southboundNp ? routingTransport((item) => (item.kind === 'wholesale' ? southboundNp : peerTransport)) : peerTransport;
  const worker = transport
    ? new OutboxWorker({
        store,
        transport,
        log,
        policy: opts.retryPolicy,
        policyFor: destinationPolicies(config, opts.retryPolicy ?? defaultRetryPolicy),
        pollMs: opts.outboxPollMs,
        probeIntervalMs: opts.outboxProbeMs,
        random: opts.retryJitter,
        observer: metrics.observer,
        // an N12 NACK to our N1 is the network operator's answer: §10.4 rejects the order with it;
        // to our N2/N3, the request did not happen: the order goes back to what it was
        ...(ftthRecipient
          ? {
              onDeadLettered: async (trx, item, reason, permanent) => {
                if (!permanent || item.destination !== FTTH_DESTINATION) return;
                if (item.type === RECIPIENT_MESSAGE_TYPES.N1) await ftthRecipient.n1Refused(trx, item.caseId, item.messageId, reason);
                else if (item.type === RECIPIENT_MESSAGE_TYPES.N2 || item.type === RECIPIENT_MESSAGE_TYPES.N3) await ftthRecipient.requestRefused(trx, item.caseId, item.messageId, reason);
              },
            }
          : {}),
        // one claim is what an AGCOM file batches: let it hold a full file
        batchSize: agcomSettings ? Math.max(32, agcomSettings.maxRecordsPerFile) : undefined,
      })
    : undefined;
  const background = opts.background ?? true;
  const webhooks = config.webhooks.map(
    (webhook) =>
      new WebhookDispatcher({
        db: store.db,
        bus,
        log,
        webhook,
        secret: env[webhook.secretEnv] ?? '',
        previousSecret: webhook.previousSecretEnv ? env[webhook.previousSecretEnv] : undefined,
        leaseMs: opts.webhookLeaseMs,
      }),
  );
  const idempotencyTtlHours = config.idempotency?.ttlHours ?? DEFAULT_IDEMPOTENCY_TTL_HOURS;
  const sweepKeys = () => sweepIdempotencyKeys(store.db, clock, idempotencyTtlHours);
  const deliveredRetentionHours = config.outbox?.deliveredRetentionHours ?? DEFAULT_DELIVERED_RETENTION_HOURS;
  const sweepOutbox = () => sweepDeliveredOutbox(store.db, deliveredRetentionHours);
  let timer: NodeJS.Timeout | undefined;
  if (background) {
    await worker?.start();
    // the rows the WBCI steps write go to this process's worker as they commit (step-batcher.ts)
    batcher.handOffTo(worker);
    for (const w of webhooks) w.start();
    timer = setInterval(() => {
      wbci.tickDue().catch((err: unknown) => log.error({ err }, 'deadline tick failed'));
      wholesale.tickDue().catch((err: unknown) => log.error({ err }, 'wholesale tick failed'));
      agcom?.tickDue().catch((err: unknown) => log.error({ err }, 'agcom deadline tick failed'));
      interconnect?.tickDue().catch((err: unknown) => log.error({ err }, 'interconnect deadline tick failed'));
      sweepKeys().catch((err: unknown) => log.error({ err }, 'idempotency key sweep failed'));
      sweepOutbox()
        .then((deleted) => {
          if (deleted > 0) log.info({ deleted, retentionHours: deliveredRetentionHours }, 'delivered outbox rows past their retention deleted');
        })
        .catch((err: unknown) => log.error({ err }, 'delivered outbox sweep failed'));
    }, opts.tickIntervalMs ?? 30_000);
    timer.unref();
  }

  let closed = false;
  return {
    config,
    app,
    store,
    wbci,
    wholesale,
    agcom,
    interconnect,
    deadLetters,
    worker,
    bus,
    log,
    listen: (port, host) => app.listen({ port, host }),
    tick: async () => (await wbci.tickDue()) + (await wholesale.tickDue()) + ((await agcom?.tickDue()) ?? 0) + ((await interconnect?.tickDue()) ?? 0),
    deliver: async () => (worker ? worker.runOnce() : 0),
    sweepIdempotencyKeys: sweepKeys,
    sweepDeliveredOutbox: sweepOutbox,
    async close() {
      if (closed) return;
      closed = true;
      // long-polls answer now, so that closing the HTTP server does not wait up to their `wait`
      bus.beginShutdown();
      if (timer) clearInterval(timer);
      await worker?.stop();
      await ownWholesaleTransport?.close();
      await ownAgcomTransport?.close();
      await ownInterconnectTransport?.close();
      await npTransport?.close();
      await ftthTransport?.close();
      await agcomNpTransport?.close();
      await Promise.all(webhooks.map((w) => w.stop()));
      await app.close();
      await bus.stop();
      await store.close();
    },
  };
}

/** Each destination's retry policy from its `retry` key (peers by carrier code, wholesale, number portability). */
function destinationPolicies(config: GatewayConfig, fallback: RetryPolicy): (kind: 'peer' | 'wholesale', destination: string) => RetryPolicy {
  const peers = new Map(config.peers.map((p) => [p.carrierCode, retryPolicyOf(p.retry, fallback)]));
  const wholesale = retryPolicyOf(config.wholesale?.retry, fallback);
  const np = retryPolicyOf(config.agcom?.numberPortability?.retry, fallback);
  return (kind, destination) =>
    kind === 'peer' ? (peers.get(destination) ?? fallback) : destination === NP_DESTINATION || isNpDonorDestination(destination) ? np : wholesale;
}
