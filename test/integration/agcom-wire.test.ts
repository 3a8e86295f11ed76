/**
 * The AGCOM east-west endpoints as a partner sees them: uploads answered with the Reply codes
 * 00–06 (bad names, unknown senders, wrong types, missing and invalid files refused and nothing
 * stored), records committed before 00, a re-sent file having one effect, unreadable records
 * answered with a formal KO, the DUPLICATO answer, per-partner file naming, the JSON and SOAP
 * forms, the WSDL/XSDs. Real HTTP on 127.0.0.1, both backends.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { request } from 'undici';
import { validateXML } from 'xmllint-wasm';
import { describeEachBackend } from '../support/backends.js';
import { http } from '../support/http-pair.js';
import { caseOf, DAC, messagesOf, startAgcomPair, timeline, untilA, type AgcomPair } from '../support/agcom-pair.js';
import type { Gateway } from '../../src/gateway.js';
import { buildMultipart } from '../../src/app/agcom/wire.js';
import { decodeReply, encodeReply, encodeXml1, encodeXml2, encodeXml3 } from '../../src/protocols/agcom/files.js';
import { buildMigrationCode } from '../../src/protocols/agcom/migration-code.js';
import type { MigrationRequest } from '../../src/protocols/agcom/types.js';

const TOKEN_OLA = 'agcom-token-OLA-to-OLB';

function request1(orderId: string, cor: string, over: Partial<MigrationRequest> = {}): MigrationRequest {
  const code = buildMigrationCode({ cow: '2ZZ', cor, cos: '001' });
  return {
    type: 'RICHIESTA',
    procedure: 'migrazione',
    recipient: 'OLA',
    donating: 'OLB',
    sender: 'OLA',
    orderId,
    sentDate: '2026-12-01',
    secret: '2ZZ',
    resources: [{ cor, cos: '001', checkChar: code.at(-1)! }],
    customer: { firstName: 'Mario', lastNameOrCompany: 'Rossi' },
    numbers: [cor],
    dac: DAC,
    ...over,
  };
}

const xml1 = (...reqs: MigrationRequest[]) => {
  const r = encodeXml1(reqs);
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.xml;
};

async function counts(gw: Gateway): Promise<Record<string, number>> {
  const { rows } = await sql<Record<string, string>>`
    SELECT (SELECT count(*) FROM cases)::text AS cases, (SELECT count(*) FROM messages)::text AS messages,
           (SELECT count(*) FROM outbox)::text AS outbox, (SELECT count(*) FROM events)::text AS events`.execute(gw.store.db);
  return Object.fromEntries(Object.entries(rows[0]!).map(([k, v]) => [k, Number(v)]));
}

async function pending(gw: Gateway): Promise<number> {
  const { rows } = await sql<{ n: string }>`SELECT count(*)::text AS n FROM outbox WHERE status = 'pending'`.execute(gw.store.db);
  return Number(rows[0]!.n);
}

interface Upload {
  Operatore?: string;
  TipoFile?: string;
  FileName?: string;
  file?: string;
  token?: string;
  form?: 'multipart' | 'query';
}

describeEachBackend('agcom east-west wire', ({ open }) => {
  let pair: AgcomPair;
  beforeAll(async () => {
    pair = await startAgcomPair(open, open);
  });
  afterAll(async () => pair?.close());

  /** Posts to B's upload servlet as a partner would; returns the HTTP status and the decoded Reply. */
  async function upload(u: Upload) {
    const headers: Record<string, string> = { authorization: `Bearer ${u.token ?? TOKEN_OLA}` };
    let url = `${pair.b.url}/agcom/v1/upload`;
    let body: string | Buffer;
    if (u.form === 'query') {
      const q = new URLSearchParams();
      for (const k of ['Operatore', 'TipoFile', 'FileName'] as const) if (u[k] !== undefined) q.set(k, u[k]!);
      url += `?${q}`;
      headers['content-type'] = 'application/xml';
      body = u.file ?? '';
    } else {
      const boundary = 'testboundary12345';
      headers['content-type'] = `multipart/form-data; boundary=${boundary}`;
      const parts = (['Operatore', 'TipoFile', 'FileName'] as const)
        .filter((k) => u[k] !== undefined)
        .map((k) => `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${u[k]}\r\n`)
        .join('');
      const file = u.file !== undefined ? `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${u.FileName ?? 'x.xml'}"\r\nContent-Type: application/xml\r\n\r\n${u.file}\r\n` : '';
      body = `${parts}${file}--${boundary}--\r\n`;
    }
    const res = await request(url, { method: 'POST', headers, body });
    const text = await res.body.text();
    const reply = decodeReply(text);
    if (!reply.ok) throw new Error(`no Reply: ${res.statusCode} ${text}`);
    return { status: res.statusCode, reply: reply.reply, text };
  }

  async function expectReply(u: Upload, code: string, status = 200, descriptionPart?: string) {
    // B's own answers to earlier uploads must be out of the way before counting
    await untilA(pair, async () => expect(await pending(pair.b.gw)).toBe(0));
    const before = await counts(pair.b.gw);
    const r = await upload(u);
    expect(r.status, r.text).toBe(status);
    expect(r.reply.code, r.text).toBe(code);
    if (descriptionPart) expect(r.reply.description).toContain(descriptionPart);
    expect(await counts(pair.b.gw)).toEqual(before);
    return r;
  }

  const good = (name = 'N_OLA_OLB_20261201_00901.xml', file = xml1(request1('OLA_W0001', '069200001'))): Upload => ({ Operatore: 'OLA', TipoFile: 'N', FileName: name, file });

  describe('Reply codes: a bad upload is refused and nothing is stored', () => {
    it('02: unknown, missing or unauthenticated sender', async () => {
      await expectReply({ ...good(), Operatore: 'XYZ' }, '02', 200, 'XYZ is not a configured partner');
      await expectReply({ ...good(), Operatore: undefined }, '02', 200, 'Operatore is missing');
      const r = await expectReply({ ...good(), token: 'wrong-token' }, '02', 401, 'unknown bearer token');
      // refused before the upload is read: the Reply echoes nothing of it
      expect(r.reply.sender).toBe('');
      // the Operatore must be the sender the name gives
      await expectReply({ ...good('N_TIM_OLB_20261201_00901.xml') }, '02', 200, 'is not the sender TIM');
    });

    it('01: a name off the pattern, for another receiver, with a wrong progressive width or date', async () => {
      await expectReply(good('richieste.xml'), '01', 200, 'expected <TipoFile>_<op>_<op>_<AAAAMMGG>_<nnnnn>.xml');
      await expectReply(good('N_OLA_TIM_20261201_00901.xml'), '01', 200, 'it is addressed to TIM, this gateway is OLB');
      await expectReply(good('N_OLA_OLB_20261201_901.xml'), '01', 200, 'must have 5 digits');
      await expectReply(good('N_OLA_OLB_20261301_00901.xml'), '01', 200, 'is not a date');
    });

    it('03: a file type that is not N/R or contradicts the name', async () => {
      await expectReply({ ...good(), TipoFile: 'X' }, '03', 200, 'expected N (requests) or R (responses)');
      await expectReply({ ...good(), TipoFile: 'R' }, '03', 200, "differs from the file name's N");
    });

    it('04: no file', async () => {
      await expectReply({ ...good(), file: undefined }, '04');
      await expectReply({ ...good(), file: '   ' }, '04');
    });

    it('05: not XML, a DOCTYPE, the wrong document for the type, too many records', async () => {
      await expectReply(good(undefined, 'this is not xml'), '05');
      await expectReply(good(undefined, '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><xml1/>'), '05');
      const ko = encodeXml3([{ type: 'VALIDAZIONE_GESTIONALE', answers: 'RICHIESTA', result: 'KO', rejection: { category: 'ALTRO' }, recipient: 'OLA', donating: 'OLB', sender: 'OLB', orderId: 'OLA_X', procedure: 'migrazione' }]);
      await expectReply(good(undefined, ko.ok ? ko.xml : ''), '05', 200, 'the root element is <xml3>; an xml1 file has <xml1>');
      const many = Array.from({ length: 101 }, (_, i) => request1(`OLA_M${i}`, `0692${String(i).padStart(5, '0')}`));
      const big = encodeXml1(many, { maxRecords: 200 });
      await expectReply(good(undefined, big.ok ? big.xml : ''), '05', 200, '101 records');
    });
  });

  it('00: the records are committed before the Reply; the same file again has one effect and the same answer', async () => {
    const u = good('N_OLA_OLB_20261201_00911.xml', xml1(request1('OLA_W0011', '069200011'), request1('OLA_W0012', '069200012')));
    const first = await upload(u);
    expect(first.reply).toMatchObject({ code: '00', sender: 'OLA', fileName: 'N_OLA_OLB_20261201_00911.xml', fileType: 'N' });
    expect((await caseOf(pair.b, 'OLA_W0011')).state).toBe('AWAITING_MANAGERIAL');
    expect((await caseOf(pair.b, 'OLA_W0012')).state).toBe('AWAITING_MANAGERIAL');
    const before = await counts(pair.b.gw);
    const again = await upload(u);
    expect(again.reply.code).toBe('00');
    expect((await counts(pair.b.gw)).cases).toBe(before.cases);
    expect((await counts(pair.b.gw)).messages).toBe(before.messages);
    expect((await messagesOf(pair.b, 'OLA_W0011')).filter((m) => m.direction === 'in')).toHaveLength(1);
    // the parameters may also come in the query string, with the file as the body
    const q = await upload({ ...good('N_OLA_OLB_20261201_00912.xml', xml1(request1('OLA_W0013', '069200013'))), form: 'query' });
    expect(q.reply.code).toBe('00');
    expect((await caseOf(pair.b, 'OLA_W0013')).state).toBe('AWAITING_MANAGERIAL');
    const [rec] = await messagesOf(pair.b, 'OLA_W0013', true);
    expect(rec.rawFormat).toBe('file');
    expect(rec.raw).toMatch(/^<!-- N_OLA_OLB_20261201_00912\.xml record 1 of 1 -->\n<Request CodiceOrdineRecipient="OLA_W0013">/);
  });

  it('an unreadable record does not fail its file: it is answered with a formal KO (FORMATO)', async () => {
    const file = xml1(request1('OLA_W0021', '069200021'), request1('OLA_W0022', '069200022')).replace(
      /(<Request CodiceOrdineRecipient="OLA_W0022">[\s\S]*?<TipoComunicazione>)1(<\/TipoComunicazione>)/,
      '$177$2',
    );
    const r = await upload(good('N_OLA_OLB_20261201_00921.xml', file));
    expect(r.reply.code).toBe('00');
    expect((await caseOf(pair.b, 'OLA_W0021')).state).toBe('AWAITING_MANAGERIAL');
    expect((await http(pair.b, 'GET', '/v1/switches/OLA_W0022')).status).toBe(404);
    await untilA(pair, async () => expect(await timeline(pair.b, 'OLA_W0022')).toEqual(['in:UNREADABLE:refused', 'out:VALIDAZIONE_FORMALE:delivered']));
    const [refused, ko] = await messagesOf(pair.b, 'OLA_W0022');
    expect((refused.body.issues as { message: string }[])[0].message).toContain('"77" is not a configured TipoComunicazione');
    expect(ko.body).toMatchObject({ result: 'KO', answers: 'RICHIESTA', rejection: { category: 'FORMATO' } });
  });

  it('a request for a line with an open migration is answered KO DUPLICATO', async () => {
    expect((await upload(good('N_OLA_OLB_20261201_00931.xml', xml1(request1('OLA_W0031', '069200031'))))).reply.code).toBe('00');
    expect((await upload(good('N_OLA_OLB_20261201_00932.xml', xml1(request1('OLA_W0032', '069200031'))))).reply.code).toBe('00');
    expect((await http(pair.b, 'GET', '/v1/switches/OLA_W0032')).status).toBe(404);
    const [, ko] = await messagesOf(pair.b, 'OLA_W0032');
    expect(ko.body).toMatchObject({ type: 'VALIDAZIONE_FORMALE', result: 'KO', rejection: { category: 'DUPLICATO' } });
    expect((ko.body.rejection as { text: string }).text).toContain('OLA_W0031');
  });

  it('the JSON form: the same records as objects; a bad structure is Reply 05', async () => {
    const post = async (body: unknown) => {
      const res = await request(`${pair.b.url}/agcom/v1/json`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN_OLA}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      return { status: res.statusCode, data: (await res.body.json()) as { Reply: Record<string, string> } };
    };
    const bad = await post({ Operatore: 'OLA', TipoFile: 'N', FileName: 'N_OLA_OLB_20261201_00941.xml', File: { xml1: { Request: [{ CodiceOrdineRecipient: 'OLA_J1', Parametri: { TipoComunicazione: 1 } }] } } });
    expect(bad.data.Reply).toMatchObject({ Codice: '05', OPERATOREMittente: 'OLA', NomeFile: 'N_OLA_OLB_20261201_00941.xml' });
    expect(bad.data.Reply.Descrizione).toContain('/File/xml1/Request/0/Parametri/TipoComunicazione must be a string');
    const record = { CodiceOrdineRecipient: 'OLA_J2', Parametri: { TipoComunicazione: '1', DataInvioRichiesta: '2026/12/01', CodiceOperatoreRecipient: 'OLA', CodiceOrdineRecipient: 'OLA_J2', CodiceOLODonating: '2ZZ', CodiceRisorsa1: '069234552', CodiceServizio1: '001', CognomeClienteRagioneSociale: 'Rossi', DirectoryNumber1: '069234552', DAC: '2026/12/16' } };
    const ok = await post({ Operatore: 'OLA', TipoFile: 'N', FileName: 'N_OLA_OLB_20261201_00942.xml', File: { xml1: { Request: [record] } } });
    expect(ok.data.Reply).toMatchObject({ Codice: '00', Classe: 'GNP' });
    expect((await caseOf(pair.b, 'OLA_J2')).agcom.resources).toEqual([{ cor: '069234552', cos: '001' }]);
    expect((await messagesOf(pair.b, 'OLA_J2', true))[0].rawFormat).toBe('json');
  });

  it('the SOAP form: WSDL and XSDs served; a broken envelope is a Client fault', async () => {
    const wsdl = await request(`${pair.b.url}/agcom/v1?wsdl`);
    const text = await wsdl.body.text();
    expect(text).toContain(`<soap:address location="http://127.0.0.1:${new URL(pair.b.url).port}/agcom/v1"/>`);
    expect(text).toContain('<wsdl:operation name="caricaFile">');
    const xsd = await request(`${pair.b.url}/agcom/v1?xsd=xml1.xsd`);
    expect(await xsd.body.text()).toContain('targetNamespace="http://www.olo.it/Request"');
    const missing = await request(`${pair.b.url}/agcom/v1?xsd=../../package.json`);
    expect(missing.statusCode).toBe(404);
    await missing.body.dump();
    // without credentials the envelope is not even read: 401 with Reply 02
    const stranger = await request(`${pair.b.url}/agcom/v1`, { method: 'POST', headers: { 'content-type': 'text/xml' }, body: '<nope/>' });
    expect(stranger.statusCode).toBe(401);
    expect(await stranger.body.text()).toContain('02');
    const fault = await request(`${pair.b.url}/agcom/v1`, { method: 'POST', headers: { 'content-type': 'text/xml', authorization: `Bearer ${TOKEN_OLA}` }, body: '<nope/>' });
    expect(fault.statusCode).toBe(500);
    expect(await fault.body.text()).toContain('<faultcode>soapenv:Client</faultcode>');
  });

  it('a multipart body as our own client builds it is read the same', async () => {
    const boundary = 'b0undary';
    const res = await request(`${pair.b.url}/agcom/v1/upload`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN_OLA}`, 'content-type': `multipart/form-data; boundary=${boundary}` },
      body: buildMultipart({ Operatore: 'OLA', TipoFile: 'N', FileName: 'N_OLA_OLB_20261201_00951.xml' }, xml1(request1('OLA_W0051', '069200051')), boundary),
    });
    const reply = decodeReply(await res.body.text());
    expect(reply.ok && reply.reply.code).toBe('00');
  });
});

describeEachBackend('agcom file naming per partner', ({ open }) => {
  let pair: AgcomPair | undefined;
  afterAll(async () => pair?.close());
  const body = (cor: string) => ({
    procedure: 'agcom',
    donating: 'OLB',
    migrationCode: buildMigrationCode({ cow: '2ZZ', cor, cos: '001' }),
    numbers: [cor],
    requestedDate: DAC,
    customer: { lastName: 'Rossi' },
    contact: { phone: '3331234567' },
  });

  it('both sides configured receiver-first: the names agree; only one side: Reply 01, dead letter', async () => {
    pair = await startAgcomPair(open, open, { peerAgcomA: { naming: { order: 'receiver-first' } }, peerAgcomB: { naming: { order: 'receiver-first' } } });
    const id = (await http(pair.a, 'POST', '/v1/switches', body('069234552'))).data.id as string;
    await untilA(pair, async () => expect((await caseOf(pair!.a, id)).state).toBe('AWAITING_MANAGERIAL'));
    expect((await messagesOf(pair.a, id, true))[0].raw).toContain('N_OLB_OLA_20261201_00001.xml');
    expect((await messagesOf(pair.a, id, true))[1].raw).toContain('R_OLA_OLB_20261201_00001.xml');
    await pair.close();

    pair = await startAgcomPair(open, open, { peerAgcomA: { naming: { order: 'receiver-first' } } });
    const lost = (await http(pair.a, 'POST', '/v1/switches', body('069234553'))).data.id as string;
    await pair.deliverA();
    const dead = await http(pair.a, 'GET', '/v1/dead-letters');
    expect(dead.data.items).toEqual([expect.objectContaining({ caseId: lost, reason: expect.stringContaining('Reply 01 for N_OLB_OLA_20261201_00001.xml') })]);
    expect((await messagesOf(pair.a, lost))[0].status).toBe('failed');
  });
});

describe('agcom XSDs describe the files the codec writes', () => {
  const schema = (name: string) => ({ fileName: name, contents: readFileSync(new URL(`../../schemas/agcom/${name}`, import.meta.url), 'utf8') });
  const encoded = (r: { ok: boolean; xml?: string }) => (r.ok ? r.xml! : '');

  it('xml1 (with the designed DAC / check character), xml2, xml3 and the Reply validate', async () => {
    const cases: [string, string][] = [
      ['xml1.xsd', encoded(encodeXml1([request1('OLA_1', '069234552'), request1('OLA_2', '069234553', { pin: '1234' })]))],
      ['xml2.xsd', encoded(encodeXml2([{ type: 'VALIDAZIONE_FORMALE', answers: 'RICHIESTA', result: 'KO', rejection: { category: 'FORMATO', text: 'x' }, recipient: 'OLA', donating: 'OLB', sender: 'OLB', orderId: 'OLA_1', procedure: 'migrazione' }]))],
      ['xml3.xsd', encoded(encodeXml3([{ type: 'VALIDAZIONE_GESTIONALE', answers: 'RICHIESTA', result: 'OK', sessionCode: 'S-1', recipient: 'OLA', donating: 'OLB', sender: 'OLB', orderId: 'OLA_1', procedure: 'migrazione' }]))],
      ['reply.xsd', encodeReply({ sender: 'OLA', fileName: 'N_OLA_OLB_20261201_00001.xml', fileType: 'N', code: '05' })],
    ];
    for (const [xsd, xml] of cases) {
      const r = await validateXML({ xml: [{ fileName: 'doc.xml', contents: xml }], schema: [schema(xsd)] });
      expect(r.errors, xsd).toEqual([]);
      expect(r.valid, xsd).toBe(true);
    }
    // and they catch a record element out of place
    const bad = encoded(encodeXml1([request1('OLA_1', '069234552')])).replace('<TipoComunicazione>1</TipoComunicazione>', '');
    expect((await validateXML({ xml: [{ fileName: 'bad.xml', contents: bad }], schema: [schema('xml1.xsd')] })).valid).toBe(false);
  });
});
