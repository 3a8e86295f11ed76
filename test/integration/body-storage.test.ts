/**
 * Each message's parsed body is stored compressed against a dictionary learned from an earlier body
 * of its kind (0016, src/store/body-codec.ts), every reader gets it back as it was written, the
 * dictionaries keep no customer data, and rows written before 0016 (jsonb `body`) read as before.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { describeEachBackend } from '../support/backends.js';
import { writeCaseStep, type CaseStep } from '../../src/store/repos/case-writes.js';
import { findByDedupeKey, findMessage, insertMessage, messagesOfCase, readInboundContext, type MessageRecord } from '../../src/store/repos/messages.js';
import { claimDue, enqueue } from '../../src/store/repos/outbox.js';
import { toJson } from '../../src/store/schema.js';

/** a VA-shaped body: keys and structure recur, names, numbers and ids do not */
const vaBody = (n: number) => ({
  type: 'VA-KUE-MRN',
  vaId: `DEU.EKPA.V${String(n).padStart(9, '0')}`,
  sender: 'DEU.EKPA',
  recipient: 'DEU.EKPA',
  donating: 'DEU.EKPB',
  requestedDate: '2027-01-15',
  customer: { kind: 'person', salutation: 'Frau', firstName: `Erika${n}`, lastName: `Mustermann-${n}` },
  location: { street: 'Hauptstraße', houseNumber: String(n), postalCode: '80331', city: 'München' },
  numbers: { kind: 'single', portingWindow: 'ZF2', list: [{ areaCode: '89', number: String(1_000_000 + n) }] },
  note: 'Grüße \u{1F4DE} "quoted" \\ back',
});

const message = (caseId: string, body: unknown, peer: string, extra: Partial<MessageRecord> = {}): MessageRecord => ({
  messageId: randomUUID(), caseId, type: 'VA-KUE-MRN', direction: 'in', peer, businessId: null, status: 'accepted', body, ...extra,
});

const step = (messages: MessageRecord[]): CaseStep => ({ caseWrite: 'none', messages, outbox: [], history: [], events: [] });

describeEachBackend('message bodies stored compressed', ({ open }) => {
  it('stores each body compressed against its kind’s dictionary and every reader gets it back', async () => {
    const store = await open();
    // a peer of its own, so no other test has taught the process a dictionary for it yet
    const peer = `DEU.B${randomUUID().slice(0, 4)}`;
    const bodies = [1, 2, 3, 4, 5].map(vaBody);
    const written = bodies.map((b, i) => message('case-b', b, peer, { dedupeKey: `k-${peer}-${i}` }));
    for (const m of written.slice(0, 4)) await writeCaseStep(store.db, step([m]));
    await insertMessage(store.db, written[4]!);

    const { rows } = await sql<{ body: unknown; z: number | null; dict: string | null }>`
      SELECT body, octet_length(body_z) AS z, body_dict AS dict FROM messages WHERE case_id = 'case-b' ORDER BY seq`.execute(store.db);
    // no jsonb copy: the compressed form is the only one
    expect(rows.map((r) => r.body)).toEqual([null, null, null, null, null]);
    // the first of its kind is compressed plainly and teaches the dictionary of the others
    expect(rows[0]!.dict).toBeNull();
    for (const r of rows.slice(1)) {
      expect(r.dict).not.toBeNull();
      // jsonb took more than the JSON text; against the dictionary it is well under half of it
      expect(r.z!).toBeLessThan(Buffer.byteLength(JSON.stringify(bodies[1])) * 0.5);
    }

    // every reader: a case's messages, one message, a dedupe hit, the inbound context, the outbox claim
    expect((await messagesOfCase(store.db, 'case-b')).map((m) => m.body)).toEqual(bodies);
    expect((await findMessage(store.db, written[2]!.messageId))!.body).toEqual(bodies[2]);
    expect((await findByDedupeKey(store.db, `k-${peer}-4`))!.body).toEqual(bodies[4]);
    const context = await readInboundContext(store.db, { dedupeKey: `k-${peer}-3`, caseId: 'case-b', ownId: null, replacedFrom: null });
    expect(context.seen).toEqual({ message_id: written[3]!.messageId, case_id: 'case-b', status: 'accepted', body: bodies[3] });
    await enqueue(store.db, { messageId: written[1]!.messageId, caseId: 'case-b', kind: 'peer', destination: peer });
    const claimed = await claimDue(store.db, { workerId: 'w', leaseMs: 60_000, limit: 10 });
    expect(claimed.map((c) => [c.message_id, c.body])).toEqual([[written[1]!.messageId, bodies[1]]]);
    expect(claimed[0]).not.toHaveProperty('body_z');
    await store.close();
  });

  it('learns the dictionary without the customer’s data (string values) and keeps bodies of other kinds apart', async () => {
    const store = await open();
    const peer = `DEU.B${randomUUID().slice(0, 4)}`;
    await writeCaseStep(store.db, step([message('case-d', vaBody(7), peer), message('case-d', vaBody(8), peer)]));
    const abbm = { type: 'ABBM', businessCase: 'VA-KUE-MRN', positions: [{ code: '8115', text: 'Erika7 unbekannt' }] };
    await writeCaseStep(store.db, step([message('case-d', abbm, peer, { type: 'ABBM', direction: 'out' }), message('case-d', { ...abbm, positions: [] }, peer, { type: 'ABBM', direction: 'out' })]));
    const { rows } = await sql<{ type: string; dict: string }>`
      SELECT m.type, convert_from(d.dict, 'UTF8') AS dict FROM messages m JOIN wire_dictionaries d ON d.id = m.body_dict WHERE m.case_id = 'case-d' ORDER BY m.seq`.execute(store.db);
    expect(rows.map((r) => r.type)).toEqual(['VA-KUE-MRN', 'ABBM']);
    const va = rows[0]!.dict;
    expect(va).toContain('"customer"');
    for (const personal of ['Erika7', 'Mustermann', 'Hauptstraße', '1000007']) expect(va).not.toContain(personal);
    // the ABBM's dictionary is its own kind's, not the VA's
    expect(rows[1]!.dict).toContain('"positions"');
    expect(rows[1]!.dict).not.toContain('"customer"');
    expect((await messagesOfCase(store.db, 'case-d')).map((m) => m.body)).toEqual([vaBody(7), vaBody(8), abbm, { ...abbm, positions: [] }]);
    await store.close();
  });

  it('reads rows written before 0016, whose body is jsonb, next to compressed ones', async () => {
    const store = await open();
    await store.db
      .insertInto('messages')
      .values({ message_id: randomUUID(), case_id: 'case-old', type: 'VA-KUE-MRN', direction: 'in', peer: 'DEU.EKPB', business_id: null, status: 'accepted', body: toJson(vaBody(1)) })
      .execute();
    await insertMessage(store.db, message('case-old', vaBody(2), 'DEU.EKPB'));
    expect((await messagesOfCase(store.db, 'case-old')).map((m) => m.body)).toEqual([vaBody(1), vaBody(2)]);
    // a row with neither is refused by the database
    await expect(
      store.db.insertInto('messages').values({ message_id: randomUUID(), case_id: 'case-old', type: 'X', direction: 'in', peer: 'DEU.EKPB', business_id: null, status: 'accepted', body: null }).execute(),
    ).rejects.toThrow(/messages_body_stored/);
    await store.close();
  });
});
