/**
 * The operator's and TIM's gateways over real HTTP, on PGlite and PostgreSQL: R1–R5 and the
 * further-CAC-module order through their lifecycles, annulment with its reimbursement, cessation
 * with its fees, a fault closed as intervento a vuoto, a PVV/PQR project to completion.
 */
import { afterEach, expect, it, vi } from 'vitest';
import { describeEachBackend } from '../support/backends.js';
import { http } from '../support/http-pair.js';
import { eventually } from '../support/http-pair.js';
import { icGet, r1Body, r2Body, startInterconnectPair, TIM, untilState, type InterconnectPair } from '../support/interconnect-pair.js';

// two whole gateways with their workers per test: on a loaded machine (PGlite is single-threaded
// WebAssembly) a lifecycle takes longer than the suite's default; nothing here asserts timing
vi.setConfig({ testTimeout: 120_000 });

const DAY = 86_400_000;
describeEachBackend('interconnect: operator and TIM over HTTP', ({ open }) => {
  let pair: InterconnectPair;
  afterEach(async () => {
    await pair?.close();
  });

  it('R2 is submitted, progressed and completed with the port and link TDs on both sides', async () => {
    pair = await startInterconnectPair(open, open);
    const created = await http(pair.op, 'POST', '/v1/interconnect/requests', r2Body());
    expect(created.status, created.text).toBe(201);
    expect(created.data).toMatchObject({ type: 'joint-activation', role: 'operator', state: 'SUBMITTED', orderDate: '2026-12-01', counterpart: TIM });
    const id = created.data.id as string;
    const atTim = await untilState(pair.tim, `requests/${id}`, 'SUBMITTED');
    expect(atTim).toMatchObject({ role: 'tim', counterpart: 'ITA.OLA', data: { linkSpeed: '10G', cacModules: 4 } });

    expect((await http(pair.tim, 'POST', `/v1/interconnect/requests/${id}/progress`, {})).status).toBe(200);
    await untilState(pair.op, `requests/${id}`, 'IN_PROGRESS');
    pair.clock.advance(9 * DAY);
    const done = await http(pair.tim, 'POST', `/v1/interconnect/requests/${id}/complete`, { completionDate: '2026-12-09', tds: { port: 'TD-P-0001', link: 'TD-L-0001' } });
    expect(done.status, done.text).toBe(200);
    const atOp = await untilState(pair.op, `requests/${id}`, 'COMPLETED');
    expect(atOp.completion).toEqual({ completionDate: '2026-12-09', tds: { port: 'TD-P-0001', link: 'TD-L-0001' } });
    const list = await icGet(pair.op, 'requests?state=COMPLETED');
    expect(list.items.map((i: { id: string }) => i.id)).toEqual([id]);
  });
});

const post = (node: InterconnectPair['op'], path: string, body: unknown) => http(node, 'POST', `/v1/interconnect/${path}`, body);

/** Creates an access on the operator's side and has TIM complete it; returns its id. */
async function completedAccess(pair: InterconnectPair, body: object, tds: { port: string; link?: string }, completionDate = '2026-12-01'): Promise<string> {
  const created = await post(pair.op, 'requests', body);
  expect(created.status, created.text).toBe(201);
  const id = created.data.id as string;
  await untilState(pair.tim, `requests/${id}`, 'SUBMITTED');
  const done = await post(pair.tim, `requests/${id}/complete`, { completionDate, tds });
  expect(done.status, done.text).toBe(200);
  await untilState(pair.op, `requests/${id}`, 'COMPLETED');
  return id;
}

describeEachBackend('interconnect: annulment, reconfiguration, further modules, cessation', ({ open }) => {
  let pair: InterconnectPair;
  afterEach(async () => {
    await pair?.close();
  });

  it('annulling R1s: on day 13 the activation fee and module fees, on day 14 also 6 monthly fees; TIM computes the same', async () => {
    pair = await startInterconnectPair(open, open);
    const a = (await post(pair.op, 'requests', r1Body(['192.0.2.21']))).data.id as string;
    const b = (await post(pair.op, 'requests', r1Body(['192.0.2.22']))).data.id as string;
    await untilState(pair.tim, `requests/${b}`, 'SUBMITTED');
    pair.clock.advance(13 * DAY);
    const day13 = await post(pair.op, `requests/${a}/annulment`, { requestDate: '2026-12-14' });
    expect(day13.status, day13.text).toBe(200);
    expect(day13.data).toMatchObject({ state: 'ANNULLED', annulment: { requestDate: '2026-12-14', solarDays: 13, reimbursement: { total: '1473.00' } } });
    expect(day13.data.annulment.reimbursement.items.map((i: { item: string }) => i.item)).toEqual(['portActivationFee', 'cacModulesBeyondDimensioning']);
    pair.clock.advance(DAY);
    const day14 = await post(pair.op, `requests/${b}/annulment`, { requestDate: '2026-12-15', cacModules: 3 });
    expect(day14.status, day14.text).toBe(200);
    expect(day14.data.annulment).toMatchObject({ solarDays: 14, reimbursement: { total: '3333.00' } });
    expect(day14.data.annulment.reimbursement.items).toContainEqual({ item: 'portMonthlyFees', quantity: 6, amount: '1860.00', note: '14 solar days after the order date: more than 13' });
    const atTim = await untilState(pair.tim, `requests/${b}`, 'ANNULLED');
    expect(atTim.annulment.reimbursement.total).toBe('3333.00');
    expect((await untilState(pair.tim, `requests/${a}`, 'ANNULLED')).annulment.reimbursement.total).toBe('1473.00');
  });

  it('R3 changes the BG addresses of an access for the set-up cost; c′ adds CAC modules; both sides agree', async () => {
    pair = await startInterconnectPair(open, open);
    const access = await completedAccess(pair, r2Body(['192.0.2.30']), { port: 'TD-P-30', link: 'TD-L-30' });
    const r3 = await post(pair.op, 'requests', { type: 'reconfiguration', counterpart: TIM, pdi: 'PDI-RM-01', accessId: access, bgIpAddresses: ['192.0.2.31', '192.0.2.30'] });
    expect(r3.status, r3.text).toBe(201);
    expect(r3.data.reconfigurationFee).toEqual({ items: [{ item: 'setupCost', amount: '275.00', note: 'one-off per reconfiguration' }], total: '275.00' });
    await untilState(pair.tim, `requests/${r3.data.id}`, 'SUBMITTED');
    expect((await post(pair.tim, `requests/${r3.data.id}/complete`, { completionDate: '2026-12-01' })).status).toBe(200);
    await untilState(pair.op, `requests/${r3.data.id}`, 'COMPLETED');
    for (const node of [pair.op, pair.tim]) expect((await icGet(node, `requests/${access}`)).data.bgIpAddresses).toEqual(['192.0.2.31', '192.0.2.30']);

    const more = await post(pair.op, 'requests', { type: 'cac-expansion', counterpart: TIM, accessId: access, cacModules: 2 });
    expect(more.status, more.text).toBe(201);
    await untilState(pair.tim, `requests/${more.data.id}`, 'SUBMITTED');
    expect((await post(pair.tim, `requests/${more.data.id}/complete`, { completionDate: '2026-12-01' })).status).toBe(200);
    await untilState(pair.op, `requests/${more.data.id}`, 'COMPLETED');
    await eventually(async () => expect((await icGet(pair.op, `requests/${access}`)).addedCacModules).toBe(2));
    expect((await icGet(pair.tim, `requests/${access}`)).addedCacModules).toBe(2);
  });

  it('R5: an incomplete cessation is rejected; a new one ceases the access with pro-rata fees; the access listing for billing shows it', async () => {
    pair = await startInterconnectPair(open, open);
    const access = await completedAccess(pair, r2Body(['192.0.2.40']), { port: 'TD-P-40', link: 'TD-L-40' });
    const r5 = { type: 'cessation', counterpart: TIM, operatorNode: 'OLA-MSS-RM1', timNode: 'TIM-MGW-RM3', portCount: 1, requestedDate: '2026-12-15', accessIds: [access] };
    const first = await post(pair.op, 'requests', r5);
    expect(first.status, first.text).toBe(201);
    // ceased 15 Dec, delivered 1 Dec: port 15/31 of 310.00, link 15/31 of 620.00, 1 module 31/31 of 45.50
    expect(first.data.cessationFees).toMatchObject({ total: '495.50', items: [{ item: 'port TD-P-40', days: 15, amount: '150.00' }, { item: 'link TD-L-40', days: 15, amount: '300.00' }, { item: 'cacModules TD-P-40', quantity: 1, days: 31, amount: '45.50' }] });
    await untilState(pair.tim, `requests/${first.data.id}`, 'SUBMITTED');
    const annul = await post(pair.op, `requests/${first.data.id}/annulment`, { requestDate: '2026-12-01' });
    expect(annul.status).toBe(409);
    expect(annul.data.code).toBe('SG_IC_ANNUL_CESSATION');
    expect((await post(pair.tim, `requests/${first.data.id}/reject`, { reason: 'TIM node unknown at this PdI' })).status).toBe(200);
    const rejected = await untilState(pair.op, `requests/${first.data.id}`, 'REJECTED_INCOMPLETE');
    expect(rejected.rejection.reason).toBe('TIM node unknown at this PdI');

    const second = await post(pair.op, 'requests', r5);
    expect(second.status, second.text).toBe(201);
    await untilState(pair.tim, `requests/${second.data.id}`, 'SUBMITTED');
    const early = await post(pair.tim, `requests/${second.data.id}/complete`, { completionDate: '2026-12-01' });
    expect(early.status).toBe(422);
    expect(early.data.errors[0]).toMatchObject({ path: '/completionDate', code: 'SG_IC_BEFORE_REQUESTED_DATE' });
    pair.clock.advance(14 * DAY);
    expect((await post(pair.tim, `requests/${second.data.id}/complete`, { completionDate: '2026-12-15' })).status).toBe(200);
    await untilState(pair.op, `requests/${second.data.id}`, 'COMPLETED');
    await eventually(async () => expect((await icGet(pair.op, `requests/${access}`)).ceasedBy).toEqual({ requestId: second.data.id, date: '2026-12-15', completedOn: '2026-12-15' }));
    const { listAccesses } = await import('../../src/store/repos/interconnect-accesses.js');
    expect(await listAccesses(pair.op.gw.store.db)).toEqual([
      {
        id: access,
        type: 'joint-activation',
        role: 'operator',
        counterpart: TIM,
        pdi: 'PDI-RM-01',
        orderDate: '2026-12-01',
        completionDate: '2026-12-01',
        cessationDate: '2026-12-15',
        ceasedBy: second.data.id,
        components: [
          { kind: 'port', td: 'TD-P-40', quantity: 1 },
          { kind: 'link', td: 'TD-L-40', quantity: 1 },
          { kind: 'cac-modules', td: 'TD-P-40', quantity: 1 },
        ],
        cacModulesInDimensioning: 3,
      },
    ]);
    expect((await listAccesses(pair.tim.gw.store.db, { activeOn: '2026-12-16' })).length).toBe(0);
    // the January invoice carries the access completed in December: the port's activation fee, port
    // and link pro rata 1–15 Dec (ceased on the 15th), the extra CAC module to the end of December
    const invoice = await http(pair.op, 'GET', '/v1/interconnect/invoices/access-services?month=2027-01');
    expect(invoice.status, invoice.text).toBe(200);
    expect(invoice.data.total).toBe('1695.50');
    expect(invoice.data.lines).toContainEqual(expect.objectContaining({ accessId: access, component: 'port', item: 'activation', amount: '1200.00' }));
    expect(invoice.data.lines).toContainEqual(expect.objectContaining({ accessId: access, component: 'link', item: 'pro-rata', days: 15, amount: '300.00' }));
    expect((await http(pair.op, 'GET', '/v1/interconnect/invoices/access-services?month=2027-13')).status).toBe(400);
    // a ceased access frees its BG addresses on the PdI
    expect((await post(pair.op, 'requests', r2Body(['192.0.2.40']))).status).toBe(201);
  });
});
