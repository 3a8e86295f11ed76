/**
 * The case reads answer the same JSON however they read it: a list page reads of each case's
 * `data` only what the view shows (views.ts CASE_VIEW_DATA), and the reads serialize with
 * JSON.stringify (json-answer.ts). Every item of a page must equal the rendering of the case's full
 * row — the same as `GET /v1/switches/{id}` — for WBCI cases carrying every field the view reads
 * and for AGCOM cases (whose view renders from all of `data`). Real HTTP on 127.0.0.1.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { request } from 'undici';
import { describeEachBackend } from '../support/backends.js';
import { API_KEY, silentLog, testConfig } from '../support/gateway-pair.js';
import { createGateway, type Gateway } from '../../src/gateway.js';
import { ManualClock } from '../../src/domain/clock.js';
import { insertCase, loadCase, type CaseSnapshot } from '../../src/store/repos/cases.js';
import { insertMessage, messagesOfCase } from '../../src/store/repos/messages.js';
import { caseView, messageView } from '../../src/http/views.js';
import { messageIdNo } from '../support/message-ids.js';

const NOW = '2026-11-23T09:00:00+01:00';

const va = { type: 'VA-KUE-MRN', customer: { kind: 'person', lastName: 'Muster' }, numbers: { kind: 'single', list: [{ areaCode: '89', number: '1234567' }] } };
const agreement = { numbers: { kind: 'single', list: [{ areaCode: '89', number: '1234567', pkiAbg: 'D123' }] }, takeOver: true, technology: '001' };

const snapshot = (id: string, over: Partial<CaseSnapshot>): CaseSnapshot => ({
  id,
  procedure: 'wbci',
  type: 'VA-KUE-MRN',
  role: 'recipient',
  peer: 'DEU.EKPB',
  state: 'AGREED',
  requestedDate: '2026-12-15',
  switchDate: '2026-12-15',
  openChange: null,
  data: {},
  deadlines: [],
  nextDueAt: null,
  overdue: false,
  ...over,
});

/** Every kind of case the view renders differently; ids in creation order. */
const CASES: CaseSnapshot[] = [
  // every `data` key the view reads, next to the rest of the procedure state it does not show
  snapshot('DEU.EKPA.V000000001', { data: { va, agreement, replaces: 'DEU.EKPA.V000000009', replacedBy: 'DEU.EKPA.V000000010', changes: [], vaAt: '2026-11-20T08:00:00.000Z' } }),
  // donating: terminationDate
  snapshot('DEU.EKPB.V000000002', { role: 'donating', data: { va, agreement, terminationDate: '2026-12-14' }, deadlines: [{ name: 'answer', dueAt: '2026-11-20T08:00:00.000Z', party: 'DEU.EKPA' }], nextDueAt: new Date('2026-11-20T08:00:00.000Z') }),
  // donating without an answer yet: terminationDate is null, not absent
  snapshot('DEU.EKPB.V000000003', { role: 'donating', state: 'AWAITING_ANSWER', data: { va }, deadlines: [{ name: 'answer', dueAt: '2026-12-20T08:00:00.000Z', party: 'DEU.EKPA', ref: 'x' }] }),
  // none of the keys, an open change
  snapshot('DEU.EKPA.V000000004', { state: 'TR_NOTIFIED', data: { va }, openChange: { kind: 'TVS-VA', id: 'DEU.EKPA.T000000001' } }),
  // AGCOM: the view renders from the whole procedure state
  snapshot('ORD-0005', {
    procedure: 'agcom',
    type: 'migrazione',
    peer: 'OLB',
    state: 'VALIDATED',
    data: {
      orderId: 'ORD-0005', procedure: 'migrazione', recipient: 'TIM', donating: 'OLB', dac: '2026-12-16', sessionCode: 'S-1', state: 'VALIDATED',
      formalAt: '2026-11-20T08:00:00.000Z', managerialAt: '2026-11-21T08:00:00.000Z', rejection: null, changes: [], lineKeys: ['k1'],
      request: { numbers: ['0612345678'], resources: [{ cor: 'COR-1', cos: 'COS-1' }, { cor: 'COR-2' }], secret: 'COW-1' },
      replaces: 'ORD-0001', agreement: { note: 'kept whole' },
    },
  }),
];

describeEachBackend('case reads render the full row', ({ open }) => {
  let gw: Gateway;
  let url: string;

  beforeAll(async () => {
    gw = await createGateway({ config: testConfig('DEU.EKPA', 'DEU.EKPB'), store: await open(), clock: new ManualClock(NOW), background: false, log: silentLog() });
    for (const c of CASES) await insertCase(gw.store.db, c);
    // the first case has two messages, one of them signed; the others none
    for (const [i, type] of ['VA-KUE-MRN', 'RUEM-VA'].entries()) {
      await insertMessage(gw.store.db, {
        messageId: messageIdNo(i), caseId: CASES[0]!.id, type, direction: i === 0 ? 'out' : 'in', peer: 'DEU.EKPB', businessId: CASES[0]!.id, status: 'delivered',
        body: { type, n: i, nested: { list: [1, 'two', null] } }, raw: `<wire n="${i}"/>`, rawFormat: 'soap',
        ...(i === 1 ? { signature: { verified: true, subject: 'CN=peer' } } : {}),
      });
    }
    url = await gw.app.listen({ host: '127.0.0.1', port: 0 });
  }, 60_000);

  afterAll(async () => {
    await gw?.close();
  });

  async function get(path: string): Promise<{ status: number; type: string | undefined; etag: string | undefined; json: any }> {
    const res = await request(url + path, { headers: { authorization: `Bearer ${API_KEY}` } });
    const text = await res.body.text();
    return { status: res.statusCode, type: res.headers['content-type'] as string | undefined, etag: res.headers.etag as string | undefined, json: JSON.parse(text) };
  }

  const reference = async (id: string) => caseView((await loadCase(gw.store.db, id))!, new Date(NOW));

  it('every item of a page equals the view of the full row and GET /v1/switches/{id}', async () => {
    const page = await get('/v1/switches?limit=10');
    expect(page.status).toBe(200);
    expect(page.type).toBe('application/json; charset=utf-8');
    // the list's order is (created_at, id); rows inserted within one tick of PGlite's clock tie on created_at
    const order = await gw.store.db.selectFrom('cases').select('id').orderBy('created_at').orderBy('id').execute();
    expect(order.map((r) => r.id).sort()).toEqual(CASES.map((c) => c.id).sort());
    expect(page.json.items.map((i: { id: string }) => i.id)).toEqual(order.map((r) => r.id));
    for (const item of page.json.items) {
      expect(item).toEqual(await reference(item.id));
      const one = await get(`/v1/switches/${encodeURIComponent(item.id)}`);
      expect(one.type).toBe('application/json; charset=utf-8');
      expect(one.etag).toBe('"1"');
      expect(one.json).toEqual(item);
    }
    // the fields that come from `data` really came through
    const item = (i: number) => page.json.items.find((x: { id: string }) => x.id === CASES[i]!.id);
    const [first, donating, unanswered, agcom] = [item(0), item(1), item(2), item(4)];
    expect(first).toMatchObject({ agreement, replaces: 'DEU.EKPA.V000000009', replacedBy: 'DEU.EKPA.V000000010' });
    expect(first).not.toHaveProperty('terminationDate');
    expect(donating.terminationDate).toBe('2026-12-14');
    expect(unanswered).toMatchObject({ terminationDate: null, agreement: null, replaces: null });
    expect(agcom.agcom).toMatchObject({ sessionCode: 'S-1', phase3: { cow: 'COW-1', resources: [{ cor: 'COR-1', cos: 'COS-1' }, { cor: 'COR-2', cos: null }] } });
  });

  it('filtered pages and cursor pages render the same way', async () => {
    const donating = await get('/v1/switches?role=donating&limit=1');
    expect(donating.json.items).toEqual([await reference(CASES[1]!.id)]);
    const next = await get(`/v1/switches?role=donating&limit=1&cursor=${encodeURIComponent(donating.json.nextCursor)}`);
    expect(next.json).toEqual({ items: [await reference(CASES[2]!.id)], nextCursor: null });
    const agcom = await get('/v1/switches?procedure=agcom');
    expect(agcom.json).toEqual({ items: [await reference('ORD-0005')], nextCursor: null });
  });

  it('the timeline equals the stored messages; a case without messages has an empty one; an unknown case is a 404', async () => {
    const timeline = await get(`/v1/switches/${CASES[0]!.id}/messages`);
    expect(timeline.type).toBe('application/json; charset=utf-8');
    expect(timeline.json).toEqual({ items: (await messagesOfCase(gw.store.db, CASES[0]!.id)).map((m) => JSON.parse(JSON.stringify(messageView(m, false)))) });
    expect(timeline.json.items[1].signature).toEqual({ verified: true, subject: 'CN=peer' });
    const raw = await get(`/v1/switches/${CASES[0]!.id}/messages?raw=true`);
    expect(raw.json.items.map((m: { raw: string }) => m.raw)).toEqual(['<wire n="0"/>', '<wire n="1"/>']);

    const empty = await get(`/v1/switches/${CASES[3]!.id}/messages`);
    expect(empty).toMatchObject({ status: 200, json: { items: [] } });

    const unknown = await get('/v1/switches/DEU.EKPA.V999999999/messages');
    expect(unknown.status).toBe(404);
    expect(unknown.type).toMatch(/^application\/problem\+json/);
    expect(unknown.json).toMatchObject({ status: 404, code: 'SG_NOT_FOUND' });
  });
});
