/**
 * Wire forms compressed with the smallest window that reaches the dictionary read back byte for
 * byte, on both sides of each window size, with and without a dictionary.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import type { Kysely } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { Database, MessageRow } from '../../../src/store/schema.js';
import { packTexts, packWire, packWith, unpackText, unpackWith, wireContext, withRawWire, SHORT_TEXT_POLICY } from '../../../src/store/wire-codec.js';

// the dictionaries stay in the process's cache: nothing here reaches a database
const db = {} as Kysely<Database>;

/** A SOAP-like message of about `size` characters whose text does not repeat (a customer's data). */
function message(size: number, seed: string): string {
  const head = `<S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/"><S:Body><m:VA xmlns:m="urn:wbci">`;
  const tail = '</m:VA></S:Body></S:Envelope>';
  let body = '';
  while (head.length + body.length + tail.length < size) body += `<name>${seed}${randomBytes(12).toString('base64url')}</name>`;
  return head + body + tail;
}

async function roundTrip(raw: string, packed: ReturnType<typeof packWire>): Promise<string | null> {
  const row = { raw: null, raw_z: packed.z, raw_dict: packed.dictId } as unknown as MessageRow;
  return (await withRawWire(db, [row]))[0]!.raw;
}

/** deflate's window, from the zlib header's CINFO nibble */
const windowBitsOf = (z: Buffer): number => (z[0]! >> 4) + 8;

describe('packWire', () => {
  it.each([600, 4_000, 4_100, 8_000, 8_300, 16_000, 16_500, 40_000])('reads a %i-character message back byte for byte, first without then with a dictionary', async (size) => {
    const key = { peer: `DEU.T${size}`, direction: 'in' as const, format: 'soap', type: 'VA-KUE-MRN' };
    const first = message(size, 'Ä');
    const p1 = packWire(db, first, key);
    expect(p1.dictId).toBeNull();
    expect(await roundTrip(first, p1)).toBe(first);
    const second = message(size, 'ß');
    const p2 = packWire(db, second, key);
    expect(p2.dictId).not.toBeNull();
    expect(await roundTrip(second, p2)).toBe(second);
  });

  it('uses the smallest window that reaches back over message and dictionary', () => {
    const key = { peer: 'DEU.WIN', direction: 'in' as const, format: 'soap', type: 'VA-KUE-MRN' };
    expect(windowBitsOf(packWire(db, message(1_400, 'a'), key).z)).toBe(13);
    // the dictionary is the first message without its Body's text: a few hundred bytes
    expect(windowBitsOf(packWire(db, message(1_400, 'b'), key).z)).toBe(13);
    expect(windowBitsOf(packWire(db, message(8_150, 'c'), key).z)).toBe(14);
    expect(windowBitsOf(packWire(db, message(30_000, 'd'), { ...key, type: 'AKM-TR' }).z)).toBe(15);
  });
});

describe('relearning from texts that grow (relearnGrowth)', () => {
  /** a case's data after `steps` steps: each adds keys the earlier texts did not have */
  const later = ['agreement', 'technology', 'resources', 'contractNumber', 'numbers', 'areaCode', 'takeOver', 'safeHarbour', 'terminationDate'];
  const caseText = (steps: number, n: number) =>
    JSON.stringify(Object.fromEntries([
      ...Array.from({ length: 20 }, (_, i) => [`openingKey${i}`, { status: 'sent', count: n }]),
      ...later.slice(0, steps * 3).map((k) => [k, { confirmedByTheDonatingCarrier: true, count: n }]),
    ]));
  const key = (peer: string) => ({ peer, direction: 'in' as const, format: 'case-data', type: 'wbci' });

  it('learns anew from a text well longer than its sample after 100 uses, so later long texts shrink; without the option it does not', () => {
    const grows = { ...SHORT_TEXT_POLICY, relearnGrowth: 1.25 };
    const sizes = (policy: typeof SHORT_TEXT_POLICY, peer: string) => {
      packWire(db, caseText(0, 0), key(peer), policy);
      for (let i = 1; i <= 100; i++) packWire(db, caseText(0, i), key(peer), policy);
      // the 101st use sees the grown text and learns from it; the next grown text is packed against that
      const first = packWire(db, caseText(3, 101), key(peer), policy);
      const next = packWire(db, caseText(3, 102), key(peer), policy);
      expect(unpackText(next.z, next.dictId)).toBe(caseText(3, 102));
      return { first: first.z.length, next: next.z.length, changed: first.dictId !== next.dictId };
    };
    const withGrowth = sizes(grows, 'case:grows');
    const without = sizes(SHORT_TEXT_POLICY, 'case:stays');
    expect(withGrowth.changed).toBe(true);
    expect(without.changed).toBe(false);
    expect(withGrowth.next).toBeLessThan(without.next * 0.6);
  });

  it('packTexts: each text its own stream against one dictionary, learned from all of them', () => {
    const parts = ['{"agreement":{"technology":"001 TAL ISDN","resources":0}}', caseText(1, 1)];
    const first = packTexts(db, parts, key('case:parts'), SHORT_TEXT_POLICY);
    expect(first.dictId).toBeNull();
    const second = packTexts(db, parts, key('case:parts'), SHORT_TEXT_POLICY);
    expect(second.dictId).not.toBeNull();
    expect(second.zs.map((z) => unpackText(z, second.dictId))).toEqual(parts);
    // the dictionary knows the first part's keys too: both streams shrink against it
    for (const [i, z] of second.zs.entries()) expect(z.length).toBeLessThan(first.zs[i]!.length);
  });
});

/** A WS-Security-signed-like message: canonical base64 signature and digest values of random bytes. */
function signed(seed: string, opts: { signature?: string; digest?: string; body?: string } = {}): string {
  const signature = opts.signature ?? randomBytes(256).toString('base64');
  const digest = opts.digest ?? randomBytes(32).toString('base64');
  return `<S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/"><S:Header><wsse:Security><ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo>` +
    `<ds:Reference URI="#id-${seed}"><ds:DigestValue>${digest}</ds:DigestValue></ds:Reference></ds:SignedInfo>` +
    `<ds:SignatureValue Id="sv">${signature}</ds:SignatureValue></ds:Signature></wsse:Security></S:Header>` +
    `<S:Body wsu:Id="id-${seed}"><m:VA xmlns:m="urn:wbci"><name>${seed}${randomBytes(9).toString('base64url')}</name>${opts.body ?? ''}</m:VA></S:Body></S:Envelope>`;
}

describe('packWire: signed wire forms', () => {
  const key = (type: string) => ({ peer: `DEU.SIG${randomBytes(3).toString('hex')}`, direction: 'in' as const, format: 'soap', type });

  it('keeps the signature and digest values apart as bytes, smaller than one zlib stream, and reads back byte for byte', async () => {
    const k = key('VA-KUE-MRN');
    for (const seed of ['a', 'b', 'c']) {
      const raw = signed(seed);
      const p = packWire(db, raw, k);
      expect(p.z[0]).toBe(0x01);
      expect(p.z[1]).toBe(2);
      expect(await roundTrip(raw, p)).toBe(raw);
    }
    // the same text as one stream (no dictionary on either side): the values apart save their base64 overhead
    const raw = signed('d');
    const apart = packWire(db, raw, key('AKM-TR'));
    expect(apart.dictId).toBeNull();
    expect(apart.z.length).toBeLessThan(deflateSync(Buffer.from(raw)).length - 20);
  });

  it.each([
    ['a value broken over lines', signed('e', { signature: randomBytes(256).toString('base64').replace(/(.{76})/g, '$1\n') })],
    ['a value that is not canonical base64', signed('f', { digest: 'AB==' })],
    ['an empty value', signed('g', { digest: '' })],
    ['none at all', message(2_000, 'h')],
  ])('stores %s as one zlib stream, read back byte for byte', async (_, raw) => {
    const p = packWire(db, raw, key('RUEM-VA'));
    // a zlib stream: compression method 8 in the first byte's low nibble
    expect(p.z[0]! & 0x0f).toBe(8);
    expect(await roundTrip(raw, p)).toBe(raw);
  });

  it('reads back a body that imitates the signature elements, whichever way it is stored', async () => {
    const fake = '<![CDATA[<ds:SignatureValue>AAAA</ds:SignatureValue><ds:DigestValue></ds:DigestValue>]]><note>&lt;ds:DigestValue&gt;</note>';
    const raw = signed('i', { body: fake });
    expect(await roundTrip(raw, packWire(db, raw, key('ABBM')))).toBe(raw);
  });

  it('refuses a damaged row rather than return other bytes', async () => {
    const p = packWire(db, signed('j'), key('STR-AUF'));
    const damaged = Buffer.from(p.z);
    damaged[1] = 3;
    await expect(roundTrip('', { ...p, z: damaged })).rejects.toThrow();
  });
});

describe('a wire form compressed with its row’s context (case and message id)', () => {
  const context = (caseId: string, messageId: string) => wireContext({ case_id: caseId, message_id: messageId });
  const rowOf = (p: ReturnType<typeof packWire>, caseId: string, messageId: string) =>
    ({ raw: null, raw_z: p.z, raw_dict: p.dictId, case_id: caseId, message_id: messageId }) as unknown as MessageRow;
  const soap = (caseId: string, messageId: string, seed: string) =>
    `<S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/"><S:Header><sg:Zustellung xmlns:sg="urn:switchgate" id="${messageId}"/></S:Header>` +
    `<S:Body><m:VA xmlns:m="urn:wbci"><Kontrolle>${'<Feld>Standardwert</Feld>'.repeat(20)}</Kontrolle><VorabstimmungsId>${caseId}</VorabstimmungsId><name>${seed}${randomBytes(9).toString('base64url')}</name>` +
    `<ref>${caseId}</ref></m:VA></S:Body></S:Envelope>`;

  it('reads back byte for byte — the first of its kind (the context alone), later ones, signed ones — and is smaller', async () => {
    const key = { peer: 'DEU.CTX1', direction: 'out' as const, format: 'soap', type: 'VA-KUE-MRN' };
    const ids = [1, 2, 3].map((n) => ({ caseId: `DEU.EKPA.V00000000${n}`, messageId: randomUUID() }));
    for (const { caseId, messageId } of ids) {
      const raw = soap(caseId, messageId, 'Ö');
      const p = packWire(db, raw, key, undefined, context(caseId, messageId));
      expect((await withRawWire(db, [rowOf(p, caseId, messageId)]))[0]!.raw).toBe(raw);
      const without = packWire(db, raw, { ...key, peer: 'DEU.CTX2' });
      if (p.dictId !== null) expect(p.z.length).toBeLessThan(without.z.length - 20);
    }
    const raw = signed('k', { body: `<VorabstimmungsId>${ids[0]!.caseId}</VorabstimmungsId>` });
    const p = packWire(db, raw, key, undefined, context(ids[0]!.caseId, ids[0]!.messageId));
    expect(p.z[0]).toBe(1);
    expect((await withRawWire(db, [rowOf(p, ids[0]!.caseId, ids[0]!.messageId)]))[0]!.raw).toBe(raw);
  });

  it('reads a row written without one (before) as it is, and refuses a row read with another row’s context', async () => {
    const key = { peer: 'DEU.CTX3', direction: 'out' as const, format: 'soap', type: 'AKM-TR' };
    const [a, b] = [randomUUID(), randomUUID()];
    packWire(db, soap('DEU.EKPA.V000000001', a, 'x'), key, undefined, context('DEU.EKPA.V000000001', a));
    const before = soap('DEU.EKPA.V000000002', b, 'y');
    const plain = packWire(db, before, key);
    expect(plain.dictId).not.toBeNull();
    expect((await withRawWire(db, [rowOf(plain, 'DEU.EKPA.V000000002', b)]))[0]!.raw).toBe(before);
    const withCtx = packWire(db, before, key, undefined, context('DEU.EKPA.V000000002', b));
    await expect(withRawWire(db, [rowOf(withCtx, 'DEU.EKPA.V000000002', a)])).rejects.toThrow();
  });

  it('reads back a row whose dictionary and context together pass 32 KiB (the join is cut to deflate\'s window)', () => {
    const caseId = 'DEU.EKPA.V000000009';
    const messageId = randomUUID();
    const raw = soap(caseId, messageId, 'z');
    for (const size of [32 * 1024 - 200, 32 * 1024 - 10, 32 * 1024]) {
      const dict = Buffer.from(`${raw}${'x'.repeat(size)}`.slice(-size));
      const z = packWith(raw, dict, context(caseId, messageId));
      expect(unpackWith(z, dict, context(caseId, messageId))).toBe(raw);
      expect(() => unpackWith(z, dict, context(caseId, randomUUID()))).toThrow();
    }
  });
});
