/**
 * The wire form of each message is stored once, compressed against a dictionary learned from the
 * same peer's earlier traffic, and comes back byte for byte — also when the statement that first
 * carried a dictionary rolled back, and for rows written before 0009 (text `raw`).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { deflateSync } from 'node:zlib';
import { expect, it } from 'vitest';
import { describeEachBackend } from '../support/backends.js';
import { writeCaseStep, type CaseStep } from '../../src/store/repos/case-writes.js';
import { insertMessage, messagesOfCase, type MessageRecord } from '../../src/store/repos/messages.js';
import { toJson } from '../../src/store/schema.js';
import type { Store } from '../../src/store/connect.js';

/** a signed-looking SOAP envelope: what recurs (envelope, certificate) and what does not (ids, signature) */
function envelope(n: number, peer: string): string {
  const cert = Buffer.from(`certificate of ${peer} `.repeat(60)).toString('base64');
  const signature = Buffer.from(randomUUID().repeat(8)).toString('base64');
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\r\n<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/">` +
    `<SOAP-ENV:Header><wsse:Security><wsse:BinarySecurityToken>${cert}</wsse:BinarySecurityToken>` +
    `<ds:SignatureValue>${signature}</ds:SignatureValue></wsse:Security></SOAP-ENV:Header>` +
    `<SOAP-ENV:Body><Anfrage><Absender><CarrierCode>${peer}</CarrierCode></Absender><VorabstimmungsId>DEU.EKPA.V${String(n).padStart(9, '0')}</VorabstimmungsId>` +
    `<ort>München — Straße ${n}</ort><emoji>\u{1F4DE}</emoji>\t  </Anfrage></SOAP-ENV:Body></SOAP-ENV:Envelope>\n`
  );
}

const message = (caseId: string, raw: string | null, peer = 'DEU.EKPB'): MessageRecord => ({
  messageId: randomUUID(), caseId, type: 'VA-KUE-MRN', direction: 'in', peer, businessId: null, status: 'accepted',
  body: { n: 1 }, raw, rawFormat: raw === null ? null : 'soap',
});

const step = (messages: MessageRecord[]): CaseStep => ({ caseWrite: 'none', messages, outbox: [], history: [], events: [] });

async function stored(store: Store, caseId: string) {
  const { rows } = await sql<{ raw: string | null; z: number | null; dict: number | null }>`
    SELECT raw, octet_length(raw_z) AS z, raw_dict AS dict FROM messages WHERE case_id = ${caseId} ORDER BY seq`.execute(store.db);
  return rows;
}

describeEachBackend('wire forms stored compressed', ({ open }) => {
  it('keeps each wire form once, compressed against a learned dictionary, and returns it byte for byte', async () => {
    const store = await open();
    // a peer of its own, so no other test has taught the process a dictionary for it yet
    const peer = `DEU.T${randomUUID().slice(0, 4)}`;
    const raws = [1, 2, 3, 4].map((n) => envelope(n, peer));
    for (const raw of raws) await writeCaseStep(store.db, step([message('case-z', raw, peer)]));

    const rows = await stored(store, 'case-z');
    expect(rows.map((r) => r.raw)).toEqual([null, null, null, null]);
    // the first of its kind is compressed plainly and teaches the dictionary of the others
    expect(rows[0]!.dict).toBeNull();
    for (const r of rows.slice(1)) expect(r.dict).not.toBeNull();
    const size = Buffer.byteLength(raws[1]!);
    for (const r of rows.slice(1)) expect(r.z!).toBeLessThan(size * 0.3);
    expect(rows[0]!.z!).toBeGreaterThan(rows[1]!.z!);

    const read = await messagesOfCase(store.db, 'case-z', { withRaw: true });
    expect(read.map((m) => m.raw)).toEqual(raws);
    expect(read.map((m) => Buffer.from(m.raw!, 'utf8').equals(Buffer.from(raws[read.indexOf(m)]!, 'utf8')))).toEqual([true, true, true, true]);
    // without the flag the rows stay as stored (the timeline does not inflate what it does not show)
    expect((await messagesOfCase(store.db, 'case-z')).map((m) => m.raw)).toEqual([null, null, null, null]);
    // a dictionary outlives the message it was learned from: it keeps what recurs (the signer's
    // certificate), never what the customer wrote into the body
    const { rows: dictionaries } = await sql<{ dict: Uint8Array }>`SELECT dict FROM wire_dictionaries WHERE id = ${rows[1]!.dict}`.execute(store.db);
    expect(dictionaries).toHaveLength(1);
    const dict = Buffer.from(dictionaries[0]!.dict).toString('utf8');
    expect(dict).toContain(Buffer.from(`certificate of ${peer} `.repeat(60)).toString('base64'));
    expect(dict).toContain('<VorabstimmungsId></VorabstimmungsId>');
    // a carrier's code recurs in every message and is no one's personal data: it stays
    expect(dict).toContain(`<CarrierCode>${peer}</CarrierCode>`);
    expect(dict).not.toContain('München');
    expect(dict).toContain('<ds:SignatureValue></ds:SignatureValue>');
    expect(dict).not.toContain('V000000001');
    await store.close();
  });

  it('learns one dictionary per message type: each type is compressed against an earlier message of its own type', async () => {
    const store = await open();
    const peer = `DEU.Y${randomUUID().slice(0, 4)}`;
    // two types of one peer whose Bodies share nothing but the envelope
    const answer = (n: number) =>
      envelope(n, peer).replace(/<Anfrage>[\s\S]*<\/Anfrage>/, `<Antwort><Positionen>${'<Position><Code>8001</Code><Text></Text></Position>'.repeat(20)}</Positionen><Id>${n}</Id></Antwort>`);
    const typed = (type: string, raw: string): MessageRecord => ({ ...message('case-y', raw, peer), type });
    const raws = [envelope(1, peer), answer(2), envelope(3, peer), answer(4)];
    for (const [i, raw] of raws.entries()) await writeCaseStep(store.db, step([typed(i % 2 ? 'RUEM-VA' : 'VA-KUE-MRN', raw)]));
    const rows = await stored(store, 'case-y');
    // the first of each type is compressed plainly; the second of each against its own type's dictionary
    expect([rows[0]!.dict, rows[1]!.dict]).toEqual([null, null]);
    expect(rows[2]!.dict).not.toBeNull();
    expect(rows[3]!.dict).not.toBeNull();
    expect(rows[3]!.dict).not.toBe(rows[2]!.dict);
    const { rows: dicts } = await sql<{ id: number; dict: Uint8Array }>`SELECT id, dict FROM wire_dictionaries WHERE id IN (${rows[2]!.dict}, ${rows[3]!.dict})`.execute(store.db);
    const text = (id: number | null) => Buffer.from(dicts.find((d) => Number(d.id) === Number(id))!.dict).toString('utf8');
    expect(text(rows[2]!.dict)).toContain('<Anfrage>');
    expect(text(rows[3]!.dict)).toContain('<Antwort>');
    expect(rows[3]!.z!).toBeLessThan(Buffer.byteLength(raws[3]!) * 0.1);
    const read = await messagesOfCase(store.db, 'case-y', { withRaw: true });
    expect(read.map((m) => m.raw)).toEqual(raws);
    await store.close();
  });

  it('never leaves a message without its dictionary when the statement that carried it rolled back', async () => {
    const store = await open();
    const peer = `DEU.R${randomUUID().slice(0, 4)}`;
    const first = envelope(1, peer);
    await writeCaseStep(store.db, step([message('case-r', first, peer)]));
    // the dictionary learned from the first message travels with the next statement: a rolled-back one
    await expect(
      store.db.transaction().execute(async (trx) => {
        await writeCaseStep(trx, step([message('case-r', envelope(2, peer), peer)]));
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    const { rows: none } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM wire_dictionaries`.execute(store.db);
    expect(none[0]!.n).toBe(0);
    // … so the next statement must still carry it
    const [third, fourth] = [envelope(3, peer), envelope(4, peer)];
    await writeCaseStep(store.db, step([message('case-r', third, peer)]));
    await insertMessage(store.db, message('case-r', fourth, peer));
    const read = await messagesOfCase(store.db, 'case-r', { withRaw: true });
    expect(read.map((m) => m.raw)).toEqual([first, third, fourth]);
    expect((await stored(store, 'case-r')).map((r) => r.dict !== null)).toEqual([false, true, true]);
    await store.close();
  });

  it('does not learn a new dictionary from every message that no dictionary serves (data-heavy bodies)', async () => {
    const store = await open();
    const peer = `DEU.D${randomUUID().slice(0, 4)}`;
    // random payloads: nothing recurs, every message compresses poorly against any dictionary
    // (and a structure of its own each time, so the dictionaries learned from them would differ)
    const noisy = () => {
      const tag = `Datei${randomUUID().slice(0, 8)}`;
      return `<SOAP-ENV:Envelope><SOAP-ENV:Body><${tag}>${randomBytes(3000).toString('base64')}</${tag}></SOAP-ENV:Body></SOAP-ENV:Envelope>`;
    };
    const raws = Array.from({ length: 6 }, noisy);
    for (const raw of raws) await writeCaseStep(store.db, step([message('case-noisy', raw, peer)]));
    expect((await messagesOfCase(store.db, 'case-noisy', { withRaw: true })).map((m) => m.raw)).toEqual(raws);
    const used = new Set((await stored(store, 'case-noisy')).map((r) => r.dict));
    // the first message is compressed plainly, the others against the one dictionary learned from it
    expect([...used].filter((d) => d !== null)).toHaveLength(1);
    await store.close();
  });

  it('reads rows written before 0009, whose wire form is text, and messages without a wire form', async () => {
    const store = await open();
    await store.db
      .insertInto('messages')
      .values({ message_id: randomUUID(), case_id: 'case-old', type: 'VA-KUE-MRN', direction: 'in', peer: 'DEU.EKPB', business_id: null, status: 'accepted', body: toJson({}), raw: '<old kept="as text"/>', raw_format: 'soap' })
      .execute();
    await writeCaseStep(store.db, step([message('case-old', null)]));
    const read = await messagesOfCase(store.db, 'case-old', { withRaw: true });
    expect(read.map((m) => m.raw)).toEqual(['<old kept="as text"/>', null]);
    await store.close();
  });

  it('fails loudly instead of returning other bytes when a dictionary is missing', async () => {
    const store = await open();
    const z = deflateSync(Buffer.from('<x/>'), { dictionary: Buffer.from('a dictionary that was never stored') });
    await store.db
      .insertInto('messages')
      .values({ message_id: randomUUID(), case_id: 'case-lost', type: 'VA-KUE-MRN', direction: 'in', peer: 'DEU.EKPB', business_id: null, status: 'accepted', body: toJson({}), raw_z: z, raw_dict: 424242 })
      .execute();
    await expect(messagesOfCase(store.db, 'case-lost', { withRaw: true })).rejects.toThrow(/wire dictionary 424242 is missing/);
    await store.close();
  });
});
