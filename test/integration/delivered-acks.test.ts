import { randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import { sql } from 'kysely';
import { describeEachBackend } from '../support/backends.js';
import { writeCaseStep } from '../../src/store/repos/case-writes.js';
import { DeliveredAcks } from '../../src/delivery/delivered-acks.js';
import { claimDue } from '../../src/store/repos/outbox.js';
import { withRawWire } from '../../src/store/wire-codec.js';
import { allEvents } from '../support/events.js';

const queued = (id: string) => {
  const messageId = randomUUID();
  return {
    messageId,
    step: {
      caseWrite: 'insert' as const,
      snapshot: { id, procedure: 'wbci', type: 'VA-KUE-MRN', role: 'recipient' as const, peer: 'DEU.EKPB', state: 'AWAITING_ANSWER', requestedDate: '2026-12-15', switchDate: null, openChange: null, data: { vaId: id }, deadlines: [], nextDueAt: null, overdue: false },
      messages: [{ messageId, caseId: id, type: 'VA-KUE-MRN', direction: 'out' as const, peer: 'DEU.EKPB', businessId: id, status: 'queued', body: { id } }],
      outbox: [{ message: 0, kind: 'peer' as const, destination: 'DEU.EKPB' }],
      history: [],
      events: [],
    },
  };
};

describeEachBackend('delivered acknowledgements (group commit)', ({ open }) => {
  it('acknowledges concurrent deliveries together; a row whose lease another worker holds is left alone', async () => {
    const store = await open();
    const ids = ['DEU.EKPA.V000000001', 'DEU.EKPA.V000000002', 'DEU.EKPA.V000000003', 'DEU.EKPA.V000000004'];
    const made = ids.map(queued);
    for (const m of made) await writeCaseStep(store.db, m.step);
    const outbox = await store.db.selectFrom('outbox').select(['id', 'message_id', 'case_id']).orderBy('id').execute();
    // rows 1–3 leased by this worker, row 4 by another one
    await sql`UPDATE outbox SET lease_owner = CASE WHEN id = ${outbox[3]!.id} THEN 'other' ELSE 'me' END, lease_until = now() + interval '1 minute'`.execute(store.db);
    const acks = new DeliveredAcks(store.db, 'me');
    const outcomes = await Promise.all(
      outbox.map((o, i) => acks.ack({ outboxId: Number(o.id), messageId: o.message_id, caseId: o.case_id, type: 'VA-KUE-MRN', destination: 'DEU.EKPB', raw: i === 1 ? null : `<wire n="${i}"/>`, rawFormat: 'soap' })),
    );
    expect(outcomes.map((o) => o.acked)).toEqual([true, true, true, false]);
    const rows = await store.db.selectFrom('outbox').select(['status', 'lease_owner']).orderBy('id').execute();
    expect(rows).toEqual([
      { status: 'delivered', lease_owner: null },
      { status: 'delivered', lease_owner: null },
      { status: 'delivered', lease_owner: null },
      { status: 'pending', lease_owner: 'other' },
    ]);
    // the wire form is stored compressed (raw_z); withRawWire restores the bytes as sent
    const messages = await withRawWire(store.db, await store.db.selectFrom('messages').selectAll().orderBy('seq').execute());
    expect(messages.map((m) => [m.status, m.raw, m.raw_format])).toEqual([
      ['delivered', '<wire n="0"/>', 'soap'],
      // no wire form given: what is stored stays
      ['delivered', null, null],
      ['delivered', '<wire n="2"/>', 'soap'],
      ['queued', null, null],
    ]);
    const events = await allEvents(store.db);
    expect(events.map((e) => [e.type, e.caseId, (e.data as { messageId: string }).messageId])).toEqual(
      [0, 1, 2].map((i) => ['message.delivered', ids[i], made[i]!.messageId]),
    );
    await store.close();
  });

  it('an acknowledgement asked to chain leases the case\'s next due row for the destination, with its body; not a row waiting on backoff', async () => {
    const store = await open();
    const id = 'DEU.EKPA.V000000001';
    const first = queued(id);
    await writeCaseStep(store.db, first.step);
    const later = [randomUUID(), randomUUID()];
    await writeCaseStep(store.db, {
      caseWrite: 'none',
      messages: later.map((messageId) => ({ messageId, caseId: id, type: 'STR-AUF', direction: 'out' as const, peer: 'DEU.EKPB', businessId: null, status: 'queued', body: { vaId: id, messageId } })),
      outbox: [0, 1].map((message) => ({ message, kind: 'peer' as const, destination: 'DEU.EKPB' })),
      history: [],
      events: [],
    });
    const [claimed, ...none] = await claimDue(store.db, { workerId: 'me', leaseMs: 60_000, limit: 10 });
    expect(none).toEqual([]);
    const acks = new DeliveredAcks(store.db, 'me', { leaseMs: 60_000 });
    const ack = (row: { id: number | string; message_id: string }) =>
      acks.ack({ outboxId: Number(row.id), messageId: row.message_id, caseId: id, type: 'X', destination: 'DEU.EKPB', raw: null, rawFormat: null, next: true });
    const one = await ack(claimed!);
    expect(one.acked).toBe(true);
    expect(one.next).toMatchObject({ message_id: later[0], case_id: id, kind: 'peer', destination: 'DEU.EKPB', attempts: 1, type: 'STR-AUF', body: { vaId: id, messageId: later[0] } });
    // the third waits on a backoff: the second's acknowledgement leaves it to the claim
    await sql`UPDATE outbox SET next_attempt_at = now() + interval '1 hour' WHERE message_id = ${later[1]!}`.execute(store.db);
    const two = await ack(one.next!);
    expect([two.acked, two.next]).toEqual([true, undefined]);
    const rows = await store.db.selectFrom('outbox').select(['message_id', 'status', 'lease_owner', 'attempts']).orderBy('id').execute();
    expect(rows.map((r) => [r.status, r.lease_owner, r.attempts])).toEqual([
      ['delivered', null, 1],
      ['delivered', null, 1],
      ['pending', null, 0],
    ]);
    await store.close();
  });
});
