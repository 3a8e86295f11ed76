/**
 * 0025: a case's `data`, `deadlines`, `open_change` and `wholesale_order` are stored as json — the
 * compact text the gateway wrote, smaller than jsonb's binary form — by every write path; the
 * statements that look inside them still find what they look for; down and up keep every value.
 */
import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { expect, it } from 'vitest';
import { describeEachBackend } from '../support/backends.js';
import { createMigrator } from '../../src/store/migrate.js';
import { writeCaseOpenings, writeCaseStep, type CaseStep } from '../../src/store/repos/case-writes.js';
import { insertCase, listCases, loadCase, setWholesaleOrder, updateCase, type CaseSnapshot } from '../../src/store/repos/cases.js';
import { overdueDeadlines } from '../../src/store/repos/ops.js';
import type { Database } from '../../src/store/schema.js';
import { CASE_VIEW_DATA } from '../../src/http/views.js';

const COLUMNS = ['data', 'deadlines', 'open_change', 'wholesale_order'] as const;

const data = (n: number) => ({
  va: { vaId: `V${n}`, customer: { lastName: `Mustermann-${n}` } },
  agreement: { numbers: { kind: 'single', list: [{ areaCode: '89', number: String(1_000_000 + n) }] }, resources: [{ contractNumber: `C${n}` }], takeOver: true },
  akmTr: { at: '2026-12-01T00:00:00.000Z', count: 1, status: 'sent' },
  terminationDate: '2026-12-31',
});

const snapshot = (id: string, n: number, over: Partial<CaseSnapshot> = {}): CaseSnapshot => ({
  id, procedure: 'wbci', type: 'VA-KUE-MRN', role: 'donating', peer: 'DEU.EKPB', state: 'SENT', requestedDate: '2027-01-15', switchDate: null,
  openChange: { kind: 'TVS-VA', requestedDate: '2027-02-01' },
  data: data(n),
  deadlines: [{ name: 'answer', dueAt: '2026-01-01T00:00:00.000Z', party: 'us' }],
  nextDueAt: null, overdue: true, ...over,
});

const opening = (s: CaseSnapshot): CaseStep => ({ caseWrite: 'insert', snapshot: s, messages: [], outbox: [], history: [], events: [] });

async function columnTypes(db: Kysely<Database>): Promise<Record<string, string>> {
  const { rows } = await sql<{ column_name: string; data_type: string }>`
    select column_name, data_type from information_schema.columns where table_name = 'cases' and column_name in ('data', 'deadlines', 'open_change', 'wholesale_order')`.execute(db);
  return Object.fromEntries(rows.map((r) => [r.column_name, r.data_type]));
}

async function storedTexts(db: Kysely<Database>, id: string) {
  const { rows } = await sql<Record<string, string | null>>`
    select data::text as data, deadlines::text as deadlines, open_change::text as open_change, wholesale_order::text as wholesale_order,
           pg_column_size(data) as size, pg_column_size(data::jsonb) as jsonb_size
      from cases where id = ${id}`.execute(db);
  return rows[0]!;
}

describeEachBackend('case json as text (0025)', ({ open }) => {
  it('stores the compact text by every write path, smaller than jsonb, and reads the same values back', async () => {
    const store = await open();
    const tag = randomUUID().slice(0, 6);
    const ids = [1, 2, 3, 4, 5].map((n) => `DEU.EKPB.V${tag}${n}`);
    await writeCaseOpenings(store.db, [opening(snapshot(ids[0]!, 1))]);
    await writeCaseStep(store.db, opening(snapshot(ids[1]!, 2)));
    await insertCase(store.db, snapshot(ids[2]!, 3));
    await insertCase(store.db, snapshot(ids[3]!, 4, { state: 'NEW' }));
    await updateCase(store.db, snapshot(ids[3]!, 4));
    await insertCase(store.db, snapshot(ids[4]!, 5, { state: 'NEW' }));
    await writeCaseStep(store.db, { ...opening(snapshot(ids[4]!, 5)), caseWrite: 'update' });
    for (const id of ids) await setWholesaleOrder(store.db, id, { state: 'completed', orderId: `WO-${id}` });

    expect(await columnTypes(store.db)).toEqual({ data: 'json', deadlines: 'json', open_change: 'json', wholesale_order: 'json' });
    for (const [i, id] of ids.entries()) {
      const t = await storedTexts(store.db, id);
      for (const c of COLUMNS) expect(t[c], `${id} ${c}`).toBe(JSON.stringify(JSON.parse(t[c]!)));
      expect(Number(t.size)).toBeLessThan(Number(t.jsonb_size));
      const row = (await loadCase(store.db, id))!;
      expect(row.data).toEqual(data(i + 1));
      expect(row.deadlines).toEqual(snapshot(id, i + 1).deadlines);
      expect(row.open_change).toEqual(snapshot(id, i + 1).openChange);
      expect(row.wholesale_order).toEqual({ state: 'completed', orderId: `WO-${id}` });
    }
    // the statements that look inside: the list page's projection, the wholesale tick's akmTr time, the
    // overdue metric's deadlines, a successor's resources (containment, cast on the one value)
    const page = await listCases(store.db, { peer: 'DEU.EKPB', limit: 10 }, { data: CASE_VIEW_DATA });
    expect(page.filter((r) => ids.includes(r.id)).map((r) => (r.data as { agreement: unknown }).agreement)).toEqual(ids.map((_, i) => data(i + 1).agreement));
    const overdue = await overdueDeadlines(store.db, new Date('2026-06-01T00:00:00Z'));
    expect(overdue).toContainEqual({ procedure: 'wbci', deadline: 'answer', count: expect.any(Number) as number });
    const probe = JSON.stringify([{ contractNumber: 'C3' }]);
    const { rows } = await sql<{ id: string }>`select id from cases where (data -> 'agreement' -> 'resources')::jsonb @> ${probe}::jsonb and id like ${`DEU.EKPB.V${tag}%`}`.execute(store.db);
    expect(rows.map((r) => r.id)).toEqual([ids[2]]);
    await store.close();
  });

  it('down turns the columns back into jsonb and up into json, every value kept', async () => {
    const store = await open();
    const id = `DEU.EKPB.V${randomUUID().slice(0, 6)}9`;
    await insertCase(store.db, snapshot(id, 9));
    await setWholesaleOrder(store.db, id, { state: 'placed', orderId: 'WO-9' });
    const before = await loadCase(store.db, id);
    const migrator = createMigrator(store.db);
    expect((await migrator.migrateTo('0024_list_indexes_by_time')).error).toBeUndefined();
    expect(await columnTypes(store.db)).toEqual({ data: 'jsonb', deadlines: 'jsonb', open_change: 'jsonb', wholesale_order: 'jsonb' });
    expect(await loadCase(store.db, id)).toEqual(before);
    expect((await migrator.migrateToLatest()).error).toBeUndefined();
    expect(await columnTypes(store.db)).toEqual({ data: 'json', deadlines: 'json', open_change: 'json', wholesale_order: 'json' });
    expect(await loadCase(store.db, id)).toEqual(before);
    const { rows } = await sql<{ d: unknown }>`select column_default as d from information_schema.columns where table_name = 'cases' and column_name = 'deadlines'`.execute(store.db);
    expect(String(rows[0]!.d)).toMatch(/^'\[\]'::json$/);
    await store.close();
  });
});
