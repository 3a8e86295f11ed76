/**
 * The FTTH network-operator simulator (B, italy.md §10.3–§10.5) over real HTTP on 127.0.0.1,
 * between two loopback stand-ins: the Recipient (judging every N4–N7 with its own §10.4 machine)
 * and a Donating that answers each N8 with an N9. Every scripted behaviour, the Recipient's N2/N3,
 * bad input, a node-soap client built from the served WSDL, and the CLI.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import * as soap from 'soap';
import { validateXML } from 'xmllint-wasm';
import { ManualClock } from '../../src/domain/clock.js';
import { freePort } from '../../src/net/free-port.js';
import { startFtthSimulator, type StartedFtthSimulator } from '../../src/ftth-simulator/simulator.js';
import type { FtthSimulatorConfig } from '../../src/ftth-simulator/options.js';
import type { FtthMessage } from '../../src/protocols/agcom/ftth/messages.js';
import { encodeRequest } from '../../src/protocols/agcom/ftth/codec.js';
import { eventually } from '../support/http-pair.js';
import { callFtth, recipientTrace, startFtthStub, type FtthStub } from '../support/ftth-stubs.js';

const XSD = { fileName: 'ftth.xsd', contents: readFileSync(new URL('../../schemas/agcom-ftth/ftth.xsd', import.meta.url), 'utf8') };
const OLA_TOKEN = 'OLA-to-whs';
const OLB_TOKEN = 'OLB-to-whs';

interface World {
  sim: StartedFtthSimulator;
  recipient: FtthStub;
  donating: FtthStub;
  /** what the Donating answers to each N8 */
  n9: { ESITO: 'OK' | 'KO'; CODICE_MOTIVAZIONE?: string; MOTIVAZIONE?: string };
  close(): Promise<void>;
}

let n = 0;
async function startWorld(extra: Partial<FtthSimulatorConfig> = {}): Promise<World> {
  const recipient = await startFtthStub('RecipientMigrationNotify_OLO', 'whs-to-OLA', { judgeAsRecipient: true });
  const donating = await startFtthStub('DonatingMigrationNotify_OLO', 'whs-to-OLB');
  const sim = await startFtthSimulator({
    operatorCode: 'WHS',
    operators: [
      { code: 'OLA', url: recipient.url, token: 'whs-to-OLA', inboundToken: OLA_TOKEN },
      { code: 'OLB', url: donating.url, token: 'whs-to-OLB', inboundToken: OLB_TOKEN, cows: ['2ZZ', 'KQG'] },
    ],
    timings: { stepMs: 0 },
    deliveryRetryMs: 5,
    // Tuesday 1 Dec 2026; 8 Dec is a holiday: the earliest DAC (5 working days) is 9 Dec
    clock: new ManualClock('2026-12-01T08:00:00Z'),
    ...extra,
  });
  const w: World = {
    sim,
    recipient,
    donating,
    n9: { ESITO: 'OK' },
    async close() {
      await sim.close();
      await recipient.close();
      await donating.close();
    },
  };
  donating.onMessage = (r) => {
    if (r.op !== 'WHS_Check_sessione') return;
    void callFtth(sim.url, 'DonatingMigrationService', 'Don_Check_sessione', { CODICE_ORDINE_WHS: r.msg.CODICE_ORDINE_WHS, ID_NOTIFICA: `OLB-N9-${++n}`, DATA_NOTIFICA: '2026-12-01T09:00:01Z', ...w.n9 }, OLB_TOKEN);
  };
  return w;
}

const n1 = (rec: string, extra: FtthMessage = {}): FtthMessage => ({
  CODICE_OPERATORE_REC: 'OLA',
  CODICE_ORDINE_REC: `OLA_${rec}`,
  CODICE_OPERATORE_WHS: 'WHS',
  ID_NOTIFICA: `OLA-N1-${rec}`,
  DATA_NOTIFICA: '2026-12-01T09:00:00+01:00',
  COGNOME_REFERENTE_TECNICO_OLO: 'Bianchi',
  TELEFONO_REFERENTE_TECNICO_OLO: '0612345678',
  EMAIL_REFERENTE_TECNICO_OLO: 'noc@ola.example',
  COGNOME_CLIENTE: 'Rossi',
  RECAPITO_TELEFONICO_CLIENTE_1: '3331234567',
  DATA_PREVISTA_ATTIVAZIONE: '2026-12-16',
  DATI_MIGRAZIONE: { CODICE_SESSIONE: 'SESS-1', COR: '069234552', COW: '2ZZ', COS: '001' },
  NUMERAZIONI: ['069234552'],
  SERVIZIO_FTTH: '',
  ...extra,
});

const n2 = (rec: string, id: string, azione: '0' | '1'): FtthMessage => ({
  CODICE_OPERATORE_REC: 'OLA',
  CODICE_ORDINE_REC: `OLA_${rec}`,
  CODICE_OPERATORE_WHS: 'WHS',
  ID_NOTIFICA: id,
  DATA_NOTIFICA: '2026-12-02T09:00:00Z',
  AZIONE: azione,
});

const n3 = (rec: string, id: string, dac: string): FtthMessage => ({
  CODICE_OPERATORE_REC: 'OLA',
  CODICE_ORDINE_REC: `OLA_${rec}`,
  CODICE_OPERATORE_WHS: 'WHS',
  ID_NOTIFICA: id,
  DATA_NOTIFICA: '2026-12-02T09:00:00Z',
  DATA_PREVISTA_ATTIVAZIONE: dac,
  ORARIO_APPUNTAMENTO: '09:00:00',
  CODICE_MOTIVAZIONE: '001',
  MOTIVAZIONE: 'customer asks for another day',
});

/** The N12 of an answer, as ESITO / CODICE_MOTIVAZIONE / MOTIVAZIONE. */
function n12Of(text: string): { esito?: string; code?: string; reason?: string; id?: string } {
  const pick = (tag: string) => new RegExp(`<f:${tag}>([^<]*)</f:${tag}>`).exec(text)?.[1];
  return { id: pick('ID_NOTIFICA'), esito: pick('ESITO'), code: pick('CODICE_MOTIVAZIONE'), reason: pick('MOTIVAZIONE') };
}

const sendN1 = async (w: World, msg: FtthMessage, token: string | null = OLA_TOKEN) => callFtth(w.sim.url, 'RecipientMigrationService', 'Rec_MigrationSetup', msg, token);
/** N2/N3 from the Recipient; once B ACKs one (the first time), the Recipient's own view moves too */
const applied = new Set<string>();
async function sendChange(w: World, op: 'Rec_StatusUpdateMig' | 'Rec_RescheduleMig', msg: FtthMessage) {
  const a = n12Of((await callFtth(w.sim.url, 'RecipientMigrationService', op, msg, OLA_TOKEN)).text);
  const id = msg.ID_NOTIFICA as string;
  if (a.esito === '0' && !applied.has(id)) {
    applied.add(id);
    const rec = msg.CODICE_ORDINE_REC as string;
    if (op === 'Rec_StatusUpdateMig') w.recipient.recipientSent(rec, { kind: 'N2', azione: msg.AZIONE as '0' | '1' });
    else w.recipient.recipientSent(rec, { kind: 'N3', dac: msg.DATA_PREVISTA_ATTIVAZIONE as string, appointment: msg.ORARIO_APPUNTAMENTO as string });
  }
  return a;
}
const sendN2 = (w: World, msg: FtthMessage) => sendChange(w, 'Rec_StatusUpdateMig', msg);
const sendN3 = (w: World, msg: FtthMessage) => sendChange(w, 'Rec_RescheduleMig', msg);
const traceIs = (w: World, expected: string[]) => eventually(async () => expect(recipientTrace(w.recipient)).toEqual(expected), 20_000);
const byOp = (stub: FtthStub, op: string) => stub.received.filter((r) => r.op === op).map((r) => r.msg);
/** every Recipient answer was an ACK: its §10.4 machine refused nothing the simulator sent */
const allAcked = (w: World) => expect(w.recipient.received.map((r) => r.n12.ESITO)).toEqual(w.recipient.received.map(() => '0'));

describe('FTTH network-operator simulator: the scripted behaviours', () => {
  let world: World | undefined;
  afterEach(async () => {
    await world?.close();
    world = undefined;
  });

  it('accept: N12 at once; N4 Acquisito → N8/N9 → N4 Accettato(DAC) + N10 first DAC → N6 → N7 OK + N10 outcome, correlated on both order codes', async () => {
    const w = (world = await startWorld());
    const res = await sendN1(w, n1('1'));
    expect(res.status).toBe(200);
    expect(n12Of(res.text)).toEqual({ id: 'OLA-N1-1', esito: '0', code: undefined, reason: undefined });
    await traceIs(w, ['N4:0', 'N4:2', 'N6', 'N7:0']);
    await w.sim.simulator.idle();
    allAcked(w);
    const whs = w.sim.simulator.order('OLA_1')!.codiceOrdineWhs;
    expect(whs).toMatch(/^WHS_[0-9a-z]{1,14}$/);
    for (const r of w.recipient.received) expect(r.msg).toMatchObject({ CODICE_OPERATORE_REC: 'OLA', CODICE_ORDINE_REC: 'OLA_1', CODICE_OPERATORE_WHS: 'WHS', CODICE_ORDINE_WHS: whs });
    expect(w.recipient.received[1]!.msg.DATA_PREVISTA_ATTIVAZIONE).toBe('2026-12-16');
    expect(w.recipient.received[2]!.msg).toMatchObject({ TIPOLOGIA_EVENTO: '0' });
    expect(w.recipient.received[3]!.msg).toMatchObject({ COR: '069234552', COS: '001', DATA_ESPLETAMENTO_ORDINE: '2026-12-16' });
    // the Donating: the check (no COW, §10.3), then first DAC and outcome OK
    const n8 = byOp(w.donating, 'WHS_Check_sessione');
    expect(n8).toEqual([expect.objectContaining({ CODICE_OPERATORE_REC: 'OLA', CODICE_OPERATORE_WHS: 'WHS', CODICE_ORDINE_WHS: whs, CODICE_SESSIONE: 'SESS-1', COR: '069234552', NUMERAZIONI: ['069234552'] })]);
    expect(n8[0]).not.toHaveProperty('COW');
    expect(byOp(w.donating, 'WHS_Msg_Donating').map((m) => [m.EVENTO, m.DATA])).toEqual([
      ['0', '2026-12-16'],
      ['1', '2026-12-16'],
    ]);
    // every notification its own ID_NOTIFICA
    const ids = [...w.recipient.received, ...w.donating.received].map((r) => r.msg.ID_NOTIFICA);
    expect(new Set(ids).size).toBe(ids.length);
    expect(w.sim.simulator.order(whs)).toMatchObject({ behaviour: 'accept', view: { state: 'espletatoOk', dac: '2026-12-16' } });
    // the listing for people watching a demo: the order's course, not the customer's data
    const listed = (await (await fetch(w.sim.url.replace(/\/agcom\/ftth\/v1$/, '/sim/orders'))).json()) as { items: Record<string, unknown>[] };
    expect(listed.items).toEqual([expect.objectContaining({ codiceOrdineRec: 'OLA_1', codiceOrdineWhs: whs, behaviour: 'accept', view: expect.objectContaining({ state: 'espletatoOk' }) })]);
    expect(JSON.stringify(listed)).not.toContain('Rossi');
  });

  it('ko-intake (marker sim:ko-intake in NOTE): N4 Acquisito KO only, the Donating is never asked', async () => {
    const w = (world = await startWorld());
    expect(n12Of((await sendN1(w, n1('2', { NOTE: 'test [sim:ko-intake]' }))).text).esito).toBe('0');
    await traceIs(w, ['N4:1']);
    await w.sim.simulator.idle();
    expect(w.recipient.received[0]!.msg).toMatchObject({ CODICE_MOTIVAZIONE: '201', MOTIVAZIONE: 'order rejected on intake (scripted)' });
    expect(w.donating.received).toEqual([]);
    allAcked(w);
  });

  it('an N1 whose COW belongs to no known operator: N4 Acquisito KO 202', async () => {
    const w = (world = await startWorld());
    await sendN1(w, n1('3', { DATI_MIGRAZIONE: { CODICE_SESSIONE: 'S', COR: '069234552', COW: 'ZZZ', COS: '001' } }));
    await traceIs(w, ['N4:1']);
    expect(w.recipient.received[0]!.msg).toMatchObject({ CODICE_MOTIVAZIONE: '202', MOTIVAZIONE: 'COW ZZZ: no Donating operator known to the network operator' });
  });

  it('suspend: N4 Sospeso, then the Recipient\'s N2 desospensione resumes the work to N7 OK', async () => {
    const w = (world = await startWorld({ defaultBehaviour: 'suspend' }));
    await sendN1(w, n1('4'));
    await traceIs(w, ['N4:0', 'N4:2', 'N4:4']);
    expect(w.recipient.received[2]!.msg).toMatchObject({ CODICE_MOTIVAZIONE: '301' });
    expect(await sendN2(w, n2('4', 'OLA-N2-4', '0'))).toMatchObject({ esito: '0' });
    await traceIs(w, ['N4:0', 'N4:2', 'N4:4', 'N6', 'N7:0']);
    allAcked(w);
  });

  it('suspend with timings.selfResumeMs: B resumes by itself with N4 Accettato FLAG_DESOSPENSIONE=SI', async () => {
    const w = (world = await startWorld({ defaultBehaviour: 'suspend', timings: { stepMs: 0, selfResumeMs: 20 } }));
    await sendN1(w, n1('5'));
    await traceIs(w, ['N4:0', 'N4:2', 'N4:4', 'N4:2', 'N6', 'N7:0']);
    expect(w.recipient.received[3]!.msg).toMatchObject({ FLAG_DESOSPENSIONE: 'SI' });
    allAcked(w);
  });

  it('reschedule (chosen by number): N5 with a DAC two working days later, completion on it', async () => {
    const w = (world = await startWorld({ byNumber: { '06 9234552': 'reschedule' } }));
    await sendN1(w, n1('6'));
    await traceIs(w, ['N4:0', 'N4:2', 'N5', 'N6', 'N7:0']);
    expect(w.recipient.received[2]!.msg).toMatchObject({ DATA_PREVISTA_ATTIVAZIONE: '2026-12-18', CODICE_MOTIVAZIONE: '401', MOTIVAZIONE: 'technician not available (scripted)' });
    expect(w.recipient.received[4]!.msg).toMatchObject({ DATA_ESPLETAMENTO_ORDINE: '2026-12-18' });
    allAcked(w);
  });

  it('complete-ko (chosen by order, set at run time): N7 KO with its reason, N10 outcome KO to the Donating', async () => {
    const w = (world = await startWorld({ byOrder: { OLA_7: 'reschedule' } }));
    // set after the start, as a test that learns the order code late does; it wins over the configuration
    w.sim.simulator.setBehaviour('OLA_7', 'complete-ko');
    await sendN1(w, n1('7'));
    await traceIs(w, ['N4:0', 'N4:2', 'N6', 'N7:1']);
    expect(w.recipient.received[3]!.msg).toMatchObject({ CODICE_MOTIVAZIONE: '501', DATA_ESPLETAMENTO_ORDINE: '2026-12-01' });
    await w.sim.simulator.idle();
    expect(byOp(w.donating, 'WHS_Msg_Donating').map((m) => m.EVENTO)).toEqual(['0', '2']);
    allAcked(w);
  });

  it('N3 rimodulazione: a workable date becomes the DAC; an unworkable one is answered by N5 with B\'s date', async () => {
    const w = (world = await startWorld({ defaultBehaviour: 'hold' }));
    await sendN1(w, n1('8'));
    await traceIs(w, ['N4:0', 'N4:2']);
    expect(await sendN3(w, n3('8', 'OLA-N3-8', '2026-12-21'))).toMatchObject({ esito: '0' });
    await traceIs(w, ['N4:0', 'N4:2', 'N6', 'N7:0']);
    expect(w.recipient.received[3]!.msg).toMatchObject({ DATA_ESPLETAMENTO_ORDINE: '2026-12-21' });

    await sendN1(w, n1('9'));
    await eventually(async () => expect(w.recipient.received.filter((r) => r.msg.CODICE_ORDINE_REC === 'OLA_9')).toHaveLength(2));
    // Christmas: B moves it to the next working day
    expect(await sendN3(w, n3('9', 'OLA-N3-9', '2026-12-25'))).toMatchObject({ esito: '0' });
    await eventually(async () => expect(w.recipient.received.filter((r) => r.msg.CODICE_ORDINE_REC === 'OLA_9').map((r) => r.op)).toEqual(['WHS_StatusUpdateMig', 'WHS_StatusUpdateMig', 'WHS_RescheduleMig', 'WHS_Event', 'WHS_CompletionOrderMig']));
    const o9 = w.recipient.received.filter((r) => r.msg.CODICE_ORDINE_REC === 'OLA_9');
    expect(o9[2]!.msg).toMatchObject({ DATA_PREVISTA_ATTIVAZIONE: '2026-12-28', CODICE_MOTIVAZIONE: '402' });
    expect(o9[4]!.msg).toMatchObject({ DATA_ESPLETAMENTO_ORDINE: '2026-12-28' });
    allAcked(w);
  });

  it('N2 annullamento: N4 Annullato and N10 cancellation; a resend gets the same ACK once in effect, a new one is out of state', async () => {
    const w = (world = await startWorld({ defaultBehaviour: 'hold' }));
    await sendN1(w, n1('10'));
    await traceIs(w, ['N4:0', 'N4:2']);
    expect(await sendN2(w, n2('10', 'OLA-N2-10', '1'))).toEqual({ id: 'OLA-N2-10', esito: '0', code: undefined, reason: undefined });
    await traceIs(w, ['N4:0', 'N4:2', 'N4:5']);
    expect(await sendN2(w, n2('10', 'OLA-N2-10', '1'))).toEqual({ id: 'OLA-N2-10', esito: '0', code: undefined, reason: undefined });
    expect(await sendN2(w, n2('10', 'OLA-N2-10b', '1'))).toMatchObject({ esito: '1', code: '011', reason: 'N2 is not allowed in state annullato' });
    await w.sim.simulator.idle();
    expect(recipientTrace(w.recipient)).toEqual(['N4:0', 'N4:2', 'N4:5']);
    expect(byOp(w.donating, 'WHS_Msg_Donating').map((m) => m.EVENTO)).toEqual(['0', '3']);
    allAcked(w);
  });

  it('a negative N9: N4 Accettato KO with the Donating\'s reason', async () => {
    const w = (world = await startWorld());
    w.n9 = { ESITO: 'KO', CODICE_MOTIVAZIONE: '104', MOTIVAZIONE: 'the COR is not the one agreed in Fase 2' };
    await sendN1(w, n1('11'));
    await traceIs(w, ['N4:0', 'N4:3']);
    expect(w.recipient.received[1]!.msg).toMatchObject({ CODICE_MOTIVAZIONE: '104', MOTIVAZIONE: 'the COR is not the one agreed in Fase 2' });
    await w.sim.simulator.idle();
    expect(byOp(w.donating, 'WHS_Msg_Donating')).toEqual([]);
    allAcked(w);
  });
});

describe('FTTH network-operator simulator: delivery', () => {
  let world: World | undefined;
  afterEach(async () => {
    await world?.close();
    world = undefined;
  });

  it('a notification that finds the Recipient down is resent with the same ID_NOTIFICA until it is taken in; the next ones follow in order', async () => {
    const w = (world = await startWorld());
    w.recipient.failNext = 3;
    await sendN1(w, n1('40'));
    await traceIs(w, ['N4:0', 'N4:2', 'N6', 'N7:0']);
    expect(w.recipient.failed).toBe(3);
    await w.sim.simulator.idle();
    const sent = w.sim.simulator.order('OLA_40')!.sent.filter((s) => s.to === 'OLA');
    expect(sent.map((s) => [s.outcome, s.attempts])).toEqual([
      ['delivered', 4],
      ['delivered', 1],
      ['delivered', 1],
      ['delivered', 1],
    ]);
    expect(sent[0]!.id).toBe(w.recipient.received[0]!.msg.ID_NOTIFICA);
  });

  it('retries are bounded: a Recipient that stays down gets deliveryAttempts tries, then the notification is recorded as failed', async () => {
    const w = (world = await startWorld({ deliveryAttempts: 3, defaultBehaviour: 'ko-intake' }));
    w.recipient.failNext = 1_000;
    await sendN1(w, n1('41'));
    await eventually(async () => expect(w.sim.simulator.order('OLA_41')!.sent).toHaveLength(1));
    expect(w.sim.simulator.order('OLA_41')!.sent[0]).toMatchObject({ op: 'WHS_StatusUpdateMig', outcome: 'failed', attempts: 3, error: expect.stringContaining('HTTP 503 without an N12') });
    expect(w.recipient.failed).toBe(3);
    expect(w.recipient.received).toEqual([]);
  });

  it('a Donating that NACKs the N8: Accettato KO 203 quoting its reason (cut to the 255 characters of MOTIVAZIONE)', async () => {
    const w = (world = await startWorld());
    const long = `codice sessione unknown to the Donating ${'x'.repeat(200)}`;
    w.donating.respond = (r) => ({ ID_NOTIFICA: r.msg.ID_NOTIFICA as string, ESITO: '1', CODICE_MOTIVAZIONE: '101', MOTIVAZIONE: long });
    await sendN1(w, n1('42'));
    await traceIs(w, ['N4:0', 'N4:3']);
    const why = w.recipient.received[1]!.msg.MOTIVAZIONE as string;
    expect(w.recipient.received[1]!.msg.CODICE_MOTIVAZIONE).toBe('203');
    expect(why).toBe(`the Donating refused the N8: 101 ${long}`.slice(0, 255));
    allAcked(w);
  });

  it('a Donating that takes the N8 in but never answers: Accettato KO 203 once n9TimeoutMs is over', async () => {
    const w = (world = await startWorld({ timings: { stepMs: 0, n9TimeoutMs: 50 } }));
    w.donating.onMessage = undefined;
    await sendN1(w, n1('43'));
    await traceIs(w, ['N4:0', 'N4:3']);
    expect(w.recipient.received[1]!.msg).toMatchObject({ CODICE_MOTIVAZIONE: '203', MOTIVAZIONE: 'no N9 from the Donating within 50 ms' });
    allAcked(w);
  });
});

describe('FTTH network-operator simulator: bad input and contracts', () => {
  let world: World | undefined;
  afterEach(async () => {
    await world?.close();
    world = undefined;
  });

  it('malformed or misaddressed N1 → N12 NACK naming the field; no token → 401; unknown orders and wrong states → NACK', async () => {
    const w = (world = await startWorld({ defaultBehaviour: 'hold' }));
    // the codec refuses to encode a malformed message, so the wire is edited by hand
    const post = async (xml: string) => {
      const r = await fetch(`${w.sim.url}/RecipientMigrationService`, { method: 'POST', headers: { 'content-type': 'text/xml', authorization: `Bearer ${OLA_TOKEN}` }, body: xml });
      return { status: r.status, text: await r.text() };
    };
    const raw = await post(encodeRequest('Rec_MigrationSetup', n1('20')).replace(/<f:RECAPITO_TELEFONICO_CLIENTE_1>[^<]*<\/f:RECAPITO_TELEFONICO_CLIENTE_1>/, ''));
    expect(raw.status).toBe(200);
    expect(raw.text).toContain('<f:Rec_MigrationSetupResponse');
    expect(n12Of(raw.text)).toEqual({ id: 'OLA-N1-20', esito: '1', code: '002', reason: 'RECAPITO_TELEFONICO_CLIENTE_1: mandatory' });
    const tooLong = await post(encodeRequest('Rec_MigrationSetup', n1('21')).replace('<f:COR>069234552</f:COR>', '<f:COR>0692345521234</f:COR>'));
    expect(n12Of(tooLong.text)).toEqual({ id: 'OLA-N1-21', esito: '1', code: '003', reason: 'DATI_MIGRAZIONE/COR: at most 12 characters (has 13)' });
    expect(n12Of((await sendN1(w, n1('22', { CODICE_OPERATORE_WHS: 'TIM' }))).text)).toMatchObject({ esito: '1', code: '003', reason: 'CODICE_OPERATORE_WHS: not this network operator (WHS)' });
    // OLB's token, OLA's order
    expect(n12Of((await sendN1(w, n1('23'), OLB_TOKEN)).text)).toMatchObject({ esito: '1', code: '003', reason: 'CODICE_OPERATORE_REC: OLA is not the authenticated operator (OLB)' });
    const noToken = await sendN1(w, n1('24'), null);
    expect(noToken.status).toBe(401);
    expect(noToken.text).toContain('<faultcode>soapenv:Client</faultcode>');
    expect((await sendN1(w, n1('24'), 'someone-else')).status).toBe(401);
    expect(w.sim.simulator.orders()).toEqual([]);

    // a resend of an N1: the same answer, one order; the same order under a new ID_NOTIFICA: refused
    expect(n12Of((await sendN1(w, n1('25'))).text).esito).toBe('0');
    expect(n12Of((await sendN1(w, n1('25'))).text).esito).toBe('0');
    expect(n12Of((await sendN1(w, n1('25', { ID_NOTIFICA: 'OLA-N1-25b' }))).text)).toMatchObject({ esito: '1', code: '011' });
    expect(w.sim.simulator.orders()).toHaveLength(1);
    await traceIs(w, ['N4:0', 'N4:2']);
    // N2/N3 for an order B never had; desospensione of an order not suspended
    expect(await sendN2(w, n2('99', 'OLA-N2-99', '1'))).toMatchObject({ esito: '1', code: '010', reason: 'CODICE_ORDINE_REC OLA_99: no such order' });
    expect(await sendN2(w, n2('25', 'OLA-N2-25', '0'))).toMatchObject({ esito: '1', code: '011', reason: 'N2 desospensione is not allowed in state accettato' });
    // N9 for an unknown order, and by an operator that is not the order's Donating
    const whs = w.sim.simulator.order('OLA_25')!.codiceOrdineWhs;
    const n9 = (who: string, id: string, code: string) =>
      callFtth(w.sim.url, 'DonatingMigrationService', 'Don_Check_sessione', { CODICE_ORDINE_WHS: code, ID_NOTIFICA: id, DATA_NOTIFICA: '2026-12-01T09:00:00Z', ESITO: 'OK' }, who);
    expect(n12Of((await n9(OLB_TOKEN, 'x1', 'WHS_nope')).text)).toMatchObject({ esito: '1', code: '010' });
    expect(n12Of((await n9(OLA_TOKEN, 'x2', whs)).text)).toMatchObject({ esito: '1', code: '010' });
    // the check is over: a late N9 changes nothing
    expect(n12Of((await n9(OLB_TOKEN, 'x3', whs)).text)).toMatchObject({ esito: '1', code: '011' });
    // an operation of another service
    const wrong = await callFtth(w.sim.url, 'RecipientMigrationService', 'Don_Check_sessione', { CODICE_ORDINE_WHS: whs, ID_NOTIFICA: 'x4', DATA_NOTIFICA: '2026-12-01T09:00:00Z', ESITO: 'OK' }, OLB_TOKEN);
    expect(wrong.status).toBe(400);
    expect(wrong.text).toContain('Don_Check_sessione: not an operation of this service');
    allAcked(w);
  });

  it('a node-soap client built from the served WSDLs calls both services; what the Recipient got is valid against the XSD', async () => {
    const w = (world = await startWorld());
    const wsdl = await (await fetch(`${w.sim.url}/RecipientMigrationService?wsdl`)).text();
    expect(wsdl).toContain(`<soap:address location="${w.sim.url}/RecipientMigrationService"/>`);
    expect(await (await fetch(`${w.sim.url}/DonatingMigrationService?xsd=ftth.xsd`)).text()).toBe(XSD.contents);
    const client = await soap.createClientAsync(`${w.sim.url}/RecipientMigrationService?wsdl`);
    client.setSecurity(new soap.BearerSecurity(OLA_TOKEN));
    const args = { ...n1('30'), DATI_MIGRAZIONE: { CODICE_SESSIONE: 'SESS-1', COR: '069234552', COW: '2ZZ', COS: '001' }, NUMERAZIONI: { DN: ['069234552'] } };
    const [answer] = (await client.Rec_MigrationSetupAsync(args)) as [Record<string, unknown>];
    expect(answer).toEqual({ ID_NOTIFICA: 'OLA-N1-30', ESITO: '0' });
    await traceIs(w, ['N4:0', 'N4:2', 'N6', 'N7:0']);
    const donatingClient = await soap.createClientAsync(`${w.sim.url}/DonatingMigrationService?wsdl`);
    donatingClient.setSecurity(new soap.BearerSecurity(OLB_TOKEN));
    const [n12] = (await donatingClient.Don_Check_sessioneAsync({ CODICE_ORDINE_WHS: 'WHS_unknown', ID_NOTIFICA: 'OLB-N9-x', DATA_NOTIFICA: '2026-12-01T09:00:00Z', ESITO: 'OK' })) as [Record<string, unknown>];
    expect(n12).toMatchObject({ ID_NOTIFICA: 'OLB-N9-x', ESITO: '1', CODICE_MOTIVAZIONE: '010' });
    const payload = (s: string) => s.replace(/^.*<(?:\w+:)?Body[^>]*>/s, '').replace(/<\/(?:\w+:)?Body>.*$/s, '');
    const docs = [...w.recipient.received, ...w.donating.received].map((r, i) => ({ fileName: `m-${i}.xml`, contents: payload(r.raw) }));
    expect(docs.length).toBeGreaterThanOrEqual(7);
    expect((await validateXML({ xml: docs, schema: [XSD] })).errors).toEqual([]);
  });
});

describe('switchgate simulate wholesale --protocol agcom-ftth', () => {
  const ROOT = join(import.meta.dirname, '..', '..');
  const BIN = join(ROOT, 'bin', 'switchgate.js');
  const dir = mkdtempSync(join(tmpdir(), 'sg-ftth-sim-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const run = (args: string[], env: NodeJS.ProcessEnv = {}, onStdout?: (text: string, kill: () => void) => void) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        onStdout?.(stdout, () => child.kill('SIGTERM'));
      });
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.once('error', reject);
      child.once('close', (code) => resolve({ code, stdout, stderr }));
    });

  it('--help exits 0 and names the protocol and its behaviours', async () => {
    const help = await run(['simulate', 'wholesale', '--protocol', 'agcom-ftth', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--protocol agcom-ftth');
    expect(help.stdout).toContain('ko-intake, suspend, reschedule, complete-ko, hold');
  }, 90_000);

  it('a bad configuration exits 78 naming the key, a bad --behaviour too', async () => {
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ operatorCode: 'WHS', operators: [{ code: 'OLA', url: 'http://127.0.0.1:9/agcom/ftth/v1', inboundTokenEnv: 'NOT_SET_ANYWHERE' }] }));
    const bad = await run(['simulate', 'wholesale', '--protocol', 'agcom-ftth', '--config', file]);
    expect(bad.code).toBe(78);
    expect(bad.stderr).toContain('operators[0].inboundTokenEnv');
    expect(bad.stderr).not.toMatch(/\n\s+at /);
    const behaviour = await run(['simulate', 'wholesale', '--protocol', 'agcom-ftth', '--config', file, '--behaviour', 'nonsense'], { NOT_SET_ANYWHERE: 'x' });
    expect(behaviour.code).toBe(78);
    expect(behaviour.stderr).toContain('--behaviour');
  }, 90_000);

  it('an unknown --protocol is a usage error (64)', async () => {
    const unknown = await run(['simulate', 'wholesale', '--protocol', 'x25']);
    expect(unknown.code).toBe(64);
    expect(unknown.stderr).toContain('--protocol x25: one of rest, soap, agcom-ftth');
  }, 90_000);

  it('starts from its configuration file, serves the WSDL and stops on SIGTERM', async () => {
    const port = await freePort();
    const file = join(dir, 'ok.json');
    writeFileSync(file, readFileSync(join(ROOT, 'config', 'ftth-simulator.example.json'), 'utf8'));
    const env = { OLA_TO_WHS_TOKEN: 'a', OLB_TO_WHS_TOKEN: 'b', WHS_TO_OLA_TOKEN: 'c', WHS_TO_OLB_TOKEN: 'd', LOG_LEVEL: 'info' };
    let wsdl = '';
    let asked = false;
    const done = await run(['simulate', 'wholesale', '--protocol', 'agcom-ftth', '--config', file, '--port', String(port)], env, (out, kill) => {
      if (asked || !out.includes('listening')) return;
      asked = true;
      void fetch(`http://127.0.0.1:${port}/agcom/ftth/v1/RecipientMigrationService?wsdl`)
        .then(async (r) => (wsdl = await r.text()))
        .finally(kill);
    });
    expect(done.code).toBe(0);
    expect(done.stdout).toContain(`agcom.wholesale.url = http://127.0.0.1:${port}/agcom/ftth/v1`);
    expect(wsdl).toContain(`<soap:address location="http://127.0.0.1:${port}/agcom/ftth/v1/RecipientMigrationService"/>`);
  }, 90_000);
});
