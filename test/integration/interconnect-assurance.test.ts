/**
 * Fault reports and PVV/PQR projects between the operator's and TIM's gateways over HTTP, on both
 * backends: outcome b charged as intervento a vuoto, a project through agreement, PVV with a paused
 * clock, the report windows, PQR and migration; an agreement clock that lapses is announced once.
 */
import { afterEach, expect, it, vi } from 'vitest';
import { describeEachBackend } from '../support/backends.js';
import { eventually, http } from '../support/http-pair.js';
import { icGet, startInterconnectPair, TIM, untilState, type InterconnectPair } from '../support/interconnect-pair.js';
import type { FeedEvent } from '../../src/store/repos/events.js';
import { countEvents } from '../support/events.js';

// two whole gateways with their workers per test: on a loaded machine (PGlite is single-threaded
// WebAssembly) a lifecycle takes longer than the suite's default; nothing here asserts timing
vi.setConfig({ testTimeout: 120_000 });

const DAY = 86_400_000;
const post = (node: InterconnectPair['op'], path: string, body: unknown) => http(node, 'POST', `/v1/interconnect/${path}`, body);

async function feedOf(node: InterconnectPair['op']): Promise<FeedEvent[]> {
  const committed = await countEvents(node.gw.store.db);
  for (const until = Date.now() + 15_000; ; ) {
    const items = (await http(node, 'GET', '/v1/events?limit=1000')).data.items as FeedEvent[];
    if (items.length >= committed || Date.now() > until) return items;
    await new Promise((r) => setTimeout(r, 25));
  }
}

describeEachBackend('interconnect: faults and projects', ({ open }) => {
  let pair: InterconnectPair;
  afterEach(async () => {
    await pair?.close();
  });

  it('a fault is reported, diagnosed and closed with outcome b: the operator sees the diagnosis and the 390.51 charge', async () => {
    pair = await startInterconnectPair(open, open);
    const f = await post(pair.op, 'faults', { counterpart: TIM, pdi: 'PDI-RM-01', description: 'one-way audio on calls to TIM mobile' });
    expect(f.status, f.text).toBe(201);
    expect(f.data).toMatchObject({ state: 'OPEN', role: 'operator', outcome: null, charge: null });
    const id = f.data.id as string;
    await untilState(pair.tim, `faults/${id}`, 'OPEN');
    expect((await post(pair.op, `faults/${id}/close`, { outcome: 'a', diagnosis: 'x' })).data.code).toBe('SG_IC_WRONG_ROLE');
    const undiagnosed = await post(pair.tim, `faults/${id}/close`, { outcome: 'b' });
    expect([undiagnosed.status, undiagnosed.data.errors[0].code, undiagnosed.data.errors[0].path]).toEqual([422, 'SG_IC_DIAGNOSIS_REQUIRED', '/diagnosis']);
    expect((await post(pair.tim, `faults/${id}/diagnosis`, { diagnosis: 'SBC and PdI checked end to end: no malfunction on TIM network' })).status).toBe(200);
    await untilState(pair.op, `faults/${id}`, 'DIAGNOSED');
    const closed = await post(pair.tim, `faults/${id}/close`, { outcome: 'b' });
    expect(closed.status, closed.text).toBe(200);
    expect(closed.data).toMatchObject({ state: 'CLOSED', outcome: 'b', interventoAVuoto: true, charge: '390.51' });
    const atOp = await untilState(pair.op, `faults/${id}`, 'CLOSED');
    expect(atOp).toMatchObject({ outcome: 'b', interventoAVuoto: true, charge: '390.51', diagnosis: 'SBC and PdI checked end to end: no malfunction on TIM network' });
    expect(atOp.history.map((h: { state: string }) => h.state)).toEqual(['OPEN', 'DIAGNOSED', 'CLOSED']);
    const again = await post(pair.tim, `faults/${id}/close`, { outcome: 'a' });
    expect([again.status, again.data.code]).toEqual([409, 'SG_IC_FAULT_CLOSED']);
    expect((await icGet(pair.tim, 'faults')).items).toHaveLength(1);
  });

  it('a migration project runs agreement → PVV (paused, resumed) → report window → PQR → migration → completed on both sides', async () => {
    pair = await startInterconnectPair(open, open);
    const p = await post(pair.op, 'projects', { counterpart: TIM, kind: 'migration', traffic: 'M-M', plan: 'PdI Roma then Milano' });
    expect(p.status, p.text).toBe(201);
    const id = p.data.id as string;
    expect(p.data.deadlines).toEqual([{ name: 'agreement', dueAt: '2027-01-30T09:00:00.000Z', overdue: false }]);
    await untilState(pair.tim, `projects/${id}`, 'REQUESTED');
    const ev = async (node: InterconnectPair['op'], event: string, expected: string) => {
      const r = await post(node, `projects/${id}/events`, { event });
      expect(r.status, r.text).toBe(200);
      expect(r.data.state).toBe(expected);
      const other = node === pair.op ? pair.tim : pair.op;
      await untilState(other, `projects/${id}`, expected);
    };
    pair.clock.advance(20 * DAY);
    await ev(pair.tim, 'agreement-signed', 'AGREED');
    await ev(pair.tim, 'test-window-set', 'PVV');
    pair.clock.advance(10 * DAY);
    await ev(pair.op, 'failure', 'PVV_CLOCK_PAUSED');
    expect((await icGet(pair.op, `projects/${id}`)).deadlines).toEqual([]);
    pair.clock.advance(5 * DAY);
    await ev(pair.tim, 'resolved', 'PVV');
    const clocks = Object.fromEntries((await icGet(pair.op, `projects/${id}`)).deadlines.map((d: { name: string; dueAt: string }) => [d.name, d.dueAt]));
    // PVV started 21 Dec 2026 + 45 days + 5 paused; tests + 3 months + 5 days; overall + 9 months + 5 days
    expect(clocks).toEqual({ pvv: '2027-02-09T09:00:00.000Z', tests: '2027-03-26T09:00:00.000Z', overall: '2027-09-26T09:00:00.000Z' });
    pair.clock.advance(20 * DAY);
    await ev(pair.tim, 'report-sent', 'PVV_REPORT');
    pair.clock.advance(5 * DAY);
    await pair.op.gw.tick();
    await pair.tim.gw.tick();
    expect((await icGet(pair.op, `projects/${id}`)).state).toBe('PQR');
    expect((await icGet(pair.tim, `projects/${id}`)).state).toBe('PQR');
    pair.clock.advance(30 * DAY);
    await ev(pair.tim, 'report-sent', 'PQR_REPORT');
    await ev(pair.op, 'remarks', 'PQR');
    await ev(pair.tim, 'report-sent', 'PQR_REPORT');
    pair.clock.advance(5 * DAY);
    await pair.op.gw.tick();
    await pair.tim.gw.tick();
    expect((await icGet(pair.tim, `projects/${id}`)).state).toBe('MIGRATING');
    await ev(pair.tim, 'migration-done', 'COMPLETED');
    const done = await icGet(pair.op, `projects/${id}`);
    expect(done.deadlines).toEqual([]);
    expect(done.log.map((l: { event: string }) => l.event)).toEqual([
      'agreement-signed', 'test-window-set', 'failure', 'resolved', 'report-sent', 'report-window-lapsed', 'report-sent', 'remarks', 'report-sent', 'report-window-lapsed', 'migration-done',
    ]);
  });

  it('an agreement not signed within 60 days is announced overdue on the feed, once', async () => {
    pair = await startInterconnectPair(open, open);
    const id = (await post(pair.op, 'projects', { counterpart: TIM, kind: 'new-supply', traffic: 'fixed-mobile' })).data.id as string;
    await untilState(pair.tim, `projects/${id}`, 'REQUESTED');
    pair.clock.advance(60 * DAY - 1);
    await pair.op.gw.tick();
    expect((await feedOf(pair.op)).filter((e) => e.type === 'deadline.overdue')).toEqual([]);
    pair.clock.advance(2);
    await pair.op.gw.tick();
    await pair.op.gw.tick();
    const overdue = (await feedOf(pair.op)).filter((e) => e.type === 'deadline.overdue');
    expect(overdue.map((e) => [e.caseId, (e.data as { name: string }).name])).toEqual([[id, 'agreement']]);
    expect(await icGet(pair.op, `projects/${id}`)).toMatchObject({ overdue: true, deadlines: [{ name: 'agreement', overdue: true }] });
    await eventually(async () => expect((await icGet(pair.op, `projects?state=REQUESTED`)).items).toHaveLength(1));
  });
});
