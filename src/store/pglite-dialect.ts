/**
 * A kysely dialect for PGlite (in-process PostgreSQL compiled to WASM).
 *
 * PGlite is ONE connection. kysely's transactions are plain BEGIN/COMMIT on a connection it has
 * acquired, so the driver hands that single connection to one user at a time (a FIFO mutex):
 * while a transaction is open, every other query — including non-transactional ones from other
 * requests — waits instead of silently running inside somebody else's transaction.
 */
import type { PGlite, Results } from '@electric-sql/pglite';
import {
  CompiledQuery,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  type QueryCompiler,
  type QueryResult,
  type TransactionSettings,
} from 'kysely';

/** A FIFO async mutex. */
export class Mutex {
  #tail: Promise<void> = Promise.resolve();

  /** Resolves when the caller owns the lock; call the returned function exactly once. */
  async acquire(): Promise<() => void> {
    let release!: () => void;
    const mine = new Promise<void>((resolve) => {
      release = resolve;
    });
    const previous = this.#tail;
    this.#tail = previous.then(() => mine);
    await previous;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      release();
    };
  }

  async runExclusive<T>(fn: () => Promise<T>): Promise<T> {
    const release = await this.acquire();
    try {
      return await fn();
    } finally {
      release();
    }
  }
}

export interface PGliteDialectConfig {
  /** The PGlite instance, or a factory called once by the driver's init(). */
  pglite: PGlite | (() => Promise<PGlite>);
  /** Close the PGlite instance when kysely is destroyed (default true). */
  closeOnDestroy?: boolean;
  /** Told when a connection is given back with a transaction still open (it is rolled back). */
  onLeakedTransaction?: () => void;
}

const ROW_COUNT_COMMANDS = new Set(['INSERT', 'UPDATE', 'DELETE', 'MERGE', 'COPY']);

/** SQLSTATE in_failed_sql_transaction; PostgreSQL answers COMMIT of a failed transaction with ROLLBACK. */
export const TRANSACTION_ABORTED = '25P02';

export class TransactionRolledBackError extends Error {
  readonly code = TRANSACTION_ABORTED;
  constructor() {
    super('COMMIT rolled back the transaction because a statement in it had failed');
    this.name = 'TransactionRolledBackError';
  }
}

export class PGliteDialect implements Dialect {
  readonly #config: PGliteDialectConfig;
  readonly #mutex = new Mutex();

  constructor(config: PGliteDialectConfig) {
    this.#config = config;
  }

  /**
   * Runs fn while no kysely user holds the connection. Anything that talks to the PGlite
   * instance directly (LISTEN, dumps) must go through here, or it could land inside an open
   * transaction.
   */
  runExclusive<T>(fn: () => Promise<T>): Promise<T> {
    return this.#mutex.runExclusive(fn);
  }

  createDriver(): Driver {
    return new PGliteDriver(this.#config, this.#mutex);
  }

  createQueryCompiler(): QueryCompiler {
    return new PostgresQueryCompiler();
  }

  createAdapter(): DialectAdapter {
    return new PostgresAdapter();
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the Dialect interface says so
  createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return new PostgresIntrospector(db);
  }
}

class PGliteDriver implements Driver {
  readonly #config: PGliteDialectConfig;
  readonly #mutex: Mutex;
  #pglite: PGlite | undefined;
  #connection: PGliteConnection | undefined;
  #release: (() => void) | undefined;
  #destroyed = false;

  constructor(config: PGliteDialectConfig, mutex: Mutex) {
    this.#config = config;
    this.#mutex = mutex;
  }

  async init(): Promise<void> {
    const source = this.#config.pglite;
    this.#pglite = typeof source === 'function' ? await source() : source;
    await this.#pglite.waitReady;
    this.#connection = new PGliteConnection(this.#pglite);
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const release = await this.#mutex.acquire();
    if (this.#destroyed || !this.#connection) {
      release();
      throw new Error('PGlite driver has been destroyed');
    }
    this.#release = release;
    return this.#connection;
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    let statement = 'begin';
    if (settings.isolationLevel || settings.accessMode) {
      statement = 'start transaction';
      if (settings.isolationLevel) statement += ` isolation level ${settings.isolationLevel}`;
      if (settings.accessMode) statement += ` ${settings.accessMode}`;
    }
    await connection.executeQuery(CompiledQuery.raw(statement));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await (connection as PGliteConnection).commit();
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('rollback'));
  }

  async savepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`savepoint ${quoteIdent(name)}`));
  }

  async rollbackToSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`rollback to savepoint ${quoteIdent(name)}`));
  }

  async releaseSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`release savepoint ${quoteIdent(name)}`));
  }

  async releaseConnection(): Promise<void> {
    const release = this.#release;
    this.#release = undefined;
    try {
      // A user that ran BEGIN by hand and gave the connection back would otherwise make the
      // next user's statements part of its transaction.
      if (this.#pglite && !this.#pglite.closed && this.#pglite.isInTransaction()) {
        this.#config.onLeakedTransaction?.();
        await this.#pglite.exec('rollback');
      }
    } finally {
      release?.();
    }
  }

  async destroy(): Promise<void> {
    if (this.#destroyed) return;
    // Wait for the current user (e.g. a transaction) to finish before closing.
    const release = await this.#mutex.acquire();
    try {
      this.#destroyed = true;
      if (this.#pglite && this.#config.closeOnDestroy !== false && !this.#pglite.closed) {
        await this.#pglite.close();
      }
    } finally {
      release();
    }
  }
}

class PGliteConnection implements DatabaseConnection {
  readonly #pglite: PGlite;

  constructor(pglite: PGlite) {
    this.#pglite = pglite;
  }

  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    const result = await this.#run<R>(compiledQuery);
    return {
      rows: result.rows,
      numAffectedRows:
        result.command !== undefined && ROW_COUNT_COMMANDS.has(result.command) && result.rowCount !== undefined
          ? BigInt(result.rowCount)
          : undefined,
    };
  }

  /** Streams by reading the whole result first: PGlite results are in memory anyway. */
  async *streamQuery<R>(compiledQuery: CompiledQuery, chunkSize = 100): AsyncIterableIterator<QueryResult<R>> {
    if (!Number.isInteger(chunkSize) || chunkSize <= 0) throw new Error('chunkSize must be a positive integer');
    const { rows } = await this.#run<R>(compiledQuery);
    for (let i = 0; i < rows.length; i += chunkSize) yield { rows: rows.slice(i, i + chunkSize) };
  }

  async commit(): Promise<void> {
    const result = await this.#run(CompiledQuery.raw('commit'));
    if (result.command === 'ROLLBACK') throw new TransactionRolledBackError();
  }

  async #run<R>(compiledQuery: CompiledQuery): Promise<Results<R>> {
    const parameters = compiledQuery.parameters;
    if (parameters.length === 0) {
      // Like node-postgres, a query without parameters goes through the simple protocol, so
      // multi-statement SQL behaves the same on both backends.
      const results = await this.#pglite.exec(compiledQuery.sql, { rowMode: 'object' });
      return (results[results.length - 1] ?? { rows: [], fields: [] }) as Results<R>;
    }
    return this.#pglite.query<R>(compiledQuery.sql, [...parameters], { rowMode: 'object' });
  }
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
