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
import { borrowPglite, openPglite, openPostgres, PGLITE_OPTIONS, type Store } from '../../src/store/connect.js';
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
  if (opts.migrate === false) return openPglite({ loadDataDir: await pgliteTemplate(false) });
  let pglite = idle.pop();
  if (!pglite) {
    pglite = await PGlite.create({ loadDataDir: await pgliteTemplate(true), ...PGLITE_OPTIONS });
    try {
      // read from a fresh instance before any test touches it
      await (template ??= templateFacts(pglite));
    } catch (err) {
      await pglite.close();
      throw err;
    }
  }
  const store = borrowPglite(pglite);
  let closed: Promise<void> | undefined;
  return {
    ...store,
    close: () => (closed ??= store.close().then(() => giveBack(pglite))),
  };
}

// Loading the migrated template takes ~1 s of CPU per store on the 2-core CI machines, and most
// tests open two or three: a store's instance goes back to this file's pool when the store closes,
// emptied, and the next store of the file takes it. Only an instance whose schema is still exactly
// the template's goes back (a test that ran migrations down or altered a table closes its own).
const idle: PGlite[] = [];
/** the template's schema, its tables, and the statements that put its sequences back */
let template: Promise<{ schema: string; tables: string[]; sequences: string[] }> | undefined;

/** The catalog of the public schema as text: what a test could have changed besides the rows. */
const SCHEMA_SQL = `
  SELECT md5(concat_ws('|',
    (SELECT string_agg(relname || ':' || relkind::text, ',' ORDER BY relname) FROM pg_class WHERE relnamespace = 'public'::regnamespace),
    (SELECT string_agg(c.relname || '.' || a.attname || ':' || format_type(a.atttypid, a.atttypmod) || a.attnotnull || a.atthasdef, ',' ORDER BY c.relname, a.attnum)
       FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
      WHERE c.relnamespace = 'public'::regnamespace AND a.attnum > 0 AND NOT a.attisdropped),
    (SELECT string_agg(conname || ':' || pg_get_constraintdef(oid), ',' ORDER BY conname) FROM pg_constraint WHERE connamespace = 'public'::regnamespace),
    (SELECT string_agg(pg_get_indexdef(indexrelid), ',' ORDER BY c.relname) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relnamespace = 'public'::regnamespace),
    (SELECT string_agg(proname || ':' || md5(prosrc), ',' ORDER BY proname) FROM pg_proc WHERE pronamespace = 'public'::regnamespace),
    (SELECT string_agg(tgname, ',' ORDER BY tgname) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE c.relnamespace = 'public'::regnamespace),
    (SELECT string_agg(typname, ',' ORDER BY typname) FROM pg_type WHERE typnamespace = 'public'::regnamespace),
    (SELECT string_agg(name, ',' ORDER BY name) FROM kysely_migration))) AS schema`;

async function templateFacts(pglite: PGlite): Promise<{ schema: string; tables: string[]; sequences: string[] }> {
  const schema = (await pglite.query<{ schema: string }>(SCHEMA_SQL)).rows[0]!.schema;
  const tables = (await pglite.query<{ t: string }>(`SELECT quote_ident(tablename) AS t FROM pg_tables WHERE schemaname = 'public' AND tablename NOT LIKE 'kysely_migration%' ORDER BY 1`)).rows.map((r) => r.t);
  // each sequence as the template has it (events_seq_seq steps by 64 from a multiple of 64, 0019)
  const sequences: string[] = [];
  for (const { s } of (await pglite.query<{ s: string }>(`SELECT quote_ident(sequencename) AS s FROM pg_sequences WHERE schemaname = 'public' ORDER BY 1`)).rows) {
    const { last, called } = (await pglite.query<{ last: string; called: boolean }>(`SELECT last_value::text AS last, is_called AS called FROM ${s}`)).rows[0]!;
    sequences.push(`SELECT setval('${s}', ${last}, ${called});`);
  }
  // the pool empties a store by truncating: that is only the template again if the template is empty
  for (const table of tables) {
    const rows = (await pglite.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0]!.n;
    if (rows !== 0) throw new Error(`the migrated PGlite template has ${rows} rows in ${table}: the test pool cannot empty a store by TRUNCATE`);
  }
  return { schema, tables, sequences };
}

async function giveBack(pglite: PGlite): Promise<void> {
  if (pglite.closed) return;
  try {
    const facts = await template!;
    await pglite.exec('ROLLBACK');
    await pglite.exec('DISCARD ALL');
    if ((await pglite.query<{ schema: string }>(SCHEMA_SQL)).rows[0]!.schema !== facts.schema) {
      await pglite.close();
      return;
    }
    await pglite.exec(`TRUNCATE ${facts.tables.join(', ')}; ${facts.sequences.join(' ')}`);
    idle.push(pglite);
  } catch {
    // an instance that cannot be emptied is not reused
    if (!pglite.closed) await pglite.close().catch(() => undefined);
  }
}

afterAll(async () => {
  for (const pglite of idle.splice(0)) await pglite.close();
});

// ---------------------------------------------------------------- PostgreSQL

export interface TestDatabase {
  name: string;
  url: string;
  /** Drops the database, disconnecting whoever is still connected. */
  drop(): Promise<void>;
}

/** A new, empty database in the test cluster (for tests that need several stores on one database). */
export async function createTestDatabase(opts: { template?: string } = {}): Promise<TestDatabase> {
  const adminUrl = pgAdminUrl();
  if (!adminUrl) throw new Error('PostgreSQL is not available to this test run');
  const name = `sg_test_${randomBytes(6).toString('hex')}`;
  await admin(adminUrl, `create database ${name}${opts.template ? ` template ${opts.template}` : ''}`);
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

/**
 * The migrated database every migrated test store is copied from: made once per cluster (each
 * worker has its own) and named by the migration sources, like the
 * PGlite template. Copying it takes a fraction of running 22 migrations (~250 ms a store).
 */
let pgTemplate: Promise<string> | undefined;

async function migratedTemplate(adminUrl: string): Promise<string> {
  const name = `sg_template_${templateKey(true).replace(/^migrated-/, '')}`;
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    // workers sharing one cluster (SWITCHGATE_TEST_PG_URL) make it one at a time; the lock ends with the session
    await client.query(`select pg_advisory_lock(hashtext('switchgate test template'))`);
    const exists = (await client.query('select 1 from pg_database where datname = $1 and datistemplate', [name])).rowCount === 1;
    if (exists) return name;
    await client.query(`drop database if exists ${name}`);
    await client.query(`create database ${name}`);
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    const store = await openPostgres(url.toString(), { poolSize: 1 });
    try {
      await migrateToLatest(store.db);
    } finally {
      await store.close();
    }
    // marked a template only once migrated: a file that dies half-way leaves a database the next one drops
    await client.query(`alter database ${name} is_template true`);
    return name;
  } finally {
    await client.end();
  }
}

async function openTestPostgres(opts: OpenOptions): Promise<Store> {
  const adminUrl = pgAdminUrl()!;
  const database = opts.migrate === false ? await createTestDatabase() : await createTestDatabase({ template: await (pgTemplate ??= migratedTemplate(adminUrl)) });
  let store: Store;
  try {
    store = await openPostgres(database.url, { poolSize: 4 });
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
