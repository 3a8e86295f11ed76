/**
 * Migration 0012 on a database that already holds rows: the event feed reads the same events in
 * the same order through the one (tx, seq) key that replaces two indexes, and signed messages
 * written before it keep their verification result inline and read back unchanged.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { describeEachBackend } from '../support/backends.js';
import { createMigrator } from '../../src/store/migrate.js';
import { readEvents, START } from '../../src/store/repos/events.js';
import { messagesOfCase } from '../../src/store/repos/messages.js';
import { toJson } from '../../src/store/schema.js';
import { insertSingleEventRows } from '../support/events.js';

describeEachBackend('migration 0012 on existing rows', ({ open }) => {
  it('keeps the feed and the signatures, and leaves events with one key on (tx, seq)', async () => {
    const store = await open({ migrate: false });
    const migrator = createMigrator(store.db);
    expect((await migrator.migrateTo('0011_idempotency_requests')).error).toBeUndefined();
    await insertSingleEventRows(store.db, 3);
    const signature = { verified: true, subject: 'CN=b', issuer: 'CN=b', serial: randomUUID(), algorithm: 'rsa-sha256' };
    await sql`INSERT INTO messages (message_id, case_id, type, direction, peer, status, body, signature)
      VALUES (${randomUUID()}, 'C0', 'VA-KUE-MRN', 'in', 'DEU.EKPB', 'accepted', '{}'::jsonb, ${toJson(signature)}::jsonb)`.execute(store.db);
    // the feed as the schema of 0011 holds it (today's reader needs 0019's columns)
    const { rows: before } = await sql<{ tx: string; seq: string; type: string; case_id: string; data: unknown; at: Date }>`
      SELECT tx::text AS tx, seq::text AS seq, type, case_id, data, at FROM events ORDER BY events.tx, events.seq`.execute(store.db);
    const feedBefore = before.map((r) => ({ cursor: `${r.tx}-${r.seq}`, type: r.type, caseId: r.case_id, data: r.data, at: new Date(r.at).toISOString() }));
    expect(feedBefore).toHaveLength(6);

    expect((await migrator.migrateToLatest()).error).toBeUndefined();
    expect(await readEvents(store.db, START, 100)).toEqual(feedBefore);
    // paging from a cursor taken before the migration
    expect(await readEvents(store.db, { tx: feedBefore[2]!.cursor.split('-')[0]!, seq: Number(feedBefore[2]!.cursor.split('-')[1]) }, 100)).toEqual(feedBefore.slice(3));
    expect((await messagesOfCase(store.db, 'C0')).map((m) => m.signature)).toEqual([signature]);

    const { rows: indexes } = await sql<{ name: string; def: string }>`
      SELECT indexname AS name, indexdef AS def FROM pg_indexes WHERE schemaname = 'public' AND tablename = 'events'`.execute(store.db);
    expect(indexes.map((i) => i.name)).toEqual(['events_pkey']);
    expect(indexes[0]!.def).toMatch(/UNIQUE INDEX events_pkey ON (public\.)?events USING btree \(tx, seq\)$/);
    // new events still take the next seq and the feed continues after them
    await sql`INSERT INTO events (type, case_id, data) VALUES ('case.closed', 'C9', '{}'::jsonb)`.execute(store.db);
    expect((await readEvents(store.db, START, 100)).map((e) => e.type).slice(-1)).toEqual(['case.closed']);

    // and back down to 0011: the two indexes as they were
    expect((await migrator.migrateTo('0011_idempotency_requests')).error).toBeUndefined();
    const { rows: after } = await sql<{ name: string }>`SELECT indexname AS name FROM pg_indexes WHERE schemaname = 'public' AND tablename = 'events' ORDER BY 1`.execute(store.db);
    expect(after.map((i) => i.name)).toEqual(['events_pkey', 'events_tx_seq_idx']);
    await store.close();
  });
});
