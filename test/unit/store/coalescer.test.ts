import { describe, expect, it } from 'vitest';
import { Coalescer } from '../../../src/store/repos/coalescer.js';

/** A batched "read" that records its calls and answers when told to. */
function recorder() {
  const calls: number[][] = [];
  const pending: (() => void)[] = [];
  const run = (qs: number[]) => {
    calls.push(qs);
    return new Promise<string[]>((resolve, reject) => {
      pending.push(() => (qs.includes(13) ? reject(new Error('unlucky')) : resolve(qs.map((q) => `r${q}`))));
    });
  };
  const release = () => pending.splice(0).forEach((f) => f());
  return { calls, run, release };
}

describe('Coalescer', () => {
  it('sends a query at once when nothing is in flight, and the queries arriving meanwhile together', async () => {
    const r = recorder();
    const c = new Coalescer(r.run, { maxInFlight: 1 });
    const first = c.get(1);
    const rest = [2, 3, 4].map((q) => c.get(q));
    expect(r.calls).toEqual([[1]]);
    r.release();
    expect(await first).toBe('r1');
    await Promise.resolve();
    expect(r.calls).toEqual([[1], [2, 3, 4]]);
    r.release();
    expect(await Promise.all(rest)).toEqual(['r2', 'r3', 'r4']);
  });

  it('keeps at most maxInFlight batches running and at most maxBatch queries in one', async () => {
    const r = recorder();
    const c = new Coalescer(r.run, { maxInFlight: 2, maxBatch: 2 });
    const all = [1, 2, 3, 4, 5, 6].map((q) => c.get(q));
    expect(r.calls).toEqual([[1], [2]]);
    r.release();
    await new Promise((res) => setTimeout(res, 0));
    expect(r.calls).toEqual([[1], [2], [3, 4], [5, 6]]);
    r.release();
    expect(await Promise.all(all)).toEqual(['r1', 'r2', 'r3', 'r4', 'r5', 'r6']);
  });

  it('a failed batch fails each of its queries, and the next batch runs', async () => {
    const r = recorder();
    const c = new Coalescer(r.run, { maxInFlight: 1 });
    const first = c.get(1);
    const bad = [c.get(12), c.get(13)];
    r.release();
    await first;
    await Promise.resolve();
    const later = c.get(20);
    r.release();
    await expect(bad[0]).rejects.toThrow('unlucky');
    await expect(bad[1]).rejects.toThrow('unlucky');
    await new Promise((res) => setTimeout(res, 0));
    r.release();
    expect(await later).toBe('r20');
  });
});
