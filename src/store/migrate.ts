/**
 * Runs the migrations in `migrations/`. The list is static (no directory scanning), so it works
 * the same from source, from a bundle and in tests.
 *
 * Concurrency: kysely's PostgresAdapter takes a session advisory lock around the run and applies
 * the pending migrations in one transaction, so replicas starting together apply each migration
 * exactly once; the others wait and then find nothing to do.
 */
import { Migrator, sql, type Kysely, type Migration, type MigrationProvider, type MigrationResult } from 'kysely';
import * as m0001 from '../../migrations/0001_init.js';
import * as m0002 from '../../migrations/0002_id_sequences.js';
import * as m0003 from '../../migrations/0003_webhook_leases.js';
import * as m0004 from '../../migrations/0004_interconnect.js';
import * as m0005 from '../../migrations/0005_hot_query_indexes.js';
import * as m0006 from '../../migrations/0006_message_signature.js';
import * as m0007 from '../../migrations/0007_webhook_dead_letters.js';
import * as m0008 from '../../migrations/0008_ops_observability.js';
import * as m0009 from '../../migrations/0009_compact_wire.js';
import * as m0010 from '../../migrations/0010_console_sessions.js';
import * as m0011 from '../../migrations/0011_idempotency_requests.js';
import * as m0012 from '../../migrations/0012_compact_rows.js';
import * as m0013 from '../../migrations/0013_read_paths.js';
import * as m0014 from '../../migrations/0014_outbox_retention_index.js';
import * as m0015 from '../../migrations/0015_outbox_claim_index.js';
import * as m0016 from '../../migrations/0016_compact_bodies.js';
import * as m0017 from '../../migrations/0017_hash_case_lookups.js';
import * as m0018 from '../../migrations/0018_compact_case_data.js';
import * as m0019 from '../../migrations/0019_grouped_events.js';
import * as m0020 from '../../migrations/0020_history_in_cases.js';
import * as m0021 from '../../migrations/0021_bodies_from_wire.js';
import * as m0022 from '../../migrations/0022_messages_keyed_by_id.js';
import * as m0023 from '../../migrations/0023_dead_letters_set_aside.js';
import * as m0024 from '../../migrations/0024_list_indexes_by_time.js';
import * as m0025 from '../../migrations/0025_case_json_as_text.js';
import * as m0026 from '../../migrations/0026_history_short_entries.js';
import * as m0027 from '../../migrations/0027_message_ids_as_uuid.js';
import * as m0028 from '../../migrations/0028_dedupe_keys_as_uuid.js';

export const MIGRATIONS: Readonly<Record<string, Migration>> = Object.freeze({
  '0001_init': m0001,
  '0002_id_sequences': m0002,
  '0003_webhook_leases': m0003,
  '0004_interconnect': m0004,
  '0005_hot_query_indexes': m0005,
  '0006_message_signature': m0006,
  '0007_webhook_dead_letters': m0007,
  '0008_ops_observability': m0008,
  '0009_compact_wire': m0009,
  '0010_console_sessions': m0010,
  '0011_idempotency_requests': m0011,
  '0012_compact_rows': m0012,
  '0013_read_paths': m0013,
  '0014_outbox_retention_index': m0014,
  '0015_outbox_claim_index': m0015,
  '0016_compact_bodies': m0016,
  '0017_hash_case_lookups': m0017,
  '0018_compact_case_data': m0018,
  '0019_grouped_events': m0019,
  '0020_history_in_cases': m0020,
  '0021_bodies_from_wire': m0021,
  '0022_messages_keyed_by_id': m0022,
  '0023_dead_letters_set_aside': m0023,
  '0024_list_indexes_by_time': m0024,
  '0025_case_json_as_text': m0025,
  '0026_history_short_entries': m0026,
  '0027_message_ids_as_uuid': m0027,
  '0028_dedupe_keys_as_uuid': m0028,
});

export const MIGRATION_TABLE = 'kysely_migration';

const provider: MigrationProvider = { getMigrations: () => Promise.resolve({ ...MIGRATIONS }) };

// Kysely<any>: the migrator works below the typed schema (its own bookkeeping tables).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

export function createMigrator(db: AnyDb): Migrator {
  return new Migrator({ db, provider, migrationTableName: MIGRATION_TABLE });
}

export class MigrationError extends Error {
  readonly results: readonly MigrationResult[];
  constructor(cause: unknown, results: readonly MigrationResult[] = []) {
    const failed = results.find((r) => r.status === 'Error')?.migrationName;
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(failed ? `migration ${failed} failed: ${reason}` : `migration failed: ${reason}`, { cause });
    this.name = 'MigrationError';
    this.results = results;
  }
}

export async function migrateToLatest(db: AnyDb): Promise<{ applied: string[] }> {
  const { error, results = [] } = await createMigrator(db).migrateToLatest();
  if (error) throw new MigrationError(error, results);
  return { applied: results.filter((r) => r.status === 'Success').map((r) => r.migrationName) };
}

/**
 * For the readiness probe: cheap (two small queries, no catalog introspection).
 * `unknown` lists migrations applied by a newer version of switchgate.
 */
export async function migrationStatus(db: AnyDb): Promise<{ pending: string[]; applied: string[]; unknown: string[] }> {
  const known = Object.keys(MIGRATIONS).sort();
  const { rows } = await sql<{ exists: boolean }>`select to_regclass(${MIGRATION_TABLE}) is not null as exists`.execute(db);
  let applied: string[] = [];
  if (rows[0]?.exists) {
    const result = await sql<{ name: string }>`select name from ${sql.table(MIGRATION_TABLE)} order by name`.execute(db);
    applied = result.rows.map((r) => r.name);
  }
  const done = new Set(applied);
  return {
    pending: known.filter((name) => !done.has(name)),
    applied,
    unknown: applied.filter((name) => !(name in MIGRATIONS)),
  };
}
