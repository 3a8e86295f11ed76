/**
 * The Recipient (A) side of the FTTH model over SOAP on loopback (italy.md §10.3–§10.4): the
 * Recipient OLA and the Donating OLB run Fase 2 between them; the network operator is a small real
 * SOAP stub (test/support/ftth-operator-stub.ts) that receives N1–N3 at RecipientMigrationService
 * and sends N4–N7 to the Recipient's RecipientMigrationNotify_OLO. Both backends.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterEach, expect, it } from 'vitest';
import { validateXML } from 'xmllint-wasm';
import { describeEachBackend } from '../support/backends.js';
import { eventually, http } from '../support/http-pair.js';
import { caseOf, DAC, messagesOf, startAgcomPair, timeline, untilA, type AgcomPair } from '../support/agcom-pair.js';
import { startFtthOperatorStub, type FtthOperatorStub } from '../support/ftth-operator-stub.js';
import { sample } from '../support/prometheus.js';
import { buildMigrationCode } from '../../src/protocols/agcom/migration-code.js';
import { encodeRequest } from '../../src/protocols/agcom/ftth/codec.js';
import type { FtthMessage, Operation } from '../../src/protocols/agcom/ftth/messages.js';
import type { Store } from '../../src/store/connect.js';
import { diesAfterCommit, ownerDied } from '../support/crash.js';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
/** what the network operator presents to the Recipient */
const WHS_TOKEN = 'whs-to-OLA';
/** what the Recipient presents to the network operator (agcomEnv's TOKEN_OLA_TO_TIM) */
const TO_WHS = 'agcom-token-OLA-to-TIM';
const COR = '069234552';
const SESSION = 'SESS-OLB-FTTH-7';
const WHS = 'WHS_0000000042';
const NEW_DAC = '2026-12-18';
const XSD = { fileName: 'ftth.xsd', contents: readFileSync(new URL('../../schemas/agcom-ftth/ftth.xsd', import.meta.url), 'utf8') };
const TECH = { name: 'Giulia', surname: 'Bianchi', phone: '+390612345678', email: 'noc@ola.example' };

interface World {
  pair: AgcomPair;
  whs: FtthOperatorStub;
  close(): Promise<void>;
}

async function startWorld(open: () => Promise<Store>, ftth = true, opts: { placeOrders?: 'auto' | 'manual'; technicalContact?: boolean } = {}): Promise<World> {
  // the stub is started first (its URL goes into A's configuration) and learns A's URL after
  const gateway = { url: '' };
  const whs = await startFtthOperatorStub({ token: TO_WHS, gatewayUrl: () => gateway.url, gatewayToken: WHS_TOKEN });
  const pair = await startAgcomPair(open, open, {
    configA: ftth
      ? ({
          agcom: {
            cowOwner: { '2ZZ': 'OLB', KQG: 'OLB', X7K: 'TIM' },
            wholesale: {
              url: whs.url,
              protocol: 'agcom-ftth',
              operatorCode: 'WHS',
              placeOrders: opts.placeOrders ?? 'auto',
              auth: { type: 'bearer', tokenEnv: 'TOKEN_OLA_TO_TIM' },
              inboundTokenSha256: sha(WHS_TOKEN),
            },
            ftth: { ...(opts.technicalContact === false ? {} : { technicalContact: TECH }), rimodulazione: { reasonCode: 'C01' } },
          },
        } as never)
      : {},
  });
  gateway.url = pair.a.url;
  return {
    pair,
    whs,
    async close() {
      await pair.close();
      await whs.close();
    },
  };
}

const start = (w: World, extra: Record<string, unknown> = {}) =>
  http(w.pair.a, 'POST', '/v1/switches', {
    procedure: 'agcom',
    donating: 'ITA.OLB',
    migrationCode: buildMigrationCode({ cow: '2ZZ', cor: COR, cos: '001' }),
    numbers: [COR],
    requestedDate: DAC,
    customer: { firstName: 'Mario', lastName: 'Rossi', taxCode: 'RSSMRA80A01H501U' },
    contact: { phone: '+39 333 1234567', altPhone: '06 9234552' },
    ...extra,
  });

/** A validated migration OLA → OLB whose N1 has reached the network operator. */
async function ordered(w: World): Promise<string> {
  const { pair } = w;
  const res = await start(w);
  expect(res.status, res.text).toBe(201);
  const id = res.data.id as string;
  await untilA(pair, async () => expect((await caseOf(pair.b, id)).state).toBe('AWAITING_MANAGERIAL'));
  expect((await http(pair.b, 'POST', `/v1/switches/${id}/answer`, { result: 'OK', sessionCode: SESSION })).status).toBe(202);
  await untilA(pair, async () => expect(w.whs.of('Rec_MigrationSetup')).toHaveLength(1));
  return id;
}

let n = 0;
const fromWhs = (id: string, extra: Record<string, unknown> = {}): FtthMessage => ({
  CODICE_OPERATORE_REC: 'OLA',
  CODICE_ORDINE_REC: id,
  CODICE_OPERATORE_WHS: 'WHS',
  CODICE_ORDINE_WHS: WHS,
  ID_NOTIFICA: `WHS-N-${++n}`,
  DATA_NOTIFICA: '2026-12-01T10:00:00+01:00',
  ...extra,
});
const n4 = (w: World, id: string, stato: string, extra: Record<string, unknown> = {}) => w.whs.send('WHS_StatusUpdateMig', fromWhs(id, { STATO_ORDINE: stato, ...extra }));
const ACK = { ESITO: '0' };

/** Acquisito, then Accettato with the DAC. */
async function accepted(w: World, id: string): Promise<void> {
  expect(await n4(w, id, '0')).toMatchObject(ACK);
  expect(await n4(w, id, '2', { DATA_PREVISTA_ATTIVAZIONE: DAC, ORARIO_APPUNTAMENTO: '10:30:00' })).toMatchObject(ACK);
}

const order = async (w: World, id: string) => (await caseOf(w.pair.a, id)).wholesaleOrder as Record<string, unknown> & { ftth: { state: string }; history: { event: string; to: string }[] };
const ftthTimeline = async (w: World, id: string) => (await timeline(w.pair.a, id)).filter((t) => t.includes('FTTH'));
const events = async (w: World, id: string) =>
  ((await http(w.pair.a, 'GET', '/v1/events?limit=1000')).data.items as { type: string; caseId: string; data: Record<string, unknown> }[]).filter((e) => e.caseId === id);
const wholesaleEvents = async (w: World, id: string) => (await events(w, id)).filter((e) => e.type.startsWith('wholesale.')).map((e) => e.type);

describeEachBackend('agcom FTTH: the Recipient orders from the network operator (N1–N3 out, N4–N7 in)', ({ open }) => {
  let world: World | undefined;
  afterEach(async () => {
    await world?.close();
    world = undefined;
  });

  it('the good path: N1 with the case\'s data → N4 Acquisito → N4 Accettato (DAC) → N6 → N7 OK completes the case; a resent N7 changes nothing', async () => {
    const w = (world = await startWorld(open));
    const id = await ordered(w);
    const n1 = w.whs.of('Rec_MigrationSetup')[0]!;
    expect(n1).toEqual({
      CODICE_OPERATORE_REC: 'OLA',
      CODICE_ORDINE_REC: id,
      CODICE_OPERATORE_WHS: 'WHS',
      ID_NOTIFICA: expect.stringMatching(/^OLA-N1-/),
      DATA_NOTIFICA: expect.any(String),
      NOME_REFERENTE_TECNICO_OLO: 'Giulia',
      COGNOME_REFERENTE_TECNICO_OLO: 'Bianchi',
      TELEFONO_REFERENTE_TECNICO_OLO: '+390612345678',
      EMAIL_REFERENTE_TECNICO_OLO: 'noc@ola.example',
      NOME_CLIENTE: 'Mario',
      COGNOME_CLIENTE: 'Rossi',
      RECAPITO_TELEFONICO_CLIENTE_1: '+393331234567',
      RECAPITO_TELEFONICO_CLIENTE_2: '069234552',
      DATA_PREVISTA_ATTIVAZIONE: DAC,
      DATI_MIGRAZIONE: { CODICE_SESSIONE: SESSION, COR, COW: '2ZZ', COS: '001' },
      NUMERAZIONI: [COR],
      SERVIZIO_FTTH: '',
    });
    await untilA(w.pair, async () => expect(await ftthTimeline(w, id)).toEqual(['out:FTTH-N1:delivered']));
    expect(await order(w, id)).toMatchObject({ protocol: 'agcom-ftth', state: 'submitted', externalId: id, providerOrderId: null, ftth: { state: 'submitted' } });

    expect(await n4(w, id, '0')).toMatchObject(ACK);
    expect(await order(w, id)).toMatchObject({ state: 'acknowledged', providerOrderId: WHS, ftth: { state: 'acquisito', codiceOrdineWhs: WHS } });
    expect(await n4(w, id, '2', { DATA_PREVISTA_ATTIVAZIONE: DAC, ORARIO_APPUNTAMENTO: '10:30:00' })).toMatchObject(ACK);
    expect(await order(w, id)).toMatchObject({ state: 'accepted', dac: DAC, appointment: '10:30:00', ftth: { state: 'accettato' } });
    expect(await w.whs.send('WHS_Event', fromWhs(id, { DATA_AVVIO_POLICY_CONTATTO: '2026-12-02T09:00:00+01:00', TIPOLOGIA_EVENTO: '0' }))).toMatchObject(ACK);
    const n7 = fromWhs(id, { STATO_ORDINE: '0', DATA_ESPLETAMENTO_ORDINE: DAC });
    expect(await w.whs.send('WHS_CompletionOrderMig', n7)).toEqual({ ID_NOTIFICA: n7.ID_NOTIFICA, ESITO: '0' });
    // the same ID_NOTIFICA again: the same N12, once in effect
    expect(await w.whs.send('WHS_CompletionOrderMig', n7)).toEqual({ ID_NOTIFICA: n7.ID_NOTIFICA, ESITO: '0' });

    const c = await caseOf(w.pair.a, id);
    expect(c.state).toBe('COMPLETED');
    expect(c.wholesaleOrder).toMatchObject({ state: 'completed', providerOrderId: WHS, dac: DAC, ftth: { state: 'espletatoOk' } });
    expect((c.wholesaleOrder as { history: { event: string }[] }).history.map((h) => h.event)).toEqual(['N1', 'N4 acquisito', 'N4 accettato', 'N6', 'N7']);
    expect(await ftthTimeline(w, id)).toEqual(['out:FTTH-N1:delivered', 'in:FTTH-N4:accepted', 'in:FTTH-N4:accepted', 'in:FTTH-N6:accepted', 'in:FTTH-N7:accepted']);
    await eventually(async () => expect(await wholesaleEvents(w, id)).toEqual(['wholesale.order-queued', 'wholesale.acknowledged', 'wholesale.accepted', 'wholesale.in-progress', 'wholesale.completed']));
    expect((await events(w, id)).find((e) => e.type === 'wholesale.accepted')!.data).toMatchObject({ protocol: 'agcom-ftth', state: 'accepted', ftthState: 'accettato', dac: DAC, providerOrderId: WHS });
    // the N1 as it went on the wire is valid against the published schema
    const raw = (await messagesOf(w.pair.a, id, true)).find((m) => m.type === 'FTTH-N1')!.raw!;
    const payload = raw.replace(/^.*<(?:\w+:)?Body[^>]*>/s, '').replace(/<\/(?:\w+:)?Body>.*$/s, '');
    expect((await validateXML({ xml: [{ fileName: 'n1.xml', contents: payload }], schema: [XSD] })).errors).toEqual([]);
  }, 60_000);

  it('KO on intake: N4 Acquisito KO rejects the order with the operator\'s reason; an N4 Accettato after it is NACKed and changes nothing', async () => {
    const w = (world = await startWorld(open));
    const id = await ordered(w);
    expect(await n4(w, id, '1', { CODICE_MOTIVAZIONE: 'K12', MOTIVAZIONE: 'indirizzo non coperto' })).toMatchObject(ACK);
    const ko = await order(w, id);
    expect(ko).toMatchObject({ state: 'rejected', failure: { state: 'rejected', code: 'K12', reason: 'indirizzo non coperto' }, ftth: { state: 'acquisitoKo' } });
    const late = await n4(w, id, '2', { DATA_PREVISTA_ATTIVAZIONE: DAC });
    expect(late).toMatchObject({ ESITO: '1', CODICE_MOTIVAZIONE: '011', MOTIVAZIONE: 'N4 is not allowed in state acquisitoKo' });
    expect(await order(w, id)).toEqual(ko);
    await eventually(async () => expect(await wholesaleEvents(w, id)).toEqual(['wholesale.order-queued', 'wholesale.rejected']));
    expect((await ftthTimeline(w, id)).slice(1)).toEqual(['in:FTTH-N4:accepted', 'in:FTTH-N4:refused']);
    // the Fase 2 case is untouched: the order failed, the case did not complete
    expect((await caseOf(w.pair.a, id)).state).toBe('VALIDATED');
  });

  it('a desospensione with an Idempotency-Key whose process died between commit and answer is answered on retry, one N2', async () => {
    const w = (world = await startWorld(open));
    const id = await ordered(w);
    await accepted(w, id);
    expect(await n4(w, id, '4', { CODICE_MOTIVAZIONE: 'S01', MOTIVAZIONE: 'cliente irreperibile' })).toMatchObject(ACK);
    const resuming = diesAfterCommit(w.pair.a.gw.wholesale, 'resumeOrder');
    const resume = () => http(w.pair.a, 'POST', `/v1/switches/${id}/wholesale-order/resume`, { reason: 'cliente ora disponibile' }, { 'idempotency-key': 'resume-1' });
    expect((await resume()).status).toBe(500);
    await ownerDied(w.pair.a.gw.store.db, 'resume-1');
    resuming.survive();

    const again = await resume();
    expect([again.status, again.headers['idempotent-replayed']], again.text).toEqual([202, 'true']);
    expect(resuming.runs()).toBe(1);
    expect(again.data.wholesaleOrder).toMatchObject({ state: 'accepted', ftth: { state: 'accettato' } });
    await untilA(w.pair, async () => expect(w.whs.of('Rec_StatusUpdateMig')).toHaveLength(1));
  });

  it('suspension (N4 Sospeso) and the Recipient\'s desospensione (N2 AZIONE=0) through the API', async () => {
    const w = (world = await startWorld(open));
    const id = await ordered(w);
    // not suspended yet: nothing to resume
    expect((await http(w.pair.a, 'POST', `/v1/switches/${id}/wholesale-order/resume`, {})).data).toMatchObject({ code: 'SG_WHOLESALE_NOT_SUSPENDED' });
    await accepted(w, id);
    expect(await n4(w, id, '4', { CODICE_MOTIVAZIONE: 'S01', MOTIVAZIONE: 'cliente irreperibile' })).toMatchObject(ACK);
    expect(await order(w, id)).toMatchObject({ state: 'suspended', ftth: { state: 'sospeso' } });
    const res = await http(w.pair.a, 'POST', `/v1/switches/${id}/wholesale-order/resume`, { reason: 'cliente ora disponibile' });
    expect(res.status, res.text).toBe(202);
    expect(res.data.wholesaleOrder).toMatchObject({ state: 'accepted', ftth: { state: 'accettato' } });
    await untilA(w.pair, async () => expect(w.whs.of('Rec_StatusUpdateMig')).toHaveLength(1));
    expect(w.whs.of('Rec_StatusUpdateMig')[0]).toEqual({
      CODICE_OPERATORE_REC: 'OLA',
      CODICE_ORDINE_REC: id,
      CODICE_OPERATORE_WHS: 'WHS',
      ID_NOTIFICA: expect.stringMatching(/^OLA-N2-/),
      DATA_NOTIFICA: expect.any(String),
      AZIONE: '0',
      MOTIVAZIONE: 'cliente ora disponibile',
    });
    const again = await http(w.pair.a, 'POST', `/v1/switches/${id}/wholesale-order/resume`, {});
    expect(again.status).toBe(409);
    expect(again.data.code).toBe('SG_WHOLESALE_NOT_SUSPENDED');
    // the operator confirms the desospensione with a new appointment
    expect(await n4(w, id, '2', { FLAG_DESOSPENSIONE: 'SI', DATA_PREVISTA_ATTIVAZIONE: NEW_DAC, ORARIO_APPUNTAMENTO: '14:00:00' })).toMatchObject(ACK);
    expect(await order(w, id)).toMatchObject({ state: 'accepted', dac: NEW_DAC, appointment: '14:00:00', ftth: { state: 'accettato' } });
    await eventually(async () => expect(await wholesaleEvents(w, id)).toEqual(['wholesale.order-queued', 'wholesale.acknowledged', 'wholesale.accepted', 'wholesale.suspended', 'wholesale.resume-queued', 'wholesale.resumed']));
    // the operator may also resume on its own: Sospeso, then Accettato with FLAG_DESOSPENSIONE
    expect(await n4(w, id, '4')).toMatchObject(ACK);
    expect(await n4(w, id, '2', { FLAG_DESOSPENSIONE: 'SI' })).toMatchObject(ACK);
    expect(await order(w, id)).toMatchObject({ state: 'accepted', dac: NEW_DAC, ftth: { state: 'accettato' } });
  });

  it('both rimodulazioni: ours (accepted Fase 2 rimodulazione → N3) and the operator\'s (N5) move the DAC', async () => {
    const w = (world = await startWorld(open));
    const id = await ordered(w);
    await accepted(w, id);
    const res = await http(w.pair.a, 'POST', `/v1/switches/${id}/reschedule`, { requestedDate: NEW_DAC });
    expect(res.status, res.text).toBe(202);
    await untilA(w.pair, async () => expect(w.whs.of('Rec_RescheduleMig')).toHaveLength(1), 15_000);
    expect(w.whs.of('Rec_RescheduleMig')[0]).toEqual({
      CODICE_OPERATORE_REC: 'OLA',
      CODICE_ORDINE_REC: id,
      CODICE_OPERATORE_WHS: 'WHS',
      ID_NOTIFICA: expect.stringMatching(/^OLA-N3-/),
      DATA_NOTIFICA: expect.any(String),
      DATA_PREVISTA_ATTIVAZIONE: NEW_DAC,
      ORARIO_APPUNTAMENTO: '10:30:00',
      CODICE_MOTIVAZIONE: 'C01',
      MOTIVAZIONE: `rimodulazione of ${id} accepted: ${DAC} → ${NEW_DAC}`,
    });
    expect(await order(w, id)).toMatchObject({ state: 'accepted', dac: NEW_DAC, requestedCompletionDate: NEW_DAC, reschedule: { status: 'done', requestedDate: NEW_DAC } });
    // the operator moves it again; after the first N4 it correlates on CODICE_ORDINE_WHS alone
    const n5 = fromWhs('OLA_SOMETHING_ELSE', { DATA_PREVISTA_ATTIVAZIONE: '2026-12-21', CODICE_MOTIVAZIONE: 'R05', MOTIVAZIONE: 'squadra non disponibile' });
    expect(await w.whs.send('WHS_RescheduleMig', n5)).toMatchObject(ACK);
    expect(await order(w, id)).toMatchObject({ state: 'accepted', dac: '2026-12-21', ftth: { state: 'accettato', dac: '2026-12-21' } });
    await eventually(async () => expect(await wholesaleEvents(w, id)).toEqual(['wholesale.order-queued', 'wholesale.acknowledged', 'wholesale.accepted', 'wholesale.reschedule-queued', 'wholesale.rescheduled']));
    const rescheduled = (await events(w, id)).find((e) => e.type === 'wholesale.rescheduled')!.data;
    expect(rescheduled).toMatchObject({ dac: '2026-12-21', code: 'R05', reason: 'squadra non disponibile' });
  });

  it('the annullamento: an accepted Fase 2 annullamento → N2 AZIONE=1 → N4 Annullato cancels the order', async () => {
    const w = (world = await startWorld(open));
    const id = await ordered(w);
    await accepted(w, id);
    const res = await http(w.pair.a, 'POST', `/v1/switches/${id}/cancel`, { reason: 'il cliente ha cambiato idea' });
    expect(res.status, res.text).toBe(202);
    await untilA(w.pair, async () => expect(w.whs.of('Rec_StatusUpdateMig')).toHaveLength(1), 15_000);
    expect(w.whs.of('Rec_StatusUpdateMig')[0]).toMatchObject({ CODICE_ORDINE_REC: id, AZIONE: '1', MOTIVAZIONE: `annullamento of ${id} accepted` });
    expect(await order(w, id)).toMatchObject({ state: 'accepted', ftth: { state: 'cancelPending' }, cancellation: { status: 'requested' } });
    expect(await n4(w, id, '5')).toMatchObject(ACK);
    const c = await caseOf(w.pair.a, id);
    expect(c.state).toBe('CANCELLED');
    expect(c.wholesaleOrder).toMatchObject({ state: 'cancelled', ftth: { state: 'annullato' }, cancellation: { status: 'done' } });
    await eventually(async () => expect(await wholesaleEvents(w, id)).toEqual(['wholesale.order-queued', 'wholesale.acknowledged', 'wholesale.accepted', 'wholesale.cancellation-queued', 'wholesale.cancelled']));
  });

  it('bad input: malformed → NACK naming the field; wrong state, unknown order and a foreign CODICE_ORDINE_WHS → NACK, nothing changes; no token → 401', async () => {
    const w = (world = await startWorld(open));
    const id = await ordered(w);
    const good = encodeRequest('WHS_StatusUpdateMig', fromWhs(id, { STATO_ORDINE: '0' }));
    const bad = await w.whs.post(good.replace('<f:STATO_ORDINE>0</f:STATO_ORDINE>', '<f:STATO_ORDINE>9</f:STATO_ORDINE>'));
    expect(bad.status).toBe(200);
    expect(bad.text).toContain('<f:ESITO>1</f:ESITO><f:CODICE_MOTIVAZIONE>003</f:CODICE_MOTIVAZIONE><f:MOTIVAZIONE>STATO_ORDINE: must be one of 0, 1, 2, 3, 4, 5</f:MOTIVAZIONE>');
    const missing = await w.whs.post(good.replace(/<f:CODICE_ORDINE_WHS>[^<]*<\/f:CODICE_ORDINE_WHS>/, ''));
    expect(missing.text).toContain('<f:CODICE_MOTIVAZIONE>002</f:CODICE_MOTIVAZIONE><f:MOTIVAZIONE>CODICE_ORDINE_WHS: mandatory</f:MOTIVAZIONE>');
    expect((await w.whs.post(good, null)).status).toBe(401);
    expect((await w.whs.post(good, 'someone-else')).status).toBe(401);
    // wrong state: an N7 before any N4, a Sospeso of an order not accepted
    expect(await w.whs.send('WHS_CompletionOrderMig', fromWhs(id, { STATO_ORDINE: '0', DATA_ESPLETAMENTO_ORDINE: DAC }))).toMatchObject({ ESITO: '1', CODICE_MOTIVAZIONE: '011', MOTIVAZIONE: 'N7 before the first N4' });
    expect(await n4(w, id, '0')).toMatchObject(ACK);
    expect(await n4(w, id, '4')).toMatchObject({ ESITO: '1', CODICE_MOTIVAZIONE: '011', MOTIVAZIONE: 'N4 Sospeso is not allowed in state acquisito' });
    // the first Accettato must carry the DAC
    expect(await n4(w, id, '2')).toMatchObject({ ESITO: '1', CODICE_MOTIVAZIONE: '002', MOTIVAZIONE: 'DATA_PREVISTA_ATTIVAZIONE: the first N4 Accettato must carry the DAC' });
    // an order code the operator did not give this order
    expect(await n4(w, id, '2', { CODICE_ORDINE_WHS: 'WHS_OTHER', DATA_PREVISTA_ATTIVAZIONE: DAC })).toMatchObject({ ESITO: '1', CODICE_MOTIVAZIONE: '010' });
    // no such order at all, and another network operator's code
    expect(await n4(w, 'OLA_NOPE', '0', { CODICE_ORDINE_WHS: 'WHS_NOPE' })).toMatchObject({ ESITO: '1', CODICE_MOTIVAZIONE: '010' });
    expect(await n4(w, id, '2', { CODICE_OPERATORE_WHS: 'XYZ', DATA_PREVISTA_ATTIVAZIONE: DAC })).toMatchObject({ ESITO: '1', CODICE_MOTIVAZIONE: '010', MOTIVAZIONE: 'CODICE_OPERATORE_WHS: XYZ is not this gateway\'s network operator (WHS)' });
    expect(await order(w, id)).toMatchObject({ state: 'acknowledged', ftth: { state: 'acquisito' } });
    await eventually(async () => expect(await wholesaleEvents(w, id)).toEqual(['wholesale.order-queued', 'wholesale.acknowledged']));
    // a refused notification sent again gets the same NACK
    const wrong = fromWhs(id, { STATO_ORDINE: '5' });
    const first = await w.whs.send('WHS_StatusUpdateMig', wrong);
    expect(first).toMatchObject({ ESITO: '1', CODICE_MOTIVAZIONE: '011' });
    expect(await w.whs.send('WHS_StatusUpdateMig', wrong)).toEqual(first);
    // counted per outcome (a replay as duplicate)
    const metrics = await (await fetch(`${w.pair.a.url}/metrics`)).text();
    const inbound = (type: string, outcome: string) => sample(metrics, 'switchgate_inbound_messages_total', { peer: 'agcom-ftth', type, outcome });
    expect([inbound('FTTH-N4', 'accepted'), inbound('FTTH-N4', 'refused'), inbound('FTTH-N4', 'invalid'), inbound('FTTH-N4', 'duplicate'), inbound('FTTH-N7', 'refused')]).toEqual([1, 5, 1, 1, 1]);
    // the service and its WSDL are served next to the Donating's
    const wsdl = await (await fetch(`${w.pair.a.url}/agcom/ftth/v1/RecipientMigrationNotify_OLO?wsdl`)).text();
    expect(wsdl).toContain('<wsdl:operation name="WHS_CompletionOrderMig">');
  });

  it('an N1 the network operator NACKs: dead letter with its reason, the order rejectedSync (§10.4); replayed and accepted, the order starts over', async () => {
    const w = (world = await startWorld(open));
    w.whs.answer = (op: Operation) => (op === 'Rec_MigrationSetup' ? { ESITO: '1', CODICE_MOTIVAZIONE: '042', MOTIVAZIONE: 'COR non presente in rete' } : { ESITO: '0' });
    const res = await start(w);
    const id = res.data.id as string;
    await untilA(w.pair, async () => expect((await caseOf(w.pair.b, id)).state).toBe('AWAITING_MANAGERIAL'));
    expect((await http(w.pair.b, 'POST', `/v1/switches/${id}/answer`, { result: 'OK', sessionCode: SESSION })).status).toBe(202);
    await untilA(w.pair, async () => expect(await ftthTimeline(w, id)).toEqual(['out:FTTH-N1:failed']));
    const dead = (await http(w.pair.a, 'GET', '/v1/dead-letters')).data.items as { id: string; reason: string }[];
    expect(dead.map((d) => d.reason)).toEqual(['N12 NACK 042: COR non presente in rete']);
    const view = await http(w.pair.a, 'GET', `/v1/switches/${id}/wholesale-order`);
    expect(view.data).toMatchObject({
      protocol: 'agcom-ftth',
      state: 'rejected',
      failure: { state: 'rejected', code: '042', reason: 'COR non presente in rete' },
      ftth: { state: 'rejectedSync' },
      deliveries: [{ type: 'FTTH-N1', status: 'dead', deadLetter: { reason: 'N12 NACK 042: COR non presente in rete' } }],
    });
    await eventually(async () => expect(await wholesaleEvents(w, id)).toEqual(['wholesale.order-queued', 'wholesale.rejected']));
    // the operator fixed its side; the dead letter is replayed, the N1 is taken in, and its first N4 reopens the order
    w.whs.answer = () => ({ ESITO: '0' });
    expect((await http(w.pair.a, 'POST', `/v1/dead-letters/${dead[0]!.id}/replay`, {})).status).toBe(202);
    await untilA(w.pair, async () => expect(await ftthTimeline(w, id)).toEqual(['out:FTTH-N1:delivered']));
    expect(await order(w, id)).toMatchObject({ state: 'rejected', ftth: { state: 'rejectedSync' } });
    expect(await n4(w, id, '0')).toMatchObject(ACK);
    const reopened = await order(w, id);
    expect(reopened).toMatchObject({ state: 'acknowledged', failure: null, ftth: { state: 'acquisito', codiceOrdineWhs: WHS } });
    expect(reopened.history.map((h) => h.event)).toEqual(['N1', 'N12', 'N1 replayed', 'N4 acquisito']);
  });

  it('our N2 annullamento NACKed: the order is back where it was, the cancellation rejected with the reason; replayed and taken, the operator\'s Annullato cancels it', async () => {
    const w = (world = await startWorld(open));
    const id = await ordered(w);
    await accepted(w, id);
    w.whs.answer = (op: Operation) => (op === 'Rec_StatusUpdateMig' ? { ESITO: '1', CODICE_MOTIVAZIONE: '051', MOTIVAZIONE: 'annullamento fuori termine' } : { ESITO: '0' });
    expect((await http(w.pair.a, 'POST', `/v1/switches/${id}/cancel`, { reason: 'il cliente ha cambiato idea' })).status).toBe(202);
    await untilA(w.pair, async () => expect(await ftthTimeline(w, id)).toContain('out:FTTH-N2:failed'), 15_000);
    const refused = await order(w, id);
    expect(refused).toMatchObject({ state: 'accepted', dac: DAC, ftth: { state: 'accettato' }, cancellation: { status: 'rejected' } });
    expect(refused.history.at(-1)).toMatchObject({ event: 'N12 NACK to N2 annullamento', ftthFrom: 'cancelPending', ftthTo: 'accettato', code: '051', reason: 'annullamento fuori termine' });
    await eventually(async () => expect((await wholesaleEvents(w, id)).slice(-2)).toEqual(['wholesale.cancellation-queued', 'wholesale.cancellation-rejected']));
    // the order being accettato again, the operator's Annullato has nothing to answer: NACKed, nothing changes
    expect(await n4(w, id, '5')).toMatchObject({ ESITO: '1' });

    // the operator takes the replayed N2 this time: the annullamento is pending again, its Annullato cancels the order
    w.whs.answer = () => ({ ESITO: '0' });
    const dead = (await http(w.pair.a, 'GET', '/v1/dead-letters')).data.items as { id: string; reason: string }[];
    expect(dead.map((d) => d.reason)).toEqual(['N12 NACK 051: annullamento fuori termine']);
    expect((await http(w.pair.a, 'POST', `/v1/dead-letters/${dead[0]!.id}/replay`, {})).status).toBe(202);
    await untilA(w.pair, async () => expect(await ftthTimeline(w, id)).toContain('out:FTTH-N2:delivered'));
    expect(await n4(w, id, '5')).toMatchObject(ACK);
    const c = await caseOf(w.pair.a, id);
    expect(c.state).toBe('CANCELLED');
    expect(c.wholesaleOrder).toMatchObject({ state: 'cancelled', ftth: { state: 'annullato' }, cancellation: { status: 'done' } });
    expect((c.wholesaleOrder as { history: { event: string }[] }).history.map((h) => h.event).slice(-3)).toEqual(['N12 NACK to N2 annullamento', 'N2 annullamento replayed', 'N4 annullato']);
  });

  it('our N3 rimodulazione NACKed: the DAC before it is in force again, the reschedule rejected', async () => {
    const w = (world = await startWorld(open));
    const id = await ordered(w);
    await accepted(w, id);
    w.whs.answer = (op: Operation) => (op === 'Rec_RescheduleMig' ? { ESITO: '1', CODICE_MOTIVAZIONE: '061', MOTIVAZIONE: 'data non disponibile' } : { ESITO: '0' });
    expect((await http(w.pair.a, 'POST', `/v1/switches/${id}/reschedule`, { requestedDate: NEW_DAC })).status).toBe(202);
    await untilA(w.pair, async () => expect(await ftthTimeline(w, id)).toContain('out:FTTH-N3:failed'), 15_000);
    expect(await order(w, id)).toMatchObject({ state: 'accepted', dac: DAC, appointment: '10:30:00', requestedCompletionDate: DAC, ftth: { state: 'accettato', dac: DAC }, reschedule: { status: 'rejected', requestedDate: NEW_DAC } });
    await eventually(async () => expect((await wholesaleEvents(w, id)).slice(-2)).toEqual(['wholesale.reschedule-queued', 'wholesale.reschedule-rejected']));
    const rejected = (await events(w, id)).find((e) => e.type === 'wholesale.reschedule-rejected')!.data;
    expect(rejected).toMatchObject({ dac: DAC, code: '061', reason: 'data non disponibile' });
  });

  it('our N2 desospensione NACKed: the order is suspended again', async () => {
    const w = (world = await startWorld(open));
    const id = await ordered(w);
    await accepted(w, id);
    expect(await n4(w, id, '4')).toMatchObject(ACK);
    w.whs.answer = (op: Operation) => (op === 'Rec_StatusUpdateMig' ? { ESITO: '1', CODICE_MOTIVAZIONE: '071', MOTIVAZIONE: 'sospensione non rimovibile' } : { ESITO: '0' });
    const resumed = await http(w.pair.a, 'POST', `/v1/switches/${id}/wholesale-order/resume`, {});
    expect(resumed.data.wholesaleOrder).toMatchObject({ ftth: { state: 'accettato' } });
    await untilA(w.pair, async () => expect(await ftthTimeline(w, id)).toContain('out:FTTH-N2:failed'));
    expect(await order(w, id)).toMatchObject({ state: 'suspended', ftth: { state: 'sospeso' } });
    await eventually(async () => expect((await wholesaleEvents(w, id)).slice(-2)).toEqual(['wholesale.resume-queued', 'wholesale.resume-rejected']));
  });

  it('placeOrders manual: no N1 until the API asks, then exactly one', async () => {
    const w = (world = await startWorld(open, true, { placeOrders: 'manual' }));
    const res = await start(w);
    const id = res.data.id as string;
    await untilA(w.pair, async () => expect((await caseOf(w.pair.b, id)).state).toBe('AWAITING_MANAGERIAL'));
    expect((await http(w.pair.b, 'POST', `/v1/switches/${id}/answer`, { result: 'OK', sessionCode: SESSION })).status).toBe(202);
    await untilA(w.pair, async () => expect((await caseOf(w.pair.a, id)).state).toBe('VALIDATED'));
    await w.pair.deliverA();
    expect(w.whs.calls).toEqual([]);
    const placed = await http(w.pair.a, 'POST', `/v1/switches/${id}/wholesale-order`);
    expect(placed.status, placed.text).toBe(202);
    expect(placed.data.wholesaleOrder).toMatchObject({ protocol: 'agcom-ftth', state: 'submitted', externalId: id });
    // the answer carries the case's new ETag, the one a read gives now
    expect(placed.headers.etag).toMatch(/^"\d+"$/);
    expect((await http(w.pair.a, 'GET', `/v1/switches/${id}`)).headers.etag).toBe(placed.headers.etag);
    await untilA(w.pair, async () => expect(w.whs.of('Rec_MigrationSetup')).toHaveLength(1));
    const again = await http(w.pair.a, 'POST', `/v1/switches/${id}/wholesale-order`);
    expect(again.status).toBe(409);
    expect(again.data.code).toBe('SG_WHOLESALE_ORDER_EXISTS');
    expect((await events(w, id)).find((e) => e.type === 'wholesale.order-queued')!.data).toMatchObject({ protocol: 'agcom-ftth', trigger: 'manual' });
  });

  it('without the technical referent the N1 is blocked, naming the missing key; asked for by the API it is a 409', async () => {
    const w = (world = await startWorld(open, true, { technicalContact: false }));
    const res = await start(w);
    const id = res.data.id as string;
    await untilA(w.pair, async () => expect((await caseOf(w.pair.b, id)).state).toBe('AWAITING_MANAGERIAL'));
    expect((await http(w.pair.b, 'POST', `/v1/switches/${id}/answer`, { result: 'OK', sessionCode: SESSION })).status).toBe(202);
    await untilA(w.pair, async () => expect((await caseOf(w.pair.a, id)).state).toBe('VALIDATED'));
    const blocked = (await events(w, id)).filter((e) => e.type === 'wholesale.order-blocked');
    expect(blocked.map((e) => (e.data.issues as { path: string }[]).map((i) => i.path))).toEqual([['agcom.ftth.technicalContact']]);
    const placed = await http(w.pair.a, 'POST', `/v1/switches/${id}/wholesale-order`);
    expect(placed.status).toBe(409);
    expect(placed.data).toMatchObject({ code: 'SG_WHOLESALE_ORDER_INCOMPLETE', errors: [expect.objectContaining({ path: 'agcom.ftth.technicalContact' })] });
    await w.pair.deliverA();
    expect(w.whs.calls).toEqual([]);
    expect((await caseOf(w.pair.a, id)).wholesaleOrder).toBeNull();
  });

  it('intake: with the FTTH profile a phone or a name the N1 cannot carry is refused at once, naming the field', async () => {
    const w = (world = await startWorld(open));
    const long = await start(w, { contact: { phone: '+39 06 1234 5678 9012 3456' } });
    expect(long.status, long.text).toBe(422);
    expect(long.data.errors).toEqual([expect.objectContaining({ path: '/contact/phone', code: 'SG_AGCOM_FTTH_FIELD_TOO_LONG' })]);
    const name = await start(w, { customer: { firstName: 'Maria Francesca Antonietta', lastName: 'Rossi' } });
    expect(name.status, name.text).toBe(422);
    expect(name.data.errors).toEqual([expect.objectContaining({ path: '/customer/firstName', code: 'SG_AGCOM_FTTH_FIELD_TOO_LONG' })]);
  });

  it('without agcom.wholesale nothing changes: no N1, the same long phone is accepted, no FTTH service is hosted', async () => {
    const w = (world = await startWorld(open, false));
    const res = await start(w, { contact: { phone: '+39 06 1234 5678 9012 3456' } });
    expect(res.status, res.text).toBe(201);
    const id = res.data.id as string;
    await untilA(w.pair, async () => expect((await caseOf(w.pair.b, id)).state).toBe('AWAITING_MANAGERIAL'));
    expect((await http(w.pair.b, 'POST', `/v1/switches/${id}/answer`, { result: 'OK', sessionCode: SESSION })).status).toBe(202);
    await untilA(w.pair, async () => expect((await caseOf(w.pair.a, id)).state).toBe('VALIDATED'));
    await w.pair.deliverA();
    expect(w.whs.calls).toEqual([]);
    expect((await caseOf(w.pair.a, id)).wholesaleOrder).toBeNull();
    expect((await fetch(`${w.pair.a.url}/agcom/ftth/v1/RecipientMigrationNotify_OLO?wsdl`)).status).toBe(404);
    await eventually(async () => expect(await ftthTimeline(w, id)).toEqual([]));
  });
});
