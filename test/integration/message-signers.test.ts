/**
 * The WS-Security verification result of inbound messages is stored once per distinct result
 * (`message_signers`) and referenced by each message; what the readers return is the same object
 * as before 0012 — also for rows written before it, which keep the result inline.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { describeEachBackend } from '../support/backends.js';
import { writeCaseStep, writeCaseSteps, type CaseStep } from '../../src/store/repos/case-writes.js';
import { findByDedupeKey, findMessage, insertMessage, messagesOfCase, type MessageRecord } from '../../src/store/repos/messages.js';
import { toJson } from '../../src/store/schema.js';

const verdict = (serial: string) => ({ verified: true, subject: 'CN=wbci.ekpb.test, O=EKPB, C=DE', issuer: 'CN=wbci.ekpb.test, O=EKPB, C=DE', serial, algorithm: 'rsa-sha256' });

const message = (caseId: string, signature: unknown): MessageRecord => ({
  messageId: randomUUID(), caseId, type: 'RUEM-VA', direction: 'in', peer: 'DEU.EKPB', businessId: null, status: 'accepted',
  body: { n: 1 }, raw: null, rawFormat: 'soap', dedupeKey: `test:${randomUUID()}`, ...(signature === undefined ? {} : { signature }),
});

const step = (messages: MessageRecord[]): CaseStep => ({ caseWrite: 'none', messages, outbox: [], history: [], events: [] });

describeEachBackend('message signers stored once', ({ open }) => {
  it('stores one signer row per distinct result, a reference per message, and reads the result back unchanged', async () => {
    const store = await open();
    const caseId = `case-s-${randomUUID().slice(0, 8)}`;
    const serial = randomUUID().replace(/-/g, '');
    const other = randomUUID().replace(/-/g, '');
    const msgs = [message(caseId, verdict(serial)), message(caseId, verdict(serial)), message(caseId, undefined), message(caseId, verdict(other))];
    // two steps in one statement, one alone, and the single-message insert: every write path
    await writeCaseSteps(store.db, [step([msgs[0]!]), step([msgs[1]!, msgs[2]!])]);
    await writeCaseStep(store.db, step([msgs[3]!]));
    const single = message(caseId, verdict(serial));
    await insertMessage(store.db, single);

    const { rows } = await sql<{ signature: unknown; signer: number | null }>`
      SELECT signature, signer FROM messages WHERE case_id = ${caseId} ORDER BY seq`.execute(store.db);
    expect(rows.map((r) => r.signature)).toEqual([null, null, null, null, null]);
    const refs = rows.map((r) => (r.signer === null ? null : Number(r.signer)));
    expect(refs[2]).toBeNull();
    expect(new Set([refs[0], refs[1], refs[4]]).size).toBe(1);
    expect(refs[3]).not.toBe(refs[0]);
    const { rows: signers } = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM message_signers WHERE id IN (${refs[0]!}, ${refs[3]!})`.execute(store.db);
    expect(signers[0]!.n).toBe(2);

    const read = await messagesOfCase(store.db, caseId);
    expect(read.map((m) => m.signature)).toEqual([verdict(serial), verdict(serial), null, verdict(other), verdict(serial)]);
    expect((await findMessage(store.db, msgs[3]!.messageId))!.signature).toEqual(verdict(other));
    expect((await findByDedupeKey(store.db, single.dedupeKey!))!.signature).toEqual(verdict(serial));
    await store.close();
  });

  it('reads a result another process stored (nothing cached) and rows written before 0012 with the result inline', async () => {
    const store = await open();
    const caseId = `case-o-${randomUUID().slice(0, 8)}`;
    const serial = randomUUID().replace(/-/g, '');
    // as another replica would have written it: the signer row and a reference, never seen by this process
    const id = 1 + Math.floor(Math.random() * 2 ** 47);
    await sql`INSERT INTO message_signers (id, detail) VALUES (${id}, ${toJson(verdict(serial))}::jsonb)`.execute(store.db);
    await sql`INSERT INTO messages (message_id, case_id, type, direction, peer, status, body, signer)
      VALUES (${randomUUID()}, ${caseId}, 'VA-KUE-MRN', 'in', 'DEU.EKPB', 'accepted', '{}'::jsonb, ${id})`.execute(store.db);
    // the layout before 0012
    await sql`INSERT INTO messages (message_id, case_id, type, direction, peer, status, body, signature)
      VALUES (${randomUUID()}, ${caseId}, 'VA-KUE-MRN', 'in', 'DEU.EKPB', 'accepted', '{}'::jsonb, ${toJson(verdict('old'))}::jsonb)`.execute(store.db);
    const read = await messagesOfCase(store.db, caseId);
    expect(read.map((m) => m.signature)).toEqual([verdict(serial), verdict('old')]);
    await store.close();
  });

  it('never leaves a message without its signer row when the statement that carried it rolled back', async () => {
    const store = await open();
    const caseId = `case-r-${randomUUID().slice(0, 8)}`;
    const serial = randomUUID().replace(/-/g, '');
    const first = message(caseId, verdict(serial));
    await expect(
      store.db.transaction().execute(async (trx) => {
        await writeCaseStep(trx, step([first]));
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    await writeCaseStep(store.db, step([message(caseId, verdict(serial))]));
    const read = await messagesOfCase(store.db, caseId);
    expect(read.map((m) => m.signature)).toEqual([verdict(serial)]);
    await store.close();
  });
});
