/**
 * The Donating (E) side of the FTTH model over SOAP on loopback (italy.md §10.3, §10.5): the
 * network operator is played by node-soap, an independent SOAP stack built only from our WSDLs —
 * its client from the WSDL the Donating gateway serves (N8, N10), its server hosting
 * `DonatingMigrationService` from our rendered WSDL (receives N9). Both backends.
 */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { readFileSync } from 'node:fs';
import { afterEach, expect, it } from 'vitest';
import * as soap from 'soap';
import { validateXML } from 'xmllint-wasm';
import { describeEachBackend } from '../support/backends.js';
import { eventually, freePort, http } from '../support/http-pair.js';
import { caseOf, DAC, startAgcomPair, timeline, untilA, type AgcomPair } from '../support/agcom-pair.js';
import { buildMigrationCode } from '../../src/protocols/agcom/migration-code.js';
import { renderFtthWsdl, ADDRESS_PLACEHOLDER } from '../../src/protocols/agcom/ftth/contracts.js';
import { encodeRequest } from '../../src/protocols/agcom/ftth/codec.js';
import type { Store } from '../../src/store/connect.js';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const WHS_TOKEN = 'whs-to-OLB';
const COR = '069234552';
const SESSION = 'SESS-OLB-FTTH-1';
const XSD = { fileName: 'ftth.xsd', contents: readFileSync(new URL('../../schemas/agcom-ftth/ftth.xsd', import.meta.url), 'utf8') };

interface World {
  pair: AgcomPair;
  /** N9 as node-soap's server parsed them */
  n9: Record<string, unknown>[];
  /** what the network operator answers to N9 */
  n9Answer: { ESITO: string; CODICE_MOTIVAZIONE?: string; MOTIVAZIONE?: string };
  client: soap.Client;
  /** every exchange of node-soap's client */
  exchanges: { request: string; response: string }[];
  server: Server;
  close(): Promise<void>;
}

async function startWorld(open: () => Promise<Store>, extraB: Record<string, unknown> = {}): Promise<World> {
  const port = await freePort();
  const server = createServer();
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
  const n9: Record<string, unknown>[] = [];
  const world = { n9, n9Answer: { ESITO: '0' } } as World;
  const wsdl = renderFtthWsdl('DonatingMigrationService').replace(ADDRESS_PLACEHOLDER, `http://127.0.0.1:${port}/whs/DonatingMigrationService`);
  soap.listen(server, '/whs/DonatingMigrationService', {
    DonatingMigrationService: {
      DonatingMigrationServicePort: {
        Don_Check_sessione: (args: Record<string, unknown>) => {
          n9.push(args);
          return { ID_NOTIFICA: args.ID_NOTIFICA, ...world.n9Answer };
        },
      },
    },
  }, wsdl);
  const pair = await startAgcomPair(open, open, {
    configB: {
      agcom: {
        cowOwner: { '2ZZ': 'OLB', KQG: 'OLB' },
        wholesale: { url: `http://127.0.0.1:${port}/whs`, protocol: 'agcom-ftth', inboundTokenSha256: sha(WHS_TOKEN) },
        ftth: { codes: { n10Evento: { '0': 'outcomeOk', '1': 'firstDac', '2': 'outcomeKo', '3': 'cancellation' } } },
      },
      ...extraB,
    } as never,
  });
  const client = await soap.createClientAsync(`${pair.b.url}/agcom/ftth/v1/DonatingMigrationNotify_OLO?wsdl`);
  client.setSecurity(new soap.BearerSecurity(WHS_TOKEN));
  const exchanges: { request: string; response: string }[] = [];
  client.on('request', (xml: string) => exchanges.push({ request: xml, response: '' }));
  client.on('response', (body: string) => {
    exchanges.at(-1)!.response = body;
  });
  return Object.assign(world, {
    pair,
    client,
    exchanges,
    server,
    async close() {
      await pair.close();
      await new Promise<void>((r) => server.close(() => r()));
    },
  });
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

let n = 0;
const n8 = (extra: Record<string, unknown> = {}) => ({
  CODICE_OPERATORE_REC: 'OLA',
  CODICE_OPERATORE_WHS: 'WHS',
  CODICE_ORDINE_WHS: 'WHS_0000000042',
  ID_NOTIFICA: `WHS-N8-${++n}`,
  DATA_NOTIFICA: '2026-12-01T10:00:00+01:00',
  CODICE_SESSIONE: SESSION,
  COR,
  NUMERAZIONI: { DN: ['+39 06 9234552'] },
  ...extra,
});

const call = async (w: World, op: 'WHS_Check_sessioneAsync' | 'WHS_Msg_DonatingAsync', args: unknown) => ((await w.client[op](args)) as [Record<string, unknown>])[0];

const events = async (w: World, type: string) =>
  eventually(async () => {
    const items = (await http(w.pair.b, 'GET', '/v1/events?limit=1000')).data.items as { type: string; data: Record<string, unknown> }[];
    const found = items.filter((e) => e.type === type);
    expect(found.length).toBeGreaterThan(0);
    return found;
  });

describeEachBackend('agcom FTTH: the Donating answers the network operator (N8 → N12 + N9, N10)', ({ open }) => {
  let world: World | undefined;
  afterEach(async () => {
    await world?.close();
    world = undefined;
  });

  it('N8 from node-soap: N12 ACK at once, N9 OK to DonatingMigrationService through the outbox; a resend changes nothing', async () => {
    const w = (world = await startWorld(open));
    const id = await validated(w);
    const first = n8();
    expect(await call(w, 'WHS_Check_sessioneAsync', first)).toEqual({ ID_NOTIFICA: first.ID_NOTIFICA, ESITO: '0' });
    await eventually(async () => expect(w.n9).toHaveLength(1));
    expect(w.n9[0]).toMatchObject({ CODICE_ORDINE_WHS: 'WHS_0000000042', ESITO: 'OK', ID_NOTIFICA: expect.stringMatching(/^OLB-N9-/) });
    expect(w.n9[0]).not.toHaveProperty('CODICE_MOTIVAZIONE');
    await eventually(async () => expect(await timeline(w.pair.b, id)).toContain('out:FTTH-N9:delivered'));
    // the same ID_NOTIFICA again: the same N12, no second N9
    expect(await call(w, 'WHS_Check_sessioneAsync', first)).toEqual({ ID_NOTIFICA: first.ID_NOTIFICA, ESITO: '0' });
    expect((await timeline(w.pair.b, id)).filter((t) => t.includes('FTTH'))).toEqual(['in:FTTH-N8:answered', 'out:FTTH-N9:delivered']);
    expect((await events(w, 'agcom.ftth.session-checked')).map((e) => e.data.esito)).toEqual(['OK']);
    // what node-soap sent and got is valid against the published schema
    const payload = (s: string) => s.replace(/^.*<(?:\w+:)?Body[^>]*>/s, '').replace(/<\/(?:\w+:)?Body>.*$/s, '');
    const docs = w.exchanges.flatMap((x, i) => [
      { fileName: `req-${i}.xml`, contents: payload(x.request) },
      { fileName: `res-${i}.xml`, contents: payload(x.response) },
    ]);
    expect((await validateXML({ xml: docs, schema: [XSD] })).errors).toEqual([]);
  });

  it('negative session-code checks: N12 ACK, then N9 KO with the reason (wrong COR, a number not agreed, expired)', async () => {
    const w = (world = await startWorld(open, { deadlines: { agcom: { sessionCodeValidityDays: 3 } } }));
    await validated(w);
    expect(await call(w, 'WHS_Check_sessioneAsync', n8({ COR: '069999999' }))).toMatchObject({ ESITO: '0' });
    await eventually(async () => expect(w.n9).toHaveLength(1));
    expect(w.n9[0]).toMatchObject({ ESITO: 'KO', CODICE_MOTIVAZIONE: '104', MOTIVAZIONE: 'the COR is not the one agreed in Fase 2' });
    expect(await call(w, 'WHS_Check_sessioneAsync', n8({ NUMERAZIONI: { DN: ['069234552', '069999999'] } }))).toMatchObject({ ESITO: '0' });
    await eventually(async () => expect(w.n9).toHaveLength(2));
    expect(w.n9[1]).toMatchObject({ ESITO: 'KO', CODICE_MOTIVAZIONE: '105', MOTIVAZIONE: `069999999 is not among the numbers agreed for ${SESSION}` });
    w.pair.clock.set('2026-12-05T00:00:00Z');
    expect(await call(w, 'WHS_Check_sessioneAsync', n8())).toMatchObject({ ESITO: '0' });
    await eventually(async () => expect(w.n9).toHaveLength(3));
    expect(w.n9[2]).toMatchObject({ ESITO: 'KO', CODICE_MOTIVAZIONE: '103', MOTIVAZIONE: expect.stringContaining('the codice sessione expired on 2026-12-04T22:59:59.999Z') });
  });

  it('a codice sessione never issued: N12 NACK 101 and nothing else', async () => {
    const w = (world = await startWorld(open));
    const id = await validated(w);
    const r = await call(w, 'WHS_Check_sessioneAsync', n8({ CODICE_SESSIONE: 'SESS-NEVER' }));
    expect(r).toMatchObject({ ESITO: '1', CODICE_MOTIVAZIONE: '101' });
    expect((await timeline(w.pair.b, id)).filter((t) => t.includes('FTTH'))).toEqual([]);
  });

  it('N10 after the N8 of the same order: recorded on the case, announced on the feed with the configured EVENTO mapping', async () => {
    const w = (world = await startWorld(open));
    const id = await validated(w);
    const early = { CODICE_OPERATORE_REC: 'OLA', CODICE_OPERATORE_WHS: 'WHS', CODICE_ORDINE_WHS: 'WHS_0000000042', ID_NOTIFICA: 'WHS-N10-0', DATA_NOTIFICA: '2026-12-01T10:00:00Z', COR, EVENTO: '1', DATA: DAC, ORA: '09:00:00' };
    // before any N8 of this order there is nothing to record it on
    expect(await call(w, 'WHS_Msg_DonatingAsync', early)).toMatchObject({ ESITO: '1', CODICE_MOTIVAZIONE: '010' });
    expect(await call(w, 'WHS_Check_sessioneAsync', n8())).toMatchObject({ ESITO: '0' });
    const n10 = { ...early, ID_NOTIFICA: 'WHS-N10-1' };
    expect(await call(w, 'WHS_Msg_DonatingAsync', n10)).toEqual({ ID_NOTIFICA: 'WHS-N10-1', ESITO: '0' });
    expect(await call(w, 'WHS_Msg_DonatingAsync', n10)).toEqual({ ID_NOTIFICA: 'WHS-N10-1', ESITO: '0' });
    expect((await timeline(w.pair.b, id)).filter((t) => t.startsWith('in:FTTH'))).toEqual(['in:FTTH-N8:answered', 'in:FTTH-N10:accepted']);
    // EVENTO 1 is firstDac under this gateway's agcom.ftth.codes (default: outcomeOk)
    expect((await events(w, 'agcom.ftth.donating-notified')).map((e) => e.data)).toEqual([expect.objectContaining({ event: 'firstDac', date: DAC, time: '09:00:00' })]);
  });

  it('bad input: malformed → N12 NACK naming the field; no token → 401 SOAP Fault; the WSDL and XSD are served', async () => {
    const w = (world = await startWorld(open));
    const url = `${w.pair.b.url}/agcom/ftth/v1/DonatingMigrationNotify_OLO`;
    const post = (body: string, token: string | null = WHS_TOKEN) =>
      fetch(url, { method: 'POST', headers: { 'content-type': 'text/xml; charset=utf-8', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body });
    const good = encodeRequest('WHS_Check_sessione', { ...n8(), NUMERAZIONI: ['069234552'] });
    const tooLong = await post(good.replace(`<f:COR>${COR}</f:COR>`, '<f:COR>0692345521234</f:COR>'));
    expect(tooLong.status).toBe(200);
    const text = await tooLong.text();
    expect(text).toMatch(/<f:ESITO>1<\/f:ESITO><f:CODICE_MOTIVAZIONE>003<\/f:CODICE_MOTIVAZIONE><f:MOTIVAZIONE>COR: at most 12 characters \(has 13\)<\/f:MOTIVAZIONE>/);
    expect(text).toContain('<f:WHS_Check_sessioneResponse');
    const missing = await (await post(good.replace(/<f:CODICE_SESSIONE>[^<]*<\/f:CODICE_SESSIONE>/, ''))).text();
    expect(missing).toContain('<f:CODICE_MOTIVAZIONE>002</f:CODICE_MOTIVAZIONE><f:MOTIVAZIONE>CODICE_SESSIONE: mandatory</f:MOTIVAZIONE>');
    const noToken = await post(good, null);
    expect(noToken.status).toBe(401);
    expect(await noToken.text()).toContain('<faultcode>soapenv:Client</faultcode>');
    expect((await post(good, 'someone-else')).status).toBe(401);
    const n1 = encodeRequest('Rec_MigrationSetup', {
      CODICE_OPERATORE_REC: 'OLA', CODICE_ORDINE_REC: 'OLA_1', CODICE_OPERATORE_WHS: 'WHS', ID_NOTIFICA: 'x', DATA_NOTIFICA: '2026-12-01T10:00:00Z',
      COGNOME_REFERENTE_TECNICO_OLO: 'B', TELEFONO_REFERENTE_TECNICO_OLO: '1', EMAIL_REFERENTE_TECNICO_OLO: 'a@b', COGNOME_CLIENTE: 'R', RECAPITO_TELEFONICO_CLIENTE_1: '1',
      DATI_MIGRAZIONE: { CODICE_SESSIONE: 'S', COR, COW: '2ZZ', COS: '001' }, SERVIZIO_FTTH: '',
    });
    const wrongService = await post(n1);
    expect(wrongService.status).toBe(400);
    expect(await wrongService.text()).toContain('Rec_MigrationSetup: not an operation of this service');
    const wsdl = await (await fetch(`${url}?wsdl`)).text();
    expect(wsdl).toContain(`<soap:address location="${url}"/>`);
    expect(await (await fetch(`${url}?xsd=ftth.xsd`)).text()).toBe(XSD.contents);
    // a service this gateway does not host (the network operator's) is not there
    expect((await fetch(`${w.pair.b.url}/agcom/ftth/v1/RecipientMigrationService?wsdl`)).status).toBe(404);
  });

  it('an N12 NACK to our N9 dead-letters it with the operator\'s reason', async () => {
    const w = (world = await startWorld(open));
    const id = await validated(w);
    w.n9Answer = { ESITO: '1', CODICE_MOTIVAZIONE: '777', MOTIVAZIONE: 'ordine sconosciuto' };
    expect(await call(w, 'WHS_Check_sessioneAsync', n8())).toMatchObject({ ESITO: '0' });
    await eventually(async () => expect(await timeline(w.pair.b, id)).toContain('out:FTTH-N9:failed'));
    const dead = (await http(w.pair.b, 'GET', '/v1/dead-letters')).data.items as { reason: string }[];
    expect(dead.map((d) => d.reason)).toEqual(['N12 NACK 777: ordine sconosciuto']);
  });
});
