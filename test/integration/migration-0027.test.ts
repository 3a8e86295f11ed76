/**
 * 0027: message ids stored as uuid in messages, outbox and dead letters. A wire form compressed with
 * its id's text as context still opens after the type change; an id that is not a lower-case UUID
 * makes the migration refuse, naming the count, and change nothing; down restores text; a lookup by
 * something that is not a UUID finds nothing instead of failing.
 */
import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { expect, it } from 'vitest';
import { describeEachBackend } from '../support/backends.js';
import { createMigrator } from '../../src/store/migrate.js';
import { findMessage, insertMessage, messagesOfCase, type MessageRecord } from '../../src/store/repos/messages.js';
import { enqueue } from '../../src/store/repos/outbox.js';
import { newMessageId } from '../../src/domain/message-id.js';
import { encodeSoap } from '../../src/protocols/wbci/soap-codec.js';
import { validVaKueMrn } from '../unit/wbci/builders.js';
import { CONTROL } from '../unit/wbci/codec-fixtures.js';
import type { Database } from '../../src/store/schema.js';

const va = validVaKueMrn();
const message = (extra: Partial<MessageRecord>): MessageRecord => ({
  messageId: newMessageId(), caseId: va.vaId, type: va.type, direction: 'in', peer: 'DEU.EKPB', businessId: null, status: 'accepted', body: va, ...extra,
});

async function types(db: Kysely<Database>): Promise<string[]> {
  const { rows } = await sql<{ t: string }>`
    select table_name || '.' || data_type as t from information_schema.columns
     where column_name = 'message_id' and table_name in ('messages', 'outbox', 'dead_letters') order by table_name`.execute(db);
  return rows.map((r) => r.t);
}

describeEachBackend('migration 0027: message ids as uuid', ({ open }) => {
  it('keeps every wire form readable, refuses ids that are not UUIDs, and goes down to text', async () => {
    const store = await open();
    const migrator = createMigrator(store.db);
    expect(await types(store.db)).toEqual(['dead_letters.uuid', 'messages.uuid', 'outbox.uuid']);

    expect((await migrator.migrateTo('0026_history_short_entries')).error).toBeUndefined();
    expect(await types(store.db)).toEqual(['dead_letters.text', 'messages.text', 'outbox.text']);
    // written as text: a v4 id (before 0022) and a v7 one, each wire form compressed with its id as context
    const written = [message({ messageId: randomUUID(), raw: encodeSoap(va, CONTROL), rawFormat: 'soap' }), message({ raw: encodeSoap(va, CONTROL), rawFormat: 'soap' })];
    for (const m of written) await insertMessage(store.db, m);
    await enqueue(store.db, { messageId: written[0]!.messageId, caseId: va.vaId, kind: 'peer', destination: 'DEU.EKPB' });
    const odd = message({ messageId: 'not-a-uuid' });
    await insertMessage(store.db, odd);

    const refused = await migrator.migrateToLatest();
    expect(String(refused.error)).toMatch(/0027 cannot run: 1 message ids in messages are not UUIDs in lower case/);
    expect(await types(store.db)).toEqual(['dead_letters.text', 'messages.text', 'outbox.text']);

    await sql`delete from messages where message_id = ${odd.messageId}`.execute(store.db);
    expect((await migrator.migrateToLatest()).error).toBeUndefined();
    expect(await types(store.db)).toEqual(['dead_letters.uuid', 'messages.uuid', 'outbox.uuid']);
    const read = await messagesOfCase(store.db, va.vaId, { withRaw: true });
    expect(read.map((m) => [m.message_id, m.raw])).toEqual(written.map((m) => [m.messageId, m.raw]));
    const { rows } = await sql<{ message_id: string }>`select message_id from outbox`.execute(store.db);
    expect(rows.map((r) => r.message_id)).toEqual([written[0]!.messageId]);
    // asked for something that cannot be a message id: none, not a database error
    expect(await findMessage(store.db, 'not-a-uuid')).toBeUndefined();
    expect((await findMessage(store.db, written[1]!.messageId))!.body).toEqual(va);

    expect((await migrator.migrateTo('0026_history_short_entries')).error).toBeUndefined();
    expect(await types(store.db)).toEqual(['dead_letters.text', 'messages.text', 'outbox.text']);
    expect((await messagesOfCase(store.db, va.vaId, { withRaw: true })).map((m) => m.raw)).toEqual(written.map((m) => m.raw));
    await store.close();
  });
});
