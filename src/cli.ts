/**
 * The `switchgate` command: start, migrate, check-config, replay, demo, simulate.
 * Environment: PORT, HOST, DATABASE_URL, DATA_DIR, SWITCHGATE_CONFIG, LOG_LEVEL.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadConfigFile, ConfigError } from './config/load.js';
import { configChecks } from './config/checks.js';
import type { GatewayConfig } from './config/types.js';
import { createGateway, createLogger } from './gateway.js';
import { openDatabase } from './store/connect.js';
import { migrateToLatest } from './store/migrate.js';
import { replayDeadLetter } from './delivery/outbox-worker.js';
import { createPeerTransport } from './delivery/peer-transport.js';

const USAGE = `usage: switchgate <command>
  start                         run the gateway (PORT, HOST, DATABASE_URL, DATA_DIR, SWITCHGATE_CONFIG, LOG_LEVEL)
  migrate                       apply database migrations and exit
  check-config [file]           validate a configuration file and exit
  replay <dead-letter id|--all> put dead-lettered deliveries back into the outbox
  demo                          two operators, a wholesale simulator and one complete switch, printed
  simulate wholesale [--config file] [--port n] [--behaviour b]
                                a wholesale provider (REST + SOAP) for trying a gateway's phase 3
  simulate peer [--help] [options]
                                a partner operator (WBCI) answering by a script, for CRM tests
`;

function configPath(arg?: string): string {
  return resolve(arg ?? process.env.SWITCHGATE_CONFIG ?? 'config/default.json');
}

function dataDir(): string {
  return resolve(process.env.DATA_DIR ?? 'data');
}

function loadConfig(arg?: string): GatewayConfig {
  return loadConfigFile(configPath(arg), process.env, configChecks);
}

async function start(): Promise<void> {
  const log = createLogger();
  const config = loadConfig();
  const port = Number(process.env.PORT ?? 8080);
  const host = process.env.HOST ?? '127.0.0.1';
  const gw = await createGateway({
    config,
    databaseUrl: process.env.DATABASE_URL,
    dataDir: dataDir(),
    log,
    transport: createPeerTransport(config, log),
  });
  const shutdown = async (signal: string) => {
    log.info({ signal }, 'shutting down');
    await gw.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  const address = await gw.listen(port, host);
  log.info(
    { address, carrierCode: config.self.carrierCode, database: gw.store.kind, ...(gw.store.kind === 'pglite' ? { dataDir: dataDir() } : {}) },
    `switchgate listening on ${address} (OpenAPI at ${address}/docs)`,
  );
  if (gw.store.kind === 'pglite') {
    log.warn('embedded PGlite database: for trying and development only; production runs on PostgreSQL (DATABASE_URL)');
  }
}

async function migrate(): Promise<void> {
  const store = await openDatabase({ databaseUrl: process.env.DATABASE_URL, dataDir: dataDir() });
  try {
    const { applied } = await migrateToLatest(store.db);
    console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
  } finally {
    await store.close();
  }
}

async function replay(arg: string | undefined): Promise<void> {
  if (!arg) throw new UsageError('replay needs a dead-letter id or --all');
  const store = await openDatabase({ databaseUrl: process.env.DATABASE_URL, dataDir: dataDir() });
  try {
    let ids: number[];
    if (arg === '--all') {
      const rows = await store.db.selectFrom('dead_letters').select('id').where('replayed_at', 'is', null).orderBy('id').execute();
      ids = rows.map((r) => r.id);
    } else {
      if (!/^\d+$/.test(arg)) throw new UsageError(`not a dead-letter id: ${arg}`);
      ids = [Number(arg)];
    }
    let n = 0;
    for (const id of ids) {
      if (await replayDeadLetter(store.db, id)) n++;
      else console.error(`dead letter ${id}: unknown or already replayed`);
    }
    console.log(`replayed ${n} of ${ids.length}`);
    if (n < ids.length && arg !== '--all') process.exitCode = 1;
  } finally {
    await store.close();
  }
}

class UsageError extends Error {}

/** `--name value` flags after the positional arguments. */
function flags(args: string[], known: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const name = a.startsWith('--') ? a.slice(2) : undefined;
    if (!name || !known.includes(name) || args[i + 1] === undefined) throw new UsageError(`unexpected argument: ${a}`);
    out[name] = args[++i]!;
  }
  return out;
}

async function simulate(what: string | undefined, args: string[]): Promise<void> {
  if (what === 'peer') {
    const { runPeerSimulator } = await import('./peer-simulator/run.js');
    return runPeerSimulator(args);
  }
  if (what !== 'wholesale') throw new UsageError(what ? `cannot simulate ${what} (only: wholesale, peer)` : 'simulate needs what to simulate: wholesale or peer');
  const f = flags(args, ['config', 'port', 'behaviour']);
  const { parseSimulatorConfig } = await import('./wholesale/simulator-config.js');
  const { startWholesaleSimulator } = await import('./wholesale/simulator.js');
  let raw: unknown = { carriers: {} };
  if (f.config) {
    try {
      raw = JSON.parse(readFileSync(resolve(f.config), 'utf8'));
    } catch (err) {
      throw new ConfigError(f.config, [{ key: '(file)', problem: (err as Error).message }]);
    }
  }
  const { options, problems } = parseSimulatorConfig(raw, process.env);
  if (f.behaviour) {
    const more = parseSimulatorConfig({ carriers: {}, defaultBehaviour: f.behaviour }, process.env).problems;
    problems.push(...more.map((p) => `--behaviour: ${p.slice(p.indexOf(':') + 2)}`));
    options.defaultBehaviour = f.behaviour as never;
  }
  if (problems.length) throw new ConfigError(f.config ?? '(simulator)', problems.map((p) => ({ key: p.slice(0, p.indexOf(':')), problem: p.slice(p.indexOf(':') + 2) })));
  const log = createLogger();
  const port = Number(f.port ?? process.env.PORT ?? options.port ?? 8090);
  const sim = await startWholesaleSimulator({ ...options, port, log });
  log.info({ rest: sim.restUrl, soap: sim.soapUrl, carriers: Object.keys(options.carriers) }, `wholesale simulator listening on ${sim.url} (REST: POST /productOrder …, SOAP: ${sim.soapUrl}, WSDL: ${sim.soapUrl}?wsdl)`);
  const stop = async () => {
    await sim.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'start':
      return start();
    case 'migrate':
      return migrate();
    case 'check-config': {
      const path = configPath(rest[0]);
      loadConfig(rest[0]);
      console.log(`${path}: ok`);
      return;
    }
    case 'replay':
      return replay(rest[0]);
    case 'simulate':
      return simulate(rest[0], rest.slice(1));
    case 'demo': {
      const { runDemo } = await import('./demo.js');
      return runDemo();
    }
    default:
      throw new UsageError(command ? `unknown command: ${command}` : 'no command given');
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(2);
  }
  if (err instanceof UsageError) {
    console.error(`${err.message}\n\n${USAGE}`);
    process.exit(64);
  }
  console.error(err);
  process.exit(1);
});
