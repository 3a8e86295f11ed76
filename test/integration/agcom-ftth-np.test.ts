/**
 * Number portability in the FTTH model (italy.md §10.3 N11/N13, §11) between two gateways over
 * real HTTP on loopback, both backends: the Recipient OLA and OLB, Donating of the migration and
 * Donor of its numbers; the wholesale simulator completes (or fails) the order, which is when the
 * `02` (or `03`) leaves. TIM, the Donor of the `02…` numbers, is spoken to in JSON (a stub).
 * A node-soap client built from the WSDL each gateway serves plays a third operator's gateway.
 */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { request } from 'undici';
import * as soap from 'soap';
import { validateXML } from 'xmllint-wasm';
import { describeEachBackend } from '../support/backends.js';
import { eventually, freePort, http, type HttpNode } from '../support/http-pair.js';
import { caseOf, DAC, messagesOf, NOW, startAgcomPair, timeline, untilA, type AgcomPair } from '../support/agcom-pair.js';
import { ManualClock } from '../../src/domain/clock.js';
import type { Store } from '../../src/store/connect.js';
import { ConfigError, parseConfig } from '../../src/config/load.js';
import { configChecks } from '../../src/config/checks.js';
import { buildMigrationCode } from '../../src/protocols/agcom/migration-code.js';
import { encodeN12 } from '../../src/protocols/agcom/ftth/codec.js';
import { startWholesaleSimulator, type SimBehaviour, type SimCarrier, type WholesaleSimulator } from '../../src/wholesale/simulator.js';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const XSD = { fileName: 'ftth.xsd', contents: readFileSync(new URL('../../schemas/agcom-ftth/ftth.xsd', import.meta.url), 'utf8') };
const SIM_TO = { OLA: 'sim-to-OLA', OLB: 'sim-to-OLB' } as const;
/** the tokens of agcomEnv(): OLA presents TOKEN_OLA_TO_OLB to OLB, OLB presents TOKEN_OLB_TO_OLA to OLA */
const OLA_TO_OLB = 'agcom-token-OLA-to-OLB';
const OLB_TO_OLA = 'agcom-token-OLB-to-OLA';
const TIM_TO_OLA = 'np-token-TIM-to-OLA';
const COR = '069234552';
/** in OLB's ranges, OLC's: not OLB's to release */
const OLC_NUMBER = '069299999';
const TIM_NUMBER = '021234567';
const SESSION = 'SESS-OLB-NP-1';
/** two gateways, PostgreSQL and the simulator on two shared cores: more than the default 30 s when the machine is busy */
const SLOW = 90_000;

interface World {
  pair: AgcomPair;
  sim: WholesaleSimulator;
  /** what TIM's JSON endpoint received */
  tim: { auth: string | undefined; body: Record<string, unknown> }[];
  /** the SOAP calls TIM's stub received (timSoap), answered or not */
  timSoapCalls: string[];
  close(): Promise<void>;
}

interface WorldOptions {
  behaviour?: SimBehaviour;
  /** the code OLB knows OLA's token by (a wrong one makes OLB refuse OLA's N11) */
  olaCodeAtOlb?: string;
  /** OLA places the order itself (default) or not at all */
  placeOrders?: 'auto' | 'manual';
  /** TIM speaks SOAP (a stub: down for its first `timDownFor` calls, then N12 ACK) instead of JSON */
  timSoap?: { downFor: number };
}

async function startWorld(open: () => Promise<Store>, o: WorldOptions = {}): Promise<World> {
  const carriers: Record<string, SimCarrier> = {};
  const sim = await startWholesaleSimulator({
    port: await freePort(),
    clock: new ManualClock(NOW),
    holidayRegion: 'IT',
    carriers,
    inboundTokens: [OLA_TO_OLB],
    defaultBehaviour: o.behaviour ?? 'accept',
    timings: { ackMs: 10, stepMs: 10, delayMs: 300 },
    callbackRetryMs: 25,
    callbackAttempts: 60,
  });
  const tim: World['tim'] = [];
  const timSoapCalls: string[] = [];
  const timServer: Server = createServer((req, res) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString('utf8')));
    req.on('end', () => {
      if (o.timSoap) {
        timSoapCalls.push(`${req.url} ${req.headers.authorization}`);
        if (timSoapCalls.length <= o.timSoap.downFor) return void res.writeHead(503).end('down');
        const id = /<(?:\w+:)?idNotifica>([^<]*)</.exec(text)![1]!;
        return void res.writeHead(200, { 'content-type': 'text/xml' }).end(encodeN12('OLO_NPRequest', { ID_NOTIFICA: id, ESITO: '0' }));
      }
      tim.push({ auth: req.headers.authorization, body: JSON.parse(text) as Record<string, unknown> });
      res.writeHead(202, { 'content-type': 'application/json' }).end('{"esito":"OK"}');
    });
  });
  const timPort = await freePort();
  await new Promise<void>((r) => timServer.listen(timPort, '127.0.0.1', r));
  const ports = { a: await freePort(), b: await freePort() };
  const wholesale = (self: 'OLA' | 'OLB', placeOrders: 'auto' | 'manual') => ({
    url: sim.restUrl,
    protocol: 'rest',
    placeOrders,
    auth: { type: 'bearer', tokenEnv: self === 'OLA' ? 'TOKEN_OLA_TO_OLB' : 'TOKEN_OLB_TO_OLA' },
    inboundTokenSha256: sha(SIM_TO[self]),
  });
  const pair = await startAgcomPair(open, open, {
    ports,
    configA: {
      agcom: {
        cowOwner: { '2ZZ': 'OLB', KQG: 'OLB', X7K: 'TIM' },
        numberPortability: {
          defaultDonor: 'TIM',
          ranges: [{ prefix: '0692', donor: 'OLB' }],
          donors: [
            { code: 'OLB', url: `http://127.0.0.1:${ports.b}/agcom/ftth/v1`, inboundTokenSha256: sha(OLB_TO_OLA), auth: { type: 'bearer', tokenEnv: 'TOKEN_OLA_TO_OLB' } },
            { code: 'TIM', protocol: o.timSoap ? 'ftth-soap' : 'json', url: `http://127.0.0.1:${timPort}/np`, inboundTokenSha256: sha(TIM_TO_OLA), auth: { type: 'bearer', tokenEnv: 'TOKEN_OLA_TO_TIM' } },
          ],
        },
      },
      wholesale: wholesale('OLA', o.placeOrders ?? 'auto'),
    } as never,
    configB: {
      agcom: {
        cowOwner: { '2ZZ': 'OLB', KQG: 'OLB' },
        numberPortability: {
          ranges: [{ prefix: '06929', donor: 'OLC' }],
          donors: [{ code: o.olaCodeAtOlb ?? 'OLA', url: `http://127.0.0.1:${ports.a}/agcom/ftth/v1`, inboundTokenSha256: sha(OLA_TO_OLB), auth: { type: 'bearer', tokenEnv: 'TOKEN_OLB_TO_OLA' } }],
        },
      },
      wholesale: wholesale('OLB', 'manual'),
    } as never,
  });
  carriers['ITA.OLA'] = { notificationUrl: `${pair.a.url}/wholesale/v1/notifications`, token: SIM_TO.OLA };
  carriers['ITA.OLB'] = { verificationUrl: `${pair.b.url}/wholesale/v1/verifications`, token: SIM_TO.OLB };
  return {
    pair,
    sim,
    tim,
    timSoapCalls,
    async close() {
      await pair.close();
      await sim.close();
      await new Promise<void>((r) => timServer.close(() => r()));
    },
  };
}

/** A validated migration OLA → OLB of `numbers` (the first is the COR). */
async function validated(w: World, numbers: string[] = [COR]): Promise<string> {
  const { pair } = w;
  const res = await http(pair.a, 'POST', '/v1/switches', {
    procedure: 'agcom',
    donating: 'ITA.OLB',
    migrationCode: buildMigrationCode({ cow: '2ZZ', cor: numbers[0]!, cos: '001' }),
    numbers,
    requestedDate: DAC,
    customer: { firstName: 'Mario', lastName: 'Rossi', taxCode: 'RSSMRA80A01H501U' },
    contact: { phone: '+39 333 1234567' },
  });
  expect(res.status, res.text).toBe(201);
  const id = res.data.id as string;
  await untilA(pair, async () => expect((await caseOf(pair.b, id)).state).toBe('AWAITING_MANAGERIAL'), 30_000);
  expect((await http(pair.b, 'POST', `/v1/switches/${id}/answer`, { result: 'OK', sessionCode: SESSION })).status).toBe(202);
  await untilA(pair, async () => expect((await caseOf(pair.a, id)).state).toBe('VALIDATED'), 30_000);
  return id;
}

const feed = async (node: HttpNode, type: string) =>
  ((await http(node, 'GET', '/v1/events?limit=1000')).data.items as { type: string; caseId: string | null; data: Record<string, unknown> }[]).filter((e) => e.type === type);

/** The SOAP payloads (Body child) of stored raw messages, for the XSD validator. */
const payload = (s: string) => s.replace(/^.*<(?:\w+:)?Body[^>]*>/s, '').replace(/<\/(?:\w+:)?Body>.*$/s, '');
const xsdErrors = async (docs: string[]) => (await validateXML({ xml: docs.map((d, i) => ({ fileName: `m${i}.xml`, contents: payload(d) })), schema: [XSD] })).errors;

async function npClient(node: HttpNode, service: 'O2ONPFibra.OLO_NPRequestService' | 'OLO_NPNotificationService', token: string): Promise<soap.Client> {
  const client = await soap.createClientAsync(`${node.url}/agcom/ftth/v1/${service}?wsdl`);
  client.setSecurity(new soap.BearerSecurity(token));
  return client;
}
const call = async (client: soap.Client, op: 'OLO_NPRequestAsync' | 'OLO_NPNotificationAsync', args: unknown) => ((await client[op](args)) as [Record<string, unknown>])[0];

let n = 0;
const n11 = (extra: Record<string, unknown> = {}) => ({
  codiceOperatoreRec: 'OLA',
  codiceOrdineWHS: 'WHS_0000000042',
  idNotifica: `OLA-N11-${++n}`,
  dataNotifica: '2026-12-01T10:00:00+01:00',
  tipoNotifica: '01',
  numerazioni: { dn: [COR] },
  ...extra,
});
const n13 = (order: string, extra: Record<string, unknown> = {}) => ({
  codiceOperatoreDonor: 'OLB',
  codiceOrdineWHS: order,
  idNotifica: `OLB-N13-${++n}`,
  dataNotifica: '2026-12-01T10:00:00Z',
  tipoNotifica: '01',
  numerazioniScartate: { dn: [COR] },
  codiceMotivazione: '301',
  motivazione: 'numero non attivo',
  ...extra,
});

describeEachBackend('agcom FTTH number portability: N11 to each Donor, N13 back (Recipient and Donor gateways)', ({ open }) => {
  let world: World | undefined;
  afterEach(async () => {
    await world?.close();
    world = undefined;
  });

  it('01 at the managerial OK and 02 at completion reach the Donor over SOAP and are recorded on its donating case; TIM gets JSON', async () => {
    const w = (world = await startWorld(open));
    const id = await validated(w, [COR, TIM_NUMBER]);
    await untilA(w.pair, async () => expect((await caseOf(w.pair.a, id)).wholesaleOrder?.state).toBe('completed'), 30_000);
    await untilA(w.pair, async () => expect((await timeline(w.pair.a, id)).filter((t) => t.includes('FTTH-N11'))).toEqual(['out:FTTH-N11:delivered', 'out:FTTH-N11:delivered']), 30_000);
    // on the Donor: both recorded on its donating case of the same migration, in order
    const got = (await messagesOf(w.pair.b, id, true)).filter((m) => m.type === 'FTTH-N11');
    expect(got.map((m) => [m.direction, m.status, (m.body.msg as Record<string, unknown>).tipoNotifica])).toEqual([
      ['in', 'accepted', '01'],
      ['in', 'accepted', '02'],
    ]);
    expect(got[0]!.body.msg).toEqual({ codiceOperatoreRec: 'OLA', codiceOrdineWHS: id, idNotifica: `${id}:01:OLB`, dataNotifica: new Date(NOW).toISOString(), tipoNotifica: '01', numerazioni: [COR] });
    expect(got[0]!.rawFormat).toBe('soap');
    expect(await xsdErrors(got.map((m) => m.raw!))).toEqual([]);
    const notices = await eventually(async () => {
      const e = await feed(w.pair.b, 'np.notice-received');
      expect(e).toHaveLength(2);
      return e;
    });
    expect(notices.map((e) => [e.caseId, e.data.tipoNotifica, e.data.recipient])).toEqual([
      [id, '01', 'OLA'],
      [id, '02', 'OLA'],
    ]);
    // nothing refused: the numbers are the migration's and OLB's
    expect((await timeline(w.pair.b, id)).filter((t) => t.includes('N13'))).toEqual([]);
    // TIM, configured with protocol json, gets today's JSON notices for its number
    await untilA(w.pair, async () => expect(w.tim.map((r) => r.body.tipoNotifica)).toEqual(['01', '02']), 30_000);
    expect(w.tim[0]).toMatchObject({ auth: 'Bearer agcom-token-OLA-to-TIM', body: { codiceOperatoreDonor: 'TIM', numerazioni: [TIM_NUMBER], idNotifica: `${id}:01:TIM` } });
  }, SLOW);

  it('a failed order sends 03; the Donor refuses a number of another operator\'s range with an N13 KO that the Recipient records', async () => {
    const w = (world = await startWorld(open, { behaviour: 'ko' }));
    const id = await validated(w, [COR, OLC_NUMBER]);
    await untilA(w.pair, async () => expect((await caseOf(w.pair.a, id)).wholesaleOrder?.state).toBe('failed'), 30_000);
    // the 01 carried a number OLB cannot release: N13 KO 203 back to OLA's OLO_NPNotificationService
    await untilA(w.pair, async () => expect((await timeline(w.pair.a, id)).filter((t) => t.includes('NP-KO'))).toEqual(['in:NP-KO:accepted']), 30_000);
    const ko = (await messagesOf(w.pair.a, id, true)).find((m) => m.type === 'NP-KO')!;
    expect(ko.body).toMatchObject({ codiceOperatoreDonor: 'OLB', codiceOrdineWHS: id, tipoNotifica: '01', numerazioni: [OLC_NUMBER], causale: '203', motivazione: "not a number of OLB: its range is OLC's" });
    expect(await xsdErrors([ko.raw!])).toEqual([]);
    const rejected = await eventually(async () => {
      const e = await feed(w.pair.a, 'np.rejected');
      expect(e).toHaveLength(1);
      return e;
    });
    expect(rejected[0]).toMatchObject({ caseId: id, data: { donor: 'OLB', numbers: [OLC_NUMBER], causale: '203' } });
    await eventually(async () => expect((await timeline(w.pair.b, id)).filter((t) => t.includes('N13'))).toEqual(['out:FTTH-N13:delivered']));
    // the 03 is recorded and refuses nothing
    await untilA(w.pair, async () =>
      expect((await messagesOf(w.pair.b, id)).filter((m) => m.type === 'FTTH-N11').map((m) => (m.body.msg as Record<string, unknown>).tipoNotifica)).toEqual(['01', '03']),
      30_000,
    );
    expect((await timeline(w.pair.b, id)).filter((t) => t.includes('N13'))).toEqual(['out:FTTH-N13:delivered']);
  }, SLOW);

  it('node-soap clients from the served WSDLs: N11 on a case (KO for a number not on it), N11 of its own, N13 of a Donor; duplicates once', async () => {
    const w = (world = await startWorld(open));
    const id = await validated(w);
    const toB = await npClient(w.pair.b, 'O2ONPFibra.OLO_NPRequestService', OLA_TO_OLB);
    const toA = await npClient(w.pair.a, 'OLO_NPNotificationService', OLB_TO_OLA);
    // only the NP messages: the wholesale provider's verification of the same case may arrive meanwhile
    const np = async () => (await timeline(w.pair.b, id)).filter((t) => t.includes('FTTH-N1'));
    const before = (await np()).length;

    // on the migration's case, by its order id: one of the two numbers is not the migration's → N13 KO 201 to OLA
    const first = n11({ codiceOrdineWHS: id, numerazioni: { dn: [COR, '069111111'] } });
    expect(await call(toB, 'OLO_NPRequestAsync', first)).toEqual({ ID_NOTIFICA: first.idNotifica, ESITO: '0' });
    expect(await call(toB, 'OLO_NPRequestAsync', first)).toEqual({ ID_NOTIFICA: first.idNotifica, ESITO: '0' });
    await eventually(async () => expect((await np()).slice(before)).toEqual(['in:FTTH-N11:accepted', 'out:FTTH-N13:delivered']));
    await untilA(w.pair, async () => expect((await messagesOf(w.pair.a, id)).filter((m) => m.type === 'NP-KO').map((m) => [m.body.causale, m.body.numerazioni])).toEqual([['201', ['069111111']]]), 30_000);

    // no migration matches: a notice of its own, announced without a case, nothing refused
    const own = n11({ codiceOrdineWHS: 'WHS_999', numerazioni: { dn: ['0612345678'] } });
    expect(await call(toB, 'OLO_NPRequestAsync', own)).toEqual({ ID_NOTIFICA: own.idNotifica, ESITO: '0' });
    const notices = await eventually(async () => {
      const e = (await feed(w.pair.b, 'np.notice-received')).filter((x) => x.data.idNotifica === own.idNotifica);
      expect(e).toHaveLength(1);
      return e;
    });
    expect(notices[0]).toMatchObject({ caseId: null, data: { notice: 'np:OLA:WHS_999', recipient: 'OLA', tipoNotifica: '01', numbers: 1 } });
    expect(await feed(w.pair.b, 'np.release-refused')).toHaveLength(1);

    // the Recipient's OLO_NPNotificationService: a Donor's KO on the order named in our N11 (the case id here)
    const beforeA = (await timeline(w.pair.a, id)).filter((t) => t.includes('NP-KO')).length;
    const ko = n13(id);
    expect(await call(toA, 'OLO_NPNotificationAsync', ko)).toEqual({ ID_NOTIFICA: ko.idNotifica, ESITO: '0' });
    expect(await call(toA, 'OLO_NPNotificationAsync', ko)).toEqual({ ID_NOTIFICA: ko.idNotifica, ESITO: '0' });
    expect((await timeline(w.pair.a, id)).filter((t) => t.includes('NP-KO'))).toHaveLength(beforeA + 1);
    // an order no N11 of ours named
    expect(await call(toA, 'OLO_NPNotificationAsync', n13('WHS_777'))).toMatchObject({ ESITO: '1', CODICE_MOTIVAZIONE: '010' });

    // an order OLB has never seen, but a number of the migration (in another notation): recorded on its case, nothing refused
    const byNumber = n11({ codiceOrdineWHS: 'WHS_555', numerazioni: { dn: ['+39 06 9234552'] } });
    expect(await call(toB, 'OLO_NPRequestAsync', byNumber)).toEqual({ ID_NOTIFICA: byNumber.idNotifica, ESITO: '0' });
    const received = (await messagesOf(w.pair.b, id)).filter((m) => m.type === 'FTTH-N11').map((m) => (m.body.msg as Record<string, unknown>).idNotifica as string);
    // (OLA's own 01 may be among them: it travels whenever OLA delivers)
    expect(received.filter((x) => x.startsWith('OLA-N11-'))).toEqual([first.idNotifica, byNumber.idNotifica]);
    expect(await feed(w.pair.b, 'np.release-refused')).toHaveLength(1);
  }, SLOW);

  it('a cancelled migration: the Donor refuses all its numbers (N13 KO 202); the JSON N13 endpoint takes a Donor\'s own token and refuses it for another', async () => {
    const w = (world = await startWorld(open, { placeOrders: 'manual' }));
    const id = await validated(w);
    // OLA's own N11 (01) leaves once the migration is validated: delivered before the cancellation,
    // or OLB refuses it too (CI lost that race once: a second NP-KO, of the 01)
    await untilA(w.pair, async () => expect((await timeline(w.pair.a, id)).filter((t) => t.includes('FTTH-N11'))).toEqual(['out:FTTH-N11:delivered']), 30_000);
    expect((await http(w.pair.a, 'POST', `/v1/switches/${id}/cancel`, { reason: 'il cliente ha cambiato idea' })).status).toBe(202);
    await untilA(w.pair, async () => expect((await caseOf(w.pair.b, id)).state).toBe('CANCELLED'), 30_000);
    const toB = await npClient(w.pair.b, 'O2ONPFibra.OLO_NPRequestService', OLA_TO_OLB);
    const late = n11({ codiceOrdineWHS: id, tipoNotifica: '02' });
    expect(await call(toB, 'OLO_NPRequestAsync', late)).toEqual({ ID_NOTIFICA: late.idNotifica, ESITO: '0' });
    await untilA(w.pair, async () =>
      expect((await messagesOf(w.pair.a, id)).filter((m) => m.type === 'NP-KO').map((m) => [m.body.tipoNotifica, m.body.causale, m.body.motivazione, m.body.numerazioni])).toEqual([
        ['02', '202', `the migration ${id} was cancelled`, [COR]],
      ]),
      30_000,
    );

    // TIM (a donors entry with protocol json) posts its KO as JSON with its own token
    const postKo = async (body: unknown) => {
      const res = await request(`${w.pair.a.url}/agcom/v1/np-notifications`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TIM_TO_OLA}` }, body: JSON.stringify(body) });
      return { status: res.statusCode, data: (await res.body.json()) as Record<string, any> };
    };
    const ko = { codiceOperatoreDonor: 'TIM', codiceOrdineRecipient: id, idNotifica: 'TIM-KO-1', numerazioni: [COR], causale: '03' };
    const other = await postKo({ ...ko, codiceOperatoreDonor: 'OLB' });
    expect([other.status, other.data.code, other.data.errors[0].path]).toEqual([403, 'SG_SENDER_MISMATCH', '/codiceOperatoreDonor']);
    expect((await postKo(ko)).data.status).toBe('accepted');
    expect((await postKo(ko)).data.status).toBe('duplicate');
    expect((await messagesOf(w.pair.a, id)).filter((m) => m.type === 'NP-KO').map((m) => m.body.codiceOperatoreDonor)).toEqual(['OLB', 'TIM']);
  }, SLOW);

  it('refusals: an operator speaking for another gets an N12 NACK naming the field, a wrong token 401, malformed a NACK naming the field; nothing recorded', async () => {
    const w = (world = await startWorld(open));
    const id = await validated(w);
    const toB = await npClient(w.pair.b, 'O2ONPFibra.OLO_NPRequestService', OLA_TO_OLB);
    const toA = await npClient(w.pair.a, 'OLO_NPNotificationService', OLB_TO_OLA);
    // the order goes on meanwhile (the simulator): only the number-portability traffic is compared
    const npOf = async (node: HttpNode, type: string) => (await timeline(node, id)).filter((t) => t.startsWith(`in:${type}`));
    const [tlA, tlB] = [await npOf(w.pair.a, 'NP-KO'), await npOf(w.pair.b, 'FTTH-N11')];

    expect(await call(toB, 'OLO_NPRequestAsync', n11({ codiceOrdineWHS: id, codiceOperatoreRec: 'OLC' }))).toMatchObject({
      ESITO: '1',
      CODICE_MOTIVAZIONE: '020',
      MOTIVAZIONE: 'codiceOperatoreRec: OLC is not the authenticated sender (OLA)',
    });
    expect(await call(toA, 'OLO_NPNotificationAsync', n13(id, { codiceOperatoreDonor: 'TIM' }))).toMatchObject({
      ESITO: '1',
      CODICE_MOTIVAZIONE: '020',
      MOTIVAZIONE: 'codiceOperatoreDonor: TIM is not the authenticated Donor (OLB)',
    });

    const post = (node: HttpNode, service: string, body: string, token: string | null) =>
      fetch(`${node.url}/agcom/ftth/v1/${service}`, { method: 'POST', headers: { 'content-type': 'text/xml; charset=utf-8', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body });
    const envelope = (op: string, inner: string) =>
      `<?xml version="1.0"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><f:${op} xmlns:f="http://switchgate.dev/agcom/ftth/v1">${inner}</f:${op}></s:Body></s:Envelope>`;
    const goodN11 = `<f:codiceOperatoreRec>OLA</f:codiceOperatoreRec><f:codiceOrdineWHS>${id}</f:codiceOrdineWHS><f:idNotifica>BAD-1</f:idNotifica><f:dataNotifica>2026-12-01T10:00:00Z</f:dataNotifica><f:tipoNotifica>04</f:tipoNotifica>`;
    const badTipo = await post(w.pair.b, 'O2ONPFibra.OLO_NPRequestService', envelope('OLO_NPRequest', goodN11), OLA_TO_OLB);
    expect(badTipo.status).toBe(200);
    expect(await badTipo.text()).toContain('<f:ID_NOTIFICA>BAD-1</f:ID_NOTIFICA><f:ESITO>1</f:ESITO><f:CODICE_MOTIVAZIONE>003</f:CODICE_MOTIVAZIONE><f:MOTIVAZIONE>tipoNotifica: must be one of 01, 02, 03</f:MOTIVAZIONE>');
    const noReason = envelope(
      'OLO_NPNotification',
      `<f:codiceOperatoreDonor>OLB</f:codiceOperatoreDonor><f:codiceOrdineWHS>${id}</f:codiceOrdineWHS><f:idNotifica>BAD-2</f:idNotifica><f:dataNotifica>2026-12-01T10:00:00Z</f:dataNotifica><f:tipoNotifica>01</f:tipoNotifica><f:numerazioniScartate><f:dn>${COR}</f:dn></f:numerazioniScartate><f:motivazione>x</f:motivazione>`,
    );
    expect(await (await post(w.pair.a, 'OLO_NPNotificationService', noReason, OLB_TO_OLA)).text()).toContain('<f:CODICE_MOTIVAZIONE>002</f:CODICE_MOTIVAZIONE><f:MOTIVAZIONE>codiceMotivazione: mandatory</f:MOTIVAZIONE>');
    // tokens: none, unknown, and the network operator's (it is not a number-portability counterpart)
    expect((await post(w.pair.a, 'OLO_NPNotificationService', noReason, null)).status).toBe(401);
    expect((await post(w.pair.a, 'OLO_NPNotificationService', noReason, 'guessed')).status).toBe(401);
    expect((await post(w.pair.b, 'O2ONPFibra.OLO_NPRequestService', envelope('OLO_NPRequest', goodN11), SIM_TO.OLB)).status).toBe(401);
    // the WSDLs name where they are served
    const wsdl = await (await fetch(`${w.pair.b.url}/agcom/ftth/v1/O2ONPFibra.OLO_NPRequestService?wsdl`)).text();
    expect(wsdl).toContain(`<soap:address location="${w.pair.b.url}/agcom/ftth/v1/O2ONPFibra.OLO_NPRequestService"/>`);

    expect(tlA).toEqual([]);
    // counted for the operators' dashboards
    const refused = async (node: HttpNode, peer: string, reason: string) =>
      Number(((await http(node, 'GET', '/metrics')).text as string).split('\n').find((l) => l.startsWith(`switchgate_inbound_refused_total{peer="${peer}",reason="${reason}"}`))?.split(' ').at(-1) ?? 0);
    expect(await refused(w.pair.b, 'np:OLA', 'sender-mismatch')).toBe(1);
    expect(await refused(w.pair.a, 'np:OLB', 'sender-mismatch')).toBe(1);
    expect(await refused(w.pair.a, 'number-portability', 'unauthenticated')).toBe(2);
    expect(await npOf(w.pair.a, 'NP-KO')).toEqual(tlA);
    expect(await npOf(w.pair.b, 'FTTH-N11')).toEqual(tlB);
    expect(await feed(w.pair.a, 'np.rejected')).toEqual([]);
  }, SLOW);

  it('a Donor that is down: the N11 stays in its own destination and is retried until its N12 ACK', async () => {
    const w = (world = await startWorld(open, { placeOrders: 'manual', timSoap: { downFor: 2 } }));
    const id = await validated(w, [COR, TIM_NUMBER]);
    await untilA(w.pair, async () => expect((await timeline(w.pair.a, id)).filter((t) => t.includes('FTTH-N11'))).toEqual(['out:FTTH-N11:delivered', 'out:FTTH-N11:delivered']), 30_000);
    expect(w.timSoapCalls).toEqual(Array(3).fill('/np/O2ONPFibra.OLO_NPRequestService Bearer agcom-token-OLA-to-TIM'));
    const n11s = (await messagesOf(w.pair.a, id)).filter((m) => m.type === 'FTTH-N11').map((m) => (m.body.msg as Record<string, unknown>).idNotifica);
    expect(n11s.sort()).toEqual([`${id}:01:OLB`, `${id}:01:TIM`]);
    expect((await http(w.pair.a, 'GET', '/v1/dead-letters')).data.items).toEqual([]);
  }, SLOW);

  it('an N12 NACK from the Donor dead-letters the N11 with its reason (the Donor knows the token as another operator\'s)', async () => {
    const w = (world = await startWorld(open, { olaCodeAtOlb: 'OLX' }));
    const id = await validated(w);
    await untilA(w.pair, async () => expect((await timeline(w.pair.a, id)).filter((t) => t.includes('FTTH-N11'))).toEqual(['out:FTTH-N11:failed']), 30_000);
    const dead = (await http(w.pair.a, 'GET', '/v1/dead-letters')).data.items as { reason: string; destination: string }[];
    expect(dead.map((d) => [d.destination, d.reason])).toEqual([['agcom-np:OLB', 'N12 NACK 020: codiceOperatoreRec: OLA is not the authenticated sender (OLX)']]);
    expect((await messagesOf(w.pair.b, id)).filter((m) => m.type === 'FTTH-N11')).toEqual([]);
  }, SLOW);
});

describe('agcom.numberPortability configuration', () => {
  const base = (np: Record<string, unknown>) => ({
    self: { carrierCode: 'ITA.OLA', profiles: ['agcom'], holidayRegion: 'IT' },
    apiKeys: [{ name: 'crm', keySha256: sha('k'), scopes: ['switches:write'] }],
    peers: [{ carrierCode: 'ITA.OLB', protocol: 'agcom-file', url: 'https://olb.example/agcom/v1/upload', auth: { type: 'none' } }],
    agcom: { cowOwner: { '2ZZ': 'OLB' }, numberPortability: np },
  });
  const problems = (raw: unknown) => {
    try {
      parseConfig(raw, 'test.json', {}, configChecks);
      return [];
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      return err.problems;
    }
  };
  const donor = (code: string, token = `t-${code}`) => ({ code, url: `https://${code.toLowerCase()}.example/ftth`, inboundTokenSha256: sha(token) });

  it('donors alone, the single url alone (today\'s JSON), or both are valid', () => {
    expect(problems(base({ donors: [donor('OLB'), { ...donor('TIM'), protocol: 'json' }], defaultDonor: 'TIM' }))).toEqual([]);
    expect(problems(base({ url: 'https://np.example/np', defaultDonor: 'TIM', inboundTokenSha256: sha('x') }))).toEqual([]);
    expect(problems(base({ url: 'https://np.example/np', donors: [donor('OLB')], defaultDonor: 'TIM' }))).toEqual([]);
  });

  it.each<[string, Record<string, unknown>, { key: string; problem: string | RegExp }]>([
    ['neither donors nor url', { defaultDonor: 'TIM' }, { key: 'agcom.numberPortability', problem: 'needs donors (one entry per Donor) or url (one JSON endpoint for every Donor)' }],
    ['two entries for one operator', { donors: [donor('OLB'), donor('OLB', 'other')] }, { key: 'agcom.numberPortability.donors[1].code', problem: 'OLB is already agcom.numberPortability.donors[0]' }],
    ['one token for two operators', { donors: [donor('OLB', 'same'), donor('TIM', 'same')] }, { key: 'agcom.numberPortability.donors[1].inboundTokenSha256', problem: 'is also the token of agcom.numberPortability.donors[0]: a token must name one operator' }],
    ['our own code', { donors: [donor('OLA')] }, { key: 'agcom.numberPortability.donors[0].code', problem: "OLA is this gateway's own operator code" }],
    ['a default Donor nobody reaches', { donors: [donor('OLB')], defaultDonor: 'TIM' }, { key: 'agcom.numberPortability.defaultDonor', problem: 'TIM has no entry in agcom.numberPortability.donors and no agcom.numberPortability.url is configured' }],
    ['an unknown protocol', { donors: [{ ...donor('OLB'), protocol: 'ftp' }] }, { key: 'agcom.numberPortability.donors[0].protocol', problem: /must be one of/ }],
    ['an entry without its token', { donors: [{ code: 'OLB', url: 'https://olb.example' }] }, { key: 'agcom.numberPortability.donors[0].inboundTokenSha256', problem: /required/ }],
  ])('%s', (_name, np, expected) => {
    const found = problems(base(np));
    expect(found).toContainEqual({ key: expected.key, problem: typeof expected.problem === 'string' ? expected.problem : expect.stringMatching(expected.problem) });
  });
});
