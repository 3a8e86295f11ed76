/**
 * Hostile and broken input on the east-west SOAP endpoint, over real HTTP: every request gets a
 * cheap, precise refusal (SOAP fault, negative TEQ or HTTP status), nothing is stored, and the
 * process stays healthy. The same message twice gets the same answer twice and one effect. A real
 * partner-shaped signed message (the VA-KUE-MRN fixture) is accepted.
 */
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { eventually, http } from '../support/http-pair.js';
import { peerToken, rawPost, soapHeaders, startWireNode, type RawResponse, type WireNode } from '../support/wire-stubs.js';
import { fixtureBytes } from '../unit/wbci/codec-fixtures.js';
import { ekpaCert } from '../fixtures/wbci-v2/generate.js';
import { validRuemVa, validStrAuf, validVaKueMrn } from '../unit/wbci/builders.js';
import { ManualClock } from '../../src/domain/clock.js';
import { decodeTeq, encodeSoap } from '../../src/protocols/wbci/soap-codec.js';
import type { WbciMessage } from '../../src/protocols/wbci/types.js';

const AUF = 'DEU.EKPA';
const ABG = 'DEU.EKPB';
const OTHER = 'DEU.EKPC';
const CONTROL = { timestamp: '2026-11-23T09:00:00.000+01:00', major: '02', minor: '00' };
/** generous: only pathological behaviour (entity expansion, quadratic parsing, a hang) exceeds it */
const CHEAP_MS = 1_000;

let vaSeq = 100;
const nextVa = (over: Parameters<typeof validVaKueMrn>[0] = {}) => validVaKueMrn({ vaId: `DEU.EKPA.V${String(++vaSeq).padStart(9, '0')}`, ...over });

/** Parsed SOAP 1.1 fault, or undefined. */
function faultOf(text: string): { code: string; message: string } | undefined {
  const code = /<faultcode>([^<]*)<\/faultcode>/.exec(text)?.[1];
  const message = /<faultstring>([^<]*)<\/faultstring>/.exec(text)?.[1];
  return code === undefined ? undefined : { code, message: (message ?? '').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&') };
}

describe('hostile input on POST /wbci/v1 [pglite]', () => {
  let b: WireNode;
  let clock: ManualClock;
  const url = () => `${b.url}/wbci/v1`;

  beforeAll(async () => {
    clock = new ManualClock('2026-11-23T09:00:00+01:00');
    b = await startWireNode(
      ABG,
      [
        { carrierCode: AUF, url: 'http://127.0.0.1:9/wbci/v1' },
        { carrierCode: OTHER, url: 'http://127.0.0.1:9/wbci/v1' },
      ],
      { inMemory: true, clock, background: false },
    );
  });
  afterAll(async () => b?.gw.close());

  async function counts(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const t of ['cases', 'messages', 'outbox', 'events', 'dead_letters'] as const) {
      const r = await b.gw.store.db.selectFrom(t).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      out[t] = Number(r.n);
    }
    return out;
  }

  /** Sends the request, checks it was cheap, stored nothing and left the process healthy. */
  async function refused(send: () => Promise<RawResponse>): Promise<RawResponse> {
    const before = await counts();
    const res = await send();
    expect(res.ms, 'refusal took too long').toBeLessThan(CHEAP_MS);
    expect(await counts()).toEqual(before);
    const live = await request(`${b.url}/health/live`);
    expect(live.statusCode).toBe(200);
    expect(await live.body.json()).toEqual({ status: 'ok' });
    return res;
  }

  const expectFault = (res: RawResponse, status: number, message: string | RegExp) => {
    expect(res.status, res.text).toBe(status);
    expect(res.headers['content-type']).toMatch(/^text\/xml/);
    const fault = faultOf(res.text);
    expect(fault, res.text).toBeDefined();
    expect(fault!.code).toBe('SOAP-ENV:Client');
    if (typeof message === 'string') expect(fault!.message).toBe(message);
    else expect(fault!.message).toMatch(message);
  };

  const expectTeq = (res: RawResponse, code: string, text?: string | RegExp) => {
    expect(res.status, res.text).toBe(200);
    const teq = decodeTeq(res.text);
    expect(teq.ok, res.text).toBe(true);
    if (!teq.ok) return undefined;
    expect(teq.teq.positions.map((p) => p.code)).toEqual([code]);
    if (typeof text === 'string') expect(teq.teq.positions[0]!.text).toBe(text);
    else if (text) expect(teq.teq.positions[0]!.text).toMatch(text);
    return teq.teq;
  };

  const valid = (m: WbciMessage = nextVa()) => encodeSoap(m, CONTROL);
  const fromA = soapHeaders(AUF, ABG);

  it('a billion-laughs DOCTYPE: SOAP fault 0995 before any entity is expanded', async () => {
    const lol = ['<!ENTITY lol0 "lol">', ...Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i};`.repeat(10)}">`)].join('');
    const body = `<?xml version="1.0"?><!DOCTYPE lolz [${lol}]>` + valid().replace('<zeitstempel>2026-11-23T09:00:00.000+01:00</zeitstempel>', '<zeitstempel>&lol9;</zeitstempel>');
    const res = await refused(() => rawPost(url(), body, fromA));
    expectFault(res, 500, '0995 /: DOCTYPE declarations are not accepted');
  });

  it('a 10 MB body: 413 before it is read', async () => {
    const body = valid().replace('<Control>', `<Control><!--${'x'.repeat(10 * 1024 * 1024)}-->`);
    const res = await refused(() => rawPost(url(), body, fromA));
    // a SOAP endpoint answers even a body-parser error as a SOAP fault
    expectFault(res, 413, /^SG_BODY_TOO_LARGE: /);
    // the same without a Content-Length (chunked): reading stops at the limit
    const chunked = await refused(async () => {
      const t0 = performance.now();
      const chunk = Buffer.alloc(1024 * 1024, 'x');
      const r = await request(url(), {
        method: 'POST',
        headers: fromA,
        body: Readable.from(
          (async function* () {
            yield Buffer.from(valid().slice(0, 200));
            for (let i = 0; i < 10; i++) yield chunk;
          })(),
        ),
      });
      const text = await r.body.text();
      return { status: r.statusCode, headers: r.headers, text, ms: performance.now() - t0 };
    });
    expectFault(chunked, 413, /^SG_BODY_TOO_LARGE: /);
  });

  it('10 000 levels of nesting: SOAP fault 0995, no stack overflow', async () => {
    const deep = `${'<a>'.repeat(10_000)}${'</a>'.repeat(10_000)}`;
    const body = valid().replace('<Control>', `<Control>${deep}`);
    const res = await refused(() => rawPost(url(), body, fromA));
    expectFault(res, 500, '0995 /: element nesting deeper than 64');
  });

  it('wrong namespaces: not a SOAP envelope, a foreign payload (fault 0995), a later WBCI major (negative TEQ 0993)', async () => {
    const notSoap = valid().replace(/http:\/\/schemas\.xmlsoap\.org\/soap\/envelope\//, 'http://example.com/not-soap');
    expectFault(await refused(() => rawPost(url(), notSoap, fromA)), 500, '0995 /Envelope: not a SOAP 1.1/1.2 Envelope: {http://example.com/not-soap}Envelope');

    const foreign = valid().replace('xmlns:ns3="http://www.vatm.de/wbci/v2/envelope"', 'xmlns:ns3="http://example.com/orders"');
    expectFault(
      await refused(() => rawPost(url(), foreign, fromA)),
      500,
      "0995 /Envelope/Body/annehmenAnfrageRequest: payload namespace must be http://www.vatm.de/wbci/v2/envelope, found 'http://example.com/orders'",
    );

    const m = nextVa();
    const v3 = valid(m).replace('xmlns:ns3="http://www.vatm.de/wbci/v2/envelope"', 'xmlns:ns3="http://www.vatm.de/wbci/v3/envelope"');
    const teq = expectTeq(await refused(() => rawPost(url(), v3, fromA)), '0993', /^Versionsnummer fehlerhaft/);
    expect(teq).toMatchObject({ sender: AUF, vaIdRef: m.vaId });

    const major03 = valid().replace('<majorRelease>02</majorRelease>', '<majorRelease>03</majorRelease>');
    expectTeq(await refused(() => rawPost(url(), major03, fromA)), '0993', /^Versionsnummer fehlerhaft/);
  });

  it('a wrong SOAPAction: fault, whether unknown or not matching the body', async () => {
    const unknown = await refused(() => rawPost(url(), valid(), soapHeaders(AUF, ABG, 'http://example.com/deleteEverything')));
    expectFault(unknown, 400, 'unknown SOAPAction "deleteEverything" (expected annehmenAnfrage or annehmenMeldung)');
    const mismatch = await refused(() => rawPost(url(), valid(), soapHeaders(AUF, ABG, 'annehmenMeldung')));
    expectFault(mismatch, 400, 'SOAPAction "annehmenMeldung" does not match the body (annehmenAnfrage)');
  });

  it('non-UTF-8 bodies: ISO-8859-1 declared, and raw Latin-1 bytes', async () => {
    // pure ASCII, so that only the declaration is wrong
    const ascii = nextVa({
      customer: { kind: 'person', salutation: 'Herr', firstName: 'Max', lastName: 'Mueller' },
      furtherHolders: undefined,
      location: { street: 'Hauptstrasse', houseNumber: '12', postalCode: '80331', city: 'Muenchen' },
    });
    const declared = `<?xml version="1.0" encoding="ISO-8859-1"?>${valid(ascii)}`;
    expect(Buffer.from(declared, 'utf8').every((byte) => byte < 0x80)).toBe(true);
    expectFault(await refused(() => rawPost(url(), Buffer.from(declared, 'latin1'), fromA)), 500, "0995 /: declared encoding 'ISO-8859-1': only UTF-8 is accepted");
    const latin1 = Buffer.from(valid(), 'latin1'); // "München", "Müller" as single bytes 0xFC
    expect(latin1.includes(0xfc)).toBe(true);
    expectFault(await refused(() => rawPost(url(), latin1, fromA)), 500, '0995 /: input is not valid UTF-8');
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(valid(), 'utf16le')]);
    expectFault(await refused(() => rawPost(url(), utf16, fromA)), 500, '0995 /: UTF-16 input: only UTF-8 is accepted');
  });

  it('a gzip Content-Encoding: 415, nothing decompressed', async () => {
    const res = await refused(() => rawPost(url(), gzipSync(valid()), { ...fromA, 'content-encoding': 'gzip' }));
    expectFault(res, 415, /^SG_UNSUPPORTED_CONTENT_ENCODING: Content-Encoding gzip is not accepted/);
    // any other media type is refused by the SOAP route itself, as a SOAP fault
    const xml = await refused(() => rawPost(url(), valid(), { ...fromA, 'content-type': 'application/xml' }));
    expectFault(xml, 415, 'Content-Type must be text/xml (SOAP 1.1) or application/soap+xml (SOAP 1.2)');
  });

  it('missing, unknown or borrowed bearer tokens: 401 / 403', async () => {
    const body = valid();
    // no credentials: refused before the message is read, so the answer names no peer
    expectFault(await refused(() => rawPost(url(), body, soapHeaders(undefined, ABG))), 401, 'not authorised: a bearer token or a client certificate of a configured peer is required');
    expectFault(await refused(() => rawPost(url(), body, { ...fromA, authorization: 'Bearer guessed-token' })), 401, 'not authorised: unknown bearer token');
    // the other peer's own, valid token, for a message whose Absender is DEU.EKPA
    expectFault(await refused(() => rawPost(url(), body, soapHeaders(OTHER, ABG))), 403, `not authorised: credentials of ${OTHER} used for a message from ${AUF}`);
    // an Absender nobody configured, without a token
    const stranger = valid(nextVa({ sender: 'DEU.XXXX', recipient: 'DEU.XXXX', vaId: 'DEU.XXXX.V000000001' }));
    expectFault(await refused(() => rawPost(url(), stranger, soapHeaders(undefined, ABG))), 401, 'not authorised: a bearer token or a client certificate of a configured peer is required');
  });

  it('a message from a peer that is not the counterparty of the case: 403 (or 0995 when it is not even a party), nothing stored', async () => {
    // a Vorabstimmung DEU.EKPB (this gateway) runs as recipient with DEU.EKPA
    const created = await http(b, 'POST', '/v1/switches', {
      procedure: 'wbci',
      type: 'VA-KUE-MRN',
      donating: AUF,
      requestedDate: '2026-12-15',
      customer: { kind: 'person', salutation: 'Herr', firstName: 'Max', lastName: 'Muster' },
      location: { street: 'Hauptstr.', houseNumber: '1', postalCode: '80331', city: 'München' },
      numbers: { kind: 'single', portingWindow: 'ZF2', list: [{ areaCode: '89', number: '1234567' }] },
    });
    expect(created.status, created.text).toBe(201);
    const id = created.data.id as string;
    // DEU.EKPC, properly authenticated, answers it as if it were the donating carrier
    const ruem = validRuemVa('VA-KUE-MRN', { sender: OTHER, recipient: ABG, donating: OTHER, vaIdRef: id });
    const res = await refused(() => rawPost(url(), encodeSoap(ruem, CONTROL), soapHeaders(OTHER, ABG, 'annehmenMeldung')));
    expectFault(res, 403, `not authorised: ${OTHER} is not the counterparty of ${id}`);
    expect((await http(b, 'GET', `/v1/switches/${id}`)).data).toMatchObject({ state: 'AWAITING_ANSWER', switchDate: null });

    // a Vorabstimmung between DEU.EKPA and DEU.EKPC that does not involve this gateway at all
    const elsewhere = validStrAuf('auf', { sender: OTHER, recipient: OTHER, donating: AUF, vaIdRef: 'DEU.EKPC.V000000001', stornoId: 'DEU.EKPC.S000000001' });
    const res2 = await refused(() => rawPost(url(), encodeSoap(elsewhere, CONTROL), soapHeaders(OTHER, ABG)));
    expectFault(res2, 403, `not authorised: neither contract partner is this gateway (${ABG})`);

    // DEU.EKPC names DEU.EKPA's Vorabstimmung with DEU.EKPB without being a party to it
    const va = nextVa();
    expectTeq(await rawPost(url(), valid(va), fromA), 'OK', 'OK');
    const intruder = validStrAuf('auf', { sender: OTHER, vaIdRef: va.vaId, stornoId: 'DEU.EKPC.S000000002' });
    const teq = expectTeq(await refused(() => rawPost(url(), encodeSoap(intruder, CONTROL), soapHeaders(OTHER, ABG))), '0995', /\/sender must be the recipient DEU\.EKPA or the donating DEU\.EKPB carrier/);
    expect(teq).toMatchObject({ sender: OTHER, vaIdRef: va.vaId });
    expect((await http(b, 'GET', `/v1/switches/${va.vaId}`)).data).toMatchObject({ state: 'AWAITING_ANSWER', openChange: null });
  });

  it('a structurally invalid WBCI message: negative TEQ 0995 naming the field, nothing stored', async () => {
    const m = nextVa();
    const noKwt = valid(m).replace('<Kundenwunschtermin>2026-12-15</Kundenwunschtermin>', '');
    const teq = expectTeq(await refused(() => rawPost(url(), noKwt, fromA)), '0995', /Kundenwunschtermin/);
    expect(teq).toMatchObject({ sender: AUF, vaIdRef: m.vaId });
    const garbage = await refused(() => rawPost(url(), '<html><body>hello</body></html>', fromA));
    expectFault(garbage, 500, '0995 /html: not a SOAP 1.1/1.2 Envelope: {}html');
  });

  it('the same message twice: the same answer twice, one effect', async () => {
    const va = nextVa();
    const body = valid(va);
    const first = await rawPost(url(), body, fromA);
    expectTeq(first, 'OK', 'OK');
    const after = await counts();
    const second = await rawPost(url(), body, fromA);
    expect(second.status).toBe(200);
    expect(second.text).toBe(first.text);
    expect(await counts()).toEqual(after);
    const msgs = await http(b, 'GET', `/v1/switches/${va.vaId}/messages`);
    expect(msgs.data.items.map((m: { direction: string; type: string; status: string }) => `${m.direction} ${m.type} ${m.status}`)).toEqual(['in VA-KUE-MRN accepted']);
    // the same content with another Control (a resend a minute later) is still the same message
    const later = encodeSoap(va, { ...CONTROL, timestamp: '2026-11-23T09:01:00.000+01:00' });
    expect((await rawPost(url(), later, fromA)).text).toBe(first.text);
    expect(await counts()).toEqual(after);
  });

  it('a refused message twice: the same positive TEQ, one auto-reply', async () => {
    // a VA reusing a VA-ID that is already in use: business refusal, ABBM 8115 later
    const va = nextVa();
    expectTeq(await rawPost(url(), valid(va), fromA), 'OK', 'OK');
    const dup = valid({ ...va, requestedDate: '2026-12-16' });
    const first = await rawPost(url(), dup, fromA);
    expectTeq(first, 'OK', 'OK');
    const after = await counts();
    const second = await rawPost(url(), dup, fromA);
    expect(second.text).toBe(first.text);
    expect(await counts()).toEqual(after);
    const msgs = await http(b, 'GET', `/v1/switches/${va.vaId}/messages`);
    expect(msgs.data.items.map((m: { direction: string; type: string; status: string }) => `${m.direction} ${m.type} ${m.status}`)).toEqual([
      'in VA-KUE-MRN accepted',
      'in VA-KUE-MRN refused',
      'out ABBM queued',
    ]);
    expect(msgs.data.items[2].body.positions).toEqual([expect.objectContaining({ code: '8115' })]);
  });
});

describe('a partner-shaped signed message: the VA-KUE-MRN fixture [pglite]', () => {
  let ekpb: WireNode;
  afterAll(async () => ekpb?.gw.close());

  beforeAll(async () => {
    // the fixture was sent on 2014-01-15 for a KWT of 2014-04-01, signed RSA-SHA1 like the 2013 partner samples
    ekpb = await startWireNode('DEU.EKPB', [{ carrierCode: 'DEU.EKPA', url: 'http://127.0.0.1:9/wbci/v1', wsSecurity: { certFile: ekpaCert().certFile, required: true, algorithm: 'rsa-sha1' } }], {
      inMemory: true,
      clock: new ManualClock('2014-01-15T16:03:20+01:00'),
      background: false,
    });
  });

  it('is accepted with a positive TEQ and opens a donating case; the signed wire form is kept and its signature verified', async () => {
    const res = await rawPost(`${ekpb.url}/wbci/v1`, fixtureBytes('valid-va-kue-mrn.xml'), {
      'content-type': 'text/xml; charset=utf-8',
      soapaction: '""',
      authorization: `Bearer ${peerToken('DEU.EKPA', 'DEU.EKPB')}`,
    });
    expect(res.status, res.text).toBe(200);
    const teq = decodeTeq(res.text);
    expect(teq.ok && teq.teq).toEqual({ sender: 'DEU.EKPA', vaIdRef: 'DEU.EKPA.V000000004', positions: [{ code: 'OK', text: 'OK' }] });
    expect(teq.ok && teq.kind).toBe('request');

    const view = await http(ekpb, 'GET', '/v1/switches/DEU.EKPA.V000000004');
    expect(view.status, view.text).toBe(200);
    expect(view.data).toMatchObject({ id: 'DEU.EKPA.V000000004', type: 'VA-KUE-MRN', role: 'donating', peer: 'DEU.EKPA', state: 'AWAITING_ANSWER', requestedDate: '2014-04-01' });
    const msgs = await http(ekpb, 'GET', '/v1/switches/DEU.EKPA.V000000004/messages?raw=true');
    expect(msgs.data.items).toHaveLength(1);
    const [m] = msgs.data.items;
    expect(m).toMatchObject({ direction: 'in', type: 'VA-KUE-MRN', status: 'accepted', rawFormat: 'soap' });
    expect(m.body).toMatchObject({ sender: 'DEU.EKPA', recipient: 'DEU.EKPA', donating: 'DEU.EKPB', customer: { kind: 'company', companyName: 'Musterverein Oberland' } });
    expect(m.signature).toEqual({ verified: true, subject: ekpaCert().identity.issuer, issuer: ekpaCert().identity.issuer, serial: '5e1c0ffee0042', algorithm: 'rsa-sha1' });
    // the WS-Security header travels with the message as received, byte for byte
    expect(m.raw).toBe(fixtureBytes('valid-va-kue-mrn.xml').toString('utf8'));
    expect(m.raw).toContain('<wsse:BinarySecurityToken');
    expect(m.raw).toContain('<ds:SignatureValue>');
    await eventually(async () => expect((await http(ekpb, 'GET', '/health/live')).status).toBe(200));
  });
});
