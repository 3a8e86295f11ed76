/**
 * `switchgate start`: checks the environment, opens the database, binds the port, and stops
 * within a bounded time on SIGTERM/SIGINT — whether it was started by `npm start`, `npx switchgate`
 * or node directly, there is one process and it ends.
 */
import type { Logger } from 'pino';
import type { Gateway } from '../gateway.js';
import { checkExposure } from '../config/exposure.js';
import { readStartEnvironment } from './environment.js';
import { explainStartupError, StartupError } from './startup-error.js';

const DEFAULT_SHUTDOWN_TIMEOUT_MS = 10_000;

export async function startGateway(env: NodeJS.ProcessEnv): Promise<void> {
  const e = readStartEnvironment(env);
  const shutdownTimeoutMs = Number(env.SWITCHGATE_SHUTDOWN_TIMEOUT_MS ?? DEFAULT_SHUTDOWN_TIMEOUT_MS);
  if (!Number.isSafeInteger(shutdownTimeoutMs) || shutdownTimeoutMs <= 0) {
    throw new StartupError('SWITCHGATE_SHUTDOWN_TIMEOUT_MS is not a positive number of milliseconds', 'unset it or set e.g. 10000');
  }
  const [{ loadConfigFile }, { configChecks }, { createGateway, createLogger }, { createPeerTransport }] = await Promise.all([
    import('../config/load.js'),
    import('../config/checks.js'),
    import('../gateway.js'),
    import('../delivery/peer-transport.js'),
  ]);
  const config = loadConfigFile(e.configPath, env, configChecks);
  const log = createLogger(e.logLevel);
  // a published development key or an unauthenticated peer on a public interface: refuse before anything opens
  const exposure = checkExposure(config, e.host, env);
  if (!exposure.ok) throw new StartupError(exposure.line, '');
  if (exposure.warning) log.warn(exposure.warning);

  // A signal during start-up is honoured once the gateway exists (or start-up failed).
  let gw: Gateway | undefined;
  let stopping: string | undefined;
  const stop = (signal: string) => {
    if (stopping) {
      log.warn({ signal }, 'second signal: exiting without waiting for the shutdown to finish');
      process.exit(130);
    }
    stopping = signal;
    if (gw) void shutdown(gw, log, signal, shutdownTimeoutMs);
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  watchNpmParent(env, () => stop('parent npm process exited'));

  try {
    gw = await createGateway({
      config,
      databaseUrl: e.databaseUrl,
      dataDir: e.dataDir,
      log,
      transport: createPeerTransport(config, log),
    });
  } catch (err) {
    throw explainStartupError(err, e) ?? err;
  }
  if (stopping) return shutdown(gw, log, stopping, shutdownTimeoutMs);
  let address: string;
  try {
    address = await gw.listen(e.port, e.host);
  } catch (err) {
    await gw.close().catch(() => {});
    throw explainStartupError(err, e) ?? err;
  }
  log.info(
    { address, carrierCode: config.self.carrierCode, database: gw.store.kind, ...(gw.store.kind === 'pglite' ? { dataDir: e.dataDir } : {}) },
    `switchgate listening on ${address} (OpenAPI at ${address}/docs)`,
  );
  if (gw.store.kind === 'pglite') {
    log.warn('embedded PGlite database: for trying and development only; production runs on PostgreSQL (DATABASE_URL)');
  }
}

async function shutdown(gw: Gateway, log: Logger, signal: string, timeoutMs: number): Promise<void> {
  log.info({ signal }, 'shutting down');
  const force = setTimeout(() => {
    log.error({ timeoutMs }, 'shutdown did not finish in time: exiting anyway (the outbox lease hands unfinished deliveries to another run)');
    process.exit(1);
  }, timeoutMs);
  force.unref();
  try {
    await gw.close();
    log.info('stopped');
    process.exit(0);
  } catch (err) {
    log.error({ err }, 'shutdown failed');
    process.exit(1);
  }
}

/**
 * Under `npm start` the gateway is npm's child; should npm die without passing a signal on (kill -9,
 * a closed terminal), the gateway would live on as an orphan. Only under npm: a gateway started
 * directly with nohup or a process manager is meant to outlive its parent.
 */
function watchNpmParent(env: NodeJS.ProcessEnv, onOrphaned: () => void): void {
  if (!env.npm_lifecycle_event) return;
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid !== parent) {
      clearInterval(timer);
      onOrphaned();
    }
  }, 1_000);
  timer.unref();
}
