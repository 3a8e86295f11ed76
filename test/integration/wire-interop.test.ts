/**
 * Interoperability with an independent SOAP stack: node-soap, built only from the WSDL the
 * gateway serves over HTTP (`GET /wbci/v1?wsdl`), plays the partner operator.
 *
 * - as a client, it drives our endpoint with both operations (annehmenAnfrage, annehmenMeldung),
 *   serialising plain JS objects in the WBCI v2 wire shape, and parses our Quittungen;
 * - as a server, it receives everything the gateway sends through its production PeerTransport
 *   and answers with its own Quittungen, which the gateway must accept;
 * - every document that crossed the wire in either direction validates against the XSDs.
 */
import { createServer, type Server } from 'node:http';
import { readFileSync } from 'node:fs';
import * as soap from 'soap';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateXML, type XMLFileInfo } from 'xmllint-wasm';
import { createTestDatabase, pgAdminUrl, type TestDatabase } from '../support/backends.js';
import { eventually, freePort, http } from '../support/http-pair.js';
import { peerToken, startProxy, startWireNode, type Proxy, type WireNode } from '../support/wire-stubs.js';
import { bodyPayload } from '../unit/wbci/codec-fixtures.js';
import { ManualClock } from '../../src/domain/clock.js';
import { XSD_NAMES } from '../../src/protocols/wbci/wsdl.js';
import { NS } from '../../src/protocols/wbci/wire-names.js';

const AUF = 'DEU.EKPA'; // node-soap plays this operator
const ABG = 'DEU.EKPB'; // the gateway under test
const KWT = '2026-12-15';
const TV_DATE = '2026-12-22';

type Json = Record<string, unknown>;
type SoapArgs = { Control: Json; Anfrage?: Json & { attributes?: Json }; Meldung?: Json & { attributes?: Json } };

// ---------------------------------------------------------------------------------------------
// XSD validation (as in test/unit/wbci/xsd.test.ts)

const REPO = new URL('../../', import.meta.url);
const XSD = XSD_NAMES.map((fileName) => ({ fileName, contents: readFileSync(new URL(`schemas/wbci/${fileName}`, REPO), 'utf8') }));
const ENTRY = XSD.find((x) => x.fileName === 'wbci-envelope.xsd')!;
const validate = (docs: XMLFileInfo[]) => validateXML({ xml: docs, schema: [ENTRY], preload: XSD.filter((x) => x !== ENTRY) });

/**
 * The SOAP Body payload as a document of its own, carrying the namespace declarations it inherits
 * from Envelope and Body (node-soap declares xsi on the Envelope; the gateway on the payload).
 */
function payloadDocument(xml: string): string {
  const payload = bodyPayload(xml);
  const inherited = [/<(?:[\w.-]+:)?Envelope\b([^>]*)>/, /<(?:[\w.-]+:)?Body\b([^>]*)>/].flatMap((re) => [...(re.exec(xml)?.[1] ?? '').matchAll(/\sxmlns(?::([\w.-]+))?="[^"]*"/g)]);
  const rootTag = /^<[^>]*>/.exec(payload)![0];
  const missing = inherited.filter((m) => !rootTag.includes(` xmlns${m[1] ? `:${m[1]}` : ''}=`)).map((m) => m[0]);
  const name = /^<[^\s/>]+/.exec(payload)![0];
  return name + missing.join('') + payload.slice(name.length);
}

// ---------------------------------------------------------------------------------------------
// the partner's messages as node-soap objects: wire element names, schema order

const control = () => ({ zeitstempel: '2026-11-23T09:00:00.000+01:00', majorRelease: '02', minorRelease: '00' });
const reqType = (t: string) => ({ 'xsi:type': `ns5:${t}`, 'xmlns:ns5': NS.request });
const melType = (t: string) => ({ 'xsi:type': `ns6:${t}`, 'xmlns:ns6': NS.message });
const carrier = (c: string) => ({ CarrierCode: c });
/** EKPauf / EKPabg of a case */
const partners = (auf: string, abg: string) => ({ EKPauf: carrier(auf), EKPabg: carrier(abg) });

// node-soap drops attributes it cannot place unless xsi:type is given this way (a plain attribute
// plus the prefix declaration): its `xsi_type` helper would qualify the unqualified children.
function vaKueMrn(vaId: string): Json {
  return {
    attributes: reqType('KuendigungMitRNPGeschaeftsfallType'),
    Absender: carrier(AUF),
    Endkundenvertragspartner: partners(AUF, ABG),
    VorabstimmungsId: vaId,
    Kundenwunschtermin: KWT,
    Endkunde: { person: { anrede: '1', vorname: 'Max', nachname: 'Müller' } },
    Standort: { strasse: { strassenname: 'Hauptstraße', hausnummer: '12' }, postleitzahl: '80331', ort: 'München' },
    RufnummernPortierung: {
      einzelanschluss: { rufnummernliste: { zuPortierendeOnkzRnr: [{ ONKZ: '89', rufnummer: '1234567' }, { ONKZ: '89', rufnummer: '1234568' }] } },
      Portierungszeitfenster: 'ZF2',
    },
  };
}

function vaRrnp(vaId: string): Json {
  return {
    attributes: reqType('ReineRufnummernportierungGeschaeftsfallType'),
    Absender: carrier(AUF),
    Endkundenvertragspartner: partners(AUF, ABG),
    VorabstimmungsId: vaId,
    Kundenwunschtermin: KWT,
    Endkunde: { firma: { anrede: '4', firmenname: 'Bäckerei Groß GmbH' } },
    RufnummernPortierung: {
      einzelanschluss: { rufnummernliste: { zuPortierendeOnkzRnr: { ONKZ: '89', rufnummer: '7654321' } } },
      Portierungszeitfenster: 'ZF1',
      PortierungskennungPKIauf: 'D052',
    },
  };
}

const meldung = (type: string, vaIdRef: string, auf: string, abg: string, businessCase: string, code: string, text: string, positionType: string, rest: Json): Json => ({
  attributes: melType(type),
  Absender: carrier(AUF),
  VorabstimmungsIdRef: vaIdRef,
  Endkundenvertragspartner: partners(auf, abg),
  Geschaeftsfall: businessCase,
  Position: { attributes: { 'xsi:type': `ns6:${positionType}` }, Meldungscode: code, Meldungstext: text },
  ...rest,
});

// ---------------------------------------------------------------------------------------------

describe('node-soap from the served WSDL as the partner operator', () => {
  let g: WireNode;
  let database: TestDatabase | undefined;
  let partner: Server;
  let toPartner: Proxy;
  let client: soap.Client;
  /** what node-soap's server parsed from the gateway's requests */
  const received: { method: string; args: SoapArgs }[] = [];
  /** every document the node-soap client sent and got back */
  const clientWire: { request: string; response: string }[] = [];

  beforeAll(async () => {
    database = pgAdminUrl() ? await createTestDatabase() : undefined;
    const partnerPort = await freePort();
    toPartner = await startProxy(`http://127.0.0.1:${partnerPort}`);
    g = await startWireNode(ABG, [{ carrierCode: AUF, url: `${toPartner.url}/wbci/v1` }], {
      ...(database ? { databaseUrl: database.url } : { inMemory: true }),
      clock: new ManualClock('2026-11-23T09:00:00+01:00'),
    });

    // the partner's server, built from the WSDL the gateway serves
    const wsdl = await fetch(`${g.url}/wbci/v1?wsdl`).then((r) => r.text());
    const quittung = (method: string) => (args: SoapArgs) => {
      received.push({ method, args });
      const m = (args.Anfrage ?? args.Meldung)!;
      return {
        Control: control(),
        Quittung: { Absender: m.Absender, VorabstimmungsIdRef: m.VorabstimmungsId ?? m.VorabstimmungsIdRef, Position: [{ Meldungscode: 'OK', Meldungstext: 'OK' }] },
      };
    };
    partner = createServer();
    await new Promise<void>((r) => partner.listen(partnerPort, '127.0.0.1', () => r()));
    soap.listen(partner, '/wbci/v1', { WbciService: { WbciPort: { annehmenAnfrage: quittung('annehmenAnfrage'), annehmenMeldung: quittung('annehmenMeldung') } } }, wsdl);

    // the partner's client, built from the WSDL over HTTP
    client = await soap.createClientAsync(`${g.url}/wbci/v1?wsdl`);
    client.addHttpHeader('Authorization', `Bearer ${peerToken(AUF, ABG)}`);
  });

  afterAll(async () => {
    await g?.gw.close();
    await toPartner?.close();
    await new Promise<void>((r) => (partner ? partner.close(() => r()) : r()));
    await database?.drop();
  });

  /** One call through node-soap; returns the Quittung as node-soap parsed it. */
  async function call(op: 'annehmenAnfrage' | 'annehmenMeldung', content: Json): Promise<{ Absender: Json; VorabstimmungsIdRef: string; Position: { Meldungscode: string; Meldungstext: string }[] }> {
    const args = op === 'annehmenAnfrage' ? { Control: control(), Anfrage: content } : { Control: control(), Meldung: content };
    const [result, rawResponse, , rawRequest] = (await client[`${op}Async`](args)) as [{ Control: Json; Quittung: never }, string, unknown, string];
    clientWire.push({ request: rawRequest, response: rawResponse });
    expect(result.Control).toMatchObject({ majorRelease: '02', minorRelease: '00' });
    return result.Quittung;
  }

  const ok = (vaIdRef: string) => ({ Absender: carrier(AUF), VorabstimmungsIdRef: vaIdRef, Position: [expect.objectContaining({ Meldungscode: 'OK', Meldungstext: 'OK' })] });

  const view = async (id: string) => (await http(g, 'GET', `/v1/switches/${id}`)).data as Json & { openChange: Json | null };
  const messages = async (id: string) =>
    ((await http(g, 'GET', `/v1/switches/${id}/messages?raw=true`)).data.items as (Json & { body: Json; raw: string | null })[]);
  const rest = async (path: string, body: unknown, status = 202) => {
    const res = await http(g, 'POST', path, body);
    expect(res.status, res.text).toBe(status);
    return res.data as Json & { id: string };
  };
  const allDelivered = () =>
    eventually(async () => {
      const open = await g.gw.store.db.selectFrom('outbox').select(['id', 'last_error']).where('status', '<>', 'delivered').execute();
      expect(open).toEqual([]);
    });

  it('the served WSDL gives node-soap both operations, at the address it was fetched from', async () => {
    const port = client.describe().WbciService.WbciPort;
    expect(Object.keys(port).sort()).toEqual(['annehmenAnfrage', 'annehmenMeldung']);
    expect(Object.keys(port.annehmenAnfrage.input)).toEqual(expect.arrayContaining(['Control', 'Anfrage']));
    const wsdl = await fetch(`${g.url}/wbci/v1?wsdl`).then((r) => r.text());
    expect(wsdl).toContain(`<soap:address location="${g.url}/wbci/v1"/>`);
  });

  it('node-soap → gateway (donating side): VA, AKM-TR, TVS-VA and STR-AUF arrive; the gateway answers with RUEM-VA, ABBM-TR, ERLM, ABBM, STR-AEN', async () => {
    const id = 'DEU.EKPA.V000000901';
    expect(await call('annehmenAnfrage', vaKueMrn(id))).toEqual(ok(id));
    const opened = await view(id);
    expect(opened).toMatchObject({ id, type: 'VA-KUE-MRN', role: 'donating', peer: AUF, state: 'AWAITING_ANSWER', requestedDate: KWT });
    const [va] = await messages(id);
    expect(va).toMatchObject({ direction: 'in', type: 'VA-KUE-MRN', status: 'accepted', rawFormat: 'soap' });
    expect(va!.body).toMatchObject({
      sender: AUF,
      customer: { kind: 'person', salutation: 'Herr', firstName: 'Max', lastName: 'Müller' },
      location: { street: 'Hauptstraße', houseNumber: '12', postalCode: '80331', city: 'München' },
      numbers: { kind: 'single', portingWindow: 'ZF2', list: [{ areaCode: '89', number: '1234567' }, { areaCode: '89', number: '1234568' }] },
    });
    expect(va!.raw).toBe(clientWire.at(-1)!.request);

    await rest(`/v1/switches/${id}/answer`, { result: 'accept', code: 'ZWA', switchDate: KWT, technology: '001', resources: [{ contractNumber: '1234567890' }], pkiAbg: 'D123' });
    await allDelivered();

    const akm = meldung('MeldungAKM_TRType', id, AUF, ABG, 'VA-KUE-MRN', '8010', 'Antwort des aufnehmenden Anbieters', 'MeldungsPositionAKM_TRType', {
      Ressourcenuebernahme: 'true',
      UebernahmeLeitung: { vertragsnummer: '1234567890' }, // a line of the RUEM-VA: a stray one is refused by the gateway itself (8143)
      SichererHafen: 'false',
    });
    expect(await call('annehmenMeldung', akm)).toEqual(ok(id));
    expect((await view(id)).state).toBe('TR_NOTIFIED');
    await rest(`/v1/switches/${id}/resource-handover/answer`, { codes: [{ code: '8143' }] });

    const tvs = { attributes: reqType('TerminverschiebungType'), Absender: carrier(AUF), Endkundenvertragspartner: partners(AUF, ABG), AenderungsId: 'DEU.EKPA.T000000901', VorabstimmungsIdRef: id, NeuerKundenwunschtermin: TV_DATE };
    expect(await call('annehmenAnfrage', tvs)).toEqual(ok(id));
    expect((await view(id)).openChange).toMatchObject({ kind: 'TVS-VA', id: 'DEU.EKPA.T000000901', requestedDate: TV_DATE });
    await rest(`/v1/switches/${id}/changes/DEU.EKPA.T000000901/answer`, { result: 'accept' });
    expect((await view(id)).switchDate).toBe(TV_DATE);

    const storno = { attributes: reqType('StornoAufhebungEKPaufType'), Absender: carrier(AUF), Endkundenvertragspartner: partners(AUF, ABG), StornoId: 'DEU.EKPA.S000000901', VorabstimmungsIdRef: id };
    expect(await call('annehmenAnfrage', storno)).toEqual(ok(id));
    await rest(`/v1/switches/${id}/changes/DEU.EKPA.S000000901/answer`, { result: 'reject', codes: [{ code: '8142' }], reason: 'Vertrag läuft weiter' });
    await rest(`/v1/switches/${id}/cancel`, { kind: 'STR-AEN', reason: 'Kunde zieht um' });

    // a VA the donating side rejects
    const rejected = 'DEU.EKPA.V000000902';
    expect(await call('annehmenAnfrage', vaRrnp(rejected))).toEqual(ok(rejected));
    await rest(`/v1/switches/${rejected}/answer`, { result: 'reject', codes: [{ code: '8117' }] });
    await allDelivered();

    expect((await messages(id)).map((m) => `${m.direction} ${m.type} ${m.status}`)).toEqual([
      'in VA-KUE-MRN accepted',
      'out RUEM-VA delivered',
      'in AKM-TR accepted',
      'out ABBM-TR delivered',
      'in TVS-VA accepted',
      'out ERLM delivered',
      'in STR-AUF accepted',
      'out ABBM delivered',
      'out STR-AEN delivered',
    ]);
    // what node-soap's server made of the gateway's messages
    const mine = received.filter((r) => ((r.args.Meldung ?? r.args.Anfrage) as Json).VorabstimmungsIdRef === id);
    expect(mine.map((r) => `${r.method} ${String((r.args.Meldung ?? r.args.Anfrage)!.attributes!['xsi:type']).split(':')[1]}`)).toEqual([
      'annehmenMeldung MeldungRUEM_VAType',
      'annehmenMeldung MeldungABBM_TRType',
      'annehmenMeldung MeldungERLMType',
      'annehmenMeldung MeldungABBMType',
      'annehmenAnfrage StornoAenderungEKPabgType',
    ]);
    const [ruem, abbmTr, erlm, abbm, strAen] = mine.map((r) => (r.args.Meldung ?? r.args.Anfrage)!);
    expect(ruem).toMatchObject({ Absender: carrier(ABG), Geschaeftsfall: 'VA-KUE-MRN', Position: [expect.objectContaining({ Meldungscode: '8001' })], Wechseltermin: KWT, Technologie: '001 TAL ISDN' });
    expect(abbmTr).toMatchObject({ Position: [expect.objectContaining({ Meldungscode: '8143' })] });
    expect(erlm).toMatchObject({ Geschaeftsfall: 'TVS-VA', Wechseltermin: TV_DATE, AenderungsIdRef: 'DEU.EKPA.T000000901', Position: [expect.objectContaining({ Meldungscode: '8003' })] });
    expect(abbm).toMatchObject({ Geschaeftsfall: 'STR-AUF', StornoIdRef: 'DEU.EKPA.S000000901', Begruendung: 'Vertrag läuft weiter', Position: [expect.objectContaining({ Meldungscode: '8142' })] });
    expect(strAen).toMatchObject({ Absender: carrier(ABG), Stornogrund: 'Kunde zieht um', StornoId: expect.stringMatching(/^DEU\.EKPB\.S/) });
  });

  it('gateway → node-soap (recipient side): VA-KUE-MRN/ORN/RRNP, AKM-TR, TVS-VA, STR-AUF; node-soap answers a RUEM-VA', async () => {
    const person = { kind: 'person', salutation: 'Frau', firstName: 'Erika', lastName: 'Muster' };
    const location = { street: 'Hauptstr.', houseNumber: '1', postalCode: '80331', city: 'München' };
    const numbers = { kind: 'single', portingWindow: 'ZF2', list: [{ areaCode: '89', number: '1234567' }] };
    const base = { procedure: 'wbci', donating: AUF, requestedDate: KWT, customer: person };
    const mrn = (await rest('/v1/switches', { ...base, type: 'VA-KUE-MRN', location, numbers }, 201)).id;
    const orn = (await rest('/v1/switches', { ...base, type: 'VA-KUE-ORN', location, lineIdentification: { areaCode: '89', number: '7654321' } }, 201)).id;
    const rrnp = (await rest('/v1/switches', { ...base, type: 'VA-RRNP', numbers, pkiAuf: 'D001' }, 201)).id;
    await allDelivered();

    const ruem = meldung('MeldungRUEM_VAType', mrn, ABG, AUF, 'VA-KUE-MRN', '8001', 'Auftragsbestätigung (ZWA)', 'MeldungsPositionRUEM_VAType', {
      Ressource: { vertragsnummer: '1234567890' },
      Technologie: '001 TAL ISDN',
      Wechseltermin: KWT,
      RufnummernPortierung: { portierungRufnummern: { zuPortierendeOnkzRnr: { ONKZ: '89', rufnummer: '1234567', portierungskennungPKIabg: 'D123' } } },
    });
    expect(await call('annehmenMeldung', ruem)).toEqual(ok(mrn));
    expect(await view(mrn)).toMatchObject({ state: 'AGREED', switchDate: KWT });

    await rest(`/v1/switches/${mrn}/resource-handover`, { takeOver: true, lines: [{ contractNumber: '1234567890' }] });
    await rest(`/v1/switches/${mrn}/reschedule`, { requestedDate: TV_DATE });
    await rest(`/v1/switches/${rrnp}/cancel`, { kind: 'STR-AUF' });
    await allDelivered();

    const typeOf = (r: { method: string; args: SoapArgs }) => `${r.method} ${String((r.args.Anfrage ?? r.args.Meldung)!.attributes!['xsi:type']).split(':')[1]}`;
    const about = (id: string) => received.filter((r) => { const m = (r.args.Anfrage ?? r.args.Meldung) as Json; return (m.VorabstimmungsId ?? m.VorabstimmungsIdRef) === id; }).map(typeOf);
    expect(about(mrn)).toEqual(['annehmenAnfrage KuendigungMitRNPGeschaeftsfallType', 'annehmenMeldung MeldungAKM_TRType', 'annehmenAnfrage TerminverschiebungType']);
    expect(about(orn)).toEqual(['annehmenAnfrage KuendigungOhneRNPGeschaeftsfallType']);
    expect(about(rrnp)).toEqual(['annehmenAnfrage ReineRufnummernportierungGeschaeftsfallType', 'annehmenAnfrage StornoAufhebungEKPaufType']);
    const va = received.find((r) => r.args.Anfrage?.VorabstimmungsId === mrn)!.args.Anfrage!;
    expect(va).toMatchObject({
      Absender: carrier(ABG),
      Endkundenvertragspartner: partners(ABG, AUF),
      Kundenwunschtermin: KWT,
      Endkunde: { person: { anrede: '2', vorname: 'Erika', nachname: 'Muster' } },
      Standort: { postleitzahl: '80331', ort: 'München' },
    });
    // the gateway took node-soap's Quittungen as positive acknowledgements
    expect((await messages(mrn)).map((m) => `${m.direction} ${m.type} ${m.status}`)).toEqual([
      'out VA-KUE-MRN delivered',
      'in RUEM-VA accepted',
      'out AKM-TR delivered',
      'out TVS-VA delivered',
    ]);
  });

  it('node-soap parses a negative TEQ 0995 for a structurally broken VA; nothing is stored', async () => {
    const id = 'DEU.EKPA.V000000903';
    const broken = vaKueMrn(id);
    delete broken.Kundenwunschtermin;
    const teq = await call('annehmenAnfrage', broken);
    expect(teq.Position).toHaveLength(1);
    expect(teq.Position[0]!.Meldungscode).toBe('0995');
    expect(teq.Position[0]!.Meldungstext).toMatch(/^Datenstruktur ungültig: .*Kundenwunschtermin/);
    expect((await http(g, 'GET', `/v1/switches/${id}`)).status).toBe(404);
  });

  it('everything that crossed the wire, both ways, validates against the WBCI XSDs', async () => {
    const docs: XMLFileInfo[] = [];
    toPartner.exchanges.forEach((x, i) => {
      docs.push({ fileName: `gateway-request-${i}.xml`, contents: payloadDocument(x.request) });
      docs.push({ fileName: `node-soap-teq-${i}.xml`, contents: payloadDocument(x.response) });
    });
    clientWire.forEach((x, i) => {
      docs.push({ fileName: `node-soap-request-${i}.xml`, contents: payloadDocument(x.request) });
      docs.push({ fileName: `gateway-teq-${i}.xml`, contents: payloadDocument(x.response) });
    });
    // 12 messages from the gateway, 7 from node-soap (the last one deliberately invalid)
    expect(toPartner.exchanges).toHaveLength(12);
    expect(clientWire).toHaveLength(7);
    const r = await validate(docs);
    // only the broken VA fails (xmllint adds a summary line without a location)
    const errors = r.errors.filter((e) => e.loc).map((e) => `${e.loc!.fileName}: ${e.message}`);
    expect(errors).toEqual([expect.stringMatching(/^node-soap-request-6\.xml: .*Element 'Endkunde': This element is not expected\. Expected is \( Kundenwunschtermin \)/)]);
    // the gateway always answered with its SOAPAction's operation, as the WSDL binds them
    expect(toPartner.exchanges.map((x) => x.headers.soapaction)).toEqual(
      toPartner.exchanges.map((x) => (x.request.includes('annehmenAnfrageRequest') ? '"annehmenAnfrage"' : '"annehmenMeldung"')),
    );
  });
});
