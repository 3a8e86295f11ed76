/**
 * A WBCI message whose wire form holds its body stores the wire form only (migration 0021,
 * src/store/wire-bodies.ts): a message received at once, a message sent when its delivery is
 * acknowledged and the transport found the bytes sent give the body back. Every reader gets the
 * body as before; the wire form stays byte for byte; a body the wire form does not hold is kept.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterEach, expect, it } from 'vitest';
import { describeEachBackend } from '../support/backends.js';
import { eventually, http, startHttpPair } from '../support/http-pair.js';
import { ManualClock } from '../../src/domain/clock.js';
import { quickStartVa } from '../support/gateway-pair.js';
import { writeCaseStep, type CaseStep } from '../../src/store/repos/case-writes.js';
import { findByDedupeKey, findMessage, insertMessage, messagesOfCase, readInboundContext, type MessageRecord } from '../../src/store/repos/messages.js';
import { claimDue } from '../../src/store/repos/outbox.js';
import { DeliveredAcks } from '../../src/delivery/delivered-acks.js';
import { encodeSoap } from '../../src/protocols/wbci/soap-codec.js';
import type { Store } from '../../src/store/connect.js';
import { validRuemVa, validVaKueMrn } from '../unit/wbci/builders.js';
import { CONTROL } from '../unit/wbci/codec-fixtures.js';

const inbound = (caseId: string, body: unknown, raw: string, extra: Partial<MessageRecord> = {}): MessageRecord => ({
  messageId: randomUUID(), caseId, type: (body as { type: string }).type, direction: 'in', peer: 'DEU.EKPB', businessId: null, status: 'accepted',
  body, raw, rawFormat: 'soap', bodyFrom: 'wbci-soap', dedupeKey: `k-${randomUUID()}`, ...extra,
});
const step = (messages: MessageRecord[]): CaseStep => ({ caseWrite: 'none', messages, outbox: [], history: [], events: [] });

async function stored(store: Store, caseId: string) {
  const { rows } = await sql<{ type: string; direction: string; body: unknown; z: number | null; from: number | null; raw: boolean }>`
    SELECT type, direction, body, body_z IS NOT NULL AS z, body_from AS from, raw_z IS NOT NULL AS raw FROM messages WHERE case_id = ${caseId} ORDER BY seq`.execute(store.db);
  return rows.map((r) => ({ type: r.type, direction: r.direction, body: r.body, z: r.z, from: r.from === null ? null : Number(r.from), raw: r.raw }));
}

describeEachBackend('bodies read back from the wire form', ({ open }) => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
    close = undefined;
  });

  it('stores a received message’s wire form only, and every reader gets its body and its bytes back', async () => {
    const store = await open();
    close = () => store.close();
    const caseId = `DEU.EKPA.V${String(Math.floor(Math.random() * 1e9)).padStart(9, '0')}`;
    const va = validVaKueMrn({ vaId: caseId });
    const ruem = validRuemVa('VA-KUE-MRN', { vaIdRef: caseId });
    // a byte order mark and SOAP 1.2: the text is kept as received, the body read from it
    const vaXml = `\uFEFF${encodeSoap(va, CONTROL, { soapVersion: '1.2' })}`;
    const ruemXml = encodeSoap(ruem, CONTROL);
    const ruemJson = JSON.stringify({ control: { timestamp: CONTROL.timestamp, major: '02', minor: '00' }, message: ruem });
    const written = [
      inbound(caseId, va, vaXml),
      inbound(caseId, ruem, ruemXml),
      inbound(caseId, ruem, ruemJson, { rawFormat: 'json', bodyFrom: 'wbci-json' }),
      // without a wire form the body is stored whatever the caller says
      inbound(caseId, ruem, undefined as unknown as string, { raw: null, rawFormat: 'test' }),
    ];
    await writeCaseStep(store.db, step(written.slice(0, 2)));
    await insertMessage(store.db, written[2]!);
    await insertMessage(store.db, written[3]!);
    expect(await stored(store, caseId)).toEqual([
      { type: 'VA-KUE-MRN', direction: 'in', body: null, z: false, from: 1, raw: true },
      { type: 'RUEM-VA', direction: 'in', body: null, z: false, from: 1, raw: true },
      { type: 'RUEM-VA', direction: 'in', body: null, z: false, from: 2, raw: true },
      { type: 'RUEM-VA', direction: 'in', body: null, z: true, from: null, raw: false },
    ]);

    const bodies = [va, ruem, ruem, ruem];
    expect((await messagesOfCase(store.db, caseId)).map((m) => m.body)).toEqual(bodies);
    const withRaw = await messagesOfCase(store.db, caseId, { withRaw: true });
    expect(withRaw.map((m) => m.raw)).toEqual([vaXml, ruemXml, ruemJson, null]);
    expect(withRaw.map((m) => m.body)).toEqual(bodies);
    expect((await findMessage(store.db, written[0]!.messageId))!.body).toEqual(va);
    expect((await findByDedupeKey(store.db, written[2]!.dedupeKey!))!.body).toEqual(ruem);
    const context = await readInboundContext(store.db, { dedupeKey: written[1]!.dedupeKey!, caseId, ownId: null, replacedFrom: null });
    expect(context.seen).toEqual({ message_id: written[1]!.messageId, case_id: caseId, status: 'accepted', body: ruem });

    // the database refuses a row that says its wire form holds the body but has none
    await expect(
      sql`INSERT INTO messages (message_id, case_id, type, direction, peer, status, body_from) VALUES (${randomUUID()}, ${caseId}, 'X', 'in', 'DEU.EKPB', 'accepted', 1)`.execute(store.db),
    ).rejects.toThrow(/messages_body_stored/);
  });

  it('drops a sent message’s stored body on delivery only when the transport found the wire form holds it', async () => {
    const store = await open();
    close = () => store.close();
    const caseId = `DEU.EKPA.V${String(Math.floor(Math.random() * 1e9)).padStart(9, '0')}`;
    const va = { ...validVaKueMrn({ vaId: caseId }), replaces: 'DEU.EKPA.V000000009' };
    const out = (body: unknown): MessageRecord => ({ messageId: randomUUID(), caseId, type: 'VA-KUE-MRN', direction: 'out', peer: 'DEU.EKPB', businessId: null, status: 'queued', body });
    const [held, kept] = [out(va), out(va)];
    await writeCaseStep(store.db, { ...step([held, kept]), outbox: [{ message: 0, kind: 'peer', destination: 'DEU.EKPB' }, { message: 1, kind: 'peer', destination: 'DEU.EKPB' }] });
    const { replaces, ...wire } = va;
    const xml = encodeSoap(wire, CONTROL, { delivery: { id: held.messageId, replaces } });
    const acks = new DeliveredAcks(store.db, 'w');
    // a case's messages are claimed one after the other: the second once the first is delivered
    for (const bodyFrom of ['wbci-soap', null] as const) {
      const [c] = await claimDue(store.db, { workerId: 'w', leaseMs: 60_000, limit: 10 });
      expect(c!.body).toEqual(va);
      expect((await acks.ack({ outboxId: Number(c!.id), messageId: c!.message_id, caseId, type: c!.type, destination: 'DEU.EKPB', raw: xml, rawFormat: 'soap', bodyFrom })).acked).toBe(true);
    }
    expect((await stored(store, caseId)).map(({ z, from, raw }) => ({ z, from, raw }))).toEqual([
      { z: false, from: 1, raw: true },
      { z: true, from: null, raw: true },
    ]);
    const read = await messagesOfCase(store.db, caseId, { withRaw: true });
    expect(read.map((m) => [m.status, m.body, m.raw])).toEqual([
      ['delivered', va, xml],
      ['delivered', va, xml],
    ]);
    // a lost lease and a second claim of the delivered message still read its body
    await sql`UPDATE outbox SET status = 'pending', lease_owner = NULL, lease_until = NULL WHERE message_id = ${held.messageId}`.execute(store.db);
    expect((await claimDue(store.db, { workerId: 'w2', leaseMs: 60_000, limit: 10 })).map((c) => [c.message_id, c.body])).toEqual([[held.messageId, va]]);
  });

  for (const protocol of ['wbci-soap', 'wbci-json'] as const) {
    it(`two gateways over HTTP keep the wire forms only, both ways (${protocol})`, async () => {
      const clock = new ManualClock('2026-11-23T09:00:00+01:00');
      const pair = await startHttpPair(open, open, { protocol, clock });
      close = pair.close;
      const request = quickStartVa();
      const created = await http(pair.a, 'POST', '/v1/switches', request);
      expect(created.status, created.text).toBe(201);
      const id = created.data.id as string;
      const queued = (await http(pair.a, 'GET', `/v1/switches/${id}/messages`)).data.items[0].body;
      await eventually(async () => expect((await http(pair.b, 'GET', `/v1/switches/${id}`)).status).toBe(200));
      const ans = await http(pair.b, 'POST', `/v1/switches/${id}/answer`, { result: 'accept', code: 'ZWA', switchDate: '2026-12-15', technology: '001', resources: [{ contractNumber: '1234567890' }], pkiAbg: 'D123' });
      expect(ans.status, ans.text).toBe(202);
      const answered = (await http(pair.b, 'GET', `/v1/switches/${id}/messages`)).data.items[1].body;
      const lines = (items: { type: string; direction: string; status: string }[]) => items.map((x) => `${x.direction}:${x.type}:${x.status}`);
      const [onA, onB] = await eventually(async () => {
        const a = (await http(pair.a, 'GET', `/v1/switches/${id}/messages`)).data.items;
        const b = (await http(pair.b, 'GET', `/v1/switches/${id}/messages`)).data.items;
        expect(lines(a)).toEqual(['out:VA-KUE-MRN:delivered', 'in:RUEM-VA:accepted']);
        expect(lines(b)).toEqual(['in:VA-KUE-MRN:accepted', 'out:RUEM-VA:delivered']);
        return [a, b];
      });
      // the bodies read back from the wire forms are the bodies as they were queued and received
      expect(onA[0].body).toEqual(queued);
      expect(onA[0].body).toMatchObject({ customer: request.customer, numbers: request.numbers });
      expect(onB[0].body).toEqual(queued);
      expect(onB[1].body).toEqual(answered);
      expect(onA[1].body).toEqual(answered);
      const from = protocol === 'wbci-soap' ? 1 : 2;
      for (const node of [pair.a, pair.b]) {
        expect((await stored(node.gw.store, id)).map(({ body, z, from: f, raw }) => ({ body, z, from: f, raw }))).toEqual([
          { body: null, z: false, from, raw: true },
          { body: null, z: false, from, raw: true },
        ]);
      }
    });
  }
});
