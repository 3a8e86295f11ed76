/**
 * The FTTH network-operator simulator against a REAL Donating gateway (italy.md §10.3–§10.5): the
 * test sends N1 with the codec; the simulator's N8 reaches the gateway's
 * DonatingMigrationNotify_OLO, the gateway's verdict comes back as N9 through its outbox to the
 * simulator's DonatingMigrationService, and the simulator tells the gateway the DAC and the outcome
 * (N10). A loopback stand-in for the Recipient's RecipientMigrationNotify_OLO judges what the
 * simulator sends it with the Recipient's §10.4 machine. Both backends.
 */
import { createHash } from 'node:crypto';
import { afterEach, expect, it } from 'vitest';
import { describeEachBackend } from '../support/backends.js';
import { eventually, freePort, http } from '../support/http-pair.js';
import { agcomEnv, caseOf, DAC, startAgcomPair, timeline, untilA, type AgcomPair } from '../support/agcom-pair.js';
import { callFtth, recipientTrace, startFtthStub, type FtthStub } from '../support/ftth-stubs.js';
import { buildMigrationCode } from '../../src/protocols/agcom/migration-code.js';
import { startFtthSimulator, type StartedFtthSimulator } from '../../src/ftth-simulator/simulator.js';
import type { FtthMessage } from '../../src/protocols/agcom/ftth/messages.js';
import type { Store } from '../../src/store/connect.js';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const COR = '069234552';
const SESSION = 'SESS-OLB-FTTH-SIM';
const OLA_TOKEN = 'OLA-to-whs';
/** what the simulator presents to the Donating gateway */
const TO_OLB = 'whs-to-OLB';
/**
 * The variable with what the Donating gateway presents to the simulator. The pair's environment
 * (agcomEnv) has none for a network operator; OLB → TIM's stands in (TIM is not in this world).
 */
const OLB_TOKEN_ENV = 'TOKEN_OLB_TO_TIM';

interface World {
  pair: AgcomPair;
  sim: StartedFtthSimulator;
  recipient: FtthStub;
  close(): Promise<void>;
}

async function startWorld(open: () => Promise<Store>): Promise<World> {
  const simPort = await freePort();
  const simUrl = `http://127.0.0.1:${simPort}/agcom/ftth/v1`;
  const pair = await startAgcomPair(open, open, {
    configB: {
      agcom: {
        cowOwner: { '2ZZ': 'OLB', KQG: 'OLB' },
        // the Donating gateway's network operator is the simulator: N8/N10 arrive from it, N9 goes to it
        wholesale: { url: simUrl, protocol: 'agcom-ftth', auth: { type: 'bearer', tokenEnv: OLB_TOKEN_ENV }, inboundTokenSha256: sha(TO_OLB) },
      },
    } as never,
  });
  const recipient = await startFtthStub('RecipientMigrationNotify_OLO', 'whs-to-OLA', { judgeAsRecipient: true });
  const sim = await startFtthSimulator({
    operatorCode: 'WHS',
    port: simPort,
    operators: [
      { code: 'OLA', url: recipient.url, token: 'whs-to-OLA', inboundToken: OLA_TOKEN },
      { code: 'OLB', url: `${pair.b.url}/agcom/ftth/v1`, token: TO_OLB, inboundToken: agcomEnv()[OLB_TOKEN_ENV]!, cows: ['2ZZ', 'KQG'] },
    ],
    timings: { stepMs: 0 },
    deliveryRetryMs: 10,
    clock: pair.clock,
  });
  return {
    pair,
    sim,
    recipient,
    async close() {
      await sim.close();
      await pair.close();
      await recipient.close();
    },
  };
}

/** A validated migration OLA → OLB: the Donating OLB issued SESSION for COR and its number. */
async function validated(w: World): Promise<string> {
  const { pair } = w;
  const res = await http(pair.a, 'POST', '/v1/switches', {
    procedure: 'agcom',
    donating: 'ITA.OLB',
    migrationCode: buildMigrationCode({ cow: '2ZZ', cor: COR, cos: '001' }),
    numbers: [COR],
    requestedDate: DAC,
    customer: { firstName: 'Mario', lastName: 'Rossi', taxCode: 'RSSMRA80A01H501U' },
    contact: { phone: '+39 333 1234567' },
  });
  expect(res.status, res.text).toBe(201);
  const id = res.data.id as string;
  await untilA(pair, async () => expect((await caseOf(pair.b, id)).state).toBe('AWAITING_MANAGERIAL'));
  expect((await http(pair.b, 'POST', `/v1/switches/${id}/answer`, { result: 'OK', sessionCode: SESSION })).status).toBe(202);
  await untilA(pair, async () => expect((await caseOf(pair.a, id)).state).toBe('VALIDATED'));
  return id;
}

const n1 = (rec: string, cor = COR): FtthMessage => ({
  CODICE_OPERATORE_REC: 'OLA',
  CODICE_ORDINE_REC: `OLA_${rec}`,
  CODICE_OPERATORE_WHS: 'WHS',
  ID_NOTIFICA: `OLA-N1-${rec}`,
  DATA_NOTIFICA: '2026-12-01T09:00:00+01:00',
  COGNOME_REFERENTE_TECNICO_OLO: 'Bianchi',
  TELEFONO_REFERENTE_TECNICO_OLO: '0612345678',
  EMAIL_REFERENTE_TECNICO_OLO: 'noc@ola.example',
  COGNOME_CLIENTE: 'Rossi',
  RECAPITO_TELEFONICO_CLIENTE_1: '+39 333 1234567',
  DATA_PREVISTA_ATTIVAZIONE: DAC,
  DATI_MIGRAZIONE: { CODICE_SESSIONE: SESSION, COR: cor, COW: '2ZZ', COS: '001' },
  NUMERAZIONI: [COR],
  SERVIZIO_FTTH: '',
});

const sendN1 = async (w: World, msg: FtthMessage) => (await callFtth(w.sim.url, 'RecipientMigrationService', 'Rec_MigrationSetup', msg, OLA_TOKEN)).text;

const feed = async (w: World, type: string) =>
  ((await http(w.pair.b, 'GET', '/v1/events?limit=1000')).data.items as { type: string; data: Record<string, unknown> }[]).filter((e) => e.type === type).map((e) => e.data);

describeEachBackend('FTTH network-operator simulator with a real Donating gateway (N1 → N8/N9 → N4/N10/N6/N7)', ({ open }) => {
  let world: World | undefined;
  afterEach(async () => {
    await world?.close();
    world = undefined;
  });

  it('a positive session-code check: N4 Acquisito → N4 Accettato(DAC) → N6 → N7 OK to the Recipient; N10 first DAC and outcome to the Donating', async () => {
    const w = (world = await startWorld(open));
    const id = await validated(w);
    expect(await sendN1(w, n1('1'))).toContain('<f:ESITO>0</f:ESITO>');
    await eventually(async () => expect(recipientTrace(w.recipient)).toEqual(['N4:0', 'N4:2', 'N6', 'N7:0']), 30_000);
    expect(w.recipient.received.map((r) => r.n12.ESITO)).toEqual(['0', '0', '0', '0']);
    expect(w.recipient.received[1]!.msg.DATA_PREVISTA_ATTIVAZIONE).toBe(DAC);
    const order = w.sim.simulator.order('OLA_1')!;
    // the gateway's N9 came back through its outbox, with its own id
    expect(order.n9).toEqual({ ESITO: 'OK' });
    expect(order.received.map((r) => r.op)).toEqual(['Rec_MigrationSetup', 'Don_Check_sessione']);
    expect(order.received[1]!.id).toMatch(/^OLB-N9-/);
    await w.sim.simulator.idle();
    // what the simulator sent the Donating gateway, all taken in
    expect(order.sent.filter((s) => s.to === 'OLB').map((s) => `${s.op}:${s.outcome}`)).toEqual(['WHS_Check_sessione:delivered', 'WHS_Msg_Donating:delivered', 'WHS_Msg_Donating:delivered']);
    await eventually(async () => expect(await timeline(w.pair.b, id)).toEqual(expect.arrayContaining(['in:FTTH-N8:answered', 'out:FTTH-N9:delivered'])));
    expect((await timeline(w.pair.b, id)).filter((t) => t.startsWith('in:FTTH-N10'))).toEqual(['in:FTTH-N10:accepted', 'in:FTTH-N10:accepted']);
    expect((await feed(w, 'agcom.ftth.session-checked')).map((d) => d.esito)).toEqual(['OK']);
    expect((await feed(w, 'agcom.ftth.donating-notified')).map((d) => [d.event, d.date])).toEqual([
      ['firstDac', DAC],
      ['outcomeOk', DAC],
    ]);
  }, 90_000);

  it('a negative session-code check (COR not the agreed one): N4 Accettato KO with the Donating\'s reason, no N10', async () => {
    const w = (world = await startWorld(open));
    const id = await validated(w);
    expect(await sendN1(w, n1('2', '069999999'))).toContain('<f:ESITO>0</f:ESITO>');
    await eventually(async () => expect(recipientTrace(w.recipient)).toEqual(['N4:0', 'N4:3']), 30_000);
    expect(w.recipient.received[1]!.msg).toMatchObject({ CODICE_MOTIVAZIONE: '104', MOTIVAZIONE: 'the COR is not the one agreed in Fase 2' });
    await w.sim.simulator.idle();
    expect(w.sim.simulator.order('OLA_2')!.sent.filter((s) => s.to === 'OLB').map((s) => s.op)).toEqual(['WHS_Check_sessione']);
    // the simulator goes on before its answer to B's N9 is back at B: B marks the N9 after
    await eventually(async () => expect((await timeline(w.pair.b, id)).filter((t) => t.includes('FTTH'))).toEqual(['in:FTTH-N8:answered', 'out:FTTH-N9:delivered']));
  }, 90_000);
});
