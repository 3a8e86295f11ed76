/**
 * AGCOM Fase 3 end to end: the Recipient OLA and the Donating OLB (each its own database, both
 * backends) and the wholesale simulator, all over real HTTP on 127.0.0.1. The managerial OK
 * (xml3 with the CodiceSessione) places exactly one order; the provider verifies it with the
 * Donating by the session code; an accepted annullamento cancels the order.
 */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { afterEach, expect, it } from 'vitest';
import { describeEachBackend } from '../support/backends.js';
import { freePort, http, eventually } from '../support/http-pair.js';
import { agcomMigration, caseOf, DAC, NOW, startAgcomPair, timeline, untilA, type AgcomPair } from '../support/agcom-pair.js';
import { call } from '../support/wholesale-world.js';
import { ManualClock } from '../../src/domain/clock.js';
import type { Store } from '../../src/store/connect.js';
import { buildMigrationCode } from '../../src/protocols/agcom/migration-code.js';
import { startWholesaleSimulator, type SimBehaviour, type SimCarrier, type WholesaleSimulator } from '../../src/wholesale/simulator.js';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const SIM_TO = { OLA: 'sim-to-OLA', OLB: 'sim-to-OLB' } as const;
/** the gateways present their (already configured) partner token to the simulator */
const TO_SIM = 'agcom-token-OLA-to-OLB';
const COR = '069234552';
const SESSION = 'SESS-OLB-000777';
const NEW_DAC = '2026-12-18';

interface World {
  pair: AgcomPair;
  sim: WholesaleSimulator;
  carriers: Record<string, SimCarrier>;
  close(): Promise<void>;
}

async function startWorld(open: () => Promise<Store>, behaviour: SimBehaviour = 'accept', npUrl?: string, placeOrders: 'auto' | 'manual' = 'auto', extraB: Record<string, unknown> = {}): Promise<World> {
  const carriers: Record<string, SimCarrier> = {};
  const sim = await startWholesaleSimulator({
    port: await freePort(),
    clock: new ManualClock(NOW),
    holidayRegion: 'IT',
    carriers,
    inboundTokens: [TO_SIM],
    defaultBehaviour: behaviour,
    timings: { ackMs: 10, stepMs: 10, delayMs: 300 },
    callbackRetryMs: 25,
    callbackAttempts: 60,
  });
  const wholesale = (self: 'OLA' | 'OLB', placeOrders: 'auto' | 'manual') => ({
    url: sim.restUrl,
    protocol: 'rest',
    placeOrders,
    auth: { type: 'bearer', tokenEnv: self === 'OLA' ? 'TOKEN_OLA_TO_OLB' : 'TOKEN_OLB_TO_OLA' },
    inboundTokenSha256: sha(SIM_TO[self]),
  });
  const pair = await startAgcomPair(open, open, {
    configA: {
      agcom: {
        cowOwner: { '2ZZ': 'OLB', KQG: 'OLB', X7K: 'TIM' },
        ...(npUrl ? { numberPortability: { url: npUrl, auth: { type: 'bearer', tokenEnv: 'TOKEN_OLA_TO_TIM' }, defaultDonor: 'TIM', ranges: [{ prefix: '0692', donor: 'OLB' }] } } : {}),
      },
      wholesale: wholesale('OLA', placeOrders),
    } as never,
    configB: { agcom: { cowOwner: { '2ZZ': 'OLB', KQG: 'OLB' } }, wholesale: wholesale('OLB', 'manual'), ...extraB } as never,
  });
  carriers['ITA.OLA'] = { notificationUrl: `${pair.a.url}/wholesale/v1/notifications`, token: SIM_TO.OLA };
  carriers['ITA.OLB'] = { verificationUrl: `${pair.b.url}/wholesale/v1/verifications`, token: SIM_TO.OLB };
  return {
    pair,
    sim,
    carriers,
    async close() {
      await pair.close();
      await sim.close();
    },
  };
}

const verify = (w: World, body: unknown) => call(w.pair.b, 'POST', '/wholesale/v1/verifications', body, { authorization: `Bearer ${SIM_TO.OLB}` });

/** A validated migration: request, formal OK, managerial OK with SESSION. */
async function validated(w: World, cor = COR): Promise<string> {
  const { pair } = w;
  const res = await http(pair.a, 'POST', '/v1/switches', agcomMigration(cor, { contact: { phone: '+39 333 1234567' } }));
  expect(res.status, res.text).toBe(201);
  const id = res.data.id as string;
  await untilA(pair, async () => expect((await caseOf(pair.b, id)).state).toBe('AWAITING_MANAGERIAL'));
  const ans = await http(pair.b, 'POST', `/v1/switches/${id}/answer`, { result: 'OK', sessionCode: SESSION });
  expect(ans.status, ans.text).toBe(202);
  await untilA(pair, async () => expect((await caseOf(pair.a, id)).state).toBe('VALIDATED'));
  return id;
}

const orderState = (w: World, id: string, state: string) =>
  untilA(w.pair, async () => expect((await caseOf(w.pair.a, id)).wholesaleOrder?.state).toBe(state), 15_000);

/** The Donors' number-portability endpoint: records what it receives. */
async function startNpStub(): Promise<{ url: string; received: { auth: string | undefined; body: Record<string, unknown> }[]; server: Server }> {
  const received: { auth: string | undefined; body: Record<string, unknown> }[] = [];
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString('utf8')));
    req.on('end', () => {
      received.push({ auth: req.headers.authorization, body: JSON.parse(text) as Record<string, unknown> });
      res.writeHead(202, { 'content-type': 'application/json' }).end('{"esito":"OK"}');
    });
  });
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${port}/np`, received, server };
}

describeEachBackend('agcom: Fase 3 (wholesale order) between two gateways and the provider', ({ open }) => {
  let world: World | undefined;
  let np: Awaited<ReturnType<typeof startNpStub>> | undefined;
  afterEach(async () => {
    await world?.close();
    world = undefined;
    await new Promise((r) => np?.server.close(r) ?? r(undefined));
    np = undefined;
  });

  it('number portability: pre-notice to the Donor when phase 2 succeeds, execution notice when the order completes', async () => {
    np = await startNpStub();
    const w = (world = await startWorld(open, 'accept', np.url));
    const id = await validated(w);
    await orderState(w, id, 'completed');
    await untilA(w.pair, async () => expect(np!.received.map((r) => r.body.tipoNotifica)).toEqual(['01', '02']));
    const providerId = w.sim.order(id)!.id;
    const [pre, done] = np.received;
    expect(pre!.auth).toBe('Bearer agcom-token-OLA-to-TIM');
    expect(pre!.body).toEqual({
      codiceOperatoreRec: 'OLA',
      codiceOperatoreDonor: 'OLB',
      codiceOrdineWHS: id,
      idNotifica: `${id}:01:OLB`,
      dataNotifica: new Date(NOW).toISOString(),
      tipoNotifica: '01',
      numerazioni: [COR],
    });
    expect(done!.body).toMatchObject({ codiceOperatoreDonor: 'OLB', idNotifica: `${id}:02:OLB`, tipoNotifica: '02', numerazioni: [COR], codiceOrdineWHS: providerId.length <= 18 ? providerId : id });
    // the stub has the notice before the gateway hears its answer and marks the row delivered
    await untilA(w.pair, async () => expect((await timeline(w.pair.a, id)).filter((t) => t.includes('NP-NOTICE'))).toEqual(['out:NP-NOTICE:delivered', 'out:NP-NOTICE:delivered']));
  });

  it('number portability: a failed order sends the KO notice (03)', async () => {
    np = await startNpStub();
    const w = (world = await startWorld(open, 'ko', np.url));
    const id = await validated(w, '021234567');
    await orderState(w, id, 'failed');
    await untilA(w.pair, async () => expect(np!.received.map((r) => r.body.tipoNotifica)).toEqual(['01', '03']));
    expect(np.received[1]!.body).toMatchObject({ codiceOperatoreDonor: 'TIM', tipoNotifica: '03', numerazioni: ['021234567'], note: 'wholesale order failed' });
  });

  it('a validated migration → exactly one order with the session code, verified OK by the Donating, completed', async () => {
    const w = (world = await startWorld(open));
    const id = await validated(w);
    await orderState(w, id, 'completed');

    const order = (await caseOf(w.pair.a, id)).wholesaleOrder;
    expect(order).toMatchObject({ externalId: id, procedure: 'agcom', orderType: 'PROVIDERWECHSEL', requestedCompletionDate: DAC, state: 'completed' });
    expect(w.sim.orders()).toHaveLength(1);
    const simOrder = w.sim.order(id)!;
    expect(simOrder.verification).toEqual({ result: 'OK' });
    expect(simOrder.body).toEqual({
      externalId: id,
      orderType: 'PROVIDERWECHSEL',
      requestedCompletionDate: DAC,
      buyer: 'ITA.OLA',
      donatingProvider: 'ITA.OLB',
      preCoordination: {
        procedure: 'agcom',
        id,
        businessCase: 'migrazione',
        sessionCode: SESSION,
        cow: '2ZZ',
        resources: [{ cor: COR, cos: '001' }],
        directoryNumbers: [COR],
      },
      customer: { kind: 'person', firstName: 'Mario', lastName: 'Rossi' },
    });
    expect(await timeline(w.pair.a, id)).toEqual([
      'out:RICHIESTA:delivered',
      'in:VALIDAZIONE_FORMALE:accepted',
      'in:VALIDAZIONE_GESTIONALE:accepted',
      'out:WHOLESALE-ORDER:delivered',
      'in:WHOLESALE-NOTIFICATION:accepted',
      'in:WHOLESALE-NOTIFICATION:accepted',
      'in:WHOLESALE-NOTIFICATION:accepted',
      'in:WHOLESALE-NOTIFICATION:accepted',
    ]);
    // the Donating answered the provider's verification on its own case, found by the session code
    await untilA(w.pair, async () =>
      expect(await timeline(w.pair.b, id)).toEqual([
        'in:RICHIESTA:accepted',
        'out:VALIDAZIONE_FORMALE:delivered',
        'out:VALIDAZIONE_GESTIONALE:delivered',
        'in:WHOLESALE-VERIFICATION:answered',
      ]),
    );
    expect((await caseOf(w.pair.b, id)).wholesaleOrder).toBeNull();
    // a second placement is refused: one order per successful phase 2
    const again = await http(w.pair.a, 'POST', `/v1/switches/${id}/wholesale-order`);
    expect(again.status).toBe(409);
    expect(again.data.code).toBe('SG_WHOLESALE_ORDER_EXISTS');

    // the same verification with numbers in international form, and with a foreign number
    expect((await verify(w, { id: SESSION, numbers: ['+39 06 9234552'] })).data).toEqual({ result: 'OK' });
    const wrong = await verify(w, { id: SESSION, numbers: ['069999999'] });
    expect(wrong.data).toMatchObject({ result: 'KO', code: 'NUMBERS_MISMATCH' });
  });

  it('an unknown session code is answered KO, and a KO verification makes the provider reject the order', async () => {
    const w = (world = await startWorld(open));
    const unknown = await verify(w, { id: 'SESS-NOT-ISSUED', numbers: [COR] });
    expect(unknown.status).toBe(200);
    expect(unknown.data).toEqual({ result: 'KO', code: 'UNKNOWN_ID', message: 'no phase 2 with id SESS-NOT-ISSUED is known on the donating side' });

    // the provider asks the Recipient's gateway instead: it does not reveal its own case
    w.carriers['ITA.OLB']!.verificationUrl = `${w.pair.a.url}/wholesale/v1/verifications`;
    w.carriers['ITA.OLB']!.token = SIM_TO.OLA;
    const id = await validated(w);
    await orderState(w, id, 'rejected');
    expect(w.sim.order(id)!.verification).toMatchObject({ result: 'KO', code: 'UNKNOWN_ID' });
  });

  it('an annullamento accepted after the order cancels the order; the Donating then answers CANCELLED', async () => {
    const w = (world = await startWorld(open, 'hold'));
    const id = await validated(w);
    await orderState(w, id, 'accepted');
    const res = await http(w.pair.a, 'POST', `/v1/switches/${id}/cancel`, { reason: 'il cliente ha cambiato idea' });
    expect(res.status, res.text).toBe(202);
    await untilA(w.pair, async () => expect((await caseOf(w.pair.a, id)).state).toBe('CANCELLED'));
    await orderState(w, id, 'cancelled');
    const c = await caseOf(w.pair.a, id);
    expect(c.wholesaleOrder.cancellation).toMatchObject({ id: `${id}:ANNULLAMENTO`, status: 'done', reason: `annullamento of ${id} accepted` });
    expect(w.sim.order(id)!.cancellations).toEqual([
      { externalId: `${id}:ANNULLAMENTO`, productOrder: { externalId: id, id: w.sim.order(id)!.id }, cancellationReason: `annullamento of ${id} accepted` },
    ]);
    await eventually(async () => expect((await caseOf(w.pair.b, id)).state).toBe('CANCELLED'));
    expect((await verify(w, { id: SESSION, numbers: [COR] })).data).toMatchObject({ result: 'KO', code: 'CANCELLED' });
  });

  it('the Donating answers KO EXPIRED for a codice sessione past deadlines.agcom.sessionCodeValidityDays', async () => {
    const w = (world = await startWorld(open, 'hold', undefined, 'manual', { deadlines: { agcom: { sessionCodeValidityDays: 3 } } }));
    const id = await validated(w);
    expect((await verify(w, { id: SESSION, numbers: [COR] })).data).toEqual({ result: 'OK' });
    // the OK was given on Tuesday 1 Dec: valid through Friday 4 Dec (Rome)
    w.pair.clock.set('2026-12-04T22:59:00Z');
    expect((await verify(w, { id: SESSION, numbers: [COR] })).data).toEqual({ result: 'OK' });
    w.pair.clock.set('2026-12-04T23:00:01Z');
    const expired = await verify(w, { id: SESSION, numbers: [COR] });
    expect(expired.data).toEqual({
      result: 'KO',
      code: 'EXPIRED',
      message: `${SESSION} is no longer valid: the codice sessione expired on 2026-12-04T22:59:59.999Z (deadlines.agcom.sessionCodeValidityDays)`,
    });
    expect((await caseOf(w.pair.b, id)).state).toBe('VALIDATED');
  });

  it('a rimodulazione accepted after the order reschedules it', async () => {
    const w = (world = await startWorld(open, 'hold'));
    const id = await validated(w);
    await orderState(w, id, 'accepted');
    const res = await http(w.pair.a, 'POST', `/v1/switches/${id}/reschedule`, { requestedDate: NEW_DAC });
    expect(res.status, res.text).toBe(202);
    await untilA(w.pair, async () => expect((await caseOf(w.pair.a, id)).wholesaleOrder.dac).toBe(NEW_DAC), 15_000);
    const c = await caseOf(w.pair.a, id);
    expect(c.state).toBe('VALIDATED');
    expect(c.wholesaleOrder).toMatchObject({ state: 'accepted', requestedCompletionDate: NEW_DAC, reschedule: { id: `${id}:${NEW_DAC}`, status: 'done', requestedDate: NEW_DAC } });
    expect(w.sim.order(id)!.reschedules).toEqual([
      {
        externalId: `${id}:${NEW_DAC}`,
        productOrder: { externalId: id, id: w.sim.order(id)!.id },
        requestedCompletionDate: NEW_DAC,
        reason: `rimodulazione of ${id} accepted: ${DAC} → ${NEW_DAC}`,
      },
    ]);
  });

  it('placeOrders manual: nothing is ordered until the API asks; then exactly one order', async () => {
    const w = (world = await startWorld(open, 'accept', undefined, 'manual'));
    const id = await validated(w);
    await w.pair.deliverA();
    expect((await caseOf(w.pair.a, id)).wholesaleOrder).toBeNull();
    expect(w.sim.orders()).toHaveLength(0);
    const placed = await http(w.pair.a, 'POST', `/v1/switches/${id}/wholesale-order`);
    expect(placed.status, placed.text).toBe(202);
    expect(placed.data.wholesaleOrder).toMatchObject({ externalId: id, procedure: 'agcom', state: 'submitted', requestedCompletionDate: DAC });
    await orderState(w, id, 'completed');
    expect(w.sim.orders()).toHaveLength(1);
  });

  it('the Donating never orders; without a managerial OK the Recipient cannot order either', async () => {
    const w = (world = await startWorld(open));
    const id = await validated(w);
    const atB = await http(w.pair.b, 'POST', `/v1/switches/${id}/wholesale-order`);
    expect(atB.status).toBe(409);
    expect(atB.data.code).toBe('SG_WHOLESALE_NOT_RECIPIENT');

    const res = await http(w.pair.a, 'POST', '/v1/switches', {
      procedure: 'agcom',
      donating: 'ITA.OLB',
      migrationCode: buildMigrationCode({ cow: '2ZZ', cor: '069234553', cos: '001' }),
      numbers: ['069234553'],
      requestedDate: DAC,
      customer: { lastName: 'Rossi SRL' },
      contact: { phone: '+39 333 1234567' },
    });
    expect(res.status, res.text).toBe(201);
    const pending = await http(w.pair.a, 'POST', `/v1/switches/${res.data.id as string}/wholesale-order`);
    expect(pending.status).toBe(409);
    expect(pending.data.code).toBe('SG_WHOLESALE_PHASE2_PENDING');
  });
});
