import { spawnSync } from 'node:child_process';
import { connect as tcpConnect, createServer as tcpServer, type Socket } from 'node:net';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { NO_MIGRATIONS, sql, type Kysely } from 'kysely';
import pg from 'pg';
import { describe, expect, it, vi } from 'vitest';
import { notifyIn, openDatabase, type Store } from '../../src/store/connect.js';
import { createMigrator, MIGRATION_TABLE, MIGRATIONS, migrateToLatest, migrationStatus } from '../../src/store/migrate.js';
import { TABLES, toJson, type Database } from '../../src/store/schema.js';
import { createTestDatabase, describeEachBackend, pgAdminUrl } from '../support/backends.js';
import { eventually } from '../support/http-pair.js';
import { allEvents } from '../support/events.js';
import { appendEvents, decodeCursor, readEvents } from '../../src/store/repos/events.js';
import { EVENTS_PER_ROW } from '../../src/store/event-groups.js';
import { caseHistory, updateCase, type CaseSnapshot } from '../../src/store/repos/cases.js';
import { messageIdNo } from '../support/message-ids.js';
import { storedDedupeKey } from '../../src/store/dedupe-keys.js';

// ------------------------------------------------------------------ helpers

/** Every migration, in order; later migrations must not break these tests. */
const ALL = Object.keys(MIGRATIONS).sort();
const KYSELY_TABLES = [MIGRATION_TABLE, `${MIGRATION_TABLE}_lock`];
const LATEST = { pending: [], applied: ALL, unknown: [] };

interface Deferred<T = void> {
  promise: Promise<T>;
  resolve(value: T): void;
}
function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** Resolves with the first value that satisfies `until`, or rejects after `ms`. */
function waitFor<T>(probe: () => T | undefined, ms = 5_000): Promise<T> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const tick = (): void => {
      const value = probe();
      if (value !== undefined) return resolve(value);
      if (Date.now() - started > ms) return reject(new Error(`timed out after ${ms} ms`));
      setTimeout(tick, 5);
    };
    tick();
  });
}

async function publicTables(db: Kysely<Database>): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`
    select tablename as name from pg_tables where schemaname = 'public' order by tablename`.execute(db);
  return rows.map((r) => r.name);
}

async function sequenceNames(db: Kysely<Database>): Promise<string[]> {
  const rows = await db.selectFrom('id_sequences').select('name').orderBy('name').execute();
  return rows.map((r) => r.name);
}

interface Cursor {
  tx: string;
  seq: number;
}
const START: Cursor = { tx: '0', seq: 0 };

/**
 * The event feed's visibility rule: only transactions older than the oldest one still running
 * are shown, in (tx, seq) order, so a cursor can never move past an event that commits later.
 * Read and written through the repository: events are stored grouped (src/store/event-groups.ts).
 */
async function readFeed(db: Kysely<Database>, after: Cursor, limit = 10_000) {
  const events = await readEvents(db, after, limit);
  return events.map((e) => ({ ...decodeCursor(e.cursor)!, type: e.type }));
}

function insertEvent(db: Kysely<Database>, type: string) {
  return appendEvents(db, [{ type, caseId: null, data: { type } }]);
}

const EXPECTED_COLUMNS: Record<string, string[]> = {
  cases: [
    'id text not null', 'procedure text not null', 'type text not null', 'role text not null',
    'peer text not null', 'state text not null', 'requested_date text null', 'switch_date text null',
    'open_change jsonb null', 'data jsonb not null', 'deadlines jsonb not null',
    'next_due_at timestamp with time zone null', 'overdue boolean not null', 'wholesale_order jsonb null',
    'version integer not null', 'created_at timestamp with time zone not null',
    'updated_at timestamp with time zone not null',
  ],
  messages: [
    'seq bigint not null', 'message_id text not null', 'case_id text not null', 'type text not null',
    'direction text not null', 'peer text not null', 'business_id text null', 'status text not null',
    'body jsonb not null', 'raw text null', 'raw_format text null', 'dedupe_key text null',
    'created_at timestamp with time zone not null', 'delivered_at timestamp with time zone null',
  ],
  case_history: [
    'id bigint not null', 'case_id text not null', 'from_state text null', 'to_state text not null',
    'message_seq bigint null', 'note text null', 'at timestamp with time zone not null',
  ],
  outbox: [
    'id bigint not null', 'message_id text not null', 'case_id text not null', 'kind text not null',
    'destination text not null', 'status text not null', 'attempts integer not null',
    'next_attempt_at timestamp with time zone not null', 'lease_owner text null',
    'lease_until timestamp with time zone null', 'last_error text null',
    'created_at timestamp with time zone not null', 'delivered_at timestamp with time zone null',
  ],
  dead_letters: [
    'id bigint not null', 'outbox_id bigint not null', 'message_id text not null', 'case_id text not null',
    'destination text not null', 'reason text not null', 'attempts integer not null',
    'created_at timestamp with time zone not null', 'replayed_at timestamp with time zone null',
  ],
  events: [
    'seq bigint not null', 'tx xid8 not null', 'type text not null', 'case_id text null', 'data jsonb not null',
    'at timestamp with time zone not null',
  ],
  idempotency_keys: [
    'principal text not null', 'key text not null', 'request_hash text not null', 'status_code integer not null',
    'response jsonb not null', 'created_at timestamp with time zone not null',
  ],
  id_sequences: ['name text not null', 'value bigint not null'],
  webhook_cursors: [
    'name text not null', 'last_tx text not null', 'last_seq bigint not null',
    'updated_at timestamp with time zone not null',
  ],
};

const EXPECTED_INDEXES: Record<string, string[]> = {
  cases: [
    'cases_created_idx', 'cases_next_due_idx', 'cases_overdue_idx', 'cases_peer_idx', 'cases_pkey',
    'cases_role_idx', 'cases_state_idx',
  ],
  messages: ['messages_case_idx', 'messages_dedupe_key_key', 'messages_message_id_key', 'messages_pkey'],
  case_history: ['case_history_case_idx', 'case_history_pkey'],
  outbox: ['outbox_case_idx', 'outbox_due_idx', 'outbox_pkey'],
  dead_letters: ['dead_letters_pkey'],
  events: ['events_pkey', 'events_tx_seq_idx'],
  idempotency_keys: ['idempotency_keys_created_idx', 'idempotency_keys_pkey'],
  id_sequences: ['id_sequences_pkey'],
  webhook_cursors: ['webhook_cursors_pkey'],
};

const A_CASE = {
  id: 'DEU.EKPA.VH00000001',
  procedure: 'wbci',
  type: 'VA-KUE-MRN',
  role: 'recipient' as const,
  peer: 'DEU.EKPB',
  state: 'VA_SENT',
  requested_date: '2026-12-15',
  switch_date: null,
  data: toJson({ customer: { lastName: 'Muster' }, numbers: ['891234567'] }),
};

// ------------------------------------------------------------------ both backends

describeEachBackend('store', ({ backend, open }) => {
  it('applies the migrations once, then finds nothing to do', async () => {
    expect(ALL[0]).toBe('0001_init');
    const store = await open({ migrate: false });
    expect(await migrationStatus(store.db)).toEqual({ pending: ALL, applied: [], unknown: [] });
    expect(await publicTables(store.db)).toEqual([]);

    expect(await migrateToLatest(store.db)).toEqual({ applied: ALL });
    expect(await migrateToLatest(store.db)).toEqual({ applied: [] });

    expect(await migrationStatus(store.db)).toEqual(LATEST);
    const tables = await publicTables(store.db);
    expect(tables).toEqual(expect.arrayContaining([...TABLES, ...KYSELY_TABLES]));
    await store.close();
  });

  it('reports migrations applied by a newer version as unknown, not pending', async () => {
    const store = await open();
    await sql`insert into ${sql.table(MIGRATION_TABLE)} (name, timestamp) values ('9999_future', 'x')`.execute(store.db);
    expect(await migrationStatus(store.db)).toEqual({
      pending: [],
      applied: [...ALL, '9999_future'],
      unknown: ['9999_future'],
    });
    await expect(migrateToLatest(store.db)).rejects.toThrow(/9999_future is missing/);
    await store.close();
  });

  it('migrates down to an empty schema and up again', async () => {
    const store = await open();
    const { error, results } = await createMigrator(store.db).migrateTo(NO_MIGRATIONS);
    expect(error).toBeUndefined();
    expect(results?.map((r) => [r.migrationName, r.direction, r.status]))
      .toEqual([...ALL].reverse().map((name) => [name, 'Down', 'Success']));
    expect(await publicTables(store.db)).toEqual(KYSELY_TABLES);
    const { rows: leftovers } = await sql<{ name: string }>`
      select relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'public' and relkind in ('S', 'v', 'm') order by relname`.execute(store.db);
    expect(leftovers).toEqual([]);
    expect(await migrateToLatest(store.db)).toEqual({ applied: ALL });
    await store.close();
  });

  it('0001_init creates every column with the specified type and nullability, and every index', async () => {
    const store = await open({ migrate: false });
    const { error } = await createMigrator(store.db).migrateTo('0001_init');
    expect(error).toBeUndefined();
    const { rows: columns } = await sql<{ table: string; column: string; type: string; notnull: boolean }>`
      select c.relname as table, a.attname as column, format_type(a.atttypid, a.atttypmod) as type,
             a.attnotnull as notnull
      from pg_attribute a
      join pg_class c on c.oid = a.attrelid
      join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'public' and c.relkind = 'r' and a.attnum > 0 and not a.attisdropped
        and c.relname not like 'kysely%'
      order by c.relname, a.attnum`.execute(store.db);
    const actual: Record<string, string[]> = {};
    for (const c of columns) {
      (actual[c.table] ??= []).push(`${c.column} ${c.type} ${c.notnull ? 'not null' : 'null'}`);
    }
    expect(actual).toEqual(EXPECTED_COLUMNS);

    const { rows: indexes } = await sql<{ table: string; name: string; def: string }>`
      select tablename as table, indexname as name, indexdef as def
      from pg_indexes where schemaname = 'public' and tablename not like 'kysely%'
      order by tablename, indexname`.execute(store.db);
    const actualIndexes: Record<string, string[]> = {};
    for (const i of indexes) (actualIndexes[i.table] ??= []).push(i.name);
    expect(actualIndexes).toEqual(EXPECTED_INDEXES);
    const def = (name: string): string | undefined => indexes.find((i) => i.name === name)?.def;
    expect(def('outbox_due_idx')).toMatch(/\(next_attempt_at\) WHERE \(status = 'pending'::text\)$/);
    expect(def('cases_overdue_idx')).toMatch(/\(created_at, id\) WHERE overdue$/);
    expect(def('events_tx_seq_idx')).toMatch(/\(tx, seq\)$/);
    expect(def('messages_case_idx')).toMatch(/\(case_id, seq\)$/);
    await store.close();
  });

  it('fills the defaults and returns the same JS types on both backends', async () => {
    const store = await open();
    const { db } = store;
    await db.insertInto('cases').values(A_CASE).execute();
    const row = await db.selectFrom('cases').selectAll().where('id', '=', A_CASE.id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({
      requested_date: '2026-12-15',
      switch_date: null,
      open_change: null,
      data: { customer: { lastName: 'Muster' }, numbers: ['891234567'] },
      deadlines: [],
      next_due_at: null,
      overdue: false,
      wholesale_order: null,
      version: 1,
    });
    expect(row.created_at).toBeInstanceOf(Date);
    expect(Math.abs(row.created_at.getTime() - Date.now())).toBeLessThan(60_000);

    // A JSON array must arrive as a JSON array (node-postgres would make it a PostgreSQL array).
    const deadlines = [{ name: 'answer', dueAt: '2026-12-03T23:00:00.000Z', overdue: false }];
    const dueAt = new Date('2026-12-03T23:00:00.000Z');
    await db
      .updateTable('cases')
      .set({ deadlines: toJson(deadlines), next_due_at: dueAt, version: sql<number>`version + 1` })
      .where('id', '=', A_CASE.id)
      .execute();
    const updated = await db
      .selectFrom('cases')
      .select(['deadlines', 'next_due_at', 'version'])
      .where('id', '=', A_CASE.id)
      .executeTakeFirstOrThrow();
    expect(updated).toEqual({ deadlines, next_due_at: dueAt, version: 2 });

    const msg = await db
      .insertInto('messages')
      .values({
        message_id: messageIdNo(1), case_id: A_CASE.id, type: 'VA-KUE-MRN', direction: 'out', peer: 'DEU.EKPB',
        business_id: null, status: 'pending', body: toJson({ a: 1 }), raw: '<xml/>', raw_format: 'soap',
        dedupe_key: null,
      })
      .returning(['seq', 'created_at'])
      .executeTakeFirstOrThrow();
    expect(msg.seq).toBe(1);
    expect(msg.created_at).toBeInstanceOf(Date);

    const event = await db.insertInto('events').values({ type: 'case.created', case_id: A_CASE.id })
      .returning(['seq', 'tx', 'data']).executeTakeFirstOrThrow();
    // the sequence steps by a row's capacity of events (0019)
    expect(event.seq).toBe(EVENTS_PER_ROW);
    expect(event.tx).toMatch(/^[1-9]\d*$/);
    expect(event.data).toEqual({});

    const out = await db.insertInto('outbox')
      .values({ message_id: messageIdNo(1), case_id: A_CASE.id, kind: 'peer', destination: 'DEU.EKPB' })
      .returning(['id', 'status', 'attempts', 'next_attempt_at', 'lease_owner']).executeTakeFirstOrThrow();
    expect(out).toMatchObject({ id: 1, status: 'pending', attempts: 0, lease_owner: null });
    expect(out.next_attempt_at).toBeInstanceOf(Date);

    const { count } = await db.selectFrom('messages').select((eb) => eb.fn.countAll<number>().as('count'))
      .executeTakeFirstOrThrow();
    expect(count).toBe(1);

    const { rows: [scalars] } = await sql<Record<string, unknown>>`
      select 9007199254740991::int8 as max_safe, array[1, 2]::int8[] as int8s, '2026-12-15'::date as d,
             array['2026-12-15'::date] as ds, '2026-12-15 10:00'::timestamp as ts,
             '2026-12-15 10:00+01'::timestamptz as tstz, '1 day'::interval as iv, 1.50::numeric as num,
             '{"k": [1, "x", null]}'::jsonb as j, true as b, 7::int4 as i4, current_setting('TimeZone') as tz`
      .execute(db);
    expect(scalars).toEqual({
      max_safe: 9007199254740991,
      int8s: [1, 2],
      d: '2026-12-15',
      ds: ['2026-12-15'],
      ts: '2026-12-15 10:00:00',
      tstz: new Date('2026-12-15T09:00:00.000Z'),
      iv: '1 day',
      num: '1.50',
      j: { k: [1, 'x', null] },
      b: true,
      i4: 7,
      tz: 'UTC',
    });

    // Beyond 2^53 an int8 cannot be a JS number: the query fails instead of rounding.
    await expect(sql`select 9007199254740993::int8 as too_big`.execute(db)).rejects.toThrow(
      /9007199254740993 does not fit a JS number/,
    );
    expect((await sql<{ one: number }>`select 1::int8 as one`.execute(db)).rows).toEqual([{ one: 1 }]);
    await store.close();
  });

  it('enforces the constraints (unique message id and dedupe key, enums, date format)', async () => {
    const store = await open();
    const { db } = store;
    const message = {
      message_id: messageIdNo(1), case_id: 'c', type: 'T', direction: 'in' as const, peer: 'p', business_id: null,
      status: 's', body: toJson({}), raw: null, raw_format: null, dedupe_key: storedDedupeKey('k-1'),
    };
    await db.insertInto('messages').values(message).execute();
    await expect(db.insertInto('messages').values({ ...message, dedupe_key: storedDedupeKey('k-2') }).execute())
      .rejects.toMatchObject({ code: '23505', constraint: 'messages_pkey' });
    await expect(db.insertInto('messages').values({ ...message, message_id: messageIdNo(2) }).execute())
      .rejects.toMatchObject({ code: '23505', constraint: 'messages_dedupe_key_key' });
    // Several messages without a dedupe key are fine.
    await db.insertInto('messages').values([
      { ...message, message_id: messageIdNo(3), dedupe_key: null },
      { ...message, message_id: messageIdNo(4), dedupe_key: null },
    ]).execute();
    // a message id is a UUID (0027): anything else is refused, not stored
    await expect(db.insertInto('messages').values({ ...message, message_id: 'm-5', dedupe_key: null }).execute())
      .rejects.toMatchObject({ code: '22P02' });

    await expect(db.insertInto('cases').values({ ...A_CASE, requested_date: '15.12.2026' }).execute())
      .rejects.toMatchObject({ code: '23514', constraint: 'cases_requested_date_check' });
    await expect(sql`insert into outbox (message_id, case_id, kind, destination) values (${messageIdNo(9)}, 'c', 'fax', 'd')`
      .execute(db)).rejects.toMatchObject({ code: '23514', constraint: 'outbox_kind_check' });
    await expect(sql`insert into outbox (message_id, case_id, kind, destination, status)
      values (${messageIdNo(9)}, 'c', 'peer', 'd', 'lost')`.execute(db))
      .rejects.toMatchObject({ code: '23514', constraint: 'outbox_status_check' });

    // a case's history is appended in its row (0020) by the update that moves it; an update without transitions leaves it alone
    await db.insertInto('cases').values(A_CASE).execute();
    const snapshot = (state: string): CaseSnapshot => ({
      id: A_CASE.id, procedure: A_CASE.procedure, type: A_CASE.type, role: A_CASE.role, peer: A_CASE.peer, state, requestedDate: A_CASE.requested_date ?? null,
      switchDate: null, openChange: null, data: {}, deadlines: [], nextDueAt: null, overdue: false,
    });
    await updateCase(db, snapshot('NEW'), [{ from: null, to: 'NEW', note: 'opened "here"' }]);
    await updateCase(db, snapshot('NEW'));
    await updateCase(db, snapshot('AGREED'), [{ from: 'NEW', to: 'AGREED', note: null }]);
    expect((await caseHistory(db, A_CASE.id)).map((h) => [h.from_state, h.to_state, h.note])).toEqual([[null, 'NEW', 'opened "here"'], ['NEW', 'AGREED', null]]);
    expect(await caseHistory(db, 'nope')).toEqual([]);
    await store.close();
  });

  it('fails the commit of a transaction in which a statement failed (nothing is silently lost)', async () => {
    const store = await open();
    const { db } = store;
    await expect(
      db.transaction().execute(async (trx) => {
        await trx.insertInto('id_sequences').values({ name: 'kept?', value: 1 }).execute();
        await sql`select 1 / 0`.execute(trx).catch(() => undefined); // swallowed by a careless caller
      }),
    ).rejects.toMatchObject({ code: '25P02', name: 'TransactionRolledBackError' });
    expect(await sequenceNames(db)).toEqual([]);
    // The connection is usable afterwards.
    await db.insertInto('id_sequences').values({ name: 'after', value: 1 }).execute();
    expect(await sequenceNames(db)).toEqual(['after']);
    await store.close();
  });

  it('never runs a query inside another caller\'s open transaction, nor shows its uncommitted writes', async () => {
    const store = await open();
    const { db } = store;
    const log: string[] = [];
    const inserted = deferred();
    const t1 = db.transaction().execute(async (trx) => {
      await trx.insertInto('id_sequences').values({ name: 't1', value: 1 }).execute();
      inserted.resolve();
      await sleep(250);
      log.push('t1 rolls back');
      throw new Error('t1 aborts');
    });
    await inserted.promise;
    // While t1 is open: a plain write and a reading transaction from other callers.
    const plain = db.insertInto('id_sequences').values({ name: 'plain', value: 1 }).execute()
      .then(() => log.push('plain committed'));
    const t2 = db.transaction().execute(async (trx) => {
      const seen = await sequenceNames(trx);
      await trx.insertInto('id_sequences').values({ name: 't2', value: 1 }).execute();
      log.push('t2 commits');
      return seen;
    });
    await expect(t1).rejects.toThrow('t1 aborts');
    await plain;
    const seenByT2 = await t2;
    expect(seenByT2).not.toContain('t1'); // t1's row was never visible: not before rollback, not after
    expect(await sequenceNames(db)).toEqual(['plain', 't2']); // neither write was swallowed by t1's rollback
    if (backend === 'pglite') {
      // One connection: the others waited for t1 instead of joining it.
      expect(log).toEqual(['t1 rolls back', 'plain committed', 't2 commits']);
      expect(seenByT2).toEqual(['plain']);
    } else {
      expect(log.indexOf('t1 rolls back')).toBe(2); // separate connections did not wait
    }
    await store.close();
  });

  it('keeps concurrent read-modify-write transactions consistent', async () => {
    const store = await open();
    const { db } = store;
    await db.insertInto('id_sequences').values({ name: 'counter', value: 0 }).execute();
    const n = 12;
    const seenByEach = await Promise.all(
      Array.from({ length: n }, (_, i) =>
        db.transaction().execute(async (trx) => {
          const { value } = await trx.selectFrom('id_sequences').select('value').where('name', '=', 'counter')
            .forUpdate().executeTakeFirstOrThrow();
          await sleep(i % 3); // interleave the awaits
          await trx.updateTable('id_sequences').set({ value: value + 1 }).where('name', '=', 'counter').execute();
          const after = await trx.selectFrom('id_sequences').select('value').where('name', '=', 'counter')
            .executeTakeFirstOrThrow();
          return [value, after.value];
        }),
      ),
    );
    const { value } = await db.selectFrom('id_sequences').select('value').where('name', '=', 'counter')
      .executeTakeFirstOrThrow();
    expect(value).toBe(n);
    // Each transaction saw a distinct committed value and its own write.
    expect(seenByEach.map(([before]) => before).sort((a, b) => a - b)).toEqual([...Array(n).keys()]);
    for (const [before, after] of seenByEach) expect(after).toBe(before + 1);
    await store.close();
  });

  it('supports savepoints inside a transaction', async () => {
    const store = await open();
    const { db } = store;
    const trx = await db.startTransaction().execute();
    await trx.insertInto('id_sequences').values({ name: 'a', value: 1 }).execute();
    const sp = await trx.savepoint('sp1').execute();
    await sp.insertInto('id_sequences').values({ name: 'b', value: 1 }).execute();
    await sp.rollbackToSavepoint('sp1').execute();
    await trx.insertInto('id_sequences').values({ name: 'c', value: 1 }).execute();
    await trx.commit().execute();
    expect(await sequenceNames(db)).toEqual(['a', 'c']);
    await store.close();
  });

  it('shows events in (tx, seq) order once committed, never rolled-back or own uncommitted ones', async () => {
    const store = await open();
    const { db } = store;
    await db.transaction().execute(async (trx) => {
      await insertEvent(trx, 'e1');
      await insertEvent(trx, 'e2');
    });
    await db.transaction().execute(async (trx) => {
      await insertEvent(trx, 'rolled-back');
      throw new Error('rollback');
    }).catch(() => undefined);
    await insertEvent(db, 'e3');

    // the feed shows a transaction's events once no older transaction is open anywhere in the
    // cluster (pg_snapshot_xmin): another test file's transaction can hold them back for a moment
    const all = await eventually(async () => {
      const feed = await readFeed(db, START);
      expect(feed.map((e) => e.type)).toEqual(['e1', 'e2', 'e3']);
      return feed;
    });
    expect(all[0].tx).toBe(all[1].tx);
    expect(BigInt(all[2].tx)).toBeGreaterThan(BigInt(all[1].tx));
    expect((await readFeed(db, all[1])).map((e) => e.type)).toEqual(['e3']);
    expect(await readFeed(db, all[2])).toEqual([]);

    const inside = await db.transaction().execute(async (trx) => {
      await insertEvent(trx, 'e4');
      return readFeed(trx, all[2]);
    });
    expect(inside).toEqual([]);
    expect((await readFeed(db, all[2])).map((e) => e.type)).toEqual(['e4']);
    await store.close();
  });

  it('delivers NOTIFY to listeners, on commit only, and stops after unlisten', async () => {
    const store = await open();
    const { db } = store;
    const got: string[] = [];
    const other: string[] = [];
    const unlisten = await store.listen!('sg_test', (p) => got.push(p));
    const unlistenOther = await store.listen!('sg_test', (p) => other.push(p));

    await store.notify('sg_test', 'hello');
    await waitFor(() => (got.length === 1 ? true : undefined));
    expect(got).toEqual(['hello']);

    // Inside a transaction the notification waits for the commit; a rollback drops it.
    await db.transaction().execute(async (trx) => {
      await notifyIn(trx, 'sg_test', 'in-tx');
      await sleep(50);
      expect(got).toEqual(['hello']);
    });
    await db.transaction().execute(async (trx) => {
      await notifyIn(trx, 'sg_test', 'rolled-back');
      throw new Error('rollback');
    }).catch(() => undefined);
    await store.notify('sg_test', 'after');
    await waitFor(() => (got.includes('after') ? true : undefined));
    expect(got).toEqual(['hello', 'in-tx', 'after']);

    await unlisten();
    await store.notify('sg_test', 'late');
    await waitFor(() => (other.includes('late') ? true : undefined));
    await new Promise((r) => setImmediate(r));
    expect(got).toEqual(['hello', 'in-tx', 'after']);
    expect(other).toEqual(['hello', 'in-tx', 'after', 'late']);
    await unlistenOther();

    await expect(store.listen!('Bad-Channel', () => {})).rejects.toThrow(/invalid NOTIFY channel "Bad-Channel"/);
    await expect(store.notify('x; drop table cases', '')).rejects.toThrow(/invalid NOTIFY channel/);
    await store.close();
  });

  it('survives a listener that throws', async () => {
    const store = await open();
    const got: string[] = [];
    await store.listen!('sg_throw', () => {
      throw new Error('bad handler');
    });
    await store.listen!('sg_throw', (p) => got.push(p));
    await store.notify('sg_throw', 'one');
    await waitFor(() => (got.length === 1 ? true : undefined));
    await store.db.insertInto('id_sequences').values({ name: 'still-works', value: 1 }).execute();
    expect(await sequenceNames(store.db)).toEqual(['still-works']);
    await store.close();
  });

  it.runIf(backend === 'postgres')('hands a query\'s rows over apart from pg\'s result object, which outlives the query', async () => {
    // what pg itself answered, as the pooled client's own query method returns it
    const answered: pg.QueryResult[] = [];
    const original = pg.Client.prototype.query;
    const spy = vi.spyOn(pg.Client.prototype, 'query').mockImplementation(function (this: pg.Client, ...args: unknown[]) {
      const out = (original as (...a: unknown[]) => unknown).apply(this, args);
      if (out instanceof Promise) void out.then((r: pg.QueryResult | pg.QueryResult[]) => answered.push(...(Array.isArray(r) ? r : [r])), () => undefined);
      return out;
    } as typeof original);
    try {
      const store = await open();
      await store.db.insertInto('id_sequences').values([{ name: 'a', value: 1 }, { name: 'b', value: 2 }]).execute();
      answered.length = 0;
      expect(await sequenceNames(store.db)).toEqual(['a', 'b']);
      const { rows } = await sql<{ n: number }>`select 2 as n`.execute(store.db);
      expect(rows).toEqual([{ n: 2 }]);
      // the caller got its rows; pg's result objects keep none of them
      expect(answered.length).toBe(2);
      expect(answered.map((r) => r.rows.length)).toEqual(answered.map(() => 0));
      await store.close();
    } finally {
      spy.mockRestore();
    }
  });

  it.runIf(backend === 'pglite')('rolls back a transaction left open on a released connection', async () => {
    const store = await open();
    const { db } = store;
    await db.connection().execute(async (conn) => {
      await sql`begin`.execute(conn);
      await conn.insertInto('id_sequences').values({ name: 'leaked', value: 1 }).execute();
    });
    await db.insertInto('id_sequences').values({ name: 'after', value: 1 }).execute();
    expect(await sequenceNames(db)).toEqual(['after']);
    await store.close();
  });

  it.runIf(backend === 'pglite')('streams query results in chunks', async () => {
    const store = await open();
    const { db } = store;
    await db.insertInto('id_sequences')
      .values(Array.from({ length: 5 }, (_, i) => ({ name: `s${i}`, value: i }))).execute();
    const names: string[] = [];
    for await (const row of db.selectFrom('id_sequences').select('name').orderBy('name').stream(2)) {
      names.push(row.name);
    }
    expect(names).toEqual(['s0', 's1', 's2', 's3', 's4']);
    await store.close();
  });
});

// ------------------------------------------------------------------ PGlite only

describe('PGlite on disk (DATA_DIR)', () => {
  it('keeps committed rows across close and reopen', async () => {
    const root = mkdtempSync(join(tmpdir(), 'switchgate-datadir-'));
    const dataDir = join(root, 'nested', 'data'); // created on demand
    try {
      const first = await openDatabase({ dataDir });
      expect(first.kind).toBe('pglite');
      expect(await migrateToLatest(first.db)).toEqual({ applied: ALL });
      await first.db.insertInto('cases').values(A_CASE).execute();
      await insertEvent(first.db, 'before-restart');
      await first.close();

      const second = await openDatabase({ dataDir });
      expect(await migrationStatus(second.db)).toEqual(LATEST);
      expect(await migrateToLatest(second.db)).toEqual({ applied: [] });
      const row = await second.db.selectFrom('cases').select(['id', 'state', 'data'])
        .where('id', '=', A_CASE.id).executeTakeFirst();
      expect(row).toEqual({ id: A_CASE.id, state: 'VA_SENT', data: { customer: { lastName: 'Muster' }, numbers: ['891234567'] } });
      await insertEvent(second.db, 'after-restart');
      expect((await readFeed(second.db, START)).map((e) => [e.seq, e.type]))
        .toEqual([[EVENTS_PER_ROW, 'before-restart'], [2 * EVENTS_PER_ROW, 'after-restart']]);
      await second.close();
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('refuses a DATA_DIR that is already open, and takes over the lock of a dead process', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'switchgate-datadir-'));
    const lockFile = join(dataDir, 'switchgate.pid');
    try {
      const first = await openDatabase({ dataDir });
      expect(readFileSync(lockFile, 'utf8')).toBe(`${process.pid}\n`);
      await expect(openDatabase({ dataDir })).rejects.toThrow(`DATA_DIR ${dataDir} is already open in this process`);
      await first.close();
      expect(existsSync(lockFile)).toBe(false);

      // A live process holds it: refused.
      writeFileSync(lockFile, `${process.ppid}\n`);
      await expect(openDatabase({ dataDir })).rejects.toThrow(`DATA_DIR ${dataDir} is in use by process ${process.ppid}`);

      // The holder died (kill -9): its lock is stale and taken over.
      const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
      writeFileSync(lockFile, `${dead.stdout}\n`);
      const second = await openDatabase({ dataDir });
      expect(readFileSync(lockFile, 'utf8')).toBe(`${process.pid}\n`);
      await second.close();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('refuses to open without a target and rejects a non-PostgreSQL URL', async () => {
    await expect(openDatabase({})).rejects.toThrow(/set databaseUrl \(PostgreSQL\), dataDir \(embedded PGlite\) or inMemory/);
    await expect(openDatabase({ databaseUrl: 'mysql://x/y' })).rejects.toThrow(/must start with postgres:\/\//);
  });
});

// ------------------------------------------------------------------ PostgreSQL only (several connections)

describe.skipIf(!pgAdminUrl())('PostgreSQL with several replicas', () => {
  async function replicas(n: number) {
    const database = await createTestDatabase();
    const stores: Store[] = [];
    for (let i = 0; i < n; i++) stores.push(await openDatabase({ databaseUrl: database.url, poolSize: 4 }));
    return {
      stores,
      close: async () => {
        await Promise.all(stores.map((s) => s.close()));
        await database.drop();
      },
    };
  }

  it('applies migrations exactly once when replicas start at the same time', async () => {
    for (let round = 0; round < 3; round++) {
      const { stores, close } = await replicas(4);
      try {
        const results = await Promise.all(stores.map((s) => migrateToLatest(s.db)));
        expect(results.map((r) => r.applied).sort()).toEqual([[], [], [], ALL]);
        for (const s of stores) expect(await migrationStatus(s.db)).toEqual(LATEST);
        expect(await publicTables(stores[0].db)).toEqual(expect.arrayContaining([...TABLES, ...KYSELY_TABLES]));
      } finally {
        await close();
      }
    }
  });

  it('delivers a NOTIFY from one replica to another, and again after the LISTEN connection dies', async () => {
    const { stores: [a, b], close } = await replicas(2);
    try {
      const got: string[] = [];
      await b.listen!('sg_wake', (p) => got.push(p));
      await a.notify('sg_wake', 'from-a');
      await waitFor(() => (got.includes('from-a') ? true : undefined));

      const { rows } = await sql<{ n: number }>`
        select count(pg_terminate_backend(pid))::int as n from pg_stat_activity
        where application_name = 'switchgate-listen' and datname = current_database()`.execute(a.db);
      expect(rows).toEqual([{ n: 1 }]);
      // Notifications sent while b reconnects may be lost (they are hints); keep sending until one lands.
      let i = 0;
      await waitFor(() => {
        void a.notify('sg_wake', `retry-${i++}`).catch(() => undefined);
        return got.some((p) => p.startsWith('retry-')) ? true : undefined;
      }, 10_000);
    } finally {
      await close();
    }
  });

  it('closes at once while the LISTEN connection reconnects to a server that accepts and never answers', async () => {
    const database = await createTestDatabase();
    // a loopback proxy to the database that, once `silent`, accepts new connections and says nothing
    const target = new URL(database.url);
    let silent = false;
    let attemptsWhileSilent = 0;
    const sockets = new Set<Socket>();
    const proxy = tcpServer((client) => {
      sockets.add(client);
      client.on('close', () => sockets.delete(client));
      client.on('error', () => undefined);
      if (silent) return void attemptsWhileSilent++;
      const server = tcpConnect(Number(target.port), target.hostname);
      sockets.add(server);
      server.on('error', () => client.destroy());
      client.on('error', () => server.destroy());
      client.pipe(server).pipe(client);
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    const viaProxy = new URL(database.url);
    viaProxy.host = `127.0.0.1:${(proxy.address() as { port: number }).port}`;
    const store = await openDatabase({ databaseUrl: viaProxy.toString(), poolSize: 2 });
    try {
      await store.listen!('sg_wake', () => undefined);
      silent = true;
      const { rows } = await sql<{ n: number }>`
        select count(pg_terminate_backend(pid))::int as n from pg_stat_activity
        where application_name = 'switchgate-listen' and datname = current_database()`.execute(store.db);
      expect(rows).toEqual([{ n: 1 }]);
      // the listener reconnects (after 250 ms) into the silence
      await waitFor(() => (attemptsWhileSilent > 0 ? true : undefined));
      // before the fix: close() waited for that connect, which never ends
      const closing = store.close().then(() => 'closed');
      expect(await Promise.race([closing, sleep(3_000).then(() => 'still closing')])).toBe('closed');
    } finally {
      await store.close();
      for (const sock of sockets) sock.destroy();
      await new Promise((r) => proxy.close(r));
      await database.drop();
    }
  });

  it('keeps the event feed gapless: a later transaction stays hidden while an earlier one is open', async () => {
    const { stores: [store], close } = await replicas(1);
    const { db } = store;
    try {
      await migrateToLatest(db);
      const aInserted = deferred();
      const bCommitted = deferred();
      const aMayCommit = deferred();
      const a = db.transaction().execute(async (trx) => {
        await insertEvent(trx, 'a1'); // transaction A gets its xid here
        aInserted.resolve();
        await bCommitted.promise;
        await insertEvent(trx, 'a2'); // a seq number higher than B's
        await aMayCommit.promise;
      });
      try {
        await aInserted.promise;
        await db.transaction().execute((trx) => insertEvent(trx, 'b1'));
        bCommitted.resolve();

        // B is committed and visible to a plain read, so a seq-only cursor would already be past
        // A's first event. The feed shows nothing until A is done.
        const plain = await allEvents(db);
        expect(plain.map((e) => e.type)).toEqual(['b1']);
        expect(await readFeed(db, START)).toEqual([]);
      } finally {
        bCommitted.resolve();
        aMayCommit.resolve();
        await a;
      }
      // xmin is cluster-wide: a transaction of another test's database may still hold the feed back
      // for a moment, so wait until A's events show — they must then come in (tx, seq) order
      let feed = await readFeed(db, START);
      for (const until = Date.now() + 15_000; feed.length < 3 && Date.now() < until; ) {
        await new Promise((r) => setTimeout(r, 50));
        feed = await readFeed(db, START);
      }
      expect(feed.map((e) => e.type)).toEqual(['a1', 'a2', 'b1']);
      const [a1, a2, b1] = feed.map((e) => e.seq);
      expect(a1! < b1! && b1! < a2!).toBe(true);
    } finally {
      await close();
    }
  });

  it('keeps the event feed gapless under random concurrent writers', async () => {
    const { stores: [store], close } = await replicas(1);
    const { db } = store;
    try {
      await migrateToLatest(db);
      const writers = 3;
      const txPerWriter = 15;
      let writing = true;
      const collected: { tx: string; seq: number; type: string }[] = [];
      let cursor = START;
      const poll = async (): Promise<void> => {
        const batch = await readFeed(db, cursor, 7);
        for (const e of batch) collected.push(e);
        if (batch.length > 0) cursor = batch[batch.length - 1];
      };
      const reader = (async () => {
        while (writing) {
          await poll();
          await sleep(1);
        }
      })();
      let rolledBack = 0;
      await Promise.all(
        Array.from({ length: writers }, async (_, w) => {
          for (let t = 0; t < txPerWriter; t++) {
            const abort = (w + t) % 7 === 3;
            await db.transaction().execute(async (trx) => {
              for (let k = 0; k < 1 + ((w + t) % 3); k++) {
                await insertEvent(trx, `w${w}-t${t}-e${k}`);
                await sleep((w * 7 + t * 3 + k) % 4);
              }
              if (abort) throw new Error('abort');
            }).catch((err: Error) => {
              if (err.message !== 'abort') throw err;
              rolledBack++;
            });
          }
        }),
      );
      writing = false;
      await reader;
      for (;;) {
        const before = collected.length;
        await poll();
        if (collected.length === before) break;
      }

      const everything = (await allEvents(db)).map((e) => ({ tx: e.tx, seq: e.seq, type: e.type }));
      expect(rolledBack).toBeGreaterThan(0);
      expect(everything.length).toBeGreaterThan(writers * txPerWriter);
      expect(collected).toEqual(everything); // nothing skipped, nothing twice, same order
    } finally {
      await close();
    }
  });
});
