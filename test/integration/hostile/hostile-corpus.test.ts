/**
 * The hostile corpus as a test suite (issue #9, point 4), over real HTTP on both backends with
 * one gateway each: every case gets its precise refusal — a 4xx problem, a SOAP fault (HTTP 500
 * for a Client fault by SOAP 1.1 convention, never otherwise), a negative TEQ — no other 5xx,
 * the process stays alive, RSS growth stays bounded, and no table gains or loses a row; except a
 * business refusal on the wire, recorded with the ABBM that answers it.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachBackend } from '../../support/backends.js';
import type { WireNode } from '../../support/wire-stubs.js';
import { hostileCorpus } from './corpus.js';
import { alive, rowCounts, rowDelta, send, startWbciEdge } from './world.js';
import { findMessage } from '../../../src/store/repos/messages.js';

const corpus = hostileCorpus();
const RSS_GROWTH_BOUND = 384 * 1024 * 1024;

it('the corpus has at least 300 cases across REST, SOAP and the JSON wire', () => {
  const kinds = { rest: 0, soap: 0, json: 0 };
  for (const c of corpus) kinds[c.kind]++;
  expect(corpus.length).toBeGreaterThanOrEqual(300);
  expect(kinds.rest).toBeGreaterThan(100);
  expect(kinds.soap).toBeGreaterThan(40);
  expect(kinds.json).toBeGreaterThan(40);
  expect(new Set(corpus.map((c) => c.name)).size, 'case names are unique').toBe(corpus.length);
});

describeEachBackend('hostile corpus', ({ open }) => {
  let node: WireNode;
  let rssBefore = 0;

  beforeAll(async () => {
    node = await startWbciEdge(await open());
    rssBefore = process.memoryUsage().rss;
  });
  afterAll(async () => {
    await node?.gw.close();
  });

  for (const c of corpus) {
    it(c.name, async () => {
      const db = node.gw.store.db as never;
      const before = await rowCounts(db);
      const answer = await send(node.url, c.build());
      const context = `${answer.status} ${answer.format} ${answer.code}: ${answer.text.slice(0, 400)}`;
      expect(c.expect.status, context).toContain(answer.status);
      expect(answer.format, context).toBe(c.expect.format);
      expect(c.expect.codes, context).toContain(answer.code);
      if (answer.format === 'problem') {
        const p = JSON.parse(answer.text) as { errors?: unknown[] };
        expect((p.errors ?? []).length).toBeLessThanOrEqual(50);
      }
      if (answer.status >= 500) {
        // the only 5xx allowed: a SOAP 1.1 Client fault
        expect(answer.format).toBe('soap-fault');
        expect(answer.text).toMatch(/<faultcode>SOAP-ENV:Client<\/faultcode>/);
      }
      const delta = rowDelta(before, await rowCounts(db));
      if (c.expect.writes === 'refusal') {
        // the refused VA and the ABBM 8116 that answers it (queued for the peer), one case
        expect(delta, context).toMatchObject({ messages: 2, outbox: 1 });
        const abbm = await sql<{ message_id: string }>`SELECT message_id FROM messages WHERE type = 'ABBM' AND direction = 'out' ORDER BY created_at DESC LIMIT 1`.execute(node.gw.store.db);
        const text = JSON.stringify((await findMessage(node.gw.store.db, abbm.rows[0]!.message_id))?.body);
        expect(text).toContain('8116');
        expect(text).toMatch(/Horizont 730 Tage|vor 2000-01-01/);
      } else {
        expect(delta, context).toEqual({});
      }
      await alive(node.url);
    });
  }

  it('RSS growth over the whole corpus stays bounded', () => {
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(RSS_GROWTH_BOUND);
  });
});
