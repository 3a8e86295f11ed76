/** A fresh, migrated database in the bench's PostgreSQL cluster (dropped first if a run left it behind). */
import pg from 'pg';
import { openDatabase } from '../src/store/connect.js';
import { migrateToLatest } from '../src/store/migrate.js';

export async function createDatabase(adminUrl: string, name: string): Promise<string> {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await c.query(`CREATE DATABASE ${name}`);
  await c.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const store = await openDatabase({ databaseUrl: url.toString() });
  await migrateToLatest(store.db);
  await store.close();
  return url.toString();
}
