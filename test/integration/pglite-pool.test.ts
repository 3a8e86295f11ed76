/**
 * The suite's PGlite stores come from a per-file pool (test/support/backends.ts): a closed store's
 * instance is emptied and handed to the next `open()`. These tests hold the pool to what that
 * promises — the next store sees the template again — and `borrowPglite` (src/store/connect.ts) to
 * leaving the instance open and deaf to the closed store's LISTENs.
 */
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { borrowPglite } from '../../src/store/connect.js';
import { openTestPglite } from '../support/backends.js';

const txid = async (store: Awaited<ReturnType<typeof openTestPglite>>) =>
  Number((await sql<{ t: string }>`select txid_current()::text as t`.execute(store.db)).rows[0]!.t);

describe('the PGlite pool of the test suite', () => {
  it('hands a closed store’s instance to the next store, empty, with the template’s sequences', async () => {
    const first = await openTestPglite({});
    const fresh = Number((await sql<{ n: string }>`select nextval('events_seq_seq')::text as n`.execute(first.db)).rows[0]!.n);
    await sql`insert into id_sequences (name, value) values ('pool-test', 41)`.execute(first.db);
    await sql`insert into webhook_cursors (name, last_tx, last_seq) values ('pool-test', '1', 0)`.execute(first.db);
    const before = await txid(first);
    await first.close();

    const second = await openTestPglite({});
    // the same instance: its transaction ids went on (a fresh load of the template starts over)
    expect(await txid(second)).toBeGreaterThan(before);
    expect((await sql<{ n: number }>`select count(*)::int as n from id_sequences`.execute(second.db)).rows[0]!.n).toBe(0);
    expect((await sql<{ n: number }>`select count(*)::int as n from webhook_cursors`.execute(second.db)).rows[0]!.n).toBe(0);
    expect(Number((await sql<{ n: string }>`select nextval('events_seq_seq')::text as n`.execute(second.db)).rows[0]!.n)).toBe(fresh);
    await second.close();
  });

  it('does not reuse an instance whose schema a test changed', async () => {
    const first = await openTestPglite({});
    await sql`alter table cases add column pool_test int`.execute(first.db);
    const before = await txid(first);
    await first.close();

    const second = await openTestPglite({});
    const columns = await sql<{ c: string }>`select column_name as c from information_schema.columns where table_name = 'cases' and column_name = 'pool_test'`.execute(second.db);
    expect(columns.rows).toEqual([]);
    expect(await txid(second)).toBeLessThanOrEqual(before);
    await second.close();
  });
});

describe('borrowPglite', () => {
  it('closing the store leaves the instance open, and the store’s LISTENs end with it', async () => {
    const pglite = await PGlite.create();
    try {
      const heard: string[] = [];
      const first = borrowPglite(pglite);
      await first.listen!('pool_test', (payload) => heard.push(`first:${payload}`));
      await first.close();
      expect(pglite.closed).toBe(false);

      const second = borrowPglite(pglite);
      await second.listen!('pool_test', (payload) => heard.push(`second:${payload}`));
      await second.notify('pool_test', 'hello');
      await expect.poll(() => heard).toEqual(['second:hello']);
      await new Promise((r) => setTimeout(r, 50));
      expect(heard).toEqual(['second:hello']);
      await second.close();
    } finally {
      await pglite.close();
    }
  });
});
