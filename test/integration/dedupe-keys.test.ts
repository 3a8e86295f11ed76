/**
 * A message's dedupe key is stored hashed (src/store/dedupe-keys.ts); every lookup finds a key in
 * either form, so a message received before the change and sent again after it is still answered
 * once; the unique index still decides between two copies arriving at once.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { describeEachBackend } from '../support/backends.js';
import { writeCaseStep, type CaseStep } from '../../src/store/repos/case-writes.js';
import { findByDedupeKey, insertMessage, readInboundContext, type MessageRecord } from '../../src/store/repos/messages.js';
import { storedDedupeKey } from '../../src/store/dedupe-keys.js';
import { answerOnce } from '../../src/app/agcom/ftth-once.js';
import { toJson } from '../../src/store/schema.js';

const key = (n: number) => `wbci:DEU.EKPB:delivery:${'0'.repeat(8)}-0000-4000-8000-${String(n).padStart(12, '0')}`;
const message = (dedupeKey: string, body: unknown = { n: 1 }): MessageRecord => ({
  messageId: randomUUID(), caseId: 'C1', type: 'VA-KUE-MRN', direction: 'in', peer: 'DEU.EKPB', businessId: null, status: 'accepted', body, dedupeKey,
});
const step = (m: MessageRecord): CaseStep => ({ caseWrite: 'none', messages: [m], outbox: [], history: [], events: [] });
const query = (dedupeKey: string) => ({ dedupeKey, caseId: 'C1', ownId: null, replacedFrom: null });

describeEachBackend('dedupe keys stored hashed', ({ open }) => {
  it('stores a short hash, not the key, and both write paths and both lookups agree on it', async () => {
    const store = await open();
    const [a, b] = [message(key(1), { a: 1 }), message(key(2), { b: 2 })];
    await writeCaseStep(store.db, step(a));
    await insertMessage(store.db, b);
    const { rows } = await sql<{ dedupe_key: string }>`SELECT dedupe_key FROM messages ORDER BY seq`.execute(store.db);
    expect(rows.map((r) => r.dedupe_key)).toEqual([storedDedupeKey(key(1)), storedDedupeKey(key(2))]);
    for (const r of rows) expect(r.dedupe_key).toMatch(/^#[A-Za-z0-9_-]{22}$/);
    expect((await findByDedupeKey(store.db, key(1)))?.message_id).toBe(a.messageId);
    expect((await findByDedupeKey(store.db, key(2)))?.body).toEqual({ b: 2 });
    expect((await readInboundContext(store.db, query(key(1)))).seen?.message_id).toBe(a.messageId);
    expect(await findByDedupeKey(store.db, key(3))).toBeUndefined();
    expect((await readInboundContext(store.db, query(key(3)))).seen).toBeNull();
    await store.close();
  });

  it('finds a key stored plainly before, so a resend after the change is answered once', async () => {
    const store = await open();
    const plain = `ftth:OLO1:${randomUUID()}`;
    const n12 = { esito: 'OK', idNotifica: 'N-1' };
    // a row as written before the keys were hashed
    await sql`INSERT INTO messages (message_id, case_id, type, direction, peer, status, body, dedupe_key)
      VALUES (${randomUUID()}, 'C1', 'FTTH-N8', 'in', 'ftth', 'answered', ${toJson({ n12 })}::jsonb, ${plain})`.execute(store.db);
    expect((await findByDedupeKey(store.db, plain))?.body).toEqual({ n12 });
    expect((await readInboundContext(store.db, query(plain))).seen?.status).toBe('answered');
    let ran = 0;
    const answer = await answerOnce(store.db, plain, async () => {
      ran++;
      return { n12: { esito: 'KO' } as never };
    });
    expect(answer).toEqual(n12);
    expect(ran).toBe(0);
    await store.close();
  });

  it('two copies of one message: the unique index refuses the second', async () => {
    const store = await open();
    await writeCaseStep(store.db, step(message(key(7))));
    await expect(writeCaseStep(store.db, step(message(key(7))))).rejects.toMatchObject({ code: '23505' });
    await expect(insertMessage(store.db, message(key(7)))).rejects.toMatchObject({ code: '23505' });
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM messages`.execute(store.db);
    expect(rows[0]!.n).toBe(1);
    await store.close();
  });
});
