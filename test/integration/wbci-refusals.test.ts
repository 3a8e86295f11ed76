/**
 * Acceptance: every transition the WBCI state machine refuses (TRANSITIONS table and guards of
 * src/protocols/wbci/machine.ts, wbci.md §6.3) is refused through REST with the right status,
 * machine code and field path — and changes nothing on either gateway (case, timeline, event feed,
 * outbox). Inbound refusals are driven through the receiving gateway's inbound port: the business
 * answer (ABBM / ABBM-TR) reaches the sender with the right code, the receiver's case stays as it
 * was, and the same inbound message twice has one effect and the same outcome.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachBackend } from '../support/backends.js';
import { rest, startPair, type Pair } from '../support/gateway-pair.js';
import type { Gateway } from '../../src/gateway.js';
import type { WbciMessage } from '../../src/protocols/wbci/types.js';
import { allEvents } from '../support/events.js';
import { caseHistory } from '../../src/store/repos/cases.js';

// Monday 23 Nov 2026, 09:00 in Munich (the pair's default clock).
const START = '2026-11-23T09:00:00+01:00';
const KWT = '2026-12-15';
const TV_DATE = '2026-12-22';
const AUF = 'DEU.EKPA';
const ABG = 'DEU.EKPB';

type Side = 'a' | 'b';
type Json = Record<string, unknown>;
type Res = Awaited<ReturnType<typeof rest>>;

let customerSeq = 0;
const customer = () => ({ kind: 'person', salutation: 'Frau', firstName: 'Erika', lastName: `Refusal${++customerSeq}` });
const location = { street: 'Hauptstr.', houseNumber: '1', postalCode: '80331', city: 'München' };
const numbers = { kind: 'single', portingWindow: 'ZF2', list: [{ areaCode: '89', number: '1234567' }] };
type VaType = 'VA-KUE-MRN' | 'VA-KUE-ORN' | 'VA-RRNP';

function vaBody(type: VaType = 'VA-KUE-MRN', extra: Json = {}): Json {
  const base = { procedure: 'wbci', type, donating: ABG, requestedDate: KWT, customer: customer() };
  if (type === 'VA-KUE-MRN') return { ...base, location, numbers, ...extra };
  if (type === 'VA-KUE-ORN') return { ...base, location, ...extra };
  return { ...base, numbers, pkiAuf: 'D001', ...extra };
}
const accept = (type: VaType) =>
  type === 'VA-RRNP'
    ? { result: 'accept', code: 'ZWA', switchDate: KWT, pkiAbg: 'D123' }
    : { result: 'accept', code: 'ZWA', switchDate: KWT, technology: '001', resources: [{ contractNumber: '1234567890' }], ...(type === 'VA-KUE-MRN' ? { pkiAbg: 'D123' } : {}) };
const reject = { result: 'reject', codes: [{ code: '8117' }] };
const akmTr = { takeOver: true, lines: [{ contractNumber: '1234567890' }] };

/** The states a test case can be brought into through REST alone. */
type Stage = 'awaiting' | 'agreed' | 'tr' | 'trRejected' | 'tvOpen' | 'stornoOpenByAuf' | 'stornoOpenByAbg' | 'rejected' | 'cancelled' | 'replaced';

function expectProblem(res: Res, status: number, code: string) {
  expect(res.statusCode, res.body).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.data).toMatchObject({ status, code, type: expect.stringMatching(/^https?:\/\//), title: expect.any(String) });
}

describeEachBackend('WBCI refusals', ({ open }) => {
  let pair: Pair;
  const gw = (side: Side): Gateway => (side === 'a' ? pair.a : pair.b);
  const post = (side: Side, path: string, body: unknown) => rest(gw(side), 'POST', path, body);
  const get = async (side: Side, path: string) => {
    const res = await rest(gw(side), 'GET', path);
    expect(res.statusCode, res.body).toBe(200);
    return res.data as Json;
  };
  const view = (side: Side, id: string) => get(side, `/v1/switches/${id}`);
  const messages = async (side: Side, id: string) => (await get(side, `/v1/switches/${encodeURIComponent(id)}/messages`)).items as (Json & { body: Json })[];
  const ok = async (res: Promise<Res>, status = 202) => {
    const r = await res;
    expect(r.statusCode, r.body).toBe(status);
    await pair.pump();
    return r;
  };

  /** A fresh case (own customer), brought into `stage` through both REST APIs. */
  async function caseAt(stage: Stage, type: VaType = 'VA-KUE-MRN'): Promise<string> {
    const id = (await ok(post('a', '/v1/switches', vaBody(type)), 201)).data.id as string;
    if (stage === 'awaiting') return id;
    if (stage === 'rejected') {
      await ok(post('b', `/v1/switches/${id}/answer`, reject));
      return id;
    }
    await ok(post('b', `/v1/switches/${id}/answer`, accept(type)));
    switch (stage) {
      case 'agreed':
        break;
      case 'tr':
        await ok(post('a', `/v1/switches/${id}/resource-handover`, akmTr));
        break;
      case 'trRejected':
        await ok(post('a', `/v1/switches/${id}/resource-handover`, akmTr));
        await ok(post('b', `/v1/switches/${id}/resource-handover/answer`, { codes: [{ code: '8143' }] }));
        break;
      case 'tvOpen':
        await ok(post('a', `/v1/switches/${id}/reschedule`, { requestedDate: TV_DATE }));
        break;
      case 'stornoOpenByAuf':
        await ok(post('a', `/v1/switches/${id}/cancel`, { kind: 'STR-AUF' }));
        break;
      case 'stornoOpenByAbg':
        await ok(post('b', `/v1/switches/${id}/cancel`, { kind: 'STR-AUF', reason: 'Kunde verstorben' }));
        break;
      case 'cancelled':
      case 'replaced': {
        const r = await ok(post('a', `/v1/switches/${id}/cancel`, { kind: stage === 'cancelled' ? 'STR-AUF' : 'STR-AEN' }));
        const change = ((r.data.case as Json).openChange as Json).id as string;
        await ok(post('b', `/v1/switches/${id}/changes/${change}/answer`, { result: 'accept' }));
        break;
      }
    }
    const states: Partial<Record<Stage, string>> = { cancelled: 'CANCELLED', replaced: 'REPLACED', tr: 'TR_NOTIFIED' };
    expect((await view('a', id)).state).toBe(states[stage] ?? 'AGREED');
    expect((await view('b', id)).state).toBe(states[stage] ?? 'AGREED');
    return id;
  }

  const eventRows = async (side: Side) =>
    Number((await gw(side).store.db.selectFrom('events').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);

  // The feed shows an event only once every older transaction of the cluster has ended
  // (src/store/repos/events.ts): wait for that, then take the newest cursor from the table, so
  // the check below does not depend on how the feed pages.
  async function lastCursor(side: Side): Promise<string | null> {
    const db = gw(side).store.db;
    for (let attempt = 0; ; attempt++) {
      const events = await allEvents(db);
      if (events.every((e) => e.visible)) return events.length ? `${events.at(-1)!.tx}-${events.at(-1)!.seq}` : null;
      if (attempt > 500) throw new Error(`events of ${side} stay invisible`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }
  const eventsAfter = async (side: Side, cursor: string | null) => (await get(side, `/v1/events${cursor ? `?after=${cursor}` : ''}`)).items as unknown[];

  async function snapshot(ids: string[]) {
    const out: Json = {};
    for (const side of ['a', 'b'] as const) {
      for (const id of ids) {
        const c = await rest(gw(side), 'GET', `/v1/switches/${id}`);
        out[`${side} ${id} case`] = c.statusCode === 200 ? c.data : c.statusCode;
        const m = await rest(gw(side), 'GET', `/v1/switches/${id}/messages`);
        out[`${side} ${id} messages`] = m.statusCode === 200 ? m.data : m.statusCode;
      }
      const rows = await gw(side).store.db.selectFrom('outbox').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      out[`${side} outbox`] = Number(rows.n);
    }
    return out;
  }

  /**
   * Runs a REST call that must be refused and proves that it changed nothing: case views,
   * timelines and outbox of both gateways are identical afterwards (after a pump), and neither
   * event feed grew.
   */
  async function expectRefused(ids: string[], call: () => Promise<Res>, status: number, code: string, error?: Json): Promise<Res> {
    await pair.pump();
    const rows = { a: await eventRows('a'), b: await eventRows('b') };
    const cursor = { a: await lastCursor('a'), b: await lastCursor('b') };
    for (const side of ['a', 'b'] as const) expect(await eventsAfter(side, cursor[side])).toEqual([]);
    const before = await snapshot(ids);
    const res = await call();
    expectProblem(res, status, code);
    if (error) expect(res.data.errors, res.body).toContainEqual(expect.objectContaining(error));
    await pair.pump();
    expect(await snapshot(ids)).toEqual(before);
    for (const side of ['a', 'b'] as const) {
      expect(await eventRows(side), `${side}: event rows`).toBe(rows[side]);
      await lastCursor(side);
      expect(await eventsAfter(side, cursor[side]), `${side}: events after the refused call`).toEqual([]);
    }
    return res;
  }

  /** Runs `fn` with the pair's clock at `at`, then puts it back. */
  async function at<T>(when: string, fn: () => Promise<T>): Promise<T> {
    pair.clock.set(when);
    try {
      return await fn();
    } finally {
      pair.clock.set(START);
    }
  }

  beforeAll(async () => {
    pair = await startPair(open, { now: START });
  });
  afterAll(async () => pair?.close());

  // ---------------------------------------------------------------------------------------------
  describe('outbound (REST) refusals: 409 with the machine code, nothing changes', () => {
    interface Row {
      name: string;
      stage: Stage;
      type?: VaType;
      by: Side;
      path: (id: string, openChange: string | undefined) => string;
      body: unknown;
      code: string;
      error: Json;
      status?: number;
      clock?: string;
    }
    const cancel = (kind: string, reason?: string) => ({ kind, ...(reason ? { reason } : {}) });
    const answerChange = (id: string, change: string | undefined) => `/v1/switches/${id}/changes/${change}/answer`;
    const rows: Row[] = [
      // wrong party
      { name: 'the recipient answers its own VA (RUEM-VA)', stage: 'awaiting', by: 'a', path: (id) => `/v1/switches/${id}/answer`, body: accept('VA-KUE-MRN'), code: 'SG_STATE_WRONG_PARTY', error: { path: '/sender', rule: 'senderParty' } },
      { name: 'the recipient rejects its own VA (ABBM)', stage: 'awaiting', by: 'a', path: (id) => `/v1/switches/${id}/answer`, body: reject, code: 'SG_STATE_WRONG_PARTY', error: { path: '/sender', rule: 'senderParty' } },
      { name: 'the donating side sends an AKM-TR', stage: 'agreed', by: 'b', path: (id) => `/v1/switches/${id}/resource-handover`, body: akmTr, code: 'SG_STATE_WRONG_PARTY', error: { path: '/sender', rule: 'senderParty' } },
      { name: 'the recipient sends an ABBM-TR', stage: 'tr', by: 'a', path: (id) => `/v1/switches/${id}/resource-handover/answer`, body: { codes: [{ code: '8143' }] }, code: 'SG_STATE_WRONG_PARTY', error: { path: '/sender', rule: 'senderParty' } },
      { name: 'the donating side sends a TVS-VA', stage: 'agreed', by: 'b', path: (id) => `/v1/switches/${id}/reschedule`, body: { requestedDate: TV_DATE }, code: '8141', error: { path: '/sender', rule: 'tvFromAufOnly' } },
      { name: 'the recipient answers its own TVS-VA', stage: 'tvOpen', by: 'a', path: answerChange, body: { result: 'accept' }, code: 'SG_STATE_WRONG_PARTY', error: { path: '/sender', rule: 'changeAnsweredByReceiver' } },
      { name: 'the recipient rejects its own STR-AUF', stage: 'stornoOpenByAuf', by: 'a', path: answerChange, body: { result: 'reject', codes: [{ code: '8142' }] }, code: 'SG_STATE_WRONG_PARTY', error: { path: '/sender', rule: 'changeAnsweredByReceiver' } },
      { name: 'the donating side answers its own STR-AUF', stage: 'stornoOpenByAbg', by: 'b', path: answerChange, body: { result: 'accept' }, code: 'SG_STATE_WRONG_PARTY', error: { path: '/sender', rule: 'changeAnsweredByReceiver' } },
      // wrong state
      { name: 'a second RUEM-VA', stage: 'agreed', by: 'b', path: (id) => `/v1/switches/${id}/answer`, body: accept('VA-KUE-MRN'), code: 'SG_STATE_ALREADY_ANSWERED', error: { path: '', rule: 'answerOnce' } },
      { name: 'an ABBM after the RUEM-VA', stage: 'agreed', by: 'b', path: (id) => `/v1/switches/${id}/answer`, body: reject, code: 'SG_STATE_ALREADY_ANSWERED', error: { path: '', rule: 'answerOnce' } },
      { name: 'an AKM-TR before the RUEM-VA', stage: 'awaiting', by: 'a', path: (id) => `/v1/switches/${id}/resource-handover`, body: akmTr, code: 'SG_STATE_NOT_AGREED', error: { path: '', rule: 'akmTrAfterAgreement' } },
      { name: 'a second AKM-TR (not rejected)', stage: 'tr', by: 'a', path: (id) => `/v1/switches/${id}/resource-handover`, body: akmTr, code: '8148', error: { path: '', rule: 'akmTrOnce' } },
      { name: 'an AKM-TR in a VA-RRNP', stage: 'agreed', type: 'VA-RRNP', by: 'a', path: (id) => `/v1/switches/${id}/resource-handover`, body: akmTr, code: 'SG_STATE_NOT_ALLOWED', error: { path: '/type', rule: 'akmTrKueOnly' } },
      { name: 'an ABBM-TR without an AKM-TR', stage: 'agreed', by: 'b', path: (id) => `/v1/switches/${id}/resource-handover/answer`, body: { codes: [{ code: '8143' }] }, code: 'SG_STATE_NO_AKM_TR', error: { path: '', rule: 'abbmTrAnswersAkmTr' } },
      { name: 'a second ABBM-TR to the same AKM-TR', stage: 'trRejected', by: 'b', path: (id) => `/v1/switches/${id}/resource-handover/answer`, body: { codes: [{ code: '8147' }] }, code: 'SG_STATE_NO_AKM_TR', error: { path: '', rule: 'abbmTrAnswersAkmTr' } },
      { name: 'a TVS-VA before the RUEM-VA', stage: 'awaiting', by: 'a', path: (id) => `/v1/switches/${id}/reschedule`, body: { requestedDate: TV_DATE }, code: '8141', error: { path: '', rule: 'tvAfterAgreement' } },
      { name: 'a TVS-VA while a TVS-VA is open', stage: 'tvOpen', by: 'a', path: (id) => `/v1/switches/${id}/reschedule`, body: { requestedDate: '2026-12-29' }, code: '8141', error: { path: '', rule: 'oneOpenChange' } },
      { name: 'a STR-AUF while a TVS-VA is open', stage: 'tvOpen', by: 'a', path: (id) => `/v1/switches/${id}/cancel`, body: cancel('STR-AUF'), code: '8142', error: { path: '', rule: 'oneOpenChange' } },
      { name: 'a STR-AEN from the donating side while a TVS-VA is open', stage: 'tvOpen', by: 'b', path: (id) => `/v1/switches/${id}/cancel`, body: cancel('STR-AEN', 'Umzug'), code: '8142', error: { path: '', rule: 'oneOpenChange' } },
      { name: 'a TVS-VA while a STR-AUF is open', stage: 'stornoOpenByAbg', by: 'a', path: (id) => `/v1/switches/${id}/reschedule`, body: { requestedDate: TV_DATE }, code: '8141', error: { path: '', rule: 'oneOpenChange' } },
      { name: 'a STR-AEN by the recipient before the RUEM-VA', stage: 'awaiting', by: 'a', path: (id) => `/v1/switches/${id}/cancel`, body: cancel('STR-AEN'), code: '8142', error: { path: '', rule: 'strAenAfterAgreement' } },
      { name: 'a STR-AUF from the donating side before its RUEM-VA', stage: 'awaiting', by: 'b', path: (id) => `/v1/switches/${id}/cancel`, body: cancel('STR-AUF', 'Kunde verstorben'), code: '8142', error: { path: '', rule: 'stornoAbgAfterAnswer' } },
      { name: 'a STR-AEN from the donating side before its RUEM-VA', stage: 'awaiting', by: 'b', path: (id) => `/v1/switches/${id}/cancel`, body: cancel('STR-AEN', 'Umzug'), code: '8142', error: { path: '', rule: 'stornoAbgAfterAnswer' } },
      // dates and timing
      { name: 'a TVS-VA to a date earlier than the agreed one', stage: 'agreed', by: 'a', path: (id) => `/v1/switches/${id}/reschedule`, body: { requestedDate: '2026-12-14' }, code: '8141', error: { path: '/requestedDate', rule: 'tvNotEarlier' } },
      { name: 'a TVS-VA to a new date under 5 working days ahead', stage: 'agreed', by: 'a', path: (id) => `/v1/switches/${id}/reschedule`, body: { requestedDate: KWT }, code: '8141', error: { path: '/requestedDate', rule: 'minLeadWorkingDays' }, clock: '2026-12-09T10:00:00+01:00' },
      { name: 'a TVS-VA to a date that is not a working day', stage: 'agreed', by: 'a', path: (id) => `/v1/switches/${id}/reschedule`, body: { requestedDate: '2026-12-26' }, code: '8141', error: { path: '/requestedDate', rule: 'workingDay' } },
      { name: 'a TVS-VA less than 3 working days before the switch date', stage: 'agreed', by: 'a', path: (id) => `/v1/switches/${id}/reschedule`, body: { requestedDate: TV_DATE }, code: '8141', error: { path: '', rule: 'tvCutoff' }, clock: '2026-12-11T10:00:00+01:00' },
      { name: 'a STR-AUF less than 3 working days before the switch date', stage: 'agreed', by: 'a', path: (id) => `/v1/switches/${id}/cancel`, body: cancel('STR-AUF'), code: '8142', error: { path: '', rule: 'stornoCutoff' }, clock: '2026-12-11T10:00:00+01:00' },
      { name: 'a STR-AUF from the donating side after the cut-off', stage: 'agreed', by: 'b', path: (id) => `/v1/switches/${id}/cancel`, body: cancel('STR-AUF', 'Kunde verstorben'), code: '8142', error: { path: '', rule: 'stornoCutoff' }, clock: '2026-12-14T10:00:00+01:00' },
      { name: 'a STR-AEN after the switch date', stage: 'agreed', by: 'a', path: (id) => `/v1/switches/${id}/cancel`, body: cancel('STR-AEN'), code: '8142', error: { path: '', rule: 'switchDatePassed' }, clock: '2026-12-16T10:00:00+01:00' },
      // terminal states
      ...(['rejected', 'cancelled', 'replaced'] as const).flatMap((stage): Row[] => [
        { name: `a TVS-VA in ${stage}`, stage, by: 'a', path: (id) => `/v1/switches/${id}/reschedule`, body: { requestedDate: TV_DATE }, code: 'SG_STATE_CLOSED', error: { path: '', rule: 'caseOpen' } },
        { name: `a STR-AUF from the recipient in ${stage}`, stage, by: 'a', path: (id) => `/v1/switches/${id}/cancel`, body: cancel('STR-AUF'), code: 'SG_STATE_CLOSED', error: { path: '', rule: 'caseOpen' } },
        { name: `a STR-AEN from the donating side in ${stage}`, stage, by: 'b', path: (id) => `/v1/switches/${id}/cancel`, body: cancel('STR-AEN', 'Umzug'), code: 'SG_STATE_CLOSED', error: { path: '', rule: 'caseOpen' } },
        { name: `a RUEM-VA in ${stage}`, stage, by: 'b', path: (id) => `/v1/switches/${id}/answer`, body: accept('VA-KUE-MRN'), code: 'SG_STATE_CLOSED', error: { path: '', rule: 'caseOpen' } },
        { name: `an AKM-TR in ${stage}`, stage, by: 'a', path: (id) => `/v1/switches/${id}/resource-handover`, body: akmTr, code: 'SG_STATE_CLOSED', error: { path: '', rule: 'caseOpen' } },
      ]),
    ];

    for (const row of rows) {
      it(`${row.name} → ${row.status ?? 409} ${row.code}`, async () => {
        const id = await caseAt(row.stage, row.type);
        const change = ((await view(row.by, id)).openChange as Json | null)?.id as string | undefined;
        const call = () => post(row.by, row.path(id, change), row.body);
        const res = await (row.clock ? at(row.clock, () => expectRefused([id], call, row.status ?? 409, row.code, row.error)) : expectRefused([id], call, row.status ?? 409, row.code, row.error));
        expect(res.data.errors[0].code).toBe(row.code);
      });
    }

    it('STR-AEN is exempt from the STR-AUF cut-off (positive control for the row above)', async () => {
      const id = await caseAt('agreed');
      await at('2026-12-11T10:00:00+01:00', async () => {
        const res = await post('a', `/v1/switches/${id}/cancel`, { kind: 'STR-AEN' });
        expect(res.statusCode, res.body).toBe(202);
        await pair.pump();
      });
      expect(((await view('b', id)).openChange as Json).kind).toBe('STR-AEN');
    });

    it('an answer to an unknown change id → 404, also when no change is open', async () => {
      const id = await caseAt('tvOpen');
      const unknown = 'DEU.EKPA.TZZZZZZZZZ';
      const res = await expectRefused([id], () => post('b', `/v1/switches/${id}/changes/${unknown}/answer`, { result: 'accept' }), 404, 'SG_NOT_FOUND');
      expect(res.data.detail).toContain(unknown);
      const closed = await caseAt('agreed');
      await expectRefused([closed], () => post('b', `/v1/switches/${closed}/changes/${unknown}/answer`, { result: 'reject', codes: [{ code: '8141' }] }), 404, 'SG_NOT_FOUND');
    });

    it('an ERLM to an early STR-AEN before the own RUEM-VA → SG_STATE_ANSWER_VA_FIRST', async () => {
      const id = await caseAt('awaiting');
      // an early STR-AEN is accepted on receipt (wbci.md §6.3), but its ERLM needs the RUEM-VA first
      const early = { type: 'STR-AEN', recipient: AUF, donating: ABG, sender: AUF, stornoId: 'DEU.EKPA.SEARLY0001', vaIdRef: id } as WbciMessage;
      const outcome = await pair.b.wbci.receive(early, { peer: AUF });
      expect(outcome).toMatchObject({ status: 'accepted', duplicate: false });
      expect(((await view('b', id)).openChange as Json).id).toBe('DEU.EKPA.SEARLY0001');
      await expectRefused([id], () => post('b', `/v1/switches/${id}/changes/DEU.EKPA.SEARLY0001/answer`, { result: 'accept' }), 409, 'SG_STATE_ANSWER_VA_FIRST', {
        path: '',
        rule: 'ruemVaBeforeErlm',
      });
      // once the RUEM-VA is out, the ERLM goes through
      await ok(post('b', `/v1/switches/${id}/answer`, accept('VA-KUE-MRN')));
      await ok(post('b', `/v1/switches/${id}/changes/DEU.EKPA.SEARLY0001/answer`, { result: 'accept' }));
      expect((await view('b', id)).state).toBe('REPLACED');
    });

    it('every write on an unknown case → 404 SG_NOT_FOUND', async () => {
      const id = 'DEU.EKPA.VZZZZZZZZZ';
      const calls: [Side, string, unknown][] = [
        ['b', `/v1/switches/${id}/answer`, reject],
        ['a', `/v1/switches/${id}/resource-handover`, akmTr],
        ['b', `/v1/switches/${id}/resource-handover/answer`, { codes: [{ code: '8143' }] }],
        ['a', `/v1/switches/${id}/reschedule`, { requestedDate: TV_DATE }],
        ['a', `/v1/switches/${id}/cancel`, { kind: 'STR-AUF' }],
        ['b', `/v1/switches/${id}/changes/DEU.EKPA.T000000001/answer`, { result: 'accept' }],
      ];
      for (const [side, path, body] of calls) {
        const res = await expectRefused([id], () => post(side, path, body), 404, 'SG_NOT_FOUND');
        expect(res.data.detail, path).toContain(id);
      }
      for (const path of [`/v1/switches/${id}`, `/v1/switches/${id}/messages`]) {
        const res = await rest(pair.a, 'GET', path);
        expectProblem(res, 404, 'SG_NOT_FOUND');
      }
    });

    describe('successor VA (replaces)', () => {
      it('of a case that was not replaced → 409 SG_STATE_NOT_REPLACED', async () => {
        const id = await caseAt('agreed');
        await expectRefused([id], () => post('a', '/v1/switches', vaBody('VA-KUE-MRN', { replaces: id })), 409, 'SG_STATE_NOT_REPLACED', { path: '/vaId', rule: 'predecessorReplaced' });
      });
      it('of an unknown case → 404', async () => {
        await expectRefused([], () => post('a', '/v1/switches', vaBody('VA-KUE-MRN', { replaces: 'DEU.EKPA.VZZZZZZZZY' })), 404, 'SG_NOT_FOUND');
      });
      it('a second successor → 409 SG_STATE_ALREADY_REPLACED', async () => {
        const id = await caseAt('replaced');
        const first = await ok(post('a', '/v1/switches', vaBody('VA-KUE-MRN', { replaces: id })), 201);
        await expectRefused([id, first.data.id as string], () => post('a', '/v1/switches', vaBody('VA-KUE-MRN', { replaces: id })), 409, 'SG_STATE_ALREADY_REPLACED', {
          path: '/vaId',
          rule: 'singleSuccessor',
        });
      });
      it('a KUE successor of a VA-RRNP → 409 SG_STATE_SUCCESSOR_TYPE', async () => {
        const id = await caseAt('replaced', 'VA-RRNP');
        await expectRefused([id], () => post('a', '/v1/switches', vaBody('VA-KUE-ORN', { replaces: id })), 409, 'SG_STATE_SUCCESSOR_TYPE', { path: '/type', rule: 'rrnpSuccessorNotKue' });
      });
      it('after the successor deadline (switch date − 7 WD) → 409 SG_STATE_SUCCESSOR_LATE', async () => {
        const id = await caseAt('replaced');
        // due end of Friday 4 Dec 2026 (15 Dec − 7 working days)
        await at('2026-12-07T09:00:00+01:00', () =>
          expectRefused([id], () => post('a', '/v1/switches', vaBody('VA-KUE-MRN', { replaces: id, requestedDate: '2026-12-22' })), 409, 'SG_STATE_SUCCESSOR_LATE', {
            path: '/vaId',
            rule: 'successorInTime',
          }),
        );
      });
      it('of a case where this gateway is the donating side → 409 SG_SUCCESSOR_MISMATCH', async () => {
        const id = await caseAt('replaced');
        const body = { ...vaBody('VA-KUE-MRN'), donating: AUF, replaces: id };
        await expectRefused([id], () => post('b', '/v1/switches', body), 409, 'SG_SUCCESSOR_MISMATCH', { path: '/replaces' });
      });
    });
  });

  // ---------------------------------------------------------------------------------------------
  describe('time-driven terminal states (COMPLETED, REPLACED_EXPIRED)', () => {
    // Runs after every other outbound test of this pair: the ticks below move every open case.
    it('nothing goes after COMPLETED or REPLACED_EXPIRED', async () => {
      const done = await caseAt('agreed');
      const replaced = await caseAt('replaced');
      const body = (await messages('a', replaced))[0]!.body;
      try {
        // successor due end of Friday 4 Dec (15 Dec − 7 WD)
        pair.clock.set('2026-12-07T09:00:00+01:00');
        await pair.a.tick();
        await pair.b.tick();
        for (const side of ['a', 'b'] as const) {
          expect((await view(side, replaced)).state).toBe('REPLACED_EXPIRED');
          expect((await view(side, done)).state).toBe('AGREED');
        }
        // completed once the switch date (15 Dec) is three days past
        pair.clock.set('2026-12-18T10:00:00+01:00');
        await pair.a.tick();
        await pair.b.tick();
        for (const side of ['a', 'b'] as const) expect((await view(side, done)).state).toBe('COMPLETED');
        // the time-driven transitions are in the cases' histories, written by the tick's own update
        for (const side of ['a', 'b'] as const) {
          expect((await caseHistory(gw(side).store.db, replaced)).at(-1)).toMatchObject({ from_state: 'REPLACED', to_state: 'REPLACED_EXPIRED', note: 'time' });
          expect((await caseHistory(gw(side).store.db, done)).at(-1)).toMatchObject({ from_state: 'AGREED', to_state: 'COMPLETED', note: 'time' });
        }

        for (const [by, path, payload] of [
          ['a', `/v1/switches/${done}/reschedule`, { requestedDate: '2027-01-12' }],
          ['a', `/v1/switches/${done}/cancel`, { kind: 'STR-AUF' }],
          ['b', `/v1/switches/${done}/cancel`, { kind: 'STR-AEN', reason: 'Umzug' }],
          ['a', `/v1/switches/${done}/resource-handover`, akmTr],
          ['b', `/v1/switches/${replaced}/cancel`, { kind: 'STR-AUF', reason: 'Kunde verstorben' }],
        ] as [Side, string, unknown][]) {
          await expectRefused([done, replaced], () => post(by, path, payload), 409, 'SG_STATE_CLOSED', { path: '', rule: 'caseOpen' });
        }
        const successor = { procedure: 'wbci', type: 'VA-KUE-MRN', donating: ABG, requestedDate: '2027-01-12', customer: body.customer, location, numbers, replaces: replaced };
        await expectRefused([done, replaced], () => post('a', '/v1/switches', successor), 409, 'SG_STATE_SUCCESSOR_LATE', { path: '/vaId', rule: 'successorInTime' });
        // and the inbound side answers a TVS-VA on the completed case with ABBM 8141
        const tv = { type: 'TVS-VA', recipient: AUF, donating: ABG, sender: AUF, changeId: 'DEU.EKPA.TLATE00001', vaIdRef: done, requestedDate: '2027-01-12' } as WbciMessage;
        expect(await pair.b.wbci.receive(tv, { peer: AUF })).toMatchObject({ status: 'refused', reply: { type: 'ABBM', code: '8141' } });
        await pair.pump();
        expect((await messages('a', done)).at(-1)).toMatchObject({ direction: 'in', type: 'ABBM', body: { positions: [{ code: '8141' }], switchDate: KWT } });
        expect((await view('b', done)).state).toBe('COMPLETED');
      } finally {
        pair.clock.set(START);
      }
    });
  });

  // ---------------------------------------------------------------------------------------------
  describe('inbound refusals: the business answer reaches the sender, the receiver case is unchanged', () => {
    const parties = { recipient: AUF, donating: ABG };
    const fromAuf = { ...parties, sender: AUF };
    const fromAbg = { ...parties, sender: ABG };
    const tvs = (vaIdRef: string, changeId: string, requestedDate = TV_DATE) => ({ type: 'TVS-VA', ...fromAuf, changeId, vaIdRef, requestedDate }) as WbciMessage;
    const storno = (type: 'STR-AUF' | 'STR-AEN', vaIdRef: string, stornoId: string, from: Json = fromAuf) => ({ type, ...from, stornoId, vaIdRef }) as WbciMessage;
    const akm = (vaIdRef: string, over: Json = {}) =>
      ({ type: 'AKM-TR', ...fromAuf, vaIdRef, businessCase: 'VA-KUE-MRN', positions: [{ code: '8010' }], takeOver: true, lines: [{ contractNumber: '1234567890' }], safeHarbour: false, ...over }) as WbciMessage;

    /**
     * `receiver` gets `msg` on its inbound port; it must be refused with `reply` (type + code), the
     * receiver's case view must not move, and after delivery the reply is the last message the
     * sender has for the case.
     */
    async function expectInboundRefusal(receiver: Side, msg: WbciMessage, reply: { type: string; code: string } | null): Promise<{ arrived?: Json & { body: Json } }> {
      await pair.pump();
      const caseId = 'vaId' in msg ? msg.vaId : msg.vaIdRef;
      const sender: Side = receiver === 'a' ? 'b' : 'a';
      const caseBefore = await rest(gw(receiver), 'GET', `/v1/switches/${caseId}`);
      const outcome = await gw(receiver).wbci.receive(msg, { peer: receiver === 'a' ? ABG : AUF });
      expect(outcome).toMatchObject({ status: 'refused', duplicate: false, caseId, reply });
      const caseAfter = await rest(gw(receiver), 'GET', `/v1/switches/${caseId}`);
      expect(caseAfter.statusCode).toBe(caseBefore.statusCode);
      expect(caseAfter.data).toEqual(caseBefore.data);
      const onReceiver = await messages(receiver, caseId);
      const refusedAt = onReceiver.findIndex((m) => m.status === 'refused' && m.type === msg.type && m.direction === 'in' && JSON.stringify(m.body).includes(JSON.stringify(ownId(msg))));
      expect(refusedAt, JSON.stringify(onReceiver)).toBeGreaterThanOrEqual(0);
      if (!reply) {
        expect(onReceiver.length).toBe(refusedAt + 1);
        return {};
      }
      expect(onReceiver.slice(refusedAt + 1).map((m) => `${m.direction} ${m.type} ${m.status}`)).toEqual([`out ${reply.type} queued`]);
      await pair.pump();
      // 'failed' here means the sender's gateway refused the auto-reply itself (negative TEQ → dead letter)
      expect((await messages(receiver, caseId)).at(-1)!.status, `delivery of the auto-reply ${reply.type} ${reply.code}`).toBe('delivered');
      const arrived = (await messages(sender, caseId)).at(-1)!;
      expect({ direction: arrived.direction, type: arrived.type, code: (arrived.body.positions as Json[])[0]!.code }).toEqual({ direction: 'in', type: reply.type, code: reply.code });
      expect(await rest(gw(receiver), 'GET', `/v1/switches/${caseId}`).then((r) => r.data)).toEqual(caseBefore.data);
      return { arrived };
    }
    const ownId = (m: WbciMessage) => ('changeId' in m ? m.changeId : 'stornoId' in m ? m.stornoId : 'vaId' in m ? m.vaId : m.vaIdRef);

    it('8140: a TVS-VA, STR-AUF, STR-AEN or AKM-TR for an unknown VA-ID', async () => {
      const cases: [WbciMessage, string][] = [
        [storno('STR-AUF', 'DEU.EKPA.VUNKNOWN02', 'DEU.EKPA.SUNKNOWN02'), 'ABBM'],
        [storno('STR-AEN', 'DEU.EKPA.VUNKNOWN03', 'DEU.EKPA.SUNKNOWN03'), 'ABBM'],
        [akm('DEU.EKPA.VUNKNOWN04'), 'ABBM-TR'],
        [tvs('DEU.EKPA.VUNKNOWN01', 'DEU.EKPA.TUNKNOWN01'), 'ABBM'],
      ];
      for (const [msg, type] of cases) {
        const r = await expectInboundRefusal('b', msg, { type, code: '8140' });
        expect((await rest(pair.b, 'GET', `/v1/switches/${(msg as { vaIdRef: string }).vaIdRef}`)).statusCode).toBe(404);
        if (msg.type === 'TVS-VA') expect(r.arrived!.body).toMatchObject({ businessCase: 'TVS-VA', changeIdRef: 'DEU.EKPA.TUNKNOWN01' });
        if (msg.type === 'AKM-TR') expect(r.arrived!.body).toMatchObject({ businessCase: 'VA-KUE-MRN', vaIdRef: 'DEU.EKPA.VUNKNOWN04' });
        if (msg.type === 'STR-AUF') expect(r.arrived!.body).toMatchObject({ businessCase: 'STR-AUF', stornoIdRef: 'DEU.EKPA.SUNKNOWN02' });
      }
    });

    it('a RUEM-VA for an unknown VA-ID is refused without an answer (Meldungen are not answered)', async () => {
      const msg = { type: 'RUEM-VA', ...fromAbg, vaIdRef: 'DEU.EKPA.VUNKNOWN05', businessCase: 'VA-KUE-MRN', positions: [{ code: '8001' }], switchDate: KWT, technology: '001 TAL ISDN', numbers: { kind: 'single', list: [{ areaCode: '89', number: '1234567', pkiAbg: 'D123' }] } } as WbciMessage;
      await expectInboundRefusal('a', msg, null);
    });

    it('8115: a VA that reuses a VA-ID', async () => {
      const id = await caseAt('agreed');
      const original = (await messages('b', id))[0]!.body as Json;
      const dup = { ...original, requestedDate: '2026-12-16' } as WbciMessage;
      const { arrived } = await expectInboundRefusal('b', dup, { type: 'ABBM', code: '8115' });
      expect(arrived!.body).toMatchObject({ businessCase: 'VA-KUE-MRN', vaIdRef: id });
      expect((await view('b', id)).requestedDate).toBe(KWT);
    });

    it('8115: a TVS-VA that reuses a T-ID (same case, after it was answered)', async () => {
      const id = await caseAt('tvOpen');
      const tId = ((await view('b', id)).openChange as Json).id as string;
      await ok(post('b', `/v1/switches/${id}/changes/${tId}/answer`, { result: 'reject', codes: [{ code: '8141' }] }));
      const { arrived } = await expectInboundRefusal('b', tvs(id, tId, '2026-12-29'), { type: 'ABBM', code: '8115' });
      expect(arrived!.body).toMatchObject({ businessCase: 'TVS-VA', changeIdRef: tId, switchDate: KWT });
    });

    it('8115: a STR-AUF that reuses an S-ID (same case, and in another case)', async () => {
      const id = await caseAt('stornoOpenByAuf');
      const sId = ((await view('b', id)).openChange as Json).id as string;
      await ok(post('b', `/v1/switches/${id}/changes/${sId}/answer`, { result: 'reject', codes: [{ code: '8142' }] }));
      await expectInboundRefusal('b', storno('STR-AEN', id, sId), { type: 'ABBM', code: '8115' });
      const other = await caseAt('agreed');
      await expectInboundRefusal('b', storno('STR-AUF', other, sId), { type: 'ABBM', code: '8115' });
      expect((await view('b', other)).openChange).toBeNull();
    });

    it('8141: a TVS-VA to an earlier date', async () => {
      const agreed = await caseAt('agreed');
      const { arrived } = await expectInboundRefusal('b', tvs(agreed, 'DEU.EKPA.TEARLIER01', '2026-12-14'), { type: 'ABBM', code: '8141' });
      // an ABBM to a TVS-VA carries the original date
      expect(arrived!.body).toMatchObject({ changeIdRef: 'DEU.EKPA.TEARLIER01', switchDate: KWT, reason: expect.stringContaining('vor dem vereinbarten') });
      expect((await view('a', agreed)).switchDate).toBe(KWT);
    });

    it('8141: a TVS-VA before the RUEM-VA', async () => {
      const early = await caseAt('awaiting');
      await expectInboundRefusal('b', tvs(early, 'DEU.EKPA.TEARLY0001'), { type: 'ABBM', code: '8141' });
    });

    it('8141: a TVS-VA sent in time but received after the cut-off; the sender sees its change rejected', async () => {
      const id = await caseAt('agreed');
      await at('2026-12-09T10:00:00+01:00', async () => {
        const res = await post('a', `/v1/switches/${id}/reschedule`, { requestedDate: TV_DATE });
        expect(res.statusCode, res.body).toBe(202);
      });
      const bBefore = await view('b', id);
      await at('2026-12-11T10:00:00+01:00', () => pair.pump());
      expect(await view('b', id)).toEqual(bBefore);
      const onB = await messages('b', id);
      expect(onB.slice(-2).map((m) => `${m.direction} ${m.type} ${m.status}`)).toEqual(['in TVS-VA refused', 'out ABBM delivered']);
      expect(onB.at(-1)!.body).toMatchObject({ positions: [{ code: '8141' }], switchDate: KWT, reason: expect.stringContaining('Frist unterschritten') });
      const onA = await view('a', id);
      expect({ state: onA.state, switchDate: onA.switchDate, openChange: onA.openChange }).toEqual({ state: 'AGREED', switchDate: KWT, openChange: null });
      expect((await messages('a', id)).at(-1)).toMatchObject({ direction: 'in', type: 'ABBM', status: 'accepted' });
    });

    it('8142: a STR-AUF sent in time but received after the cut-off', async () => {
      const id = await caseAt('agreed');
      await at('2026-12-09T10:00:00+01:00', async () => {
        const res = await post('a', `/v1/switches/${id}/cancel`, { kind: 'STR-AUF' });
        expect(res.statusCode, res.body).toBe(202);
      });
      const bBefore = await view('b', id);
      await at('2026-12-11T10:00:00+01:00', () => pair.pump());
      expect(await view('b', id)).toEqual(bBefore);
      expect((await messages('b', id)).at(-1)!.body).toMatchObject({ type: 'ABBM', businessCase: 'STR-AUF', positions: [{ code: '8142' }], reason: expect.stringContaining('Frist unterschritten') });
      const onA = await view('a', id);
      expect({ state: onA.state, openChange: onA.openChange }).toEqual({ state: 'AGREED', openChange: null });
    });

    it('8142: a Storno from the donating side before its RUEM-VA (received by the recipient)', async () => {
      const id = await caseAt('awaiting');
      const msg = { ...storno('STR-AUF', id, 'DEU.EKPB.SEARLY0001', fromAbg), reason: 'Kunde verstorben' } as WbciMessage;
      const { arrived } = await expectInboundRefusal('a', msg, { type: 'ABBM', code: '8142' });
      expect(arrived!.body).toMatchObject({ businessCase: 'STR-AUF', stornoIdRef: 'DEU.EKPB.SEARLY0001' });
    });

    it('8142: a second Storno while one is open', async () => {
      const id = await caseAt('stornoOpenByAuf');
      await expectInboundRefusal('b', storno('STR-AEN', id, 'DEU.EKPA.SSECOND001'), { type: 'ABBM', code: '8142' });
    });

    it('8148: a second AKM-TR that was not rejected', async () => {
      const id = await caseAt('tr');
      await expectInboundRefusal('b', akm(id, { takeOver: false, lines: [], safeHarbour: true }), { type: 'ABBM-TR', code: '8148' });
    });

    it('anything on a closed case is refused (ABBM naming the closed case)', async () => {
      const id = await caseAt('cancelled');
      const { arrived } = await expectInboundRefusal('b', tvs(id, 'DEU.EKPA.TCLOSED001'), { type: 'ABBM', code: '8141' });
      expect(arrived!.body).toMatchObject({ switchDate: KWT, reason: expect.stringContaining('abgeschlossen') });
      await expectInboundRefusal('b', akm(id, { lines: [{ contractNumber: '1111111111' }] }), { type: 'ABBM-TR', code: '8147' });
    });

    describe('the same inbound message twice: one effect, the same outcome', () => {
      it('an accepted message', async () => {
        const id = await caseAt('agreed');
        const msg = tvs(id, 'DEU.EKPA.TTWICE0001');
        const first = await pair.b.wbci.receive(msg, { peer: AUF });
        expect(first).toMatchObject({ status: 'accepted', duplicate: false });
        const caseAfterFirst = await view('b', id);
        const msgsAfterFirst = await messages('b', id);
        const feed = await lastCursor('b');
        const rows = await eventRows('b');
        const second = await pair.b.wbci.receive(structuredClone(msg), { peer: AUF });
        expect(second).toEqual({ ...first, duplicate: true, warnings: [] });
        expect(await view('b', id)).toEqual(caseAfterFirst);
        expect(await messages('b', id)).toEqual(msgsAfterFirst);
        expect(await eventRows('b')).toBe(rows);
        await lastCursor('b');
        expect(await eventsAfter('b', feed)).toEqual([]);
      });

      it('a refused message: one auto-reply, the same reply again', async () => {
        const id = await caseAt('agreed');
        const msg = tvs(id, 'DEU.EKPA.TTWICE0002', '2026-12-14');
        const first = await pair.b.wbci.receive(msg, { peer: AUF });
        expect(first).toMatchObject({ status: 'refused', duplicate: false, reply: { type: 'ABBM', code: '8141' } });
        const msgsAfterFirst = await messages('b', id);
        const rows = await eventRows('b');
        const second = await pair.b.wbci.receive(structuredClone(msg), { peer: AUF });
        expect(second).toMatchObject({ status: 'refused', duplicate: true, reply: { type: 'ABBM', code: '8141' }, messageId: (first as { messageId: string }).messageId });
        expect(await messages('b', id)).toEqual(msgsAfterFirst);
        expect(await eventRows('b')).toBe(rows);
        await pair.pump();
        expect((await messages('a', id)).filter((m) => m.type === 'ABBM')).toHaveLength(1);
      });

      it('the same content with its fields in another order', async () => {
        const id = await caseAt('agreed');
        const first = await pair.b.wbci.receive(tvs(id, 'DEU.EKPA.TTWICE0003'), { peer: AUF });
        expect(first).toMatchObject({ status: 'accepted', duplicate: false });
        const caseAfterFirst = await view('b', id);
        const reordered = { requestedDate: TV_DATE, vaIdRef: id, changeId: 'DEU.EKPA.TTWICE0003', sender: AUF, donating: ABG, recipient: AUF, type: 'TVS-VA' } as WbciMessage;
        const second = await pair.b.wbci.receive(reordered, { peer: AUF });
        expect(second).toMatchObject({ status: 'accepted', duplicate: true, messageId: (first as { messageId: string }).messageId });
        expect(await view('b', id)).toEqual(caseAfterFirst);
      });
    });
  });
});
