/**
 * A message's dedupe key is stored as a uuid of 128 bits of its SHA-256 (src/store/dedupe-keys.ts,
 * migration 0028); both write paths and both lookups agree on it; 0028 turns the keys stored before
 * (hashed as `#` and base64url, or plainly) into that form, so a message received before it and sent
 * again after it is still answered once; down writes the `#` form back; the unique index still
 * decides between two copies arriving at once.
 */
import { createHash, randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { describeEachBackend } from '../support/backends.js';
import { writeCaseStep, type CaseStep } from '../../src/store/repos/case-writes.js';
import { findByDedupeKey, insertMessage, readInboundContext, type MessageRecord } from '../../src/store/repos/messages.js';
import { storedDedupeKey } from '../../src/store/dedupe-keys.js';
import { createMigrator } from '../../src/store/migrate.js';
import { answerOnce } from '../../src/app/agcom/ftth-once.js';
import { toJson } from '../../src/store/schema.js';

const key = (n: number) => `wbci:DEU.EKPB:delivery:${'0'.repeat(8)}-0000-4000-8000-${String(n).padStart(12, '0')}`;
const message = (dedupeKey: string, body: unknown = { n: 1 }): MessageRecord => ({
  messageId: randomUUID(), caseId: 'C1', type: 'VA-KUE-MRN', direction: 'in', peer: 'DEU.EKPB', businessId: null, status: 'accepted', body, dedupeKey,
});
const step = (m: MessageRecord): CaseStep => ({ caseWrite: 'none', messages: [m], outbox: [], history: [], events: [] });
const query = (dedupeKey: string) => ({ dedupeKey, caseId: 'C1', ownId: null, replacedFrom: null });
/** the form sessions 8–16 stored (and 0028's down writes): `#` and the same 128 bits in base64url */
const hashForm = (k: string) => `#${createHash('sha256').update(k, 'utf8').digest().subarray(0, 16).toString('base64url')}`;

describeEachBackend('dedupe keys stored as a uuid of their hash', ({ open }) => {
  it('stores 128 bits of the hash as a uuid, not the key, and both write paths and both lookups agree on it', async () => {
    const store = await open();
    const [a, b] = [message(key(1), { a: 1 }), message(key(2), { b: 2 })];
    await writeCaseStep(store.db, step(a));
    await insertMessage(store.db, b);
    const { rows } = await sql<{ dedupe_key: string; t: string }>`SELECT dedupe_key::text, pg_typeof(dedupe_key)::text AS t FROM messages ORDER BY seq`.execute(store.db);
    expect(rows.map((r) => r.dedupe_key)).toEqual([storedDedupeKey(key(1)), storedDedupeKey(key(2))]);
    expect(rows.map((r) => r.t)).toEqual(['uuid', 'uuid']);
    expect(storedDedupeKey(key(1)).replaceAll('-', '')).toBe(createHash('sha256').update(key(1)).digest('hex').slice(0, 32));
    expect((await findByDedupeKey(store.db, key(1)))?.message_id).toBe(a.messageId);
    expect((await findByDedupeKey(store.db, key(2)))?.body).toEqual({ b: 2 });
    expect((await readInboundContext(store.db, query(key(1)))).seen?.message_id).toBe(a.messageId);
    expect(await findByDedupeKey(store.db, key(3))).toBeUndefined();
    expect((await readInboundContext(store.db, query(key(3)))).seen).toBeNull();
    // the unique index holds the keyed rows only
    const { rows: idx } = await sql<{ def: string }>`SELECT indexdef AS def FROM pg_indexes WHERE indexname = 'messages_dedupe_key_key'`.execute(store.db);
    expect(idx[0]!.def).toMatch(/UNIQUE INDEX .* \(dedupe_key\) WHERE \(dedupe_key IS NOT NULL\)/);
    await store.close();
  });

  it('0028 turns the keys stored before (hashed with #, or plainly) into the uuid form, so a resend after it is answered once; down writes the # form', async () => {
    const store = await open();
    const migrator = createMigrator(store.db);
    expect((await migrator.migrateTo('0027_message_ids_as_uuid')).error).toBeUndefined();
    const plain = `ftth:OLO1:${randomUUID()}`;
    const hashed = key(5);
    const n12 = { esito: 'OK', idNotifica: 'N-1' };
    // rows as written before 0028: a key stored plainly (before session 8) and one in the # form
    const before = [[plain, plain], [hashed, hashForm(hashed)]] as const;
    for (const [k, stored] of before) {
      await sql`INSERT INTO messages (message_id, case_id, type, direction, peer, status, body, dedupe_key)
        VALUES (${randomUUID()}, 'C1', 'FTTH-N8', 'in', 'ftth', 'answered', ${toJson({ n12, k })}::jsonb, ${stored})`.execute(store.db);
    }
    await sql`INSERT INTO messages (message_id, case_id, type, direction, peer, status, body) VALUES (${randomUUID()}, 'C1', 'X', 'out', 'p', 's', '{}'::jsonb)`.execute(store.db);
    expect((await migrator.migrateToLatest()).error).toBeUndefined();

    for (const [k] of before) {
      expect((await findByDedupeKey(store.db, k))?.body).toEqual({ n12, k });
      expect((await readInboundContext(store.db, query(k))).seen?.status).toBe('answered');
    }
    let ran = 0;
    const answer = await answerOnce(store.db, plain, async () => {
      ran++;
      return { n12: { esito: 'KO' } as never };
    });
    expect(answer).toEqual(n12);
    expect(ran).toBe(0);
    // a copy of a key migrated from either form is refused by the unique index
    await expect(insertMessage(store.db, message(hashed))).rejects.toMatchObject({ code: '23505' });
    await expect(insertMessage(store.db, message(plain))).rejects.toMatchObject({ code: '23505' });

    // down: every key in the # form, the row without a key still without one
    expect((await migrator.migrateTo('0027_message_ids_as_uuid')).error).toBeUndefined();
    const { rows } = await sql<{ dedupe_key: string | null }>`SELECT dedupe_key FROM messages ORDER BY seq`.execute(store.db);
    expect(rows.map((r) => r.dedupe_key)).toEqual([hashForm(plain), hashForm(hashed), null]);
    expect((await migrator.migrateToLatest()).error).toBeUndefined();
    expect((await findByDedupeKey(store.db, plain))?.body).toEqual({ n12, k: plain });
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
