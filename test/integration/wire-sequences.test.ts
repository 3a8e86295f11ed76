/**
 * Every canonical WBCI sequence of wbci.md §7 between two gateways over real HTTP on 127.0.0.1
 * (production PeerTransport, background outbox workers, real PostgreSQL): DEU.EKPA is the
 * recipient (EKPauf), DEU.EKPB the donating carrier (EKPabg). Each step is one REST call on one
 * side; the test then waits until both sides agree on state, switch date, open change and the
 * message timeline (every message delivered on the sending side, accepted or refused on the
 * receiving side). The auto-refusals travel over the wire too: the refused message comes in over
 * HTTP, the ABBM / ABBM-TR goes back through the outbox over HTTP. Over SOAP both gateways sign with WS-Security
 * and pin each other's certificate (required): xmlsec1 then verifies every message and Quittung they exchanged.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgAdminUrl, type TestDatabase } from '../support/backends.js';
import { eventually, http } from '../support/http-pair.js';
import { rawPost, soapHeaders } from '../support/wire-stubs.js';
import { soapActionOf } from '../../src/delivery/peer-transport.js';
import { decodeTeq, encodeSoap } from '../../src/protocols/wbci/soap-codec.js';
import { signEnvelope } from '../../src/protocols/wbci/ws-security-sign.js';
import { sql } from 'kysely';
import { xmlsecVerifyAll } from '../support/ws-security.js';
import type { WbciMessage } from '../../src/protocols/wbci/types.js';
import { ABG, AUF, KWT, NAT_DATE, Play, START, TV_DATE, acceptKue, acceptOrn, acceptRrnp, agreed, akmTr, startPair, trNotified, vaBody, type Pair, type Side } from '../support/wire-play.js';

const pgMissing = !pgAdminUrl();

describe.skipIf(pgMissing)('WBCI canonical sequences over real HTTP [postgres, wbci-soap]', () => {
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
  const play = () => new Play(pair);

  /** A message DEU.EKPA's gateway would never send itself, posted to B over HTTP with A's credentials. */
  async function sendRawToB(msg: WbciMessage): Promise<void> {
    const a = pair.certs!.a.identity;
    const xml = signEnvelope(encodeSoap(msg, { timestamp: new Date().toISOString(), major: '02', minor: '00', signature: { issuer: a.issuer, serial: a.serial } }), a);
    const res = await rawPost(`${pair.b.url}/wbci/v1`, xml, soapHeaders(AUF, ABG, soapActionOf(msg)));
    const teq = decodeTeq(res.text);
    // a business refusal is still a positive Quittung: the refusal travels back later as a message
    expect(teq.ok && teq.teq.positions, res.text).toEqual([{ code: 'OK', text: 'OK' }]);
  }

  /** Runs `fn` with both gateways' clock at `when`, then puts it back. */
  async function at<T>(when: string, fn: () => Promise<T>): Promise<T> {
    pair.clock.set(when);
    try {
      return await fn();
    } finally {
      pair.clock.set(START);
    }
  }

  describe('KUE good case', () => {
    it('VA-KUE-MRN: VA → RUEM-VA (ZWA) → AKM-TR', async () => {
      const p = await play().start(vaBody('VA-KUE-MRN'));
      await p.step('b', 'RUEM-VA', (id) => B(`/v1/switches/${id}/answer`, acceptKue()), agreed());
      await p.step('a', 'AKM-TR', (id) => A(`/v1/switches/${id}/resource-handover`, akmTr), trNotified());
      const onA = await p.messages('a');
      expect(onA[1]!.body).toMatchObject({ positions: [{ code: '8001' }], switchDate: KWT, technology: '001 TAL ISDN' });
      expect(onA[1]!.rawFormat).toBe('soap');
      expect((await p.messages('b'))[2]!.body).toMatchObject({ type: 'AKM-TR', positions: [{ code: '8010' }], takeOver: true, lines: [{ contractNumber: '1234567890' }] });
      expect((await p.view('a')).agreement).toMatchObject({ technology: '001 TAL ISDN', resources: [{ contractNumber: '1234567890' }], takeOver: true });
    });

    it('VA-KUE-MRN: RUEM-VA with NAT (new date) and an ADA correction', async () => {
      const p = await play().start(vaBody('VA-KUE-MRN'));
      await p.step('b', 'RUEM-VA', (id) => B(`/v1/switches/${id}/answer`, acceptKue({ code: 'NAT', switchDate: NAT_DATE, corrections: [{ field: 'postalCode', value: '80333' }] })), agreed(NAT_DATE));
      expect((await p.messages('a'))[1]!.body.positions).toEqual([{ code: '8002' }, { code: '8104', corrected: { field: 'postalCode', value: '80333' } }].map((x) => expect.objectContaining(x)));
      await p.step('a', 'AKM-TR', (id) => A(`/v1/switches/${id}/resource-handover`, akmTr), trNotified(NAT_DATE));
    });

    it('VA-KUE-ORN: VA → RUEM-VA → AKM-TR', async () => {
      const p = await play().start(vaBody('VA-KUE-ORN'));
      await p.step('b', 'RUEM-VA', (id) => B(`/v1/switches/${id}/answer`, acceptOrn), agreed());
      await p.step('a', 'AKM-TR', (id) => A(`/v1/switches/${id}/resource-handover`, { takeOver: false }), trNotified());
      expect((await p.messages('b'))[2]!.body).toMatchObject({ takeOver: false, safeHarbour: true });
    });
  });

  it('KUE rejected: VA → ABBM closes the case on both sides', async () => {
    const p = await play().start(vaBody('VA-KUE-MRN'));
    await p.step('b', 'ABBM', (id) => B(`/v1/switches/${id}/answer`, { result: 'reject', codes: [{ code: '8117' }] }), { state: 'REJECTED', switchDate: null, openChange: null });
    expect((await p.messages('a'))[1]!.body.positions).toEqual([expect.objectContaining({ code: '8117' })]);
    await p.refused('a', (id) => A(`/v1/switches/${id}/cancel`, { kind: 'STR-AUF' }), 409, 'SG_STATE_CLOSED');
  });

  it('TR rejected and corrected: AKM-TR with an unknown contract number → ABBM-TR 8143 (automatic) → corrected AKM-TR', async () => {
    const p = await play().start(vaBody('VA-KUE-MRN'));
    await p.step('b', 'RUEM-VA', (id) => B(`/v1/switches/${id}/answer`, acceptKue()), agreed());
    const res = await A(`/v1/switches/${p.id}/resource-handover`, { takeOver: true, lines: [{ contractNumber: '9999999999' }] });
    expect(res.status, res.text).toBe(202);
    p.timeline.a.push('out AKM-TR delivered', 'in ABBM-TR accepted');
    p.timeline.b.push('in AKM-TR refused', 'out ABBM-TR delivered');
    await p.settled(agreed());
    expect((await p.messages('a'))[3]!.body.positions).toEqual([expect.objectContaining({ code: '8143' })]);
    await p.step('a', 'AKM-TR', (id) => A(`/v1/switches/${id}/resource-handover`, akmTr), trNotified());
    expect((await p.messages('b'))[4]!.body).toMatchObject({ lines: [{ contractNumber: '1234567890' }] });
  });

  it('RRNP good case: VA-RRNP (with PKIauf) → RUEM-VA, and no AKM-TR', async () => {
    const p = await play().start(vaBody('VA-RRNP'));
    expect((await p.messages('b'))[0]!.body).toMatchObject({ type: 'VA-RRNP', pkiAuf: 'D001' });
    await p.step('b', 'RUEM-VA', (id) => B(`/v1/switches/${id}/answer`, acceptRrnp), agreed());
    expect((await p.messages('a'))[1]!.body.numbers).toMatchObject({ list: [{ areaCode: '89', number: '1234567', pkiAbg: 'D123' }] });
    await p.refused('a', (id) => A(`/v1/switches/${id}/resource-handover`, akmTr), 409, 'SG_STATE_NOT_ALLOWED');
  });

  describe('Reschedule (TVS-VA)', () => {
    it('accepted: ERLM 8003 moves the switch date on both sides', async () => {
      const p = await play().start(vaBody('VA-KUE-MRN'));
      await p.step('b', 'RUEM-VA', (id) => B(`/v1/switches/${id}/answer`, acceptKue()), agreed());
      await p.step('a', 'TVS-VA', (id) => A(`/v1/switches/${id}/reschedule`, { requestedDate: TV_DATE }), {
        state: 'AGREED',
        switchDate: KWT,
        openChange: { kind: 'TVS-VA', from: 'auf', requestedDate: TV_DATE, id: expect.stringMatching(/^DEU\.EKPA\.T[0-9A-Z]{9}$/) },
      });
      await p.step('b', 'ERLM', (id, change) => B(`/v1/switches/${id}/changes/${change}/answer`, { result: 'accept' }), agreed(TV_DATE));
      expect((await p.messages('a'))[3]!.body).toMatchObject({ type: 'ERLM', businessCase: 'TVS-VA', switchDate: TV_DATE, positions: [expect.objectContaining({ code: '8003' })] });
    });

    it('refused: ABBM 8141 keeps the original date', async () => {
      const p = await play().start(vaBody('VA-KUE-MRN'));
      await p.step('b', 'RUEM-VA', (id) => B(`/v1/switches/${id}/answer`, acceptKue()), agreed());
      await p.step('a', 'AKM-TR', (id) => A(`/v1/switches/${id}/resource-handover`, akmTr), trNotified());
      await p.step('a', 'TVS-VA', (id) => A(`/v1/switches/${id}/reschedule`, { requestedDate: TV_DATE }), { ...trNotified(), openChange: { kind: 'TVS-VA', requestedDate: TV_DATE } });
      await p.step('b', 'ABBM', (id, change) => B(`/v1/switches/${id}/changes/${change}/answer`, { result: 'reject', codes: [{ code: '8141' }] }), trNotified());
      expect((await p.messages('a'))[4]!.body).toMatchObject({ type: 'ABBM', businessCase: 'TVS-VA', switchDate: KWT, positions: [expect.objectContaining({ code: '8141' })] });
    });
  });

  describe('Cancel (STR-AUF) by each side', () => {
    const variants = [
      { name: 'by the recipient', by: 'a' as Side, body: { kind: 'STR-AUF' }, from: 'auf' },
      { name: 'by the donating side (with reason)', by: 'b' as Side, body: { kind: 'STR-AUF', reason: 'Kunde verstorben' }, from: 'abg' },
    ];
    for (const v of variants) {
      for (const outcome of ['ERLM', 'ABBM'] as const) {
        it(`${v.name}, ${outcome === 'ERLM' ? 'accepted (ERLM 8004 → CANCELLED)' : 'refused (ABBM 8142 → unchanged)'}`, async () => {
          const p = await play().start(vaBody('VA-KUE-MRN'));
          await p.step('b', 'RUEM-VA', (id) => B(`/v1/switches/${id}/answer`, acceptKue()), agreed());
          const [send, answer] = v.by === 'a' ? [A, B] : [B, A];
          await p.step(v.by, 'STR-AUF', (id) => send(`/v1/switches/${id}/cancel`, v.body), { ...agreed(), openChange: { kind: 'STR-AUF', from: v.from } });
          const storno = (await p.messages(v.by === 'a' ? 'b' : 'a')).at(-1)!;
          expect(storno.body.reason).toBe(v.by === 'b' ? 'Kunde verstorben' : undefined);
          const body = outcome === 'ERLM' ? { result: 'accept' } : { result: 'reject', codes: [{ code: '8142' }], reason: 'Vertrag läuft weiter' };
          const after = outcome === 'ERLM' ? { state: 'CANCELLED', switchDate: KWT, openChange: null } : agreed();
          await p.step(v.by === 'a' ? 'b' : 'a', outcome, (id, change) => answer(`/v1/switches/${id}/changes/${change}/answer`, body), after);
          expect((await p.messages(v.by)).at(-1)!.body).toMatchObject({ businessCase: 'STR-AUF', stornoIdRef: storno.businessId, positions: [expect.objectContaining({ code: outcome === 'ERLM' ? '8004' : '8142' })] });
        });
      }
    }
  });

  describe('Replace (STR-AEN)', () => {
    it('STR-AEN → ERLM → REPLACED; the successor VA (new VA-ID) is accepted, linked on both sides and answered', async () => {
      const body = vaBody('VA-KUE-MRN');
      const p = await play().start(body);
      await p.step('b', 'RUEM-VA', (id) => B(`/v1/switches/${id}/answer`, acceptKue()), agreed());
      await p.step('a', 'STR-AEN', (id) => A(`/v1/switches/${id}/cancel`, { kind: 'STR-AEN' }), { ...agreed(), openChange: { kind: 'STR-AEN', from: 'auf' } });
      await p.step('b', 'ERLM', (id, change) => B(`/v1/switches/${id}/changes/${change}/answer`, { result: 'accept' }), { state: 'REPLACED', switchDate: KWT, openChange: null });
      for (const side of ['a', 'b'] as const) expect((await p.view(side)).deadlines.map((d) => d.name)).toEqual(['successorVa']);

      const succ = await new Play(pair).start({ ...body, replaces: p.id });
      expect(succ.id).not.toBe(p.id);
      await eventually(async () => {
        for (const side of ['a', 'b'] as const) {
          expect({ side, replacedBy: (await p.view(side)).replacedBy, replaces: (await succ.view(side)).replaces }).toEqual({ side, replacedBy: succ.id, replaces: p.id });
        }
      });
      await succ.step('b', 'RUEM-VA', (id) => B(`/v1/switches/${id}/answer`, acceptKue()), agreed());
      await p.settled({ state: 'REPLACED', switchDate: KWT, openChange: null });
    });

    it('STR-AEN of a VA-RRNP: a KUE successor is refused, an RRNP successor is accepted', async () => {
      const body = vaBody('VA-RRNP');
      const p = await play().start(body);
      await p.step('b', 'RUEM-VA', (id) => B(`/v1/switches/${id}/answer`, acceptRrnp), agreed());
      await p.step('a', 'STR-AEN', (id) => A(`/v1/switches/${id}/cancel`, { kind: 'STR-AEN' }), { ...agreed(), openChange: { kind: 'STR-AEN', from: 'auf' } });
      await p.step('b', 'ERLM', (id, change) => B(`/v1/switches/${id}/changes/${change}/answer`, { result: 'accept' }), { state: 'REPLACED', switchDate: KWT, openChange: null });
      const kue = await A('/v1/switches', { ...vaBody('VA-KUE-MRN'), customer: body.customer, replaces: p.id });
      expect(kue.status, kue.text).toBe(409);
      expect(kue.data.code).toBe('SG_STATE_SUCCESSOR_TYPE');
      await p.settled({ state: 'REPLACED', switchDate: KWT, openChange: null });
      const succ = await new Play(pair).start({ ...body, replaces: p.id });
      await eventually(async () => {
        expect((await p.view('a')).replacedBy).toBe(succ.id);
        expect((await p.view('b')).replacedBy).toBe(succ.id);
      });
    });
  });

  describe('auto-refusals: the refused message arrives over HTTP, the ABBM / ABBM-TR goes back over HTTP', () => {
    const parties = { recipient: AUF, donating: ABG, sender: AUF };

    it('8140: a TVS-VA and an AKM-TR for a VA-ID B does not know', async () => {
      for (const [msg, reply] of [
        [{ type: 'TVS-VA', ...parties, changeId: 'DEU.EKPA.TWIRE00001', vaIdRef: 'DEU.EKPA.VWIRE00001', requestedDate: TV_DATE }, 'ABBM'],
        [{ type: 'AKM-TR', ...parties, vaIdRef: 'DEU.EKPA.VWIRE00002', businessCase: 'VA-KUE-MRN', positions: [{ code: '8010' }], takeOver: true, lines: [{ contractNumber: '1234567890' }], safeHarbour: false }, 'ABBM-TR'],
      ] as [WbciMessage, string][]) {
        await sendRawToB(msg);
        const p = new Play(pair);
        p.id = (msg as { vaIdRef: string }).vaIdRef;
        await eventually(async () => {
          const onB = await p.messages('b');
          expect(onB.map((m) => `${m.direction} ${m.type} ${m.status}`)).toEqual([`in ${msg.type} refused`, `out ${reply} delivered`]);
          expect(onB[1]!.body.positions).toEqual([expect.objectContaining({ code: '8140' })]);
          // A never issued this VA-ID: it records the answer and cannot answer it
          expect((await p.messages('a')).map((m) => `${m.direction} ${m.type} ${m.status}`)).toEqual([`in ${reply} refused`]);
        });
        expect((await http(pair.b, 'GET', `/v1/switches/${p.id}`)).status).toBe(404);
      }
    });

    it('8115: a TVS-VA that reuses a T-ID already answered', async () => {
      const p = await play().start(vaBody('VA-KUE-MRN'));
      await p.step('b', 'RUEM-VA', (id) => B(`/v1/switches/${id}/answer`, acceptKue()), agreed());
      await p.step('a', 'TVS-VA', (id) => A(`/v1/switches/${id}/reschedule`, { requestedDate: TV_DATE }), { ...agreed(), openChange: { kind: 'TVS-VA' } });
      const tId = (await p.view('a')).openChange!.id as string;
      await p.step('b', 'ABBM', (id, change) => B(`/v1/switches/${id}/changes/${change}/answer`, { result: 'reject', codes: [{ code: '8141' }] }), agreed());
      await sendRawToB({ type: 'TVS-VA', ...parties, changeId: tId, vaIdRef: p.id, requestedDate: '2026-12-29' } as WbciMessage);
      p.timeline.b.push('in TVS-VA refused', 'out ABBM delivered');
      p.timeline.a.push('in ABBM refused');
      await p.settled(agreed());
      expect((await p.messages('b')).at(-1)!.body).toMatchObject({ businessCase: 'TVS-VA', changeIdRef: tId, switchDate: KWT, positions: [expect.objectContaining({ code: '8115' })] });
    });

    it('8141: a TVS-VA sent in time but received after the cut-off (the peer was unreachable meanwhile)', async () => {
      const p = await play().start(vaBody('VA-KUE-MRN'));
      await p.step('b', 'RUEM-VA', (id) => B(`/v1/switches/${id}/answer`, acceptKue()), agreed());
      await pair.toB.set('down');
      try {
        await at('2026-12-09T10:00:00+01:00', async () => {
          const res = await A(`/v1/switches/${p.id}/reschedule`, { requestedDate: TV_DATE });
          expect(res.status, res.text).toBe(202);
        });
        await at('2026-12-11T10:00:00+01:00', async () => {
          await pair.toB.set('pass');
          p.timeline.a.push('out TVS-VA delivered', 'in ABBM accepted');
          p.timeline.b.push('in TVS-VA refused', 'out ABBM delivered');
          await p.settled(agreed());
        });
      } finally {
        await pair.toB.set('pass');
      }
      const abbm = (await p.messages('b')).at(-1)!;
      expect(abbm.body).toMatchObject({ businessCase: 'TVS-VA', switchDate: KWT, reason: 'Frist unterschritten', positions: [expect.objectContaining({ code: '8141' })] });
      expect((await p.messages('a')).at(-1)!.body).toMatchObject({ type: 'ABBM', reason: 'Frist unterschritten', switchDate: KWT });
    });

    it('8142: a STR-AUF sent in time but received after the cut-off', async () => {
      const p = await play().start(vaBody('VA-KUE-MRN'));
      await p.step('b', 'RUEM-VA', (id) => B(`/v1/switches/${id}/answer`, acceptKue()), agreed());
      await pair.toB.set('down');
      try {
        await at('2026-12-09T10:00:00+01:00', async () => {
          const res = await A(`/v1/switches/${p.id}/cancel`, { kind: 'STR-AUF' });
          expect(res.status, res.text).toBe(202);
        });
        await at('2026-12-11T10:00:00+01:00', async () => {
          await pair.toB.set('pass');
          p.timeline.a.push('out STR-AUF delivered', 'in ABBM accepted');
          p.timeline.b.push('in STR-AUF refused', 'out ABBM delivered');
          await p.settled(agreed());
        });
      } finally {
        await pair.toB.set('pass');
      }
      expect((await p.messages('a')).at(-1)!.body).toMatchObject({ businessCase: 'STR-AUF', positions: [expect.objectContaining({ code: '8142' })] });
    });

    it('8148: a second AKM-TR that was not rejected', async () => {
      const p = await play().start(vaBody('VA-KUE-MRN'));
      await p.step('b', 'RUEM-VA', (id) => B(`/v1/switches/${id}/answer`, acceptKue()), agreed());
      await p.step('a', 'AKM-TR', (id) => A(`/v1/switches/${id}/resource-handover`, akmTr), trNotified());
      // A's own gateway refuses a second AKM-TR; a partner's might not
      await p.refused('a', (id) => A(`/v1/switches/${id}/resource-handover`, akmTr), 409, '8148');
      await sendRawToB({ type: 'AKM-TR', ...parties, vaIdRef: p.id, businessCase: 'VA-KUE-MRN', positions: [{ code: '8010' }], takeOver: false, lines: [], safeHarbour: true } as WbciMessage);
      p.timeline.b.push('in AKM-TR refused', 'out ABBM-TR delivered');
      await eventually(async () => {
        await p.check('b', trNotified());
        // what A makes of an 8148 to an AKM-TR it never sent is A's business (see the report): it arrives
        const onA = await p.messages('a');
        expect(onA.map((m) => `${m.direction} ${m.type} ${m.status}`)).toEqual([...p.timeline.a, 'in ABBM-TR accepted']);
        expect(onA.at(-1)).toMatchObject({ direction: 'in', type: 'ABBM-TR', body: { positions: [expect.objectContaining({ code: '8148' })] } });
      });
    });
  });

  it('WS-Security: xmlsec1 verifies every message and every Quittung exchanged above; each Quittung confirms its request\'s signature', async () => {
    const { a, b } = pair.certs!;
    const wire = [
      ...pair.toB.exchanges.map((x) => ({ ...x, requestBy: a, answerBy: b })),
      ...pair.toA.exchanges.map((x) => ({ ...x, requestBy: b, answerBy: a })),
    ];
    // every canonical sequence above crossed the wire both ways
    expect(pair.toB.exchanges.length).toBeGreaterThan(20);
    expect(pair.toA.exchanges.length).toBeGreaterThan(20);
    const signatureValue = (xml: string) => /<ds:SignatureValue>([^<]+)</.exec(xml)?.[1].replace(/\s+/g, '');
    for (const x of wire) {
      expect(x.status).toBe(200);
      expect(x.response).toContain(`Value="${signatureValue(x.request)}"`);
    }
    // one xmlsec1 run per signer and direction (it stops at the first message that does not verify)
    for (const [signer, xmls] of [
      [a, [...pair.toB.exchanges.map((x) => x.request), ...pair.toA.exchanges.map((x) => x.response)]],
      [b, [...pair.toA.exchanges.map((x) => x.request), ...pair.toB.exchanges.map((x) => x.response)]],
    ] as const) {
      const judged = xmlsecVerifyAll(xmls, signer.certFile);
      expect(judged.ok, judged.output).toBe(true);
      expect(judged.verified).toBe(xmls.length);
    }
    // and both gateways recorded every inbound message as verified, signed by the pinned certificate
    for (const [node, signer] of [[pair.a, b], [pair.b, a]] as const) {
      // stored once per result since 0012 (message_signers), referenced by each message
      const { rows } = await sql<{ signature: { verified: boolean; serial: string } | null; direction: string }>`
        SELECT coalesce(m.signature, s.detail) AS signature, m.direction FROM messages m LEFT JOIN message_signers s ON s.id = m.signer`.execute(node.gw.store.db);
      const inbound = rows.filter((r) => r.direction === 'in');
      expect(inbound.length).toBeGreaterThan(20);
      for (const r of inbound) expect(r.signature).toMatchObject({ verified: true, serial: signer.identity.serial, algorithm: 'rsa-sha256' });
    }
  }, 120_000);
});

describe.skipIf(pgMissing)('WBCI good case over real HTTP [postgres, wbci-json]', () => {
  const databases: TestDatabase[] = [];
  let pair: Pair;
  beforeAll(async () => {
    pair = await startPair('wbci-json', databases);
  });
  afterAll(async () => {
    await pair?.close();
    for (const d of databases) await d.drop();
  });

  it('VA-KUE-MRN → RUEM-VA → AKM-TR, every message as JSON', async () => {
    const p = await new Play(pair).start(vaBody('VA-KUE-MRN'));
    await p.step('b', 'RUEM-VA', (id) => http(pair.b, 'POST', `/v1/switches/${id}/answer`, acceptKue()), agreed());
    await p.step('a', 'AKM-TR', (id) => http(pair.a, 'POST', `/v1/switches/${id}/resource-handover`, akmTr), trNotified());
    for (const side of ['a', 'b'] as const) {
      const inbound = (await p.messages(side)).filter((m) => m.direction === 'in');
      expect(inbound.map((m) => m.rawFormat)).toEqual(inbound.map(() => 'json'));
      for (const m of inbound) expect(JSON.parse(m.raw as string)).toMatchObject({ control: { major: '02', minor: '00' }, message: { type: m.type } });
    }
    expect(pair.toB.exchanges.map((x) => x.headers['content-type'])).toEqual(pair.toB.exchanges.map(() => 'application/json'));
  });
});
