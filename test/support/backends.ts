/**
 * Runs a block of storage tests once per backend:
 *
 *   describeEachBackend('outbox', ({ backend, open }) => {
 *     it('claims', async () => { const store = await open(); … await store.close(); });
 *   });
 *
 * `open()` gives a fresh, MIGRATED, empty database (`open({ migrate: false })`: no tables):
 * - pglite: in memory, loaded from a cached template data directory (see below);
 * - postgres: a new database in the suite's throwaway cluster, dropped on `close()`.
 * Stores a test forgets to close are closed after the describe block.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Kysely } from 'kysely';
import pg from 'pg';
import { afterAll, describe, inject } from 'vitest';
import { openPglite, openPostgres, type Store } from '../../src/store/connect.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { PGliteDialect } from '../../src/store/pglite-dialect.js';

export type BackendName = 'pglite' | 'postgres';
export const backends: readonly BackendName[] = ['pglite', 'postgres'];

export interface OpenOptions {
  /** Apply the migrations (default true). */
  migrate?: boolean;
}

export interface BackendContext {
  backend: BackendName;
  open(opts?: OpenOptions): Promise<Store>;
}

/**
 * Admin URL of this worker's test cluster (global-setup.ts starts one per worker, so files running
 * at the same time never share one), or null when PostgreSQL tests are skipped.
 */
export function pgAdminUrl(): string | null {
  const urls = inject('pgAdminUrls') ?? [];
  if (urls.length === 0) return process.env.SWITCHGATE_TEST_PG_URL ?? null;
  const worker = Number(process.env.VITEST_POOL_ID ?? '1');
  return urls[(Number.isInteger(worker) && worker > 0 ? worker - 1 : 0) % urls.length]!;
}

export function describeEachBackend(name: string, fn: (ctx: BackendContext) => void): void {
  for (const backend of backends) {
    const unavailable = backend === 'postgres' && !pgAdminUrl();
    describe.skipIf(unavailable)(`${name} [${backend}]`, () => {
      const leftovers = new Set<Store>();
      afterAll(async () => {
        await Promise.all([...leftovers].map((store) => store.close()));
      });
      const open = async (opts: OpenOptions = {}): Promise<Store> => {
        const store = backend === 'pglite' ? await openTestPglite(opts) : await openTestPostgres(opts);
        leftovers.add(store);
        const close = store.close.bind(store);
        return {
          ...store,
          close: async () => {
            leftovers.delete(store);
            await close();
          },
        };
      };
      fn({ backend, open });
    });
  }
}

// ---------------------------------------------------------------- PGlite

// A cold PGlite start runs initdb (~2-3 s); loading a dumped data directory takes ~0.5 s. Vitest
// isolates test files, so templates are cached on disk, keyed by the PGlite version and the
// migration sources, and rebuilt whenever either changes.
const CACHE_DIR = join(tmpdir(), 'switchgate-test-cache');
const ROOT = new URL('../../', import.meta.url);
const templates = new Map<string, Promise<Blob>>();

function templateKey(migrated: boolean): string {
  const hash = createHash('sha256');
  hash.update(readFileSync(new URL('node_modules/@electric-sql/pglite/package.json', ROOT)));
  if (migrated) {
    const dir = new URL('migrations/', ROOT);
    for (const file of readdirSync(dir).sort()) hash.update(file).update(readFileSync(new URL(file, dir)));
    hash.update(readFileSync(new URL('src/store/migrate.ts', ROOT)));
  }
  return `${migrated ? 'migrated' : 'empty'}-${hash.digest('hex').slice(0, 16)}`;
}

function pgliteTemplate(migrated: boolean): Promise<Blob> {
  const key = templateKey(migrated);
  let template = templates.get(key);
  if (!template) {
    template = loadOrBuildTemplate(key, migrated);
    templates.set(key, template);
  }
  return template;
}

async function loadOrBuildTemplate(key: string, migrated: boolean): Promise<Blob> {
  const file = join(CACHE_DIR, `pglite-${key}.tar`);
  try {
    return new Blob([readFileSync(file)]);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const pglite = migrated ? await PGlite.create({ loadDataDir: await pgliteTemplate(false) }) : await PGlite.create();
  if (migrated) {
    const db = new Kysely({ dialect: new PGliteDialect({ pglite, closeOnDestroy: false }) });
    await migrateToLatest(db);
    await db.destroy();
  }
  const dump = await pglite.dumpDataDir('none');
  await pglite.close();
  // Written under a private name and renamed: concurrent workers never see half a file.
  mkdirSync(CACHE_DIR, { recursive: true });
  const partial = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(partial, Buffer.from(await dump.arrayBuffer()));
  renameSync(partial, file);
  // Templates of older migration sets are dead weight (~40 MB each).
  const kind = `pglite-${migrated ? 'migrated' : 'empty'}-`;
  for (const old of readdirSync(CACHE_DIR)) {
    if (old.startsWith(kind) && old.endsWith('.tar') && old !== `pglite-${key}.tar`) {
      rmSync(join(CACHE_DIR, old), { force: true });
    }
  }
  return dump;
}

export async function openTestPglite(opts: OpenOptions): Promise<Store> {
  return openPglite({ loadDataDir: await pgliteTemplate(opts.migrate !== false) });
}

// ---------------------------------------------------------------- PostgreSQL

export interface TestDatabase {
  name: string;
  url: string;
  /** Drops the database, disconnecting whoever is still connected. */
  drop(): Promise<void>;
}

/** A new, empty database in the test cluster (for tests that need several stores on one database). */
export async function createTestDatabase(): Promise<TestDatabase> {
  const adminUrl = pgAdminUrl();
  if (!adminUrl) throw new Error('PostgreSQL is not available to this test run');
  const name = `sg_test_${randomBytes(6).toString('hex')}`;
  await admin(adminUrl, `create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  let dropped = false;
  return {
    name,
    url: url.toString(),
    drop: async () => {
      if (dropped) return;
      dropped = true;
      await admin(adminUrl, `drop database if exists ${name} with (force)`);
    },
  };
}

async function openTestPostgres(opts: OpenOptions): Promise<Store> {
  const database = await createTestDatabase();
  let store: Store;
  try {
    store = await openPostgres(database.url, { poolSize: 4 });
    if (opts.migrate !== false) await migrateToLatest(store.db);
  } catch (err) {
    await database.drop();
    throw err;
  }
  const close = store.close.bind(store);
  return {
    ...store,
    close: async () => {
      try {
        await close();
      } finally {
        await database.drop();
      }
    },
  };
}

async function admin(adminUrl: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}
