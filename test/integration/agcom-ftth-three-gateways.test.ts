/**
 * Issue #14's done-when: three parties over SOAP on loopback carry an Italian migrazione from the
 * code check to the FTTH completion — the Recipient gateway OLA, the Donating gateway OLB (which
 * also hosts the numbers as their Donor), and the network operator played by the FTTH simulator
 * (`simulate wholesale --protocol agcom-ftth`). Nothing in between is a stub: N1–N3 leave OLA's
 * outbox, the simulator runs N8 against OLB, whose N9 comes back through OLB's outbox, and
 * N4–N7 / N10 reach the gateways' hosted services; N11 goes from OLA to OLB's
 * O2ONPFibra.OLO_NPRequestService. Both backends.
 *
 * The Recipient runs without background workers (the pair's convention): `untilA` delivers its
 * outbox, so each step is driven by the test; OLB and the simulator run on their own.
 */
import { createHash } from 'node:crypto';
import { afterEach, expect, it } from 'vitest';
import { describeEachBackend } from '../support/backends.js';
import { freePort, http, type HttpNode } from '../support/http-pair.js';
import { agcomEnv, agcomMigration, caseOf, DAC, startAgcomPair, timeline, untilA, type AgcomPair } from '../support/agcom-pair.js';
import { startFtthSimulator, type StartedFtthSimulator } from '../../src/ftth-simulator/simulator.js';
import type { FtthSimBehaviour } from '../../src/ftth-simulator/options.js';
import type { Store } from '../../src/store/connect.js';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
/** what the simulator presents to each gateway (their agcom.wholesale.inboundTokenSha256) */
const WHS_TO = { OLA: 'whs-to-OLA', OLB: 'whs-to-OLB' } as const;
/** the variables (of agcomEnv) with what each gateway presents to the simulator */
const TO_WHS_ENV = { OLA: 'TOKEN_OLA_TO_TIM', OLB: 'TOKEN_OLB_TO_TIM' } as const;
const SESSION = 'SESS-OLB-3GW';
const TECH = { name: 'Giulia', surname: 'Bianchi', phone: '+390612345678', email: 'noc@ola.example' };
/** three gateways' worth of work on two shared cores */
const SLOW = 120_000;

interface World {
  pair: AgcomPair;
  sim: StartedFtthSimulator;
  close(): Promise<void>;
}

async function startWorld(open: () => Promise<Store>, o: { sessionCodeValidityDays?: number; placeOrders?: 'auto' | 'manual' } = {}): Promise<World> {
  const ports = { a: await freePort(), b: await freePort() };
  const simPort = await freePort();
  const whsUrl = `http://127.0.0.1:${simPort}/agcom/ftth/v1`;
  const networkOperator = (self: 'OLA' | 'OLB') => ({
    url: whsUrl,
    protocol: 'agcom-ftth',
    operatorCode: 'WHS',
    auth: { type: 'bearer', tokenEnv: TO_WHS_ENV[self] },
    inboundTokenSha256: sha(WHS_TO[self]),
  });
  const pair = await startAgcomPair(open, open, {
    ports,
    configA: {
      agcom: {
        cowOwner: { '2ZZ': 'OLB', KQG: 'OLB', X7K: 'TIM' },
        wholesale: { ...networkOperator('OLA'), placeOrders: o.placeOrders ?? 'auto' },
        ftth: { technicalContact: TECH },
        // OLB is the Donor of its own numbers: N11 over SOAP to its OLO_NPRequestService
        numberPortability: {
          ranges: [{ prefix: '0692', donor: 'OLB' }],
          donors: [{ code: 'OLB', url: `http://127.0.0.1:${ports.b}/agcom/ftth/v1`, inboundTokenSha256: sha(agcomEnv().TOKEN_OLB_TO_OLA!), auth: { type: 'bearer', tokenEnv: 'TOKEN_OLA_TO_OLB' } }],
        },
      },
    } as never,
    configB: {
      agcom: {
        cowOwner: { '2ZZ': 'OLB', KQG: 'OLB' },
        wholesale: { ...networkOperator('OLB'), placeOrders: 'manual' },
        numberPortability: {
          donors: [{ code: 'OLA', url: `http://127.0.0.1:${ports.a}/agcom/ftth/v1`, inboundTokenSha256: sha(agcomEnv().TOKEN_OLA_TO_OLB!), auth: { type: 'bearer', tokenEnv: 'TOKEN_OLB_TO_OLA' } }],
        },
      },
      ...(o.sessionCodeValidityDays !== undefined ? { deadlines: { agcom: { sessionCodeValidityDays: o.sessionCodeValidityDays } } } : {}),
    } as never,
  });
  const sim = await startFtthSimulator({
    operatorCode: 'WHS',
    port: simPort,
    operators: [
      { code: 'OLA', url: `${pair.a.url}/agcom/ftth/v1`, token: WHS_TO.OLA, inboundToken: agcomEnv()[TO_WHS_ENV.OLA]! },
      { code: 'OLB', url: `${pair.b.url}/agcom/ftth/v1`, token: WHS_TO.OLB, inboundToken: agcomEnv()[TO_WHS_ENV.OLB]!, cows: ['2ZZ', 'KQG'] },
    ],
    timings: { stepMs: 0 },
    deliveryRetryMs: 10,
    clock: pair.clock,
  });
  return {
    pair,
    sim,
    async close() {
      await sim.close();
      await pair.close();
    },
  };
}

/**
 * A migration OLA → OLB agreed in Fase 2 (OLB's managerial OK with the codice sessione); the
 * simulator will play `behaviour` for its order. The N1 waits in OLA's outbox until the test
 * delivers it.
 */
async function validated(w: World, cor: string, behaviour: FtthSimBehaviour = 'accept'): Promise<string> {
  const { pair } = w;
  const res = await http(pair.a, 'POST', '/v1/switches', agcomMigration(cor, { contact: { phone: '+39 333 1234567' } }));
  expect(res.status, res.text).toBe(201);
  const id = res.data.id as string;
  // the Recipient's order code is the case id (CODICE_ORDINE_REC)
  w.sim.simulator.setBehaviour(id, behaviour);
  await untilA(pair, async () => expect((await caseOf(pair.b, id)).state).toBe('AWAITING_MANAGERIAL'), 30_000);
  expect((await http(pair.b, 'POST', `/v1/switches/${id}/answer`, { result: 'OK', sessionCode: SESSION })).status).toBe(202);
  await untilA(pair, async () => expect((await caseOf(pair.a, id)).state).toBe('VALIDATED'), 30_000);
  return id;
}

type Order = { state: string; dac?: string; ftth: { state: string }; history: { event: string }[]; failure?: { code?: string } };
const orderOf = async (node: HttpNode, id: string) => (await caseOf(node, id)).wholesaleOrder as Order;
const ftthTimeline = async (node: HttpNode, id: string) => (await timeline(node, id)).filter((t) => t.includes('FTTH'));
const feed = async (node: HttpNode, id: string, type: string) =>
  ((await http(node, 'GET', '/v1/events?limit=1000')).data.items as { type: string; caseId: string | null; data: Record<string, unknown> }[]).filter((e) => e.caseId === id && e.type === type).map((e) => e.data);
/** the N11 TIPO_NOTIFICA the Donor OLB recorded on its case, in order */
const npNotices = async (w: World, id: string) => (await feed(w.pair.b, id, 'np.notice-received')).map((d) => d.tipoNotifica);
const donatingNotices = async (w: World, id: string) => (await feed(w.pair.b, id, 'agcom.ftth.donating-notified')).map((d) => d.event);

describeEachBackend('agcom FTTH with three parties: Recipient and Donating gateways, the network operator simulated (SOAP on loopback)', ({ open }) => {
  let world: World | undefined;
  afterEach(async () => {
    await world?.close();
    world = undefined;
  });

  it('from the code check to the completion: N1 → N8/N9 → N4 Accettato → N6 → N7 OK, N10 to the Donating, N11 01/02 to the Donor', async () => {
    const w = (world = await startWorld(open));
    const id = await validated(w, '069234552');
    await untilA(w.pair, async () => expect((await caseOf(w.pair.a, id)).state).toBe('COMPLETED'), 60_000);

    const order = await orderOf(w.pair.a, id);
    expect(order).toMatchObject({ state: 'completed', dac: DAC, ftth: { state: 'espletatoOk' } });
    expect(order.history.map((h) => h.event)).toEqual(['N1', 'N4 acquisito', 'N4 accettato', 'N6', 'N7']);
    // the N11 01 left at the managerial OK, before the N1; the 02 after the N7
    // the N11 02 is queued with the completion and delivered after it
    await untilA(w.pair, async () => expect(await ftthTimeline(w.pair.a, id)).toEqual(['out:FTTH-N11:delivered', 'out:FTTH-N1:delivered', 'in:FTTH-N4:accepted', 'in:FTTH-N4:accepted', 'in:FTTH-N6:accepted', 'in:FTTH-N7:accepted', 'out:FTTH-N11:delivered']));
    // the Donating checked the codice sessione and was told the DAC and the outcome
    const sim = w.sim.simulator.order(id)!;
    expect(sim.n9).toEqual({ ESITO: 'OK' });
    await untilA(w.pair, async () => expect(await donatingNotices(w, id)).toEqual(['firstDac', 'outcomeOk']));
    expect(await feed(w.pair.b, id, 'agcom.ftth.session-checked')).toEqual([expect.objectContaining({ esito: 'OK' })]);
    await untilA(w.pair, async () => expect(await ftthTimeline(w.pair.b, id)).toEqual(expect.arrayContaining(['in:FTTH-N8:answered', 'out:FTTH-N9:delivered', 'in:FTTH-N10:accepted', 'in:FTTH-N11:accepted'])));
    // the Donor OLB: 01 at the managerial OK, 02 at the completion, both on its donating case
    await untilA(w.pair, async () => expect(await npNotices(w, id)).toEqual(['01', '02']));
    // nothing any party refused
    expect(sim.sent.map((s) => s.outcome)).not.toContain('nacked');
    expect(await feed(w.pair.a, id, 'agcom.ftth.refused')).toEqual([]);
  }, SLOW);

  it('KO on intake: N4 Acquisito KO rejects the order, the Donating is never asked, the Donor gets 03', async () => {
    const w = (world = await startWorld(open));
    const id = await validated(w, '069234553', 'ko-intake');
    await untilA(w.pair, async () => expect((await orderOf(w.pair.a, id)).state).toBe('rejected'), 60_000);
    expect(await orderOf(w.pair.a, id)).toMatchObject({ ftth: { state: 'acquisitoKo' }, failure: { code: '201' } });
    expect((await caseOf(w.pair.a, id)).state).toBe('VALIDATED');
    expect(w.sim.simulator.order(id)!.donatingAsked).toBe(false);
    expect((await ftthTimeline(w.pair.b, id)).filter((t) => t.includes('N8') || t.includes('N10'))).toEqual([]);
    await untilA(w.pair, async () => expect(await npNotices(w, id)).toEqual(['01', '03']));
  }, SLOW);

  it('the negative session-code check: an expired codice sessione is answered N9 KO 103 by the Donating, and the order ends Accettato KO', async () => {
    const w = (world = await startWorld(open, { sessionCodeValidityDays: 1, placeOrders: 'manual' }));
    const id = await validated(w, '069234554');
    // the order is placed three days after the managerial OK: the Donating's code is valid for one
    w.pair.clock.advance(3 * 24 * 3600_000);
    const placed = await http(w.pair.a, 'POST', `/v1/switches/${id}/wholesale-order`, {});
    expect(placed.status, placed.text).toBe(202);
    await untilA(w.pair, async () => expect((await orderOf(w.pair.a, id)).state).toBe('rejected'), 60_000);
    expect(w.sim.simulator.order(id)!.n9).toMatchObject({ ESITO: 'KO', CODICE_MOTIVAZIONE: '103' });
    expect(await orderOf(w.pair.a, id)).toMatchObject({ ftth: { state: 'accettatoKo' }, failure: { code: '103' } });
    expect(await feed(w.pair.b, id, 'agcom.ftth.session-checked')).toEqual([expect.objectContaining({ esito: 'KO', code: '103' })]);
    await untilA(w.pair, async () => expect(await npNotices(w, id)).toEqual(['01', '03']));
  }, SLOW);

  it('suspension and the Recipient\'s desospensione: N4 Sospeso, N2 AZIONE=0 from the API, then the work runs to N7 OK', async () => {
    const w = (world = await startWorld(open));
    const id = await validated(w, '069234555', 'suspend');
    await untilA(w.pair, async () => expect((await orderOf(w.pair.a, id)).state).toBe('suspended'), 60_000);
    const res = await http(w.pair.a, 'POST', `/v1/switches/${id}/wholesale-order/resume`, { reason: 'cliente ora disponibile' });
    expect(res.status, res.text).toBe(202);
    await untilA(w.pair, async () => expect((await caseOf(w.pair.a, id)).state).toBe('COMPLETED'), 60_000);
    expect((await orderOf(w.pair.a, id)).history.map((h) => h.event)).toEqual(['N1', 'N4 acquisito', 'N4 accettato', 'N4 sospeso', 'N2 desospensione', 'N6', 'N7']);
    expect(w.sim.simulator.order(id)!.received.map((r) => r.op)).toEqual(['Rec_MigrationSetup', 'Don_Check_sessione', 'Rec_StatusUpdateMig']);
  }, SLOW);

  it('the network operator\'s rimodulazione: N5 moves the DAC and the completion follows on the new date', async () => {
    const w = (world = await startWorld(open));
    const id = await validated(w, '069234556', 'reschedule');
    await untilA(w.pair, async () => expect((await caseOf(w.pair.a, id)).state).toBe('COMPLETED'), 60_000);
    const order = await orderOf(w.pair.a, id);
    expect(order.history.map((h) => h.event)).toContain('N5');
    expect(order.dac).not.toBe(DAC);
    expect(order.dac).toBe(w.sim.simulator.order(id)!.dac);
    expect(await feed(w.pair.a, id, 'wholesale.rescheduled')).toEqual([expect.objectContaining({ dac: order.dac })]);
  }, SLOW);

  it('the Recipient\'s rimodulazione: an accepted Fase 2 rimodulazione goes to the network operator as N3 and becomes the DAC', async () => {
    const w = (world = await startWorld(open));
    const id = await validated(w, '069234557', 'hold');
    await untilA(w.pair, async () => expect((await orderOf(w.pair.a, id)).state).toBe('accepted'), 60_000);
    const newDac = '2026-12-18';
    const res = await http(w.pair.a, 'POST', `/v1/switches/${id}/reschedule`, { requestedDate: newDac });
    expect(res.status, res.text).toBe(202);
    await untilA(w.pair, async () => expect((await caseOf(w.pair.a, id)).state).toBe('COMPLETED'), 60_000);
    expect(await orderOf(w.pair.a, id)).toMatchObject({ state: 'completed', dac: newDac });
    expect(w.sim.simulator.order(id)!.received.map((r) => r.op)).toEqual(['Rec_MigrationSetup', 'Don_Check_sessione', 'Rec_RescheduleMig']);
  }, SLOW);

  it('the annullamento: an accepted Fase 2 annullamento → N2 AZIONE=1 → N4 Annullato; the Donating is told (N10 cancellation), the Donor gets 03', async () => {
    const w = (world = await startWorld(open));
    const id = await validated(w, '069234558', 'hold');
    await untilA(w.pair, async () => expect((await orderOf(w.pair.a, id)).state).toBe('accepted'), 60_000);
    const res = await http(w.pair.a, 'POST', `/v1/switches/${id}/cancel`, { reason: 'il cliente ha cambiato idea' });
    expect(res.status, res.text).toBe(202);
    await untilA(w.pair, async () => expect(await orderOf(w.pair.a, id)).toMatchObject({ state: 'cancelled', ftth: { state: 'annullato' } }), 60_000);
    expect((await caseOf(w.pair.a, id)).state).toBe('CANCELLED');
    await untilA(w.pair, async () => expect(await donatingNotices(w, id)).toEqual(['firstDac', 'cancellation']));
    await untilA(w.pair, async () => expect(await npNotices(w, id)).toEqual(['01', '03']));
  }, SLOW);
});
