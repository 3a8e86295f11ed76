/**
 * Delivered outbox rows are deleted once they are older than outbox.deliveredRetentionHours; what
 * the API shows about the deliveries (message status, the feed, dead letters) stays as it was.
 * Pending and dead rows, and delivered rows a dead letter names, are never deleted.
 */
import { sql } from 'kysely';
import { afterEach, expect, it } from 'vitest';
import { describeEachBackend } from '../support/backends.js';
import { quickStartVa, rest, startPair, type Pair } from '../support/gateway-pair.js';
import { parseConfig, ConfigError } from '../../src/config/load.js';
import type { Gateway } from '../../src/gateway.js';

async function outboxRows(gw: Gateway): Promise<{ case_id: string; status: string }[]> {
  const { rows } = await sql<{ case_id: string; status: string }>`SELECT case_id, status FROM outbox ORDER BY id`.execute(gw.store.db);
  return rows;
}

/** as if the deliveries of `caseId` had happened `hours` ago (delivered_at is database time) */
async function age(gw: Gateway, caseId: string, hours: number): Promise<void> {
  await sql`UPDATE outbox SET delivered_at = now() - make_interval(hours => ${hours}::int), created_at = now() - make_interval(hours => ${hours + 1}::int)
             WHERE case_id = ${caseId}`.execute(gw.store.db);
}

describeEachBackend('delivered outbox rows are kept for the retention, then deleted', ({ open }) => {
  let pair: Pair | undefined;
  afterEach(async () => {
    await pair?.close();
    pair = undefined;
  });

  it('deletes only delivered rows past the retention that no dead letter names; the API answers the same', async () => {
    pair = await startPair(open, { configA: { outbox: { deliveredRetentionHours: 2 } } as never });
    const p = pair;
    const create = async (lastName: string) => (await rest(p.a, 'POST', '/v1/switches', quickStartVa({ lastName }))).data.id as string;

    const old = await create('Old');
    const recent = await create('Recent');
    await p.pump();
    // dead-lettered, then replayed and delivered: the dead letter keeps naming its row
    p.transport.targets.delete('DEU.EKPB');
    const replayed = await create('Replayed');
    await p.a.deliver();
    const dead = await create('Dead');
    await p.a.deliver();
    const letters = (await rest(p.a, 'GET', '/v1/dead-letters')).data.items as { id: string; caseId: string }[];
    expect(letters.map((l) => l.caseId).sort()).toEqual([dead, replayed].sort());
    p.transport.targets.set('DEU.EKPB', p.b);
    const replay = await rest(p.a, 'POST', `/v1/dead-letters/${letters.find((l) => l.caseId === replayed)!.id}/replay`);
    expect(replay.statusCode).toBe(202);
    await p.pump();
    // and one still waiting (nothing delivers it in this test)
    p.transport.targets.delete('DEU.EKPB');
    const pending = await create('Pending');

    for (const id of [old, replayed, dead, pending]) await age(p.a, id, 3);
    await age(p.a, recent, 1);
    const before = {
      messages: await Promise.all([old, recent].map(async (id) => (await rest(p.a, 'GET', `/v1/switches/${id}/messages`)).body)),
      feed: (await rest(p.a, 'GET', '/v1/events?limit=500')).body,
      deadLetters: (await rest(p.a, 'GET', '/v1/dead-letters')).body,
    };
    expect(JSON.parse(before.messages[0]!).items.map((m: { status: string }) => m.status)).toEqual(['delivered']);

    expect(await p.a.sweepDeliveredOutbox()).toBe(1);
    expect(await outboxRows(p.a)).toEqual([
      { case_id: recent, status: 'delivered' },
      { case_id: replayed, status: 'delivered' },
      { case_id: dead, status: 'dead' },
      { case_id: pending, status: 'pending' },
    ]);
    expect(await p.a.sweepDeliveredOutbox()).toBe(0);
    expect({
      messages: await Promise.all([old, recent].map(async (id) => (await rest(p.a, 'GET', `/v1/switches/${id}/messages`)).body)),
      feed: (await rest(p.a, 'GET', '/v1/events?limit=500')).body,
      deadLetters: (await rest(p.a, 'GET', '/v1/dead-letters')).body,
    }).toEqual(before);

    // past the retention too: the recent one goes, the one a dead letter names stays
    await age(p.a, recent, 5);
    expect(await p.a.sweepDeliveredOutbox()).toBe(1);
    expect((await outboxRows(p.a)).map((r) => r.case_id)).toEqual([replayed, dead, pending]);
  });

  it('keeps delivered rows for 7 days by default', async () => {
    pair = await startPair(open);
    const p = pair;
    const id = (await rest(p.a, 'POST', '/v1/switches', quickStartVa())).data.id as string;
    await p.pump();
    await age(p.a, id, 167);
    expect(await p.a.sweepDeliveredOutbox()).toBe(0);
    await age(p.a, id, 169);
    expect(await p.a.sweepDeliveredOutbox()).toBe(1);
    expect(await outboxRows(p.a)).toEqual([]);
  });
});

it('outbox.deliveredRetentionHours is whole hours from 1 to 8760', () => {
  const base = { self: { carrierCode: 'DEU.EKPA', profiles: ['wbci'] }, apiKeys: [], peers: [] };
  expect(parseConfig({ ...base, outbox: { deliveredRetentionHours: 24 } }, 'test', {}).outbox).toEqual({ deliveredRetentionHours: 24 });
  for (const bad of [0, 8761, 1.5, '24']) {
    expect(() => parseConfig({ ...base, outbox: { deliveredRetentionHours: bad } }, 'test', {}), String(bad)).toThrow(ConfigError);
  }
  expect(() => parseConfig({ ...base, outbox: { keepForever: true } }, 'test', {})).toThrow(ConfigError);
});
