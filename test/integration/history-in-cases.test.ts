/**
 * 0020: a case's state history lives in its row (src/store/case-history.ts). What the table held
 * before is carried over in order and with its times; steps append; down restores the rows.
 */
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { describeEachBackend } from '../support/backends.js';
import { createMigrator } from '../../src/store/migrate.js';
import { caseHistory, updateCase } from '../../src/store/repos/cases.js';
import { writeCaseStep, type CaseStep } from '../../src/store/repos/case-writes.js';
import type { CaseSnapshot } from '../../src/store/repos/cases.js';

const snapshot = (id: string, state: string): CaseSnapshot => ({
  id, procedure: 'agcom', type: 'MIGRATION', role: 'recipient', peer: 'OLO1', state, requestedDate: null, switchDate: null,
  openChange: null, data: { n: 1 }, deadlines: [], nextDueAt: null, overdue: false,
});

const legacyCase = (id: string) => sql`insert into cases (id, procedure, type, role, peer, state, data) values (${id}, 'agcom', 'MIGRATION', 'recipient', 'OLO1', 'DONE', '{}'::jsonb)`;
const legacyEntry = (id: string, from: string | null, to: string, note: string | null, at: string) =>
  sql`insert into case_history (case_id, from_state, to_state, message_seq, note, at) values (${id}, ${from}, ${to}, 7, ${note}, ${at}::timestamptz)`;

describeEachBackend('state history in the case row (0020)', ({ open }) => {
  it('carries the rows of case_history over in order, with their times; steps then append; down restores the rows', async () => {
    const store = await open({ migrate: false });
    const migrator = createMigrator(store.db);
    expect((await migrator.migrateTo('0019_grouped_events')).error).toBeUndefined();
    await legacyCase('C1').execute(store.db);
    await legacyCase('C2').execute(store.db);
    await legacyEntry('C1', null, 'OPEN', 'N1 "quoted"', '2026-01-02T03:04:05.678Z').execute(store.db);
    await legacyEntry('C2', null, 'OPEN', null, '2026-01-03T00:00:00.000Z').execute(store.db);
    await legacyEntry('C1', 'OPEN', 'DONE', 'Grüße \\ ende', '2026-01-02T03:04:06.001Z').execute(store.db);

    expect((await migrator.migrateToLatest()).error).toBeUndefined();
    const { rows: tables } = await sql<{ n: number }>`select count(*)::int as n from information_schema.tables where table_name = 'case_history'`.execute(store.db);
    expect(tables[0]!.n).toBe(0);
    expect(await caseHistory(store.db, 'C1')).toEqual([
      { from_state: null, to_state: 'OPEN', note: 'N1 "quoted"', at: new Date('2026-01-02T03:04:05.678Z') },
      { from_state: 'OPEN', to_state: 'DONE', note: 'Grüße \\ ende', at: new Date('2026-01-02T03:04:06.001Z') },
    ]);
    expect(await caseHistory(store.db, 'C2')).toEqual([{ from_state: null, to_state: 'OPEN', note: null, at: new Date('2026-01-03T00:00:00.000Z') }]);

    // a step of a migrated case appends to what was carried over; a new case starts its own
    const step = (id: string, caseWrite: 'insert' | 'update', from: string | null, to: string): CaseStep => ({
      caseWrite, snapshot: snapshot(id, to), messages: [], outbox: [], history: [{ from, to, note: 'step' }], events: [],
    });
    await writeCaseStep(store.db, step('C1', 'update', 'DONE', 'REOPENED'));
    await writeCaseStep(store.db, step('C3', 'insert', null, 'OPEN'));
    await updateCase(store.db, snapshot('C3', 'DONE'), [{ from: 'OPEN', to: 'DONE', note: 'time' }]);
    // a transition needs the case row written with it
    await expect(writeCaseStep(store.db, { ...step('C3', 'update', 'DONE', 'X'), caseWrite: 'none' })).rejects.toThrow(/records no transition/);
    expect((await caseHistory(store.db, 'C1')).map((h) => h.to_state)).toEqual(['OPEN', 'DONE', 'REOPENED']);
    expect((await caseHistory(store.db, 'C3')).map((h) => [h.from_state, h.to_state, h.note])).toEqual([[null, 'OPEN', 'step'], ['OPEN', 'DONE', 'time']]);
    const c3Times = (await caseHistory(store.db, 'C3')).map((h) => h.at);

    expect((await migrator.migrateTo('0019_grouped_events')).error).toBeUndefined();
    const { rows } = await sql<{ case_id: string; from_state: string | null; to_state: string; note: string | null; at: Date }>`
      select case_id, from_state, to_state, note, at from case_history order by id`.execute(store.db);
    expect(rows.filter((r) => r.case_id === 'C1').map((r) => [r.from_state, r.to_state, r.note])).toEqual([
      [null, 'OPEN', 'N1 "quoted"'], ['OPEN', 'DONE', 'Grüße \\ ende'], ['DONE', 'REOPENED', 'step'],
    ]);
    expect(rows.find((r) => r.case_id === 'C2')!.at).toEqual(new Date('2026-01-03T00:00:00.000Z'));
    // 0026's down wrote C3's short entries long: the from and the time each had
    expect(rows.filter((r) => r.case_id === 'C3').map((r) => [r.from_state, r.to_state, r.at])).toEqual([[null, 'OPEN', c3Times[0]], ['OPEN', 'DONE', c3Times[1]]]);
    await store.close();
  });

  it('0026: writes an entry short when it starts where the history ends, long otherwise; down writes every entry long', async () => {
    const store = await open();
    const text = async (id: string) => (await sql<{ history: string }>`select history from cases where id = ${id}`.execute(store.db)).rows[0]!.history;
    const created = async (id: string) => (await sql<{ ms: string }>`select floor(extract(epoch from created_at) * 1000)::bigint::text as ms from cases where id = ${id}`.execute(store.db)).rows[0]!.ms;
    const step = (id: string, caseWrite: 'insert' | 'update', from: string | null, to: string): CaseStep => ({
      caseWrite, snapshot: snapshot(id, to), messages: [], outbox: [], history: [{ from, to, note: 'step' }], events: [],
    });
    await writeCaseStep(store.db, step('S1', 'insert', null, 'OPEN'));
    await writeCaseStep(store.db, step('S1', 'update', 'OPEN', 'AGREED'));
    await updateCase(store.db, snapshot('S1', 'DONE'), [{ from: 'AGREED', to: 'LATE', note: 'time' }, { from: 'LATE', to: 'DONE', note: 'time' }]);
    expect(await text('S1')).toMatch(/^\["step",0,"OPEN"\],\["step",\d+,"AGREED"\],\["time",\d+,"LATE"\],\["time",\d+,"DONE"\]$/);
    const history = await caseHistory(store.db, 'S1');
    expect(history.map((h) => [h.from_state, h.to_state])).toEqual([[null, 'OPEN'], ['OPEN', 'AGREED'], ['AGREED', 'LATE'], ['LATE', 'DONE']]);
    expect(history[0]!.at.getTime()).toBe(Number(await created('S1')));

    // the row changed state without an entry: the next entry keeps its from
    await sql`update cases set state = 'ELSEWHERE' where id = 'S1'`.execute(store.db);
    await writeCaseStep(store.db, step('S1', 'update', 'ELSEWHERE', 'BACK'));
    expect(await text('S1')).toMatch(/,\["ELSEWHERE","BACK","step",\d{13}\]$/);
    // a history that ends in a long entry (written before 0026): the next one is long too
    await writeCaseStep(store.db, step('S1', 'update', 'BACK', 'AGAIN'));
    expect(await text('S1')).toMatch(/,\["BACK","AGAIN","step",\d{13}\]$/);
    const all = await caseHistory(store.db, 'S1');
    expect(all.map((h) => [h.from_state, h.to_state])).toEqual([[null, 'OPEN'], ['OPEN', 'AGREED'], ['AGREED', 'LATE'], ['LATE', 'DONE'], ['ELSEWHERE', 'BACK'], ['BACK', 'AGAIN']]);
    // a first entry with a from, or a from while the history is empty, is long
    await writeCaseStep(store.db, step('S2', 'insert', 'X', 'OPEN'));
    expect(await text('S2')).toMatch(/^\["X","OPEN","step",\d{13}\]$/);

    expect((await createMigrator(store.db).migrateTo('0025_case_json_as_text')).error).toBeUndefined();
    const long = await text('S1');
    expect(JSON.parse(`[${long}]`).every((e: unknown[]) => e.length === 4)).toBe(true);
    // read by the long form alone, the entries are what they were
    expect(JSON.parse(`[${long}]`).map((e: [string | null, string, string | null, number]) => ({ from_state: e[0], to_state: e[1], note: e[2], at: new Date(e[3]) }))).toEqual(all);
    await store.close();
  });
});
