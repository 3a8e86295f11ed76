/** switchgate_deadlines_overdue follows the cases' deadlines on the gateway's clock. */
import { afterEach, expect, it, vi } from 'vitest';
import { describeEachBackend } from '../../support/backends.js';
import { rest, startPair, type Pair, quickStartVa } from '../../support/gateway-pair.js';

// whole gateways on a shared two-core machine: generous, never a timing assertion
vi.setConfig({ testTimeout: 120_000 });

const va = quickStartVa();

const overdueSamples = (text: string) =>
  text
    .split('\n')
    .filter((l) => l.startsWith('switchgate_deadlines_overdue{'))
    .map((l) => ({ labels: l.slice(l.indexOf('{'), l.indexOf('}') + 1), value: Number(l.split(' ').pop()) }));

describeEachBackend('deadline metrics', ({ open }) => {
  let pair: Pair | undefined;
  afterEach(async () => pair?.close());

  it('counts an unanswered VA once its answer deadline has passed, and drops it to 0 once answered', async () => {
    pair = await startPair(open);
    const created = await rest(pair.a, 'POST', '/v1/switches', va);
    expect(created.statusCode).toBe(201);
    await pair.pump();
    const scrape = async () => (await pair!.b.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(overdueSamples(await scrape()).filter((s) => s.value > 0)).toEqual([]);

    pair.clock.advance(10 * 24 * 3600_000);
    await pair.b.tick();
    const late = overdueSamples(await scrape());
    expect(late.filter((s) => s.value > 0)).toEqual([{ labels: expect.stringContaining('procedure="wbci"'), value: 1 }]);

    const ans = await rest(pair.b, 'POST', `/v1/switches/${created.data.id}/answer`, { result: 'reject', codes: [{ code: '8117' }] });
    expect(ans.statusCode, ans.body).toBe(202);
    const after = overdueSamples(await scrape());
    expect(after.filter((s) => s.value > 0)).toEqual([]);
    // the series stays, at 0, rather than vanishing
    expect(after.length).toBeGreaterThan(0);
  });
});
