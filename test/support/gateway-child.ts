/**
 * One gateway as its own process, for crash tests (kill -9): `node --import tsx test/support/gateway-child.ts`.
 *
 * Environment: SWITCHGATE_CONFIG (config file), DATABASE_URL, PORT, and OUTBOX_LEASE_MS — the lease
 * of the outbox worker, shortened so that rows a killed process held come back within the test
 * (production uses the worker's default). Everything else is the production wiring: createGateway,
 * OutboxWorker, PeerTransport. Prints `READY <port>` once it listens.
 */
import { loadConfigFile } from '../../src/config/load.js';
import { configChecks } from '../../src/config/checks.js';
import { createGateway, createLogger } from '../../src/gateway.js';
import { OutboxWorker } from '../../src/delivery/outbox-worker.js';
import { createPeerTransport } from '../../src/delivery/peer-transport.js';

const env = process.env;
const config = loadConfigFile(env.SWITCHGATE_CONFIG!, env, configChecks);
const log = createLogger(env.LOG_LEVEL ?? 'silent');
// no transport: the gateway starts no worker of its own; the one below has the short lease
const gw = await createGateway({ config, databaseUrl: env.DATABASE_URL, log });
const worker = new OutboxWorker({
  store: gw.store,
  transport: createPeerTransport(config, log, { responseTimeoutMs: 2_000, connectTimeoutMs: 1_000 }),
  log,
  leaseMs: Number(env.OUTBOX_LEASE_MS ?? 30_000),
  policy: { maxAttempts: 100, baseMs: 20, capMs: 200 },
  pollMs: 100,
});
await worker.start();
const address = await gw.listen(Number(env.PORT), '127.0.0.1');
process.stdout.write(`READY ${address}\n`);
