/**
 * The cases a partner's conformance suite catches (issue #10), between two gateways over real HTTP
 * on 127.0.0.1 with PostgreSQL: DEU.EKPA is the recipient (EKPauf), DEU.EKPB the donating carrier.
 * Every sequence ends with both sides in the same state (Play.settled checks it).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgAdminUrl, type TestDatabase } from '../support/backends.js';
import { eventually, http } from '../support/http-pair.js';
import { peerToken, rawPost, soapHeaders } from '../support/wire-stubs.js';
import { soapActionOf } from '../../src/delivery/peer-transport.js';
import { decodeTeq, encodeSoap } from '../../src/protocols/wbci/soap-codec.js';
import { signEnvelope } from '../../src/protocols/wbci/ws-security-sign.js';
import type { WbciMessage } from '../../src/protocols/wbci/types.js';
import { ABG, AUF, KWT, NAT_DATE, START, Play, acceptKue, agreed, akmTr, startPair, trNotified, vaBody, type Pair } from '../support/wire-play.js';

const pgMissing = !pgAdminUrl();
type Protocol = 'wbci-soap' | 'wbci-json';

/** A SOAP envelope as `signer`'s gateway sends it: signed when the pair signs (the gateways pin each other). */
function signedSoap(pair: Pair, signer: 'a' | 'b', msg: WbciMessage, delivery?: { id: string }): string {
  const control = { timestamp: new Date().toISOString(), major: '02', minor: '00' };
  const cert = pair.certs?.[signer];
  if (!cert) return encodeSoap(msg, control, { delivery });
  const { issuer, serial } = cert.identity;
  return signEnvelope(encodeSoap(msg, { ...control, signature: { issuer, serial } }, { delivery }), cert.identity);
}

/** Posts `msg` to B as if DEU.EKPA's gateway (or another vendor's, without `deliveryId`) sent it. */
async function postToB(pair: Pair, protocol: Protocol, msg: WbciMessage, deliveryId?: string): Promise<void> {
  const delivery = deliveryId === undefined ? undefined : { id: deliveryId };
  const control = { timestamp: new Date().toISOString(), major: '02', minor: '00' };
  if (protocol === 'wbci-json') {
    const res = await rawPost(`${pair.b.url}/wbci/v1/json`, JSON.stringify({ control, message: msg, ...(delivery ? { delivery } : {}) }), {
      'content-type': 'application/json',
      authorization: `Bearer ${peerToken(AUF, ABG)}`,
    });
    expect(JSON.parse(res.text).quittung.positions, res.text).toEqual([{ code: 'OK', text: 'OK' }]);
    return;
  }
  const res = await rawPost(`${pair.b.url}/wbci/v1`, signedSoap(pair, 'a', msg, delivery), soapHeaders(AUF, ABG, soapActionOf(msg)));
  const teq = decodeTeq(res.text);
  expect(teq.ok && teq.teq.positions, res.text).toEqual([{ code: 'OK', text: 'OK' }]);
}

/** The stored domain form of the last message of `type` that B received, as a partner would send it again. */
async function lastReceivedOnB(p: Play, type: string): Promise<WbciMessage> {
  const all = await p.messages('b');
  return all.filter((x) => x.direction === 'in' && x.type === type).at(-1)!.body as unknown as WbciMessage;
}

const timelineOf = async (p: Play, side: 'a' | 'b') => (await p.messages(side)).map((m) => `${m.direction} ${m.type} ${m.status}`);

for (const protocol of ['wbci-soap', 'wbci-json'] as const) {
  describe.skipIf(pgMissing)(`WBCI conformance over real HTTP [postgres, ${protocol}]`, () => {
    const databases: TestDatabase[] = [];
    let pair: Pair;
    beforeAll(async () => {
      pair = await startPair(protocol, databases);
    });
    afterAll(async () => {
      await pair?.close();
      for (const d of databases) await d.drop();
    });
    const A = (path: string, body?: unknown) => http(pair.a, 'POST', path, body);
    const B = (path: string, body?: unknown) => http(pair.b, 'POST', path, body);

    describe('1. an AKM-TR re-sent after an ABBM-TR is a new message', () => {
      it('AKM-TR → ABBM-TR → the same AKM-TR again: both sides end in TR_NOTIFIED', async () => {
        const p = await new Play(pair).start(vaBody('VA-KUE-MRN'));
        await p.step('b', 'RUEM-VA', (id) => B(`/v1/switches/${id}/answer`, acceptKue()), agreed());
        await p.step('a', 'AKM-TR', (id) => A(`/v1/switches/${id}/resource-handover`, akmTr), trNotified());
        await p.step('b', 'ABBM-TR', (id) => B(`/v1/switches/${id}/resource-handover/answer`, { codes: [{ code: '8147' }] }), agreed());
        // unchanged: the recipient insists on the same take-over
        await p.step('a', 'AKM-TR', (id) => A(`/v1/switches/${id}/resource-handover`, akmTr), trNotified());
        const received = (await p.messages('b')).filter((m) => m.type === 'AKM-TR');
        expect(received.map((m) => m.body)).toEqual([received[0]!.body, received[0]!.body]);
      });

      it('a transport retry of one delivery (the answer was lost) still has one effect', async () => {
        const p = await new Play(pair).start(vaBody('VA-KUE-MRN'));
        await p.step('b', 'RUEM-VA', (id) => B(`/v1/switches/${id}/answer`, acceptKue()), agreed());
        const lostBefore = pair.toB.seen['lose-answer'];
        await pair.toB.set('lose-answer');
        try {
          const res = await A(`/v1/switches/${p.id}/resource-handover`, akmTr);
          expect(res.status, res.text).toBe(202);
          await eventually(async () => expect(pair.toB.seen['lose-answer']).toBeGreaterThan(lostBefore));
        } finally {
          await pair.toB.set('pass');
        }
        p.sent('a', 'AKM-TR');
        // B processed the lost attempt and the retry, and kept one AKM-TR (the timeline says so)
        await p.settled(trNotified());
      });

      it('from a partner without delivery ids the case decides: after an ABBM-TR the identical AKM-TR is new, a repeat of it is not', async () => {
        const p = await new Play(pair).start(vaBody('VA-KUE-MRN'));
        await p.step('b', 'RUEM-VA', (id) => B(`/v1/switches/${id}/answer`, acceptKue()), agreed());
        // another vendor's gateway on A's behalf: no delivery id, each message posted twice (a retry)
        const message = { type: 'AKM-TR', recipient: AUF, donating: ABG, sender: AUF, vaIdRef: p.id, businessCase: 'VA-KUE-MRN', positions: [{ code: '8010' }], takeOver: true, lines: [{ contractNumber: '1234567890' }], safeHarbour: false } as WbciMessage;
        const onB = [...p.timeline.b];
        await postToB(pair, protocol, message);
        await postToB(pair, protocol, message);
        onB.push('in AKM-TR accepted');
        await eventually(async () => expect({ timeline: await timelineOf(p, 'b'), state: (await p.view('b')).state }).toEqual({ timeline: onB, state: 'TR_NOTIFIED' }));
        const rejected = await B(`/v1/switches/${p.id}/resource-handover/answer`, { codes: [{ code: '8147' }] });
        expect(rejected.status, rejected.text).toBe(202);
        onB.push('out ABBM-TR delivered');
        await eventually(async () => expect(await timelineOf(p, 'b')).toEqual(onB));
        // after the ABBM-TR the identical AKM-TR is a new message; its repeat is a retry again
        await postToB(pair, protocol, message);
        await postToB(pair, protocol, message);
        onB.push('in AKM-TR accepted');
        await eventually(async () => expect({ timeline: await timelineOf(p, 'b'), state: (await p.view('b')).state }).toEqual({ timeline: onB, state: 'TR_NOTIFIED' }));
      });
    });

    describe('5. an identical TVS-VA / Storno again: transport retry or a reused T-/S-ID', () => {
      const cases = [
        { kind: 'TVS-VA', send: (id: string) => A(`/v1/switches/${id}/reschedule`, { requestedDate: '2026-12-22' }), reject: '8141' },
        { kind: 'STR-AUF', send: (id: string) => A(`/v1/switches/${id}/cancel`, { kind: 'STR-AUF' }), reject: '8142' },
      ];
      for (const c of cases) {
        it(`${c.kind}: the same delivery id again has one effect; a new delivery reusing the ID is answered with ABBM 8115`, async () => {
          const p = await new Play(pair).start(vaBody('VA-KUE-MRN'));
          await p.step('b', 'RUEM-VA', (id) => B(`/v1/switches/${id}/answer`, acceptKue()), agreed());
          await p.step('a', c.kind, (id) => c.send(id), { ...agreed(), openChange: { kind: c.kind } });
          await p.step('b', 'ABBM', (id, change) => B(`/v1/switches/${id}/changes/${change}/answer`, { result: 'reject', codes: [{ code: c.reject }] }), agreed());
          const message = await lastReceivedOnB(p, c.kind);
          const sentByA = (await p.messages('a')).find((m) => m.direction === 'out' && m.type === c.kind)!;

          // a transport retry: A's own delivery id once more → nothing new, no answer
          await postToB(pair, protocol, message, sentByA.messageId as string);
          await p.settled(agreed());

          // a new request that reuses the T-/S-ID: 8115
          await postToB(pair, protocol, message, `partner-${c.kind}-${Date.now()}`);
          p.timeline.b.push(`in ${c.kind} refused`, 'out ABBM delivered');
          p.timeline.a.push('in ABBM refused');
          await p.settled(agreed());
          const abbm = (await p.messages('b')).at(-1)!;
          expect(abbm.body).toMatchObject({ type: 'ABBM', businessCase: c.kind, positions: [expect.objectContaining({ code: '8115' })] });
        });
      }
    });
  });
}

/** Every feed event of `caseId` on one gateway (the feed is read from the start). */
async function eventsOf(node: Pair['a'], caseId: string): Promise<{ type: string; data: Record<string, unknown> }[]> {
  const out: { type: string; data: Record<string, unknown> }[] = [];
  let after: string | null = null;
  for (;;) {
    const res = await http(node, 'GET', `/v1/events?limit=1000${after ? `&after=${encodeURIComponent(after)}` : ''}`);
    expect(res.status, res.text).toBe(200);
    const items = res.data.items as { type: string; caseId: string; data: Record<string, unknown> }[];
    out.push(...items.filter((e) => e.caseId === caseId));
    if (items.length < 1000) return out;
    after = res.data.nextCursor as string;
  }
}

const withLine = (lineId: string) => acceptKue({ resources: [{ lineId }] });
const LINE_1 = 'DEU.EKPB.LINE000001';

describe.skipIf(pgMissing)('WBCI conformance over real HTTP [postgres, wbci-soap]: lines, content, successors', () => {
  const databases: TestDatabase[] = [];
  let pair: Pair;
  beforeAll(async () => {
    pair = await startPair('wbci-soap', databases);
  });
  afterAll(async () => {
    await pair?.close();
    for (const d of databases) await d.drop();
  });
  const A = (path: string, body?: unknown) => http(pair.a, 'POST', path, body);
  const B = (path: string, body?: unknown) => http(pair.b, 'POST', path, body);

  /** A sends an AKM-TR that B answers by itself with ABBM-TR `code`; both sides end AGREED. */
  async function autoRejected(p: Play, lines: unknown[], code: string): Promise<void> {
    const res = await A(`/v1/switches/${p.id}/resource-handover`, { takeOver: true, lines });
    expect(res.status, res.text).toBe(202);
    p.timeline.a.push('out AKM-TR delivered', 'in ABBM-TR accepted');
    p.timeline.b.push('in AKM-TR refused', 'out ABBM-TR delivered');
    await p.settled(agreed());
    expect((await p.messages('a')).at(-1)!.body.positions).toEqual([expect.objectContaining({ code })]);
  }

  describe('3. AKM-TR data problems are answered automatically', () => {
    it('a Line-ID / WITA contract number of another VA → 8146 / 8145, an unknown one → 8144 / 8143', async () => {
      const byLine = await new Play(pair).start(vaBody('VA-KUE-MRN'));
      await byLine.step('b', 'RUEM-VA', (id) => B(`/v1/switches/${id}/answer`, withLine(LINE_1)), agreed());
      const byContract = await new Play(pair).start(vaBody('VA-KUE-MRN'));
      await byContract.step('b', 'RUEM-VA', (id) => B(`/v1/switches/${id}/answer`, acceptKue({ resources: [{ contractNumber: '4444444444' }] })), agreed());

      await autoRejected(byContract, [{ lineId: LINE_1 }], '8146');
      await autoRejected(byContract, [{ lineId: 'DEU.EKPB.UNKNOWN99' }], '8144');
      await autoRejected(byLine, [{ contractNumber: '4444444444' }], '8145');
      await autoRejected(byLine, [{ contractNumber: '5555555555' }], '8143');
      // the lines of the RUEM-VA are taken over
      await byLine.step('a', 'AKM-TR', (id) => A(`/v1/switches/${id}/resource-handover`, { takeOver: true, lines: [{ lineId: LINE_1 }] }), trNotified());
    });

  });

  describe('3. received RUEM-VA content goes to the CRM as wbci.clarification', () => {
    it('a Wechseltermin before the KWT, numbers not requested and an ADA code with the wrong attribute', async () => {
      const p = await new Play(pair).start(vaBody('VA-KUE-MRN'));
      const ruem = {
        type: 'RUEM-VA', recipient: AUF, donating: ABG, sender: ABG, vaIdRef: p.id, businessCase: 'VA-KUE-MRN',
        positions: [{ code: '8001' }, { code: '8104', corrected: { field: 'city', value: 'Muenchen' } }],
        switchDate: '2026-12-14', technology: '001 TAL ISDN', resources: [{ contractNumber: '1234567890' }],
        numbers: { kind: 'single', list: [{ areaCode: '89', number: '1234567', pkiAbg: 'D123' }, { areaCode: '89', number: '7777777', pkiAbg: 'D123' }] },
      } as unknown as WbciMessage;
      // B's own gateway would never send this: a partner's does, straight to A
      const res = await rawPost(`${pair.a.url}/wbci/v1`, signedSoap(pair, 'b', ruem), soapHeaders(ABG, AUF, 'annehmenMeldung'));
      const teq = decodeTeq(res.text);
      expect(teq.ok && teq.teq.positions, res.text).toEqual([{ code: 'OK', text: 'OK' }]);
      await eventually(async () => {
        expect((await p.view('a')).state).toBe('AGREED');
        const findings = (await eventsOf(pair.a, p.id)).filter((e) => e.type === 'wbci.clarification').map((e) => e.data.finding);
        expect(findings.sort()).toEqual(['SG_ADA_MISMATCH', 'SG_DATE_BEFORE_KWT', 'SG_NUMBERS_NOT_REQUESTED']);
      });
    });
  });

  describe('2. the successor of a cancelled VA is linked by what identifies it', () => {
    async function replaced(body: Record<string, unknown>, accept: Record<string, unknown>): Promise<Play> {
      const p = await new Play(pair).start(body);
      await p.step('b', 'RUEM-VA', (id) => B(`/v1/switches/${id}/answer`, accept), agreed());
      await p.step('a', 'STR-AEN', (id) => A(`/v1/switches/${id}/cancel`, { kind: 'STR-AEN' }), { ...agreed(), openChange: { kind: 'STR-AEN' } });
      await p.step('b', 'ERLM', (id, change) => B(`/v1/switches/${id}/changes/${change}/answer`, { result: 'accept' }), { state: 'REPLACED', switchDate: '2026-12-15', openChange: null });
      return p;
    }
    const secondLine = { kind: 'single', portingWindow: 'ZF2', list: [{ areaCode: '89', number: '2222222' }] };

    it('a VA for a second line of the same customer is not linked; the CRM hears of it and can link it on both sides', async () => {
      const body = vaBody('VA-KUE-MRN');
      const old = await replaced(body, acceptKue());
      const other = await new Play(pair).start({ ...vaBody('VA-KUE-MRN'), customer: body.customer, numbers: secondLine });
      await old.settled({ state: 'REPLACED', switchDate: '2026-12-15', openChange: null });
      expect((await old.view('b')).replacedBy).toBeNull();
      await eventually(async () => {
        expect((await eventsOf(pair.b, other.id)).filter((e) => e.type === 'wbci.successor-ambiguous').map((e) => e.data)).toEqual([
          expect.objectContaining({ candidates: [old.id] }),
        ]);
      });
      // the CRM decides it is the successor after all: each side links its own cases
      for (const node of [pair.a, pair.b]) {
        const res = await http(node, 'POST', `/v1/switches/${other.id}/link`, { replaces: old.id });
        expect(res.status, res.text).toBe(200);
        expect(res.data.replaces).toBe(old.id);
      }
      await other.sameOnBothSides();
      await old.sameOnBothSides();
      expect((await old.view('a')).replacedBy).toBe(other.id);
    });

    it('an unrelated KUE VA of the customer of a cancelled VA-RRNP is not refused as a wrong successor', async () => {
      const body = vaBody('VA-RRNP');
      await replaced(body, { result: 'accept', code: 'ZWA', switchDate: '2026-12-15', pkiAbg: 'D123' });
      const kue = await new Play(pair).start({ ...vaBody('VA-KUE-MRN'), customer: body.customer });
      await kue.step('b', 'RUEM-VA', (id) => B(`/v1/switches/${id}/answer`, acceptKue()), agreed());
    });

    it('a successor named on the wire is linked even when the customer moved (new location)', async () => {
      const body = vaBody('VA-KUE-MRN');
      const old = await replaced(body, acceptKue());
      const moved = { street: 'Neue Str.', houseNumber: '5', postalCode: '80333', city: 'München' };
      const succ = await new Play(pair).start({ ...body, location: moved, replaces: old.id });
      await eventually(async () => {
        for (const side of ['a', 'b'] as const) expect({ side, replacedBy: (await old.view(side)).replacedBy, replaces: (await succ.view(side)).replaces }).toEqual({ side, replacedBy: succ.id, replaces: old.id });
      });
      // the delivery header carried the reference
      expect(pair.toB.exchanges.some((x) => x.request.includes(`<sg:replaces>${old.id}</sg:replaces>`))).toBe(true);
    });
  });
});

describe.skipIf(pgMissing)('3. wbci.akmTrChecks "event" over real HTTP [postgres, wbci-soap]', () => {
  const databases: TestDatabase[] = [];
  let eventPair: Pair;
  beforeAll(async () => {
    eventPair = await startPair('wbci-soap', databases, { b: { wbci: { akmTrChecks: 'event' } } });
  });
  afterAll(async () => {
    await eventPair?.close();
    for (const d of databases) await d.drop();
  });

  it('wbci.akmTrChecks "event": the AKM-TR is accepted, the CRM gets wbci.akm-tr-finding and answers itself', async () => {
    const p = await new Play(eventPair).start(vaBody('VA-KUE-MRN'));
    await p.step('b', 'RUEM-VA', (id) => http(eventPair.b, 'POST', `/v1/switches/${id}/answer`, withLine(LINE_1)), agreed());
    await p.step('a', 'AKM-TR', (id) => http(eventPair.a, 'POST', `/v1/switches/${id}/resource-handover`, { takeOver: true, lines: [{ lineId: 'DEU.EKPB.UNKNOWN98' }] }), trNotified());
    await eventually(async () => {
      expect((await eventsOf(eventPair.b, p.id)).filter((e) => e.type === 'wbci.akm-tr-finding').map((e) => e.data)).toEqual([
        expect.objectContaining({ code: '8144', path: '/lines/0/lineId' }),
      ]);
    });
    await p.step('b', 'ABBM-TR', (id) => http(eventPair.b, 'POST', `/v1/switches/${id}/resource-handover/answer`, { codes: [{ code: '8144' }] }), agreed());
  });
});

describe.skipIf(pgMissing)('4. the deadline settings of wbci.md §10 change behaviour [postgres, wbci-soap]', () => {
  const databases: TestDatabase[] = [];
  const changed = {
    deadlines: {
      wbci: { strAufFollowUpWorkingDays: 4, successorDateMaxOffsetWorkingDays: 0, witaTerminationOffsetWorkingDays: 6, missingWitaOrderAlertDays: 20, rrnpMaxDaysAfterContractEnd: 10 },
    },
  };
  // A places WITA orders by hand (none is placed in these tests): D15 watches for the missing one
  const wholesale = { wholesale: { url: 'http://127.0.0.1:9/wholesale', protocol: 'rest' as const, placeOrders: 'manual' as const } };
  /** the same two gateways twice: with the defaults, and with every setting changed */
  const pairs: Record<'defaults' | 'changed', Pair> = {} as never;
  beforeAll(async () => {
    pairs.defaults = await startPair('wbci-soap', databases, { a: wholesale });
    pairs.changed = await startPair('wbci-soap', databases, { a: { ...changed, ...wholesale }, b: changed });
  });
  afterAll(async () => {
    for (const p of Object.values(pairs)) {
      await p?.close();
    }
    for (const d of databases) await d.drop();
  });
  const post = (pair: Pair, side: 'a' | 'b') => (path: string, body?: unknown) => http(side === 'a' ? pair.a : pair.b, 'POST', path, body);
  /** the calendar day (Europe/Berlin) of a due instant */
  const dayOf = (iso: string) => new Date(iso).toLocaleDateString('sv-SE', { timeZone: 'Europe/Berlin' });

  it('D12 strAufFollowUpWorkingDays: the follow-up after ERLM to STR-AUF is due 1 WD later by default, 4 WD when changed', async () => {
    const due: Record<string, string[]> = {};
    for (const [name, pair] of Object.entries(pairs)) {
      const p = await new Play(pair).start(vaBody('VA-KUE-MRN'));
      await p.step('b', 'RUEM-VA', (id) => post(pair, 'b')(`/v1/switches/${id}/answer`, acceptKue()), agreed());
      await p.step('a', 'STR-AUF', (id) => post(pair, 'a')(`/v1/switches/${id}/cancel`, { kind: 'STR-AUF' }), { ...agreed(), openChange: { kind: 'STR-AUF' } });
      await p.step('b', 'ERLM', (id, change) => post(pair, 'b')(`/v1/switches/${id}/changes/${change}/answer`, { result: 'accept' }), { state: 'CANCELLED', switchDate: KWT, openChange: null });
      due[name] = [];
      for (const side of ['a', 'b'] as const) {
        const d = (await p.view(side)).deadlines.filter((x) => x.name === 'strAufFollowUp') as unknown as { dueAt: string }[];
        expect(d, `${name} ${side}`).toHaveLength(1);
        due[name]!.push(dayOf(d[0]!.dueAt));
      }
    }
    // cancelled on Monday 23 Nov 2026
    expect(due).toEqual({ defaults: ['2026-11-24', '2026-11-24'], changed: ['2026-11-27', '2026-11-27'] });
  });

  it('D13b successorDateMaxOffsetWorkingDays: a successor agreed 2 WD after the cancelled date is fine by default, a clarification at 0', async () => {
    const findings: Record<string, unknown[]> = {};
    for (const [name, pair] of Object.entries(pairs)) {
      const body = vaBody('VA-KUE-MRN');
      const p = await new Play(pair).start(body);
      await p.step('b', 'RUEM-VA', (id) => post(pair, 'b')(`/v1/switches/${id}/answer`, acceptKue()), agreed());
      await p.step('a', 'STR-AEN', (id) => post(pair, 'a')(`/v1/switches/${id}/cancel`, { kind: 'STR-AEN' }), { ...agreed(), openChange: { kind: 'STR-AEN' } });
      await p.step('b', 'ERLM', (id, change) => post(pair, 'b')(`/v1/switches/${id}/changes/${change}/answer`, { result: 'accept' }), { state: 'REPLACED', switchDate: KWT, openChange: null });
      const succ = await new Play(pair).start({ ...body, replaces: p.id });
      await succ.step('b', 'RUEM-VA', (id) => post(pair, 'b')(`/v1/switches/${id}/answer`, acceptKue({ code: 'NAT', switchDate: NAT_DATE })), agreed(NAT_DATE));
      findings[name] = (await eventsOf(pair.a, succ.id)).filter((e) => e.type === 'wbci.clarification').map((e) => e.data.finding);
    }
    expect(findings).toEqual({ defaults: [], changed: ['SG_SUCCESSOR_DATE_OFFSET'] });
  });

  it('D14 witaTerminationOffsetWorkingDays: the donating case shows its own termination date, Wechseltermin + 3 WD or + 6 WD', async () => {
    const dates: Record<string, unknown> = {};
    for (const [name, pair] of Object.entries(pairs)) {
      const p = await new Play(pair).start(vaBody('VA-KUE-MRN'));
      await p.step('b', 'RUEM-VA', (id) => post(pair, 'b')(`/v1/switches/${id}/answer`, acceptKue()), agreed());
      dates[name] = { donating: (await p.view('b')).terminationDate, recipient: (await p.view('a')).terminationDate };
    }
    // Wechseltermin Tuesday 15 Dec 2026
    expect(dates).toEqual({ defaults: { donating: '2026-12-18', recipient: undefined }, changed: { donating: '2026-12-23', recipient: undefined } });
  });

  it('D15 missingWitaOrderAlertDays: without a WITA order the recipient case is due 12 (default) or 20 days before the Wechseltermin, and announced overdue', async () => {
    const seen: Record<string, unknown> = {};
    for (const [name, pair] of Object.entries(pairs)) {
      const p = await new Play(pair).start(vaBody('VA-KUE-MRN'));
      await p.step('b', 'RUEM-VA', (id) => post(pair, 'b')(`/v1/switches/${id}/answer`, acceptKue()), agreed());
      const due = (await p.view('a')).deadlines.filter((d) => d.name === 'wholesaleOrder') as unknown as { dueAt: string }[];
      pair.clock.set('2026-11-26T10:00:00+01:00');
      try {
        await pair.a.gw.tick();
      } finally {
        pair.clock.set(START);
      }
      const overdue = await eventually(async () => {
        const events = (await eventsOf(pair.a, p.id)).filter((e) => e.type === 'deadline.overdue' && e.data.name === 'wholesaleOrder');
        if (name === 'changed') expect(events).toHaveLength(1);
        return events.length;
      });
      seen[name] = { due: due.map((d) => dayOf(d.dueAt)), overdue, donating: (await p.view('b')).deadlines.map((d) => d.name).includes('wholesaleOrder') };
    }
    // Wechseltermin 15 Dec 2026; checked on 26 Nov
    expect(seen).toEqual({ defaults: { due: ['2026-12-03'], overdue: 0, donating: false }, changed: { due: ['2026-11-25'], overdue: 1, donating: false } });
  });

  it('D16 rrnpMaxDaysAfterContractEnd: a VA-RRNP 22 days after the contract ended is accepted (90) or refused (10)', async () => {
    const status: Record<string, unknown> = {};
    for (const [name, pair] of Object.entries(pairs)) {
      const p = await new Play(pair).start(vaBody('VA-RRNP'));
      const res = await post(pair, 'b')(`/v1/switches/${p.id}/answer`, { result: 'accept', code: 'ZWA', switchDate: KWT, pkiAbg: 'D123', contractEnd: '2026-11-01' });
      status[name] = { status: res.status, code: res.data.code ?? null, path: res.data.errors?.[0]?.path ?? null };
    }
    expect(status).toEqual({ defaults: { status: 202, code: null, path: null }, changed: { status: 422, code: 'SG_RRNP_AFTER_CONTRACT_END', path: '/contractEnd' } });
  });
});
