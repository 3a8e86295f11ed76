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
import type { WbciMessage } from '../../src/protocols/wbci/types.js';
import { ABG, AUF, Play, acceptKue, agreed, akmTr, startPair, trNotified, vaBody, type Pair } from '../support/wire-play.js';

const pgMissing = !pgAdminUrl();
type Protocol = 'wbci-soap' | 'wbci-json';

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
  const res = await rawPost(`${pair.b.url}/wbci/v1`, encodeSoap(msg, control, { delivery }), soapHeaders(AUF, ABG, soapActionOf(msg)));
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
      await pair?.a.gw.close();
      await pair?.b.gw.close();
      await pair?.toB.close();
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
