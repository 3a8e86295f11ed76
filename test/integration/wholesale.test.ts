/**
 * Phase 3 over real HTTP: DEU.EKPA (recipient) and DEU.EKPB (donating) talk WBCI SOAP to each
 * other and the wholesale simulator to both; everything is looked at through the public
 * interfaces (REST, event feed, the provider's endpoints) and the simulator's records.
 */
import { afterEach, expect, it } from 'vitest';
import { describeEachBackend } from '../support/backends.js';
import { eventually } from '../support/http-pair.js';
import { asProvider, call, simToken, startWorld, type Json, type Node, type World, type WorldOptions } from '../support/wholesale-world.js';
import { diesAfterCommit, ownerDied } from '../support/crash.js';
import { API_KEY } from '../support/gateway-pair.js';
import { countEvents } from '../support/events.js';

const KWT = '2026-12-15';
const NEW_DATE = '2026-12-22';
const WAIT = 20_000;

type VaType = 'VA-KUE-MRN' | 'VA-KUE-ORN' | 'VA-RRNP';

let customerSeq = 0;
const location = { street: 'Hauptstr.', houseNumber: '1', postalCode: '80331', city: 'München' };
const numbers = { kind: 'single', portingWindow: 'ZF2', list: [{ areaCode: '89', number: '1234567' }] };

function vaBody(type: VaType) {
  const base = { procedure: 'wbci', type, donating: 'DEU.EKPB', requestedDate: KWT, customer: { kind: 'person', salutation: 'Herr', firstName: 'Max', lastName: `Muster${++customerSeq}` } };
  if (type === 'VA-KUE-MRN') return { ...base, location, numbers };
  if (type === 'VA-KUE-ORN') return { ...base, location };
  return { ...base, numbers, pkiAuf: 'D001' };
}
const accept = (type: VaType) =>
  type === 'VA-RRNP'
    ? { result: 'accept', code: 'ZWA', switchDate: KWT, pkiAbg: 'D123' }
    : { result: 'accept', code: 'ZWA', switchDate: KWT, technology: '001', resources: [{ contractNumber: '1234567890' }], ...(type === 'VA-KUE-MRN' ? { pkiAbg: 'D123' } : {}) };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function caseOf(node: Node, id: string) {
  const r = await call(node, 'GET', `/v1/switches/${id}`);
  expect(r.status, r.text).toBe(200);
  return r.data;
}
async function timeline(node: Node, id: string): Promise<string[]> {
  const r = await call(node, 'GET', `/v1/switches/${id}/messages`);
  return r.data.items.map((m: { direction: string; type: string }) => `${m.direction}:${m.type}`);
}
/**
 * The event feed, once it has caught up with every event already committed: the feed shows an
 * event only when every older transaction on the (shared test) cluster has ended.
 */
async function feed(node: Node, id?: string): Promise<{ type: string; caseId: string; data: Json }[]> {
  const committed = await countEvents(node.store.db, id);
  return eventually(async () => {
    const r = await call(node, 'GET', '/v1/events?limit=1000');
    const items = r.data.items.filter((e: { caseId: string }) => id === undefined || e.caseId === id);
    expect(items.length).toBeGreaterThanOrEqual(committed);
    return items;
  }, WAIT);
}
const wholesaleFeed = async (node: Node, id: string) => (await feed(node, id)).filter((e) => e.type.startsWith('wholesale.')).map((e) => e.type);

/** Opens a VA at A and waits until B has it. */
async function start(w: World, type: VaType): Promise<string> {
  const c = await call(w.a, 'POST', '/v1/switches', vaBody(type));
  expect(c.status, c.text).toBe(201);
  const id = c.data.id as string;
  await eventually(async () => expect((await call(w.b, 'GET', `/v1/switches/${id}`)).status).toBe(200), WAIT);
  return id;
}
async function agree(w: World, id: string, type: VaType) {
  const r = await call(w.b, 'POST', `/v1/switches/${id}/answer`, accept(type));
  expect(r.status, r.text).toBe(202);
  await eventually(async () => expect((await caseOf(w.a, id)).state).toBe('AGREED'), WAIT);
}
async function handover(w: World, id: string, contractNumber = '1234567890') {
  const r = await call(w.a, 'POST', `/v1/switches/${id}/resource-handover`, { takeOver: true, lines: [{ contractNumber }] });
  expect(r.status, r.text).toBe(202);
  await eventually(async () => expect((await caseOf(w.b, id)).state).toBe('TR_NOTIFIED'), WAIT);
}
const orderState = (w: World, id: string, state: string, timeoutMs = WAIT) =>
  eventually(async () => expect((await caseOf(w.a, id)).wholesaleOrder?.state).toBe(state), timeoutMs);

/** A notification as the provider would send it. */
const notification = (id: string, eventId: string, productOrder: Record<string, unknown>, eventType = 'ProductOrderStateChangeEvent', extra: Record<string, unknown> = {}) => ({
  eventId,
  eventTime: '2026-11-23T10:00:00+01:00',
  eventType,
  event: { productOrder: { externalId: id, ...productOrder }, ...extra },
});

describeEachBackend('phase 3: the wholesale order', ({ open }) => {
  let world: World | undefined;
  afterEach(async () => {
    await world?.close();
    world = undefined;
  });
  const begin = async (o: WorldOptions = {}) => (world = await startWorld(open, o));

  it('VA-RRNP: one order right after the RUEM-VA, verified by the donating side, completed, all in the feed', async () => {
    const w = await begin();
    const id = await start(w, 'VA-RRNP');
    await agree(w, id, 'VA-RRNP');
    await orderState(w, id, 'completed');

    const order = (await caseOf(w.a, id)).wholesaleOrder;
    const simOrder = w.sim.order(id)!;
    expect(order).toMatchObject({
      externalId: id,
      providerOrderId: simOrder.id,
      procedure: 'wbci',
      orderType: 'NUMBER_EXPORT',
      requestedCompletionDate: KWT,
      state: 'completed',
      dac: KWT,
      failure: null,
      cancellation: null,
      reschedule: null,
    });
    expect(order.history.map((h: { event: string; to: string }) => `${h.event}>${h.to}`)).toEqual([
      'placed>submitted',
      'acknowledged>acknowledged',
      'accepted>accepted',
      'inProgress>inProgress',
      'completed>completed',
    ]);
    expect(await timeline(w.a, id)).toEqual([
      'out:VA-RRNP',
      'in:RUEM-VA',
      'out:WHOLESALE-ORDER',
      'in:WHOLESALE-NOTIFICATION',
      'in:WHOLESALE-NOTIFICATION',
      'in:WHOLESALE-NOTIFICATION',
      'in:WHOLESALE-NOTIFICATION',
    ]);
    await eventually(async () => expect(await wholesaleFeed(w.a, id)).toEqual(['wholesale.order-queued', 'wholesale.acknowledged', 'wholesale.accepted', 'wholesale.in-progress', 'wholesale.completed']), WAIT);
    const queued = (await feed(w.a, id)).find((e) => e.type === 'wholesale.order-queued')!;
    expect(queued.data).toMatchObject({ orderType: 'NUMBER_EXPORT', requestedCompletionDate: KWT, trigger: 'auto' });

    // what the provider received, and what it asked the donating side
    expect(w.sim.orders()).toHaveLength(1);
    expect(simOrder).toMatchObject({ protocol: 'rest', received: 1, verification: { result: 'OK' } });
    expect(simOrder.body).toMatchObject({
      externalId: id,
      orderType: 'NUMBER_EXPORT',
      buyer: 'DEU.EKPA',
      donatingProvider: 'DEU.EKPB',
      preCoordination: { procedure: 'wbci', id, businessCase: 'VA-RRNP' },
      numbers: { kind: 'single', portingWindow: 'ZF2', pkiAuf: 'D001', list: [{ areaCode: '89', number: '1234567', pkiAbg: 'D123' }] },
    });
    expect(simOrder.notifications.map((n) => n.status)).toEqual([200, 200, 200, 200]);
    expect(await timeline(w.b, id)).toEqual(['in:VA-RRNP', 'out:RUEM-VA', 'in:WHOLESALE-VERIFICATION']);
    expect((await feed(w.b, id)).filter((e) => e.type.startsWith('wholesale.')).map((e) => [e.type, e.data.result])).toEqual([['wholesale.verification-answered', 'OK']]);
    expect((await caseOf(w.b, id)).wholesaleOrder).toBeNull();

    // the provider may go on before A hears its answer to the order and marks it delivered
    await eventually(async () => {
      const view = await call(w.a, 'GET', `/v1/switches/${id}/wholesale-order`);
      expect(view.status).toBe(200);
      expect(view.data.deliveries).toEqual([
        { messageId: order.messageId, type: 'WHOLESALE-ORDER', status: 'delivered', attempts: 1, lastError: null, deliveredAt: expect.any(String), deadLetter: null },
      ]);
    }, WAIT);
  });

  it('two replicas of the recipient gateway on one database: still exactly one order', async () => {
    const w = await begin({ akmTrWindow: 1 });
    const replica = await w.replicaA();
    const kue = await start(w, 'VA-KUE-MRN');
    const rrnp = await start(w, 'VA-RRNP');
    await agree(w, kue, 'VA-KUE-MRN');
    await handover(w, kue);
    await agree(w, rrnp, 'VA-RRNP');
    // the KUE order becomes due by time: both replicas tick at once, and again
    w.clock.set('2026-11-24T23:00:00.000Z');
    await Promise.all([w.a.gw.tick(), replica.gw.tick(), w.a.gw.tick(), replica.gw.tick()]);
    await orderState(w, kue, 'completed');
    await orderState(w, rrnp, 'completed');
    for (const id of [kue, rrnp]) {
      expect(w.sim.order(id)!.received).toBe(1);
      expect((await timeline(replica, id)).filter((t) => t === 'out:WHOLESALE-ORDER')).toHaveLength(1);
    }
    expect(w.sim.orders()).toHaveLength(2);
    expect(w.sim.requests.filter((r) => r.status === 201)).toHaveLength(2);
  });

  it('VA-KUE: due only on the tick after the AKM-TR rejection window; exactly one order', async () => {
    const w = await begin({ akmTrWindow: 3 });
    const id = await start(w, 'VA-KUE-MRN');
    await agree(w, id, 'VA-KUE-MRN');
    await handover(w, id);

    const early = await call(w.a, 'POST', `/v1/switches/${id}/wholesale-order`);
    expect(early.status).toBe(409);
    expect(early.data.code).toBe('SG_WHOLESALE_AKM_TR_WINDOW_OPEN');
    expect(early.data.errors[0].message).toContain('due after 2026-11-26T23:00:00.000Z');

    w.clock.set('2026-11-26T22:59:59.000Z'); // the last second of Thursday in Munich
    await w.a.gw.tick();
    expect((await caseOf(w.a, id)).wholesaleOrder).toBeNull();

    w.clock.set('2026-11-26T23:00:00.000Z');
    await w.a.gw.tick();
    expect((await caseOf(w.a, id)).wholesaleOrder?.orderType).toBe('PROVIDERWECHSEL');
    await w.a.gw.tick();
    await orderState(w, id, 'completed');

    const again = await call(w.a, 'POST', `/v1/switches/${id}/wholesale-order`);
    expect(again.status).toBe(409);
    expect(again.data.code).toBe('SG_WHOLESALE_ORDER_EXISTS');
    expect((await timeline(w.a, id)).filter((t) => t === 'out:WHOLESALE-ORDER')).toHaveLength(1);
    expect(w.sim.orders().map((o) => [o.externalId, o.received])).toEqual([[id, 1]]);
    expect((await feed(w.a, id)).find((e) => e.type === 'wholesale.order-queued')?.data.trigger).toBe('tick');
    expect(w.sim.order(id)!.body).toMatchObject({ line: { technology: '001 TAL ISDN', takeOver: true, safeHarbour: false, resources: [{ contractNumber: '1234567890' }] }, site: location });

    // an ABBM-TR after the order went out changes nothing on the order: a person is told
    const late = await call(w.b, 'POST', `/v1/switches/${id}/resource-handover/answer`, { codes: [{ code: '8147' }] });
    expect(late.status, late.text).toBe(202);
    await eventually(async () => expect((await feed(w.a, id)).find((e) => e.type === 'wholesale.attention')?.data).toEqual({
      reason: 'ABBM-TR after the wholesale order was placed',
      codes: ['8147'],
      orderState: 'completed',
    }), WAIT);
    expect((await caseOf(w.a, id)).wholesaleOrder.state).toBe('completed');
    expect(w.sim.orders()).toHaveLength(1);
  });

  it('VA-KUE: an ABBM-TR inside the window prevents the order; the corrected AKM-TR starts a new window', async () => {
    const w = await begin({ akmTrWindow: 3 });
    const id = await start(w, 'VA-KUE-MRN');
    await agree(w, id, 'VA-KUE-MRN');
    await handover(w, id);
    const r = await call(w.b, 'POST', `/v1/switches/${id}/resource-handover/answer`, { codes: [{ code: '8144' }] });
    expect(r.status, r.text).toBe(202);
    await eventually(async () => expect((await caseOf(w.a, id)).state).toBe('AGREED'), WAIT);

    w.clock.set('2026-11-27T09:00:00+01:00');
    await w.a.gw.tick();
    expect((await caseOf(w.a, id)).wholesaleOrder).toBeNull();
    const refused = await call(w.a, 'POST', `/v1/switches/${id}/wholesale-order`);
    expect([refused.status, refused.data.code]).toEqual([409, 'SG_WHOLESALE_AKM_TR_REJECTED']);

    // the AKM-TR again (unchanged: switchgate's delivery id makes it a new message, not a duplicate)
    // on Friday 27 Nov: its window ends with Wednesday 2 Dec
    await handover(w, id);
    w.clock.set('2026-12-02T22:00:00.000Z');
    await w.a.gw.tick();
    expect((await caseOf(w.a, id)).wholesaleOrder).toBeNull();
    w.clock.set('2026-12-02T23:00:00.000Z');
    await w.a.gw.tick();
    await orderState(w, id, 'completed');
    expect(w.sim.orders()).toHaveLength(1);
  });

  it('manual mode with an Idempotency-Key: a process dead between placing the order and answering is answered on retry, one order', async () => {
    const w = await begin({ placeOrders: 'manual' });
    const id = await start(w, 'VA-KUE-MRN');
    await agree(w, id, 'VA-KUE-MRN');
    await handover(w, id);
    const placing = diesAfterCommit(w.a.gw.wholesale, 'placeOrder');
    const post = () => call(w.a, 'POST', `/v1/switches/${id}/wholesale-order`, undefined, { authorization: `Bearer ${API_KEY}`, 'idempotency-key': 'order-1' });
    expect((await post()).status).toBe(500);
    await ownerDied(w.a.gw.store.db, 'order-1');
    placing.survive();

    const again = await post();
    expect([again.status, again.headers['idempotent-replayed']], again.text).toEqual([202, 'true']);
    expect(placing.runs()).toBe(1);
    expect(again.data.wholesaleOrder).toMatchObject({ externalId: id, orderType: 'PROVIDERWECHSEL' });
    await orderState(w, id, 'completed');
    expect(w.sim.orders().map((o) => o.externalId)).toEqual([id]);
  });

  it('manual mode: 409 with the precise reason until phase 2 succeeded, then exactly one order on request', async () => {
    const w = await begin({ placeOrders: 'manual' });
    const id = await start(w, 'VA-KUE-MRN');
    const post = (node: Node, caseId: string) => call(node, 'POST', `/v1/switches/${caseId}/wholesale-order`);

    expect((await post(w.a, id)).data.code).toBe('SG_WHOLESALE_PHASE2_PENDING');
    await agree(w, id, 'VA-KUE-MRN');
    const missing = await post(w.a, id);
    expect([missing.status, missing.data.code, missing.data.errors[0].rule]).toEqual([409, 'SG_WHOLESALE_AKM_TR_MISSING', 'phase2Succeeded']);
    await handover(w, id);
    await sleep(200);
    expect((await caseOf(w.a, id)).wholesaleOrder).toBeNull(); // manual: nothing by itself
    expect((await post(w.b, id)).data.code).toBe('SG_WHOLESALE_NOT_RECIPIENT');
    expect((await post(w.a, 'DEU.EKPA.V999999999')).status).toBe(404);
    expect((await call(w.a, 'POST', `/v1/switches/${id}/wholesale-order`, undefined, {})).status).toBe(401);

    const placed = await post(w.a, id);
    expect(placed.status, placed.text).toBe(202);
    expect(placed.data.wholesaleOrder).toMatchObject({ externalId: id, state: 'submitted', orderType: 'PROVIDERWECHSEL' });
    const second = await post(w.a, id);
    expect([second.status, second.data.code]).toEqual([409, 'SG_WHOLESALE_ORDER_EXISTS']);
    await orderState(w, id, 'completed');
    expect((await feed(w.a, id)).find((e) => e.type === 'wholesale.order-queued')?.data.trigger).toBe('manual');

    const rejected = await start(w, 'VA-RRNP');
    const abbm = await call(w.b, 'POST', `/v1/switches/${rejected}/answer`, { result: 'reject', codes: [{ code: '8117' }] });
    expect(abbm.status, abbm.text).toBe(202);
    await eventually(async () => expect((await caseOf(w.a, rejected)).state).toBe('REJECTED'), WAIT);
    expect((await post(w.a, rejected)).data.code).toBe('SG_WHOLESALE_PHASE2_REJECTED');
    expect(w.sim.orders().map((o) => o.externalId)).toEqual([id]);
  });

  it('no order without a successful phase 2 in auto mode either', async () => {
    const w = await begin();
    const id = await start(w, 'VA-RRNP');
    const abbm = await call(w.b, 'POST', `/v1/switches/${id}/answer`, { result: 'reject', codes: [{ code: '8117' }] });
    expect(abbm.status).toBe(202);
    await eventually(async () => expect((await caseOf(w.a, id)).state).toBe('REJECTED'), WAIT);
    await w.a.gw.tick();
    await sleep(200);
    expect((await caseOf(w.a, id)).wholesaleOrder).toBeNull();
    await eventually(async () => expect(await wholesaleFeed(w.a, id)).toEqual([]), WAIT);
    expect(w.sim.orders()).toEqual([]);
  });

  it('a restart of the recipient gateway with the order queued and again with callbacks in flight: still exactly one order', async () => {
    const w = await begin({ sim: { timings: { ackMs: 10, stepMs: 10, delayMs: 400 } } });
    const id = await start(w, 'VA-RRNP');
    w.sim.setBehaviour(id, 'delay');
    w.sim.failWith = 503; // the provider is down: the order stays queued
    await agree(w, id, 'VA-RRNP');
    await eventually(async () => expect((await call(w.a, 'GET', `/v1/switches/${id}/wholesale-order`)).data.deliveries[0].attempts).toBeGreaterThanOrEqual(1), WAIT);
    expect((await caseOf(w.a, id)).wholesaleOrder.state).toBe('submitted');

    await w.restartA(async () => {
      w.sim.failWith = null;
      await sleep(100);
    });
    await w.a.gw.tick();
    // (a send cut off by the shutdown keeps its lease for 30 s: hence the longer wait)
    await orderState(w, id, 'accepted', 45_000);
    // callbacks in flight while the gateway is down are retried by the provider
    await w.restartA(async () => {
      await sleep(300);
    });
    await orderState(w, id, 'completed');

    expect(w.sim.orders()).toHaveLength(1);
    expect(w.sim.order(id)!.received).toBe(1);
    expect(w.sim.requests.filter((r) => r.status === 201)).toHaveLength(1);
    expect((await timeline(w.a, id)).filter((t) => t === 'out:WHOLESALE-ORDER')).toHaveLength(1);
    await eventually(async () => expect(await wholesaleFeed(w.a, id)).toEqual(['wholesale.order-queued', 'wholesale.acknowledged', 'wholesale.accepted', 'wholesale.in-progress', 'wholesale.completed']), WAIT);
  }, 90_000);

  it('an agreed Storno after the order cancels it; after completion it is only reported', async () => {
    const w = await begin();
    const id = await start(w, 'VA-RRNP');
    w.sim.setBehaviour(id, 'hold');
    await agree(w, id, 'VA-RRNP');
    await orderState(w, id, 'accepted');

    const storno = await call(w.a, 'POST', `/v1/switches/${id}/cancel`, { kind: 'STR-AUF' });
    expect(storno.status, storno.text).toBe(202);
    const change = await eventually(async () => {
      const c = await caseOf(w.b, id);
      expect(c.openChange).not.toBeNull();
      return c.openChange;
    }, WAIT);
    const erlm = await call(w.b, 'POST', `/v1/switches/${id}/changes/${change.id}/answer`, { result: 'accept' });
    expect(erlm.status, erlm.text).toBe(202);
    await orderState(w, id, 'cancelled');

    const c = await caseOf(w.a, id);
    expect(c.state).toBe('CANCELLED');
    expect(c.wholesaleOrder.cancellation).toMatchObject({ id: change.id, status: 'done', reason: `STR-AUF ${change.id} agreed (ERLM 8004)` });
    expect(w.sim.order(id)!.cancellations).toEqual([{ externalId: change.id, productOrder: { externalId: id, id: w.sim.order(id)!.id }, cancellationReason: `STR-AUF ${change.id} agreed (ERLM 8004)` }]);
    await eventually(async () => expect(await wholesaleFeed(w.a, id)).toEqual([
      'wholesale.order-queued',
      'wholesale.acknowledged',
      'wholesale.accepted',
      'wholesale.cancellation-queued',
      'wholesale.cancelled',
    ]), WAIT);
    // the donating side now refuses to verify it
    expect((await asProvider(w.b, '/wholesale/v1/verifications', { id, numbers: ['0891234567'] })).data).toEqual({
      result: 'KO',
      code: 'CANCELLED',
      message: `${id} was cancelled: STR-AUF agreed (ERLM)`,
    });

    // a Storno after the order completed cannot cancel anything: reported, not sent
    const done = await start(w, 'VA-RRNP');
    await agree(w, done, 'VA-RRNP');
    await orderState(w, done, 'completed');
    await call(w.a, 'POST', `/v1/switches/${done}/cancel`, { kind: 'STR-AUF' });
    const change2 = await eventually(async () => {
      const cc = await caseOf(w.b, done);
      expect(cc.openChange).not.toBeNull();
      return cc.openChange;
    }, WAIT);
    await call(w.b, 'POST', `/v1/switches/${done}/changes/${change2.id}/answer`, { result: 'accept' });
    await eventually(async () => expect((await caseOf(w.a, done)).state).toBe('CANCELLED'), WAIT);
    const reported = (await feed(w.a, done)).find((e) => e.type === 'wholesale.not-propagated');
    expect(reported?.data).toMatchObject({ change: 'cancellationRequested', code: 'SG_WHOLESALE_ORDER_CLOSED', orderState: 'completed' });
    expect((await timeline(w.a, done)).filter((t) => t === 'out:WHOLESALE-CANCEL')).toEqual([]);
  });

  it('an agreed TVS-VA after the order reschedules it', async () => {
    const w = await begin();
    const id = await start(w, 'VA-RRNP');
    w.sim.setBehaviour(id, 'hold');
    await agree(w, id, 'VA-RRNP');
    await orderState(w, id, 'accepted');
    const tv = await call(w.a, 'POST', `/v1/switches/${id}/reschedule`, { requestedDate: NEW_DATE });
    expect(tv.status, tv.text).toBe(202);
    const change = await eventually(async () => {
      const c = await caseOf(w.b, id);
      expect(c.openChange).not.toBeNull();
      return c.openChange;
    }, WAIT);
    expect((await call(w.b, 'POST', `/v1/switches/${id}/changes/${change.id}/answer`, { result: 'accept' })).status).toBe(202);
    await eventually(async () => expect((await caseOf(w.a, id)).wholesaleOrder.dac).toBe(NEW_DATE), WAIT);

    const order = (await caseOf(w.a, id)).wholesaleOrder;
    expect(order).toMatchObject({ state: 'accepted', requestedCompletionDate: NEW_DATE, reschedule: { id: change.id, status: 'done', requestedDate: NEW_DATE } });
    expect(w.sim.order(id)!.reschedules).toEqual([
      { externalId: change.id, productOrder: { externalId: id, id: w.sim.order(id)!.id }, requestedCompletionDate: NEW_DATE, reason: `TVS-VA ${change.id} agreed (ERLM 8003): ${KWT} → ${NEW_DATE}` },
    ]);
    await eventually(async () => expect(await wholesaleFeed(w.a, id)).toEqual(['wholesale.order-queued', 'wholesale.acknowledged', 'wholesale.accepted', 'wholesale.reschedule-queued', 'wholesale.rescheduled']), WAIT);
    const rescheduled = (await feed(w.a, id)).find((e) => e.type === 'wholesale.rescheduled')!;
    expect(rescheduled.data).toMatchObject({ dac: NEW_DATE, previousDac: KWT });
  });

  it('verification: OK for an agreed case, KO with the precise code otherwise, only for the provider', async () => {
    const w = await begin();
    const id = await start(w, 'VA-RRNP');
    const pending = await asProvider(w.b, '/wholesale/v1/verifications', { id, numbers: [] });
    expect(pending.data).toEqual({ result: 'KO', code: 'NOT_AGREED', message: `${id} is not agreed: the VA has not been answered` });
    await agree(w, id, 'VA-RRNP');

    const verify = (body: unknown, token?: string | null) => asProvider(w.b, '/wholesale/v1/verifications', body, token);
    expect((await verify({ id, numbers: ['089 1234567', '+49891234567'] })).data).toEqual({ result: 'OK' });
    expect((await verify({ id, numbers: ['0891234599'] })).data).toEqual({ result: 'KO', code: 'NUMBERS_MISMATCH', message: `0891234599 is not among the numbers agreed for ${id}` });
    expect((await verify({ id: 'DEU.EKPA.V999999999', numbers: [] })).data).toEqual({ result: 'KO', code: 'UNKNOWN_ID', message: 'no phase 2 with id DEU.EKPA.V999999999 is known on the donating side' });
    // the recipient does not confirm its own cases
    expect((await asProvider(w.a, '/wholesale/v1/verifications', { id, numbers: [] })).data.code).toBe('UNKNOWN_ID');

    const anon = await verify({ id, numbers: [] }, null);
    expect([anon.status, anon.data.code, anon.headers['www-authenticate']]).toEqual([401, 'SG_UNAUTHENTICATED', 'Bearer realm="switchgate-wholesale"']);
    expect((await verify({ id, numbers: [] }, simToken('DEU.EKPA'))).status).toBe(401);
    const bad = await verify({ id, numbers: 'x' });
    expect([bad.status, bad.data.code, bad.data.errors[0].path]).toEqual([400, 'SG_INVALID_REQUEST', '/numbers']);

    // the feed shows an event once every older transaction on the (shared) cluster has ended: wait for it
    await eventually(async () => {
      const answered = (await feed(w.b, id)).filter((e) => e.type === 'wholesale.verification-answered').map((e) => e.data.code ?? e.data.result);
      // before the answer, the simulator's check of the order and the two asked here about this case, in some order;
      // calls refused before a decision (unauthenticated, invalid) and ids without a case are not recorded on any case
      expect(answered[0]).toBe('NOT_AGREED');
      expect(answered.slice(1).sort()).toEqual(['NUMBERS_MISMATCH', 'OK', 'OK']);
    }, WAIT);
  });

  it.each([
    ['reject', 'rejected', ['wholesale.order-queued', 'wholesale.acknowledged', 'wholesale.rejected'], { failure: { state: 'rejected', code: 'REJECTED' } }],
    ['ko', 'failed', ['wholesale.order-queued', 'wholesale.acknowledged', 'wholesale.accepted', 'wholesale.in-progress', 'wholesale.failed'], { failure: { state: 'failed', code: 'KO_TECHNICAL' } }],
    [
      'reschedule',
      'completed',
      ['wholesale.order-queued', 'wholesale.acknowledged', 'wholesale.accepted', 'wholesale.rescheduled', 'wholesale.in-progress', 'wholesale.completed'],
      { dac: '2026-12-17', failure: null },
    ],
    ['delay', 'completed', ['wholesale.order-queued', 'wholesale.acknowledged', 'wholesale.accepted', 'wholesale.in-progress', 'wholesale.completed'], { dac: KWT }],
  ] as const)('simulator behaviour %s ends %s, on the case and in the feed', async (behaviour, final, events, expected) => {
    const w = await begin({ sim: { timings: { ackMs: 10, stepMs: 10, delayMs: 200 } } });
    const id = await start(w, 'VA-RRNP');
    w.sim.setBehaviour(id, behaviour);
    await agree(w, id, 'VA-RRNP');
    await orderState(w, id, final);
    expect((await caseOf(w.a, id)).wholesaleOrder).toMatchObject({ state: final, ...expected });
    expect(await wholesaleFeed(w.a, id)).toEqual(events);
    const last = (await feed(w.a, id)).filter((e) => e.type.startsWith('wholesale.')).at(-1)!;
    expect(last.data).toMatchObject({ externalId: id, state: final });
  });

  it('a negative or impossible verification makes the provider reject the order', async () => {
    const w = await begin();
    // the simulator asks the recipient instead of the donating side: UNKNOWN_ID
    w.carriers['DEU.EKPB'].verificationUrl = `${w.a.url}/wholesale/v1/verifications`;
    w.carriers['DEU.EKPB'].token = simToken('DEU.EKPA');
    const ko = await start(w, 'VA-RRNP');
    await agree(w, ko, 'VA-RRNP');
    await orderState(w, ko, 'rejected');
    expect((await caseOf(w.a, ko)).wholesaleOrder.failure).toEqual({
      state: 'rejected',
      code: 'VERIFICATION_KO',
      reason: `verification with the donating operator failed: UNKNOWN_ID: no phase 2 with id ${ko} is known on the donating side`,
    });
    // a token the donating gateway does not know: no answer at all
    w.carriers['DEU.EKPB'].verificationUrl = `${w.b.url}/wholesale/v1/verifications`;
    w.carriers['DEU.EKPB'].token = 'wrong';
    const unavailable = await start(w, 'VA-RRNP');
    await agree(w, unavailable, 'VA-RRNP');
    await orderState(w, unavailable, 'rejected');
    expect((await caseOf(w.a, unavailable)).wholesaleOrder.failure.code).toBe('VERIFICATION_UNAVAILABLE');
  });

  it('callbacks: duplicates acknowledged once, out-of-order and forbidden ones refused precisely, nothing changed by a refusal', async () => {
    const w = await begin();
    const id = await start(w, 'VA-RRNP');
    w.sim.setBehaviour(id, 'hold');
    await agree(w, id, 'VA-RRNP');
    await orderState(w, id, 'accepted');
    await w.sim.idle();
    const providerId = w.sim.order(id)!.id;

    const snapshot = async () => ({ order: (await caseOf(w.a, id)).wholesaleOrder, messages: await timeline(w.a, id), events: (await feed(w.a)).length });
    const before = await snapshot();
    const send = (body: unknown, token?: string | null) => asProvider(w.a, '/wholesale/v1/notifications', body, token);
    const refused = async (body: unknown, status: number, code: string, token?: string | null) => {
      const r = await send(body, token);
      expect([r.status, r.data.code], r.text).toEqual([status, code]);
      expect(r.headers['content-type']).toContain('application/problem+json');
      expect(await snapshot()).toEqual(before);
      return r;
    };

    const skipped = await refused(notification(id, 'x-1', { id: providerId, state: 'completed' }), 409, 'SG_WHOLESALE_STATE_SKIPPED');
    expect(skipped.data.detail).toBe(`completed needs the order to be inProgress first; ${id} is accepted`);
    await refused(notification(id, 'x-2', { id: providerId, state: 'acknowledged' }), 409, 'SG_WHOLESALE_STATE_PASSED');
    await refused(notification(id, 'x-3', { id: providerId, state: 'cancelled' }), 409, 'SG_WHOLESALE_NO_CANCELLATION_PENDING');
    await refused(notification(id, 'x-4', { id: 'WS999999', state: 'inProgress' }), 409, 'SG_WHOLESALE_ORDER_ID_MISMATCH');
    await refused(notification(id, 'x-5', { expectedCompletionDate: '2026-02-30' }, 'ProductOrderExpectedCompletionDateSetEvent'), 422, 'SG_WHOLESALE_INVALID_DATE');
    await refused(notification('DEU.EKPA.V999999999', 'x-6', { state: 'inProgress' }), 404, 'SG_WHOLESALE_ORDER_UNKNOWN');
    const invalid = await refused({ ...notification(id, 'x-7', { state: 'inProgress' }), eventId: undefined }, 400, 'SG_INVALID_REQUEST');
    expect(invalid.data.errors[0]).toMatchObject({ path: '/eventId', rule: 'required' });
    await refused(notification(id, 'x-8', { state: 'finished' }), 400, 'SG_INVALID_REQUEST');
    await refused(notification(id, 'x-9', { state: 'inProgress' }), 401, 'SG_UNAUTHENTICATED', null);
    await refused(notification(id, 'x-10', { state: 'inProgress' }), 401, 'SG_UNAUTHENTICATED', simToken('DEU.EKPB'));

    // a valid one, then the same again: one effect
    const progress = notification(id, 'ok-1', { id: providerId, state: 'inProgress' });
    const first = await send(progress);
    expect([first.status, first.data]).toEqual([200, { eventId: 'ok-1', status: 'accepted', orderState: 'inProgress' }]);
    const afterFirst = await snapshot();
    const dup = await send(progress);
    expect([dup.status, dup.data]).toEqual([200, { eventId: 'ok-1', status: 'duplicate', orderState: 'inProgress' }]);
    expect(await snapshot()).toEqual(afterFirst);
    expect(afterFirst.messages.filter((m) => m === 'in:WHOLESALE-NOTIFICATION')).toHaveLength(before.messages.filter((m) => m === 'in:WHOLESALE-NOTIFICATION').length + 1);
    // the same event id with other content is not a duplicate
    const reused = await send(notification(id, 'ok-1', { id: providerId, state: 'completed' }));
    expect([reused.status, reused.data.code]).toEqual([409, 'SG_WHOLESALE_EVENT_ID_REUSED']);
    expect(await snapshot()).toEqual(afterFirst);

    const done = await send(notification(id, 'ok-2', { id: providerId, state: 'completed' }));
    expect(done.data.orderState).toBe('completed');
    const closed = await send(notification(id, 'ok-3', { id: providerId, state: 'failed', errorMessage: [{ code: 'KO' }] }));
    expect([closed.status, closed.data.code]).toEqual([409, 'SG_WHOLESALE_ORDER_CLOSED']);
    expect((await caseOf(w.a, id)).wholesaleOrder).toMatchObject({ state: 'completed', failure: null });
  });

  it('the provider down: retried with backoff, delivered once it is back', async () => {
    const w = await begin();
    const id = await start(w, 'VA-RRNP');
    w.sim.failWith = 503;
    await agree(w, id, 'VA-RRNP');
    const pending = await eventually(async () => {
      const v = await call(w.a, 'GET', `/v1/switches/${id}/wholesale-order`);
      expect(v.data.deliveries[0].attempts).toBeGreaterThanOrEqual(2);
      return v.data.deliveries[0];
    }, WAIT);
    expect(pending).toMatchObject({ type: 'WHOLESALE-ORDER', status: 'pending', lastError: 'HTTP 503 SIMULATED_FAILURE', deadLetter: null });
    w.sim.failWith = null;
    await orderState(w, id, 'completed');
    const delivered = await eventually(async () => {
      const d = (await call(w.a, 'GET', `/v1/switches/${id}/wholesale-order`)).data.deliveries[0];
      expect(d.status).toBe('delivered');
      return d;
    }, WAIT);
    expect(delivered.attempts).toBeGreaterThanOrEqual(2);
    expect(w.sim.requests.filter((r) => r.status === 503).length).toBeGreaterThanOrEqual(1);
    expect(w.sim.order(id)!.received).toBe(1);
  });

  it('the provider down for good: dead-lettered with the reason, visible on the order, replayable', async () => {
    const w = await begin({ retry: { maxAttempts: 3, baseMs: 10, capMs: 30 } });
    const id = await start(w, 'VA-RRNP');
    w.sim.failWith = 503;
    await agree(w, id, 'VA-RRNP');
    const dead = await eventually(async () => {
      const r = await call(w.a, 'GET', `/v1/dead-letters?caseId=${id}`);
      expect(r.data.items).toHaveLength(1);
      return r.data.items[0];
    }, WAIT);
    expect(dead).toMatchObject({ type: 'WHOLESALE-ORDER', destination: 'wholesale', attempts: 3, reason: 'gave up after 3 attempts: HTTP 503 SIMULATED_FAILURE' });
    const view = (await call(w.a, 'GET', `/v1/switches/${id}/wholesale-order`)).data;
    expect(view.state).toBe('submitted');
    expect(view.deliveries[0]).toMatchObject({ status: 'dead', deadLetter: { id: dead.id, reason: dead.reason } });
    expect((await feed(w.a, id)).find((e) => e.type === 'delivery.dead-lettered')?.data).toMatchObject({ type: 'WHOLESALE-ORDER', reason: dead.reason });

    // a permanent refusal is dead-lettered at once
    const other = await start(w, 'VA-RRNP');
    w.sim.failWith = 400;
    await agree(w, other, 'VA-RRNP');
    const dead2 = await eventually(async () => {
      const r = await call(w.a, 'GET', `/v1/dead-letters?caseId=${other}`);
      expect(r.data.items).toHaveLength(1);
      return r.data.items[0];
    }, WAIT);
    expect(dead2).toMatchObject({ attempts: 1, reason: 'HTTP 400 SIMULATED_FAILURE' });

    w.sim.failWith = null;
    expect((await call(w.a, 'POST', `/v1/dead-letters/${dead.id}/replay`)).status).toBe(202);
    await orderState(w, id, 'completed');
  });
});

describeEachBackend('phase 3 over SOAP', ({ open }) => {
  let world: World | undefined;
  afterEach(async () => world?.close());

  it('the SOAP client orders and cancels; the lifecycle is the same', async () => {
    const w = (world = await startWorld(open, { protocol: 'soap' }));
    const id = await start(w, 'VA-RRNP');
    await agree(w, id, 'VA-RRNP');
    await orderState(w, id, 'completed');
    expect(w.sim.order(id)).toMatchObject({ protocol: 'soap', received: 1 });

    const held = await start(w, 'VA-RRNP');
    w.sim.setBehaviour(held, 'hold');
    await agree(w, held, 'VA-RRNP');
    await orderState(w, held, 'accepted');
    await call(w.a, 'POST', `/v1/switches/${held}/cancel`, { kind: 'STR-AUF' });
    const change = await eventually(async () => {
      const c = await caseOf(w.b, held);
      expect(c.openChange).not.toBeNull();
      return c.openChange;
    }, WAIT);
    await call(w.b, 'POST', `/v1/switches/${held}/changes/${change.id}/answer`, { result: 'accept' });
    await orderState(w, held, 'cancelled');
    expect(w.sim.requests.filter((r) => r.protocol === 'soap').map((r) => `${r.op}:${r.status}`)).toEqual(['placeOrder:201', 'placeOrder:201', 'cancelOrder:201']);
  });
});
