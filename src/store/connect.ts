/**
 * Opens the database: PostgreSQL through a `pg` pool when a URL is given, otherwise PGlite
 * (embedded, persistent under a data directory, or in memory).
 *
 * Both backends return the same JS types (see src/store/schema.ts): int8 → number,
 * timestamptz → Date, date/timestamp/interval → string, json/jsonb → parsed value, xid8 → string.
 * Sessions run in UTC on both.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { PROCESS_APPLICATION_NAME } from './process-instance.js';
import { join, resolve } from 'node:path';
// loaded only when the embedded database is used: a gateway on PostgreSQL never needs it
import type { PGlite } from '@electric-sql/pglite';
import { CompiledQuery, Kysely, PostgresDialect, sql, type Dialect } from 'kysely';
import pg from 'pg';
import { PGliteDialect, TransactionRolledBackError } from './pglite-dialect.js';
import { preparedName } from './prepared.js';
import type { Database } from './schema.js';

/** The subset of a pino logger the store uses. */
export interface StoreLogger {
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export type StoreKind = 'postgres' | 'pglite';

export type Unlisten = () => Promise<void>;

export interface Store {
  db: Kysely<Database>;
  kind: StoreKind;
  /** Closes pool / PGlite and any listener. Idempotent. */
  close(): Promise<void>;
  /**
   * Subscribes to a NOTIFY channel (lower-case identifier). Notifications are wake-up hints:
   * they are delivered at most once and can be missed (e.g. while the PostgreSQL listener
   * reconnects), so a consumer must still poll the table it watches.
   */
  listen?(channel: string, onNotify: (payload: string) => void): Promise<Unlisten>;
  /** NOTIFY outside any transaction. Inside one, use `notifyIn(trx, …)` so it fires on commit. */
  notify(channel: string, payload?: string): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** postgres://… — selects PostgreSQL. */
  databaseUrl?: string;
  /** PGlite data directory (created if missing). */
  dataDir?: string;
  /** PGlite in memory; ignored when databaseUrl is set. */
  inMemory?: boolean;
  /** PostgreSQL pool size (default 10). */
  poolSize?: number;
  logger?: StoreLogger;
}

const silentLogger: StoreLogger = { warn: () => {}, error: () => {} };

export async function openDatabase(opts: OpenDatabaseOptions): Promise<Store> {
  if (opts.databaseUrl) return openPostgres(opts.databaseUrl, opts);
  if (opts.inMemory) return openPglite({ logger: opts.logger });
  if (opts.dataDir) return openPglite({ dataDir: opts.dataDir, logger: opts.logger });
  throw new Error('openDatabase: set databaseUrl (PostgreSQL), dataDir (embedded PGlite) or inMemory');
}

/** NOTIFY through a given executor — inside a transaction it is sent on commit. */
export async function notifyIn(db: Kysely<Database>, channel: string, payload = ''): Promise<void> {
  await sql`select pg_notify(${checkChannel(channel)}, ${payload})`.execute(db);
}

// ---------------------------------------------------------------- value parsing (both backends)

const OID = {
  INT8: 20,
  DATE: 1082,
  TIMESTAMP: 1114,
  TIMESTAMPTZ: 1184,
  INTERVAL: 1186,
  TEXT_ARRAY: 1009,
  INT8_ARRAY: 1016,
  DATE_ARRAY: 1182,
  TIMESTAMP_ARRAY: 1115,
  INTERVAL_ARRAY: 1187,
} as const;

export function parseInt8(text: string): number {
  const n = Number(text);
  // Throwing fails the query (both drivers surface parser errors) rather than rounding an id.
  if (!Number.isSafeInteger(n)) throw new RangeError(`int8 value ${text} does not fit a JS number`);
  return n;
}

const identity = (text: string): string => text;
// pg-types' TypeId enum lacks the array oids.
const builtinParser = pg.types.getTypeParser as (oid: number, format?: 'text' | 'binary') => (text: string) => unknown;
const parseTimestamptz = builtinParser(OID.TIMESTAMPTZ) as (text: string) => Date;

/** Scalar parsers shared by both backends; PGlite derives array parsers from them itself. */
const SCALAR_PARSERS: Record<number, (text: string) => unknown> = {
  [OID.INT8]: parseInt8,
  [OID.DATE]: identity,
  [OID.TIMESTAMP]: identity,
  [OID.TIMESTAMPTZ]: parseTimestamptz,
  [OID.INTERVAL]: identity,
};

type Nested<T> = T | null | Nested<T>[];
const parseTextArray = builtinParser(OID.TEXT_ARRAY) as (text: string) => Nested<string>[];
function mapNested<T>(value: Nested<string>, fn: (s: string) => T): Nested<T> {
  if (value === null) return null;
  if (Array.isArray(value)) return value.map((v) => mapNested(v, fn));
  return fn(value);
}

const PG_PARSERS: Record<number, (text: string) => unknown> = {
  ...SCALAR_PARSERS,
  [OID.INT8_ARRAY]: (text) => mapNested(parseTextArray(text), parseInt8),
  [OID.DATE_ARRAY]: parseTextArray,
  [OID.TIMESTAMP_ARRAY]: parseTextArray,
  [OID.INTERVAL_ARRAY]: parseTextArray,
};

const pgTypes: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    (format ?? 'text') === 'text' && PG_PARSERS[oid]
      ? PG_PARSERS[oid]
      : builtinParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
};

// ---------------------------------------------------------------- PostgreSQL

export async function openPostgres(
  databaseUrl: string,
  opts: { poolSize?: number; logger?: StoreLogger } = {},
): Promise<Store> {
  if (!/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new Error('DATABASE_URL must start with postgres:// or postgresql://');
  }
  const logger = opts.logger ?? silentLogger;
  const config: pg.PoolConfig = {
    connectionString: databaseUrl,
    max: opts.poolSize ?? 10,
    types: pgTypes,
    // per process: tells other replicas whether this process still lives (process-instance.ts)
    application_name: PROCESS_APPLICATION_NAME,
    // a database that does not answer must fail a request (503), not hold it forever
    connectionTimeoutMillis: 5_000,
  };
  const pool = new pg.Pool(config);
  // Without a listener, an idle client dropped by the server would crash the process.
  pool.on('error', (err) => logger.error({ err }, 'idle PostgreSQL connection failed'));
  pool.on('connect', (client) => {
    wrapQuery(client);
    // A checked-out client has no pool listener: when the server goes away (restart, fail-over)
    // its 'error' event would be unhandled and end the process. The query in flight fails on its
    // own and the pool drops the broken client on release.
    client.on('error', (err) => logger.warn({ err: { message: err.message, code: (err as { code?: string }).code } }, 'PostgreSQL connection lost'));
  });

  const db = new Kysely<Database>({
    dialect: new PostgresDialect({
      pool,
      onCreateConnection: async (connection) => {
        await connection.executeQuery(CompiledQuery.raw(`set time zone 'UTC'`));
      },
    }),
  });
  try {
    await sql`select 1`.execute(db);
  } catch (err) {
    await db.destroy();
    throw err;
  }

  const listener = new PgListener(config, logger);
  let closed: Promise<void> | undefined;
  return {
    db,
    kind: 'postgres',
    listen: async (channel, onNotify) => listener.listen(checkChannel(channel), onNotify),
    notify: (channel, payload) => notifyIn(db, channel, payload),
    close: () => (closed ??= (async () => {
      await listener.close();
      await db.destroy();
    })()),
  };
}

/**
 * Two things kysely's driver does not do, on every query of a pooled client:
 * - PostgreSQL answers COMMIT of a transaction in which a statement failed with "ROLLBACK" and no
 *   error; kysely would report success. Turn that into an error so nothing is acknowledged that
 *   was not stored.
 * - A text marked as prepared (prepared.ts) is sent as a named statement.
 */
function wrapQuery(client: pg.PoolClient): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  const guarded = (...args: unknown[]): unknown => {
    const [text] = args;
    // a callback or a submittable (cursor, stream) gets pg's own answer
    if (typeof text !== 'string' || typeof args.at(-1) === 'function') return query(...args);
    const name = args.length === 2 && Array.isArray(args[1]) ? preparedName(text) : undefined;
    const answer = (name !== undefined ? query({ name, text, values: args[1] }) : query(...args)) as Promise<pg.QueryResult | pg.QueryResult[]>;
    // Only a plain COMMIT (what kysely sends) can be answered ROLLBACK.
    const commit = /^\s*commit\s*;?\s*$/i.test(text);
    return answer.then((result) => {
      if (commit && !Array.isArray(result) && result.command === 'ROLLBACK') throw new TransactionRolledBackError();
      return Array.isArray(result) ? result.map(detachedRows) : detachedRows(result);
    });
  };
  (client as unknown as { query: typeof guarded }).query = guarded;
}

/**
 * The result with its rows, and pg's own result object without them. pg's result object outlives
 * the query until V8's next full collection (measured: with the rows on it, ~40 % of what a read
 * allocated survived each young-generation collection and was promoted; 5–15 ms scavenges every
 * ~75 ms under sequential list reads, the reads' p99 ~10 ms against a p50 of ~1.5 ms). Handed
 * over apart, the rows die young with the request that read them.
 */
function detachedRows(result: pg.QueryResult): pg.QueryResult {
  const answer = { command: result.command, rowCount: result.rowCount, oid: result.oid, fields: result.fields, rows: result.rows } as pg.QueryResult;
  result.rows = [];
  return answer;
}

/** One dedicated connection per store for LISTEN; reconnects and re-subscribes on failure. */
class PgListener {
  readonly #config: pg.ClientConfig;
  readonly #logger: StoreLogger;
  readonly #channels = new Map<string, Set<(payload: string) => void>>();
  #client: Promise<pg.Client> | undefined;
  /** `#client` once its connect succeeded */
  #connected: pg.Client | undefined;
  #closed = false;
  #retryTimer: NodeJS.Timeout | undefined;
  #retryDelayMs = 250;
  #lock = Promise.resolve();

  constructor(config: pg.PoolConfig, logger: StoreLogger) {
    // the pool's connect timeout too: a server that accepts and never answers must not hold the
    // reconnect, and every listen/unlisten queued behind it, forever
    this.#config = { connectionString: config.connectionString, application_name: 'switchgate-listen', types: config.types, connectionTimeoutMillis: config.connectionTimeoutMillis };
    this.#logger = logger;
  }

  async listen(channel: string, onNotify: (payload: string) => void): Promise<Unlisten> {
    if (this.#closed) throw new Error('store is closed');
    await this.#serial(async () => {
      let callbacks = this.#channels.get(channel);
      if (!callbacks) {
        callbacks = new Set();
        this.#channels.set(channel, callbacks);
        try {
          await (await this.#connect()).query(`listen ${channel}`);
        } catch (err) {
          this.#channels.delete(channel);
          throw err;
        }
      }
      callbacks.add(onNotify);
    });
    let done = false;
    return async () => {
      if (done) return;
      done = true;
      await this.#serial(async () => {
        const callbacks = this.#channels.get(channel);
        callbacks?.delete(onNotify);
        if (callbacks?.size === 0) {
          this.#channels.delete(channel);
          if (this.#client && !this.#closed) {
            await (await this.#client).query(`unlisten ${channel}`).catch(() => undefined);
          }
        }
      });
    };
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#retryTimer);
    this.#channels.clear();
    const client = this.#client;
    this.#client = undefined;
    const connected = this.#connected;
    this.#connected = undefined;
    if (connected) await connected.end().catch(() => undefined);
    // a connect still under way is ended when it settles: closing does not wait for it
    else if (client) void client.then((c) => c.end(), () => undefined).catch(() => undefined);
  }

  #serial(fn: () => Promise<void>): Promise<void> {
    const run = this.#lock.then(fn);
    this.#lock = run.catch(() => undefined);
    return run;
  }

  #connect(): Promise<pg.Client> {
    if (this.#client) return this.#client;
    const client = new pg.Client(this.#config);
    client.on('notification', (msg) => dispatch(this.#channels.get(msg.channel), msg.payload ?? '', this.#logger));
    client.on('error', (err) => this.#lost(client, err));
    client.on('end', () => this.#lost(client, undefined));
    this.#client = client.connect().then(
      () => {
        if (!this.#closed) this.#connected = client;
        return client;
      },
      (err: unknown) => {
        this.#client = undefined;
        throw err;
      },
    );
    return this.#client;
  }

  #lost(client: pg.Client, err: Error | undefined): void {
    if (this.#closed) return;
    void this.#client?.then((current) => {
      if (current !== client) return;
      this.#client = undefined;
      this.#connected = undefined;
      this.#logger.warn({ err }, 'LISTEN connection lost; reconnecting');
      this.#scheduleResubscribe();
    }, () => undefined);
  }

  #scheduleResubscribe(): void {
    clearTimeout(this.#retryTimer);
    this.#retryTimer = setTimeout(() => {
      void this.#serial(async () => {
        if (this.#closed || this.#channels.size === 0) return;
        const client = await this.#connect();
        for (const channel of this.#channels.keys()) await client.query(`listen ${channel}`);
        this.#retryDelayMs = 250;
        this.#logger.warn({ channels: [...this.#channels.keys()] }, 'LISTEN connection re-established');
        // notifications sent while the connection was down are lost: wake every subscriber once
        for (const callbacks of this.#channels.values()) dispatch(callbacks, '', this.#logger);
      }).catch((err: unknown) => {
        this.#logger.warn({ err }, 'LISTEN reconnect failed');
        // short cap: LISTEN is how deliveries and the feed learn of new rows after an outage
        this.#retryDelayMs = Math.min(this.#retryDelayMs * 2, 2_000);
        this.#scheduleResubscribe();
      });
    }, this.#retryDelayMs);
    this.#retryTimer.unref();
  }
}

// ---------------------------------------------------------------- PGlite

export async function openPglite(
  opts: { dataDir?: string; loadDataDir?: Blob; logger?: StoreLogger } = {},
): Promise<Store> {
  const logger = opts.logger ?? silentLogger;
  let unlock = async (): Promise<void> => {};
  if (opts.dataDir) {
    mkdirSync(opts.dataDir, { recursive: true });
    unlock = lockDataDir(opts.dataDir);
  }
  let pglite: PGlite;
  try {
    const { PGlite } = await import('@electric-sql/pglite');
    pglite = await PGlite.create({
      dataDir: opts.dataDir,
      loadDataDir: opts.loadDataDir,
      parsers: SCALAR_PARSERS,
    });
  } catch (err) {
    await unlock();
    throw err;
  }
  return pgliteStore(pglite, logger, { owned: true, unlock });
}

/** What `openPglite` gives PGlite, for a caller that makes its own instance (`borrowPglite`). */
export const PGLITE_OPTIONS = { parsers: SCALAR_PARSERS } as const;

/**
 * A store on a PGlite instance the caller keeps: `close()` ends the store (its kysely, its LISTENs)
 * and leaves the instance open. The test suite reuses instances this way instead of loading a data
 * directory (~1 s) for every store.
 */
export function borrowPglite(pglite: PGlite, logger: StoreLogger = silentLogger): Store {
  return pgliteStore(pglite, logger, { owned: false, unlock: async () => {} });
}

const LOCK_FILE = 'switchgate.pid';

/** Another PGlite (this process or another) has the data directory open. */
export class DataDirInUseError extends Error {
  override readonly name = 'DataDirInUseError';
}
const lockedHere = new Set<string>();

/**
 * PGlite happily opens a data directory that another PGlite (in this or another process) has
 * open, and the two then corrupt it. A pid file inside the directory prevents that; a file left
 * by a dead process (kill -9) is taken over.
 */
function lockDataDir(dataDir: string): () => Promise<void> {
  const dir = resolve(dataDir);
  const file = join(dir, LOCK_FILE);
  if (lockedHere.has(dir)) throw new DataDirInUseError(`DATA_DIR ${dir} is already open in this process`);
  for (let attempt = 0; ; attempt++) {
    try {
      writeFileSync(file, `${process.pid}\n`, { flag: 'wx' });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw err;
      const holder = Number.parseInt(readFileSync(file, 'utf8'), 10);
      // Our own pid without an entry in lockedHere is a previous incarnation (containers reuse pids).
      if (Number.isInteger(holder) && holder !== process.pid && processAlive(holder)) {
        throw new DataDirInUseError(`DATA_DIR ${dir} is in use by process ${holder} (remove ${file} if that is wrong)`);
      }
      rmSync(file, { force: true });
    }
  }
  lockedHere.add(dir);
  return async () => {
    lockedHere.delete(dir);
    rmSync(file, { force: true });
  };
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function pgliteStore(pglite: PGlite, logger: StoreLogger, how: { owned: boolean; unlock: () => Promise<void> }): Store {
  const dialect = new PGliteDialect({
    pglite,
    closeOnDestroy: how.owned,
    onLeakedTransaction: () => logger.warn({}, 'connection released inside a transaction; rolled back'),
  });
  const db = new Kysely<Database>({ dialect: dialect as Dialect });
  // a borrowed instance outlives the store: what the store listened to must not outlive it
  const listening = new Set<() => Promise<void>>();
  let closed: Promise<void> | undefined;
  return {
    db,
    kind: 'pglite',
    listen: async (channel, onNotify) => {
      const name = checkChannel(channel);
      const callback = (payload: string): void => dispatch(new Set([onNotify]), payload, logger);
      // LISTEN must not run inside somebody's open transaction (it would only apply on commit).
      const unlisten = await dialect.runExclusive(() => pglite.listen(name, callback));
      let done = false;
      const stop = async (): Promise<void> => {
        listening.delete(stop);
        if (done || pglite.closed) return;
        done = true;
        await dialect.runExclusive(() => unlisten());
      };
      listening.add(stop);
      return stop;
    },
    notify: (channel, payload) => notifyIn(db, channel, payload),
    close: () => (closed ??= (async () => {
      try {
        if (!how.owned) for (const stop of [...listening]) await stop();
        await db.destroy();
        // kysely only destroys a driver that ran a query; close PGlite in any case.
        if (how.owned && !pglite.closed) await dialect.runExclusive(() => pglite.close());
      } finally {
        await how.unlock();
      }
    })()),
  };
}

// ---------------------------------------------------------------- shared

/** Channels are plain lower-case identifiers, so quoting never matters on either backend. */
function checkChannel(channel: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(channel)) {
    throw new Error(`invalid NOTIFY channel "${channel}": use [a-z_][a-z0-9_]*, at most 63 characters`);
  }
  return channel;
}

/** Callbacks run outside the driver's call stack: a throwing callback must not break a query. */
function dispatch(
  callbacks: Set<(payload: string) => void> | undefined,
  payload: string,
  logger: StoreLogger,
): void {
  if (!callbacks) return;
  for (const callback of [...callbacks]) {
    setImmediate(() => {
      try {
        callback(payload);
      } catch (err) {
        logger.error({ err }, 'notification handler failed');
      }
    });
  }
}
