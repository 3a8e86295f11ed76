/**
 * 0021 (bodies read back from the wire form) and 0022 (`messages` keyed by message id): up, down
 * and up again; 0021's down refuses while a body is stored as its wire form only, and the failed
 * down leaves the schema as it was.
 */
import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../src/store/schema.js';
import { expect, it } from 'vitest';
import { describeEachBackend } from '../support/backends.js';
import { createMigrator } from '../../src/store/migrate.js';
import { insertMessage, messagesOfCase, type MessageRecord } from '../../src/store/repos/messages.js';
import { encodeSoap } from '../../src/protocols/wbci/soap-codec.js';
import { validVaKueMrn } from '../unit/wbci/builders.js';
import { CONTROL } from '../unit/wbci/codec-fixtures.js';

const va = validVaKueMrn();
const message = (extra: Partial<MessageRecord>): MessageRecord => ({
  messageId: randomUUID(), caseId: va.vaId, type: va.type, direction: 'in', peer: 'DEU.EKPB', businessId: null, status: 'accepted', body: va, ...extra,
});

async function constraints(db: Kysely<Database>) {
  const { rows } = await sql<{ name: string; def: string }>`
    select conname as name, pg_get_constraintdef(oid) as def from pg_constraint where conrelid = 'messages'::regclass and contype in ('p', 'u') order by conname`.execute(db);
  return rows.map((r) => `${r.name} ${r.def}`);
}

describeEachBackend('migrations 0021 and 0022', ({ open }) => {
  it('keys messages by message id; down restores the seq key; 0021 cannot be undone while a body lives in its wire form only', async () => {
    const store = await open();
    const migrator = createMigrator(store.db);
    // since 0028 the dedupe key's uniqueness is a partial unique index, not a constraint
    expect(await constraints(store.db)).toEqual(['messages_pkey PRIMARY KEY (message_id)']);
    const fromWire = message({ raw: encodeSoap(va, CONTROL), rawFormat: 'soap', bodyFrom: 'wbci-soap' });
    await insertMessage(store.db, fromWire);
    await insertMessage(store.db, message({}));

    const refused = await migrator.migrateTo('0020_history_in_cases');
    expect(String(refused.error)).toMatch(/0021 cannot be undone: 1 message bodies are stored as their wire form only/);
    // the failed run changed nothing: still keyed by message id, both messages read as before
    expect(await constraints(store.db)).toEqual(['messages_pkey PRIMARY KEY (message_id)']);
    expect((await messagesOfCase(store.db, va.vaId)).map((m) => m.body)).toEqual([va, va]);

    await sql`delete from messages where message_id = ${fromWire.messageId}`.execute(store.db);
    expect((await migrator.migrateTo('0020_history_in_cases')).error).toBeUndefined();
    expect(await constraints(store.db)).toEqual([
      'messages_dedupe_key_key UNIQUE (dedupe_key)',
      'messages_message_id_key UNIQUE (message_id)',
      'messages_pkey PRIMARY KEY (seq)',
    ]);
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from information_schema.columns where table_name = 'messages' and column_name = 'body_from'`.execute(store.db);
    expect(rows[0]!.n).toBe(0);

    expect((await migrator.migrateToLatest()).error).toBeUndefined();
    expect(await constraints(store.db)).toEqual(['messages_pkey PRIMARY KEY (message_id)']);
    await insertMessage(store.db, fromWire);
    expect((await messagesOfCase(store.db, va.vaId)).map((m) => m.body)).toEqual([va, va]);
    await store.close();
  });
});
