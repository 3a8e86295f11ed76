/**
 * The keys of a WBCI case's data that SQL never searches (the VA, the answer, the times) are stored
 * compressed in `data_z` (0018, src/store/case-data.ts), and of the agreement and the AKM-TR all but
 * what SQL reads; every reader gets the whole `data` back, in its order, the list page exactly the
 * keys it projects, the dictionary keeps no customer data, other
 * procedures keep their data whole, and cases written before 0018 read as before.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { describeEachBackend } from '../support/backends.js';
import { writeCaseOpenings, writeCaseStep, type CaseStep } from '../../src/store/repos/case-writes.js';
import { insertCase, listCases, loadCase, updateCase, type CaseSnapshot } from '../../src/store/repos/cases.js';
import { readInboundContext } from '../../src/store/repos/messages.js';
import { forEachLockedCase } from '../../src/app/case-unit.js';
import { CASE_VIEW_DATA } from '../../src/http/views.js';
import { COLD_HALVES_SQL, packCaseData, WBCI_HOT_KEYS } from '../../src/store/case-data.js';
import { toJson } from '../../src/store/schema.js';
import type { Store } from '../../src/store/connect.js';

const va = (n: number) => ({
  type: 'VA-KUE-MRN',
  vaId: `DEU.EKPA.V${String(n).padStart(9, '0')}`,
  customer: { kind: 'person', salutation: 'Frau', firstName: `Erika${n}`, lastName: `Mustermann-${n}` },
  location: { street: 'Hauptstraße', houseNumber: String(n), postalCode: '80331', city: 'München' },
  numbers: { kind: 'single', portingWindow: 'ZF2', list: [{ areaCode: '89', number: String(1_000_000 + n) }] },
});

/** a WBCI case's data: the VA next to the keys SQL and the list page read */
const data = (n: number, state = 'SENT') => ({
  va: va(n),
  vaId: va(n).vaId,
  state,
  agreement: {
    technology: '001 TAL ISDN',
    resources: [{ contractNumber: `C${n}` }],
    numbers: { kind: 'single', list: [{ areaCode: '89', number: String(1_000_000 + n), pkiAbg: 'D123' }] },
    takeOver: true,
    safeHarbour: false,
  },
  akmTr: { status: 'sent', at: '2026-12-01T00:00:00.000Z', count: 1 },
  terminationDate: null,
});

const snapshot = (id: string, n: number, over: Partial<CaseSnapshot> = {}): CaseSnapshot => ({
  id, procedure: 'wbci', type: 'VA-KUE-MRN', role: 'donating', peer: 'DEU.EKPB', state: 'SENT', requestedDate: '2027-01-15', switchDate: null,
  openChange: null, data: data(n), deadlines: [], nextDueAt: null, overdue: false, ...over,
});

const opening = (s: CaseSnapshot): CaseStep => ({ caseWrite: 'insert', snapshot: s, messages: [], outbox: [], history: [], events: [] });

async function stored(store: Store, id: string) {
  const { rows } = await sql<{ data: Record<string, unknown>; z: number | null }>`SELECT data, octet_length(data_z) AS z FROM cases WHERE id = ${id}`.execute(store.db);
  return rows[0]!;
}

describeEachBackend('case data stored in two parts', ({ open }) => {
  it('keeps what SQL never searches (the VA, the answer, the times) compressed, and every reader gets the whole data back', async () => {
    const store = await open();
    const tag = randomUUID().slice(0, 6);
    const ids = [1, 2, 3, 4].map((n) => `DEU.EKPB.V${tag}${n}`);
    // each write path: the fixed-shape opening, the general step, the plain insert
    await writeCaseOpenings(store.db, [opening(snapshot(ids[0]!, 1)), opening(snapshot(ids[1]!, 2))]);
    await writeCaseStep(store.db, opening(snapshot(ids[2]!, 3)));
    await insertCase(store.db, snapshot(ids[3]!, 4));

    for (const [i, id] of ids.entries()) {
      const row = await stored(store, id);
      // only what SQL searches stays in `data`: of the agreement its resources, of the AKM-TR its time
      expect(row.data).toEqual({ agreement: { resources: [{ contractNumber: `C${i + 1}` }] }, akmTr: { at: data(1).akmTr.at }, terminationDate: null });
      expect(row.z).toBeGreaterThan(0);
      const loaded = (await loadCase(store.db, id))!.data as ReturnType<typeof data>;
      expect(loaded).toEqual(data(i + 1));
      // the split objects read back with their members in the order written
      expect(JSON.stringify(loaded.agreement)).toBe(JSON.stringify(data(i + 1).agreement));
      expect(JSON.stringify(loaded.akmTr)).toBe(JSON.stringify(data(i + 1).akmTr));
    }
    // the agreement's and the AKM-TR's cold halves are a stream of their own at the head of data_z: what a list page reads
    const { rows: heads } = await sql<{ format: number; head: number; whole: number }>`
      SELECT get_byte(data_z, 0) AS format, octet_length(${sql.raw(COLD_HALVES_SQL)}) AS head, octet_length(data_z) AS whole FROM cases WHERE id IN (${sql.join(ids)})`.execute(store.db);
    for (const h of heads) {
      expect(h.format).toBe(2);
      expect(h.head).toBeLessThan(h.whole / 2);
    }
    // the later ones are compressed against the dictionary the first taught: well under the VA's JSON
    expect((await stored(store, ids[3]!)).z!).toBeLessThan(Buffer.byteLength(JSON.stringify({ va: va(4) })) * 0.5);

    // SQL still finds what it searches (the successor lookup reads agreement.resources)
    const { rows: hit } = await sql<{ id: string }>`SELECT id FROM cases WHERE (data -> 'agreement' -> 'resources')::jsonb @> '[{"contractNumber": "C3"}]'::jsonb`.execute(store.db);
    expect(hit.map((h) => h.id)).toEqual([ids[2]]);

    // updates through both paths keep the VA
    await writeCaseStep(store.db, { caseWrite: 'update', snapshot: snapshot(ids[0]!, 1, { state: 'REPLACED', data: data(1, 'REPLACED') }), expectedVersion: 1, messages: [], outbox: [], history: [], events: [] });
    await updateCase(store.db, snapshot(ids[1]!, 2, { data: data(2, 'AGREED') }));
    expect((await loadCase(store.db, ids[0]!))!.data).toEqual(data(1, 'REPLACED'));
    expect((await loadCase(store.db, ids[1]!))!.data).toEqual(data(2, 'AGREED'));

    // the list: whole rows carry the VA; the page projection gets exactly its keys, the agreement whole and in order
    const listed = await listCases(store.db, { peer: 'DEU.EKPB', limit: 100 });
    expect(listed.find((r) => r.id === ids[2])!.data).toEqual(data(3));
    expect(listed.find((r) => r.id === ids[2])).not.toHaveProperty('data_z');
    const page = await listCases(store.db, { peer: 'DEU.EKPB', limit: 100 }, { data: CASE_VIEW_DATA });
    const pageData = page.find((r) => r.id === ids[2])!.data as Record<string, unknown>;
    expect(pageData).toEqual({ agreement: data(3).agreement, replaces: null, replacedBy: null, terminationDate: null });
    expect(JSON.stringify(pageData.agreement)).toBe(JSON.stringify(data(3).agreement));
    expect(page.find((r) => r.id === ids[2])).not.toHaveProperty('data_z');

    // the inbound receipt's context: the case and the REPLACED ones waiting for a successor
    const context = await readInboundContext(store.db, { dedupeKey: `none-${tag}`, caseId: ids[2]!, ownId: null, replacedFrom: 'DEU.EKPB' });
    expect(context.caseRow!.data).toEqual(data(3));
    expect(context.replaced.map((r) => r.data)).toContainEqual(data(1, 'REPLACED'));

    // the ticks' locked reads
    const locked: unknown[] = [];
    await forEachLockedCase(store.db, [ids[3]!], async (_trx, row) => void locked.push(row.data));
    expect(locked).toEqual([data(4)]);
    await store.close();
  });

  it('keeps jsonb every key a list page projects, and the data of other procedures whole', async () => {
    expect(WBCI_HOT_KEYS).toEqual(expect.arrayContaining([...CASE_VIEW_DATA.keys]));
    const store = await open();
    const id = `OLA${randomUUID().slice(0, 8)}`;
    const agcom = { request: { numbers: ['0612345678'] }, sessionCode: 'S1', lineKeys: ['k1'] };
    await insertCase(store.db, snapshot(id, 1, { procedure: 'agcom', type: 'migration', data: agcom }));
    expect(await stored(store, id)).toEqual({ data: agcom, z: null });
    expect((await loadCase(store.db, id))!.data).toEqual(agcom);
    await store.close();
  });

  it('learns the dictionary without the customer’s data', async () => {
    const store = await open();
    const tag = randomUUID().slice(0, 6);
    await insertCase(store.db, snapshot(`DEU.EKPB.V${tag}1`, 7, { role: 'recipient' }));
    await insertCase(store.db, snapshot(`DEU.EKPB.V${tag}2`, 8, { role: 'recipient' }));
    const { rows } = await sql<{ dict: string }>`
      SELECT convert_from(d.dict, 'UTF8') AS dict FROM cases c JOIN wire_dictionaries d ON d.id = c.data_dict WHERE c.id = ${`DEU.EKPB.V${tag}2`}`.execute(store.db);
    expect(rows[0]!.dict).toContain('"customer"');
    for (const personal of ['Erika7', 'Mustermann', 'Hauptstraße', '1000007']) expect(rows[0]!.dict).not.toContain(personal);
    await store.close();
  });

  it('reads cases written before the agreement was split (session 16: agreement and AKM-TR whole in data, one stream), in lists too', async () => {
    const store = await open();
    const id = `DEU.EKPB.V${randomUUID().slice(0, 6)}`;
    const { agreement, akmTr, terminationDate, ...rest } = data(6);
    const packed = packCaseData(store.db, { procedure: 'wbci', role: 'donating', data: rest });
    if (packed.cold?.ensure) await sql`INSERT INTO wire_dictionaries (id, dict) VALUES (${packed.cold.ensure.id}, ${packed.cold.ensure.dict}) ON CONFLICT DO NOTHING`.execute(store.db);
    expect(packed.cold!.z[0]).not.toBe(2);
    await store.db
      .insertInto('cases')
      .values({ id, procedure: 'wbci', type: 'VA-KUE-MRN', role: 'donating', peer: 'DEU.EKPB', state: 'SENT', requested_date: '2027-01-15', switch_date: null, open_change: null,
        data: toJson({ agreement, akmTr, terminationDate }), data_z: packed.cold!.z, data_dict: packed.cold!.dictId, deadlines: toJson([]) })
      .execute();
    expect((await loadCase(store.db, id))!.data).toEqual(data(6));
    const page = await listCases(store.db, { peer: 'DEU.EKPB', limit: 100 }, { data: CASE_VIEW_DATA });
    expect(page.find((r) => r.id === id)!.data).toEqual({ agreement, replaces: null, replacedBy: null, terminationDate: null });
    // its next write splits it
    await updateCase(store.db, snapshot(id, 6));
    expect((await stored(store, id)).data).toEqual({ agreement: { resources: agreement.resources }, akmTr: { at: akmTr.at }, terminationDate: null });
    expect((await loadCase(store.db, id))!.data).toEqual(data(6));
    await store.close();
  });

  it('reads cases written before 0018, whose VA is in data', async () => {
    const store = await open();
    const id = `DEU.EKPB.V${randomUUID().slice(0, 6)}`;
    await store.db
      .insertInto('cases')
      .values({ id, procedure: 'wbci', type: 'VA-KUE-MRN', role: 'donating', peer: 'DEU.EKPB', state: 'SENT', requested_date: '2027-01-15', switch_date: null, open_change: null, data: toJson(data(5)), deadlines: toJson([]) })
      .execute();
    expect((await loadCase(store.db, id))!.data).toEqual(data(5));
    // its next write moves the VA out
    await updateCase(store.db, snapshot(id, 5));
    expect((await stored(store, id)).data).not.toHaveProperty('va');
    expect((await loadCase(store.db, id))!.data).toEqual(data(5));
    await store.close();
  });
});
