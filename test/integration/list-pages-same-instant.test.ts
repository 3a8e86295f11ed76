/**
 * Cases opened by one group commit share their creation time to the microsecond. Since 0024 the
 * list indexes end at `created_at` and PostgreSQL sorts the cases of one instant by id as it reads
 * them: cursor pages must still return every case once, in (created_at, id) order, with a page
 * boundary inside such a group — unfiltered and through each filter's index.
 */
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { describeEachBackend } from '../support/backends.js';
import { listCases, type CaseFilter } from '../../src/store/repos/cases.js';
import type { Store } from '../../src/store/connect.js';

/** 90 cases: 3 instants × 30, ids inserted in an order that is not theirs; peers, states, roles alternate. */
async function seed(store: Store): Promise<void> {
  await sql`
    insert into cases (id, procedure, type, role, peer, state, requested_date, data, deadlines, created_at, updated_at)
    select 'DEU.EKPA.V' || lpad(((g * 37) % 90)::text, 9, '0'), 'wbci', 'VA-KUE-MRN',
           case when g % 2 = 0 then 'recipient' else 'donating' end,
           case when g % 3 = 0 then 'DEU.EKPB' else 'DEU.EKPC' end,
           case when g % 5 = 0 then 'AGREED' else 'SENT' end,
           '2027-01-15', '{}'::jsonb, '[]'::jsonb,
           timestamptz '2026-12-01 10:00:00.123456+00' + (g % 3) * interval '1 second',
           now()
      from generate_series(0, 89) g`.execute(store.db);
}

async function allPages(store: Store, filter: Omit<CaseFilter, 'limit' | 'after'>, limit: number): Promise<{ id: string; created_us: string }[]> {
  const out: { id: string; created_us: string }[] = [];
  let after: CaseFilter['after'];
  for (;;) {
    const page = await listCases(store.db, { ...filter, limit, ...(after ? { after } : {}) });
    out.push(...page.map((c) => ({ id: c.id, created_us: c.created_us })));
    if (page.length < limit) return out;
    const last = page[page.length - 1]!;
    after = { createdUs: last.created_us, id: last.id };
  }
}

describeEachBackend('list pages through cases that share their creation time', ({ open }) => {
  it('returns every case once, ordered by (created_at, id), with page boundaries inside an instant', async () => {
    const store = await open();
    await seed(store);
    const { rows } = await sql<{ id: string; role: string; peer: string; state: string; us: string }>`
      select id, role, peer, state, (extract(epoch from created_at) * 1000000)::bigint::text as us from cases`.execute(store.db);
    const expected = (keep: (r: (typeof rows)[number]) => boolean) =>
      rows.filter(keep).sort((a, b) => (a.us === b.us ? (a.id < b.id ? -1 : 1) : Number(BigInt(a.us) - BigInt(b.us)))).map((r) => r.id);

    const filters: [Omit<CaseFilter, 'limit' | 'after'>, (r: (typeof rows)[number]) => boolean][] = [
      [{}, () => true],
      [{ state: 'SENT' }, (r) => r.state === 'SENT'],
      [{ peer: 'DEU.EKPC' }, (r) => r.peer === 'DEU.EKPC'],
      [{ role: 'donating' }, (r) => r.role === 'donating'],
      [{ peer: 'DEU.EKPB', state: 'SENT' }, (r) => r.peer === 'DEU.EKPB' && r.state === 'SENT'],
    ];
    for (const [filter, keep] of filters) {
      const want = expected(keep);
      expect(want.length, JSON.stringify(filter)).toBeGreaterThan(7);
      // 7 does not divide 30: boundaries fall inside each instant's group
      for (const limit of [7, 50]) expect((await allPages(store, filter, limit)).map((c) => c.id), `${JSON.stringify(filter)} by ${limit}`).toEqual(want);
    }
    await store.close();
  });
});
