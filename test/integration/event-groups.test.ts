/**
 * The event feed stored a row per case and transaction (0019, src/store/event-groups.ts): a step's
 * events of one case share a row, compressed; every position keeps its `tx-seq` cursor, paging from
 * any of them — inside a row too — gives exactly what follows, rows written before 0019 read as
 * before, and the dictionaries keep no customer data.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { describeEachBackend } from '../support/backends.js';
import { eventually } from '../support/http-pair.js';
import { allEvents, countEvents } from '../support/events.js';
import { writeCaseOpenings, writeCaseStep, type CaseStep } from '../../src/store/repos/case-writes.js';
import { appendEvents, decodeCursor, readEventAt, readEvents, START, type FeedEvent, type NewDomainEvent } from '../../src/store/repos/events.js';
import { webhookLag } from '../../src/store/repos/ops.js';
import { createMigrator } from '../../src/store/migrate.js';
import { EVENTS_PER_ROW } from '../../src/store/event-groups.js';
import type { Store } from '../../src/store/connect.js';
import { insertSingleEventRows } from '../support/events.js';

const ev = (type: string, caseId: string | null, data: unknown = {}): NewDomainEvent => ({ type, caseId, data });
const eventsStep = (events: NewDomainEvent[]): CaseStep => ({ caseWrite: 'none', messages: [], outbox: [], history: [], events });

/** The whole feed once every event is visible to it (the cluster's xmin may lag a moment). */
async function wholeFeed(store: Store): Promise<FeedEvent[]> {
  const stored = await countEvents(store.db);
  return eventually(async () => {
    const feed = await readEvents(store.db, START, 10_000);
    expect(feed).toHaveLength(stored);
    return feed;
  });
}

/** Pages the feed from `after` with page size `limit` to its end. */
async function pageThrough(store: Store, after: string | null, limit: number): Promise<FeedEvent[]> {
  const out: FeedEvent[] = [];
  let cursor = after === null ? START : decodeCursor(after)!;
  for (;;) {
    const page = await readEvents(store.db, cursor, limit);
    expect(page.length).toBeLessThanOrEqual(limit);
    if (page.length === 0) return out;
    out.push(...page);
    cursor = decodeCursor(page.at(-1)!.cursor)!;
  }
}

describeEachBackend('event feed stored a row per case and transaction', ({ open }) => {
  it('a step’s events of a case share a row; every cursor, inside a row too, pages to exactly what follows', async () => {
    const store = await open();
    const written = [
      // one step: four events of one case
      [ev('message.received', 'C1', { type: 'RUEM-VA', messageId: randomUUID() }), ev('case.agreed', 'C1', { switchDate: '2027-01-15' }), ev('message.queued', 'C1', { type: 'AKM-TR' }), ev('case.tr-notified', 'C1', { attempt: 1 })],
      // one statement, cases interleaved: runs keep the written order
      [ev('a', 'C2'), ev('b', 'C3'), ev('c', 'C2'), ev('d', 'C2')],
      // events without a case
      [ev('system.x', null, { n: 1 }), ev('system.y', null)],
    ];
    await writeCaseStep(store.db, eventsStep(written[0]!));
    await appendEvents(store.db, written[1]!);
    await store.db.transaction().execute((trx) => appendEvents(trx, written[2]!));

    const rows = await store.db.selectFrom('events').select(['case_id', 'n', 'type', 'data']).orderBy('tx').orderBy('seq').execute();
    expect(rows.map((r) => [r.case_id, r.n])).toEqual([['C1', 4], ['C2', 1], ['C3', 1], ['C2', 2], [null, 2]]);
    // nothing readable left in the columns of a grouped row
    expect(rows.every((r) => r.type === null && r.data === null)).toBe(true);

    const feed = await wholeFeed(store);
    expect(feed.map((e) => [e.type, e.caseId, e.data])).toEqual(written.flat().map((e) => [e.type, e.caseId, e.data]));
    // cursors: one transaction's rows and the positions inside a row are consecutive seqs
    const cursors = feed.map((e) => decodeCursor(e.cursor)!);
    expect(cursors.slice(0, 4).map((c) => c.seq - cursors[0]!.seq)).toEqual([0, 1, 2, 3]);
    expect(cursors[0]!.seq % EVENTS_PER_ROW).toBe(0);
    expect(new Set(feed.map((e) => e.cursor)).size).toBe(feed.length);

    // from every position, with pages of 1, 2 and 3: exactly the rest, in order, nothing twice
    for (const [i, e] of [null, ...feed].entries()) {
      for (const limit of [1, 2, 3]) expect(await pageThrough(store, e?.cursor ?? null, limit), `after #${i}, limit ${limit}`).toEqual(feed.slice(i));
    }
    // a cursor written with leading zeros (the API accepts it) is the same position
    const inside = decodeCursor(feed[1]!.cursor)!;
    expect(await readEvents(store.db, { tx: `00${inside.tx}`, seq: inside.seq }, 100)).toEqual(feed.slice(2));
    // one event by its cursor (a webhook dead letter's replay): inside a row, at its start, none between rows
    for (const e of feed) expect(await readEventAt(store.db, decodeCursor(e.cursor)!)).toEqual(e);
    const last = decodeCursor(feed.at(-1)!.cursor)!;
    expect(await readEventAt(store.db, { tx: last.tx, seq: last.seq + 1 })).toBeUndefined();
    expect(await readEventAt(store.db, { tx: cursors[0]!.tx, seq: cursors[0]!.seq + 4 })).toBeUndefined();
    await store.close();
  });

  it('new cases written together (the fixed-shape statement) store their events the same way', async () => {
    const store = await open();
    const opening = (id: string): CaseStep => ({
      caseWrite: 'insert',
      snapshot: {
        id, procedure: 'WBCI', type: 'VA-KUE-MRN', role: 'recipient', peer: 'DEU.EKPB', state: 'AWAITING_ANSWER',
        requestedDate: null, switchDate: null, openChange: null, data: {}, deadlines: [], nextDueAt: null, overdue: false,
      },
      messages: [], outbox: [], history: [],
      events: [ev('message.queued', id, { messageId: randomUUID() }), ev('case.case-opened', id, { vaId: id })],
    });
    await writeCaseOpenings(store.db, ['DEU.EKPA.V000000101', 'DEU.EKPA.V000000102'].map(opening));
    const rows = await store.db.selectFrom('events').select(['case_id', 'n']).orderBy('seq').execute();
    expect(rows).toEqual([{ case_id: 'DEU.EKPA.V000000101', n: 2 }, { case_id: 'DEU.EKPA.V000000102', n: 2 }]);
    expect((await wholeFeed(store)).map((e) => `${e.caseId} ${e.type}`)).toEqual([
      'DEU.EKPA.V000000101 message.queued', 'DEU.EKPA.V000000101 case.case-opened', 'DEU.EKPA.V000000102 message.queued', 'DEU.EKPA.V000000102 case.case-opened',
    ]);
    await store.close();
  });

  it('a run longer than a row holds is split into rows of at most 64 events', async () => {
    const store = await open();
    const many = Array.from({ length: 2 * EVENTS_PER_ROW + 5 }, (_, i) => ev('case.warning', 'C9', { i }));
    await appendEvents(store.db, many);
    const rows = await store.db.selectFrom('events').select('n').orderBy('seq').execute();
    expect(rows.map((r) => r.n)).toEqual([EVENTS_PER_ROW, EVENTS_PER_ROW, 5]);
    const feed = await wholeFeed(store);
    expect(feed.map((e) => (e.data as { i: number }).i)).toEqual(many.map((_, i) => i));
    expect(await pageThrough(store, feed[EVENTS_PER_ROW - 1]!.cursor, 7)).toEqual(feed.slice(EVENTS_PER_ROW));
    await store.close();
  });

  it('keeps no customer data in the dictionaries the events are compressed against', async () => {
    const store = await open();
    // a kind of its own, so this process learns its dictionary here
    const kind = `case.test-${randomUUID().slice(0, 8)}`;
    for (let i = 0; i < 3; i++) await appendEvents(store.db, [ev(kind, `C${i}`, { lastName: `Mustermann-${i}`, street: 'Geheimweg 7' })]);
    const rows = await store.db.selectFrom('events').select(['data_z', 'data_dict']).orderBy('seq').execute();
    expect(rows[0]!.data_dict).toBeNull();
    expect(rows[2]!.data_dict).not.toBeNull();
    const { rows: dicts } = await sql<{ dict: Buffer }>`SELECT dict FROM wire_dictionaries WHERE id = ${rows[2]!.data_dict}`.execute(store.db);
    const text = Buffer.from(dicts[0]!.dict).toString('utf8');
    expect(text).toContain('lastName');
    expect(text).not.toMatch(/Mustermann|Geheimweg/);
    await store.close();
  });

  it('a webhook’s lag counts the rest of a row it has read part of', async () => {
    const store = await open();
    await appendEvents(store.db, [ev('a', 'C1'), ev('b', 'C1'), ev('c', 'C1')]);
    await sql`UPDATE events SET at = now() - interval '1 hour'`.execute(store.db);
    const feed = await wholeFeed(store);
    const lagAfter = async (cursor: string) => {
      const c = decodeCursor(cursor)!;
      await sql`DELETE FROM webhook_cursors`.execute(store.db);
      await store.db.insertInto('webhook_cursors').values({ name: 'crm', last_tx: c.tx, last_seq: c.seq }).execute();
      return (await webhookLag(store.db))[0]!.seconds;
    };
    expect(await lagAfter(feed[1]!.cursor)).toBeGreaterThan(3_000);
    expect(await lagAfter(feed[2]!.cursor)).toBe(0);
    await store.close();
  });

  it('reads rows written before 0019 as they were, and a cursor taken then pages on into the grouped rows', async () => {
    const store = await open({ migrate: false });
    const migrator = createMigrator(store.db);
    expect((await migrator.migrateTo('0018_compact_case_data')).error).toBeUndefined();
    await insertSingleEventRows(store.db, 3);
    const { rows: old } = await sql<{ tx: string; seq: string }>`SELECT tx::text AS tx, seq::text AS seq FROM events ORDER BY events.tx, events.seq`.execute(store.db);
    expect((await migrator.migrateToLatest()).error).toBeUndefined();
    await appendEvents(store.db, [ev('case.closed', 'C0'), ev('case.closed', 'C0')]);

    const feed = await wholeFeed(store);
    expect(feed.map((e) => e.cursor).slice(0, 6)).toEqual(old.map((r) => `${r.tx}-${r.seq}`));
    expect(feed.map((e) => [e.type, e.data])).toEqual([
      ...[0, 1, 2].flatMap((i) => [['case.case-opened', { n: i }], ['case.agreed', {}]]),
      ['case.closed', {}], ['case.closed', {}],
    ]);
    // the new rows' seqs lie above every old one
    expect(decodeCursor(feed[6]!.cursor)!.seq).toBeGreaterThan(Number(old.at(-1)!.seq));
    for (const [i, e] of feed.entries()) expect(await pageThrough(store, e.cursor, 2)).toEqual(feed.slice(i + 1));
    expect((await allEvents(store.db)).map((e) => e.type)).toEqual(feed.map((e) => e.type));
    // down again only while no grouped row exists
    expect(((await migrator.migrateTo('0018_compact_case_data')).error as Error | undefined)?.message).toMatch(/0019 cannot be undone: 1 event rows/);
    await store.close();
  });
});
