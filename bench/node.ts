/**
 * One server process of the benchmark: `gateway` (a switchgate instance) or `baseline` (a bare
 * fastify route that writes the same rows in one transaction). Prints `READY <port>` when listening.
 *
 *   node --import tsx bench/node.ts gateway  '<json options>'
 *   node --import tsx bench/node.ts baseline '<json options>'
 */
import { createHash, randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import Fastify from 'fastify';
import pg from 'pg';
import pino from 'pino';
import { createGateway } from '../src/gateway.js';
import { parseConfig } from '../src/config/load.js';
import { createPeerTransport } from '../src/delivery/peer-transport.js';
import type { ServerOptions } from './harness.js';

/** What bench/harness.ts `startServer` passes to this process (its port is fixed by then). */
type Options = ServerOptions & { port: number };

const [mode, raw] = process.argv.slice(2);
const o = JSON.parse(raw ?? '{}') as Options;
const sha = (s: string) => createHash('sha256').update(s).digest('hex');

async function gateway(): Promise<void> {
  const env = { BENCH_TOKEN: 'bench-token' };
  const config = parseConfig(
    {
      self: { carrierCode: o.self, profiles: ['wbci'], holidayRegion: 'DE-BY' },
      apiKeys: [{ name: 'bench', keySha256: sha(o.apiKey ?? 'bench-key'), scopes: ['switches:write', 'switches:read', 'events:read'] }],
      peers: [
        {
          carrierCode: o.peer,
          protocol: 'wbci-soap',
          url: o.peerUrl ?? 'http://127.0.0.1:9/wbci/v1',
          auth: { type: 'bearer', tokenEnv: 'BENCH_TOKEN' },
          inboundTokenSha256: sha('bench-token'),
          ...(o.peerCertFile ? { wsSecurity: { certFile: o.peerCertFile, required: true } } : {}),
        },
      ],
    },
    'bench',
    env,
  );
  const log = pino({ level: process.env.LOG_LEVEL ?? 'warn' });
  const gw = await createGateway({
    config,
    databaseUrl: o.databaseUrl,
    log,
    env,
    transport: o.deliver ? createPeerTransport(config, log, { env }) : undefined,
  });
  await gw.listen(o.port, '127.0.0.1');
  const profiled = await profileFromNow();
  process.once('SIGTERM', () => void profiled().then(() => gw.close()).finally(() => process.exit(0)));
  process.stdout.write(`READY ${o.port}\n`);
}

/** case_history as 0001 and 0017 made it (0020 moved the history into the case row) */
const BASELINE_HISTORY_TABLE = `
  CREATE TABLE IF NOT EXISTS baseline_case_history (
    id bigserial PRIMARY KEY,
    case_id text NOT NULL REFERENCES cases (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    from_state text NULL, to_state text NOT NULL, message_seq bigint NULL, note text NULL,
    at timestamptz NOT NULL DEFAULT now());
  CREATE INDEX IF NOT EXISTS baseline_case_history_case_hash_idx ON baseline_case_history USING hash (case_id)`;

/**
 * The same records as a VA intake — case, message, history entry, outbox row, event — in one
 * transaction, with no validation, no state machine and no id logic beyond a sequence: the floor to
 * beat. In the naive layout, one plain insert per record, as it has been since the bench was written:
 * the body as jsonb, one event row per event, one history row per transition (in a table of the
 * shape switchgate used before migration 0020, created here for the baseline). What the gateway
 * saves by its own layout — compressed bodies and case data, grouped events, the history in the case
 * row — is part of what the ratio measures.
 */
async function baseline(): Promise<void> {
  const pool = new pg.Pool({ connectionString: o.databaseUrl, max: 10 });
  await pool.query(BASELINE_HISTORY_TABLE);
  const app = Fastify({ logger: false });
  app.post('/v1/switches', async (request, reply) => {
    const body = request.body as Record<string, unknown>;
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const { rows } = await client.query<{ n: string }>(`SELECT nextval('wbci_v_id_seq')::text AS n`);
      const id = `DEU.EKPA.V${rows[0]!.n.padStart(9, '0')}`;
      const messageId = randomUUID();
      const data = JSON.stringify({ ...body, vaId: id });
      await client.query(
        `INSERT INTO cases (id, procedure, type, role, peer, state, requested_date, data, deadlines) VALUES ($1,'wbci',$2,'recipient',$3,'AWAITING_ANSWER',$4,$5,'[]')`,
        [id, body.type, body.donating, body.requestedDate, data],
      );
      const m = await client.query<{ seq: string }>(
        `INSERT INTO messages (message_id, case_id, type, direction, peer, business_id, status, body) VALUES ($1,$2,$3,'out',$4,$2,'queued',$5) RETURNING seq`,
        [messageId, id, body.type, body.donating, data],
      );
      await client.query(`INSERT INTO baseline_case_history (case_id, from_state, to_state, message_seq, note) VALUES ($1,NULL,'AWAITING_ANSWER',$2,$3)`, [id, m.rows[0]!.seq, body.type]);
      await client.query(`INSERT INTO outbox (message_id, case_id, kind, destination) VALUES ($1,$2,'peer',$3)`, [messageId, id, body.donating]);
      await client.query(`INSERT INTO events (type, case_id, data) VALUES ('message.queued',$1,$2)`, [id, JSON.stringify({ messageId })]);
      await client.query('COMMIT');
      return reply.code(201).send({ id });
    } catch (err) {
      await client.query('ROLLBACK');
      throw err;
    } finally {
      client.release();
    }
  });
  await app.listen({ port: o.port, host: '127.0.0.1' });
  const profiled = await profileFromNow();
  process.once('SIGTERM', () => void profiled().then(() => app.close()).then(() => pool.end()).finally(() => process.exit(0)));
  process.stdout.write(`READY ${o.port}\n`);
}

/**
 * BENCH_PROFILE=<dir>: a CPU profile from READY to SIGTERM — the load, not the start-up — written as
 * `<dir>/<mode>-<pid>.cpuprofile` (open it in Chrome DevTools or speedscope).
 */
async function profileFromNow(): Promise<() => Promise<void>> {
  const dir = process.env.BENCH_PROFILE;
  if (!dir) return async () => {};
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return async () => {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(join(dir, `${mode}-${process.pid}.cpuprofile`), JSON.stringify(profile));
    session.disconnect();
  };
}

(mode === 'gateway' ? gateway() : baseline()).catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
