/**
 * Acceptance: every canonical sequence of wbci.md §7, played through the northbound REST APIs of
 * two real gateways (DEU.EKPA = recipient/EKPauf, DEU.EKPB = donating/EKPabg). After every step
 * both gateways are inspected through REST: case state, switchDate, openChange and the message
 * timeline (type, direction, status, in order) — before delivery (only the sender moved) and after
 * `pump()` (both agree).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachBackend } from '../support/backends.js';
import { rest, startPair, type Pair } from '../support/gateway-pair.js';
import { sharedFields } from '../support/wire-play.js';

// Monday 23 Nov 2026, 09:00 in Munich (the pair's default clock). KWT 2026-12-15 is 16 working
// days ahead (no short-lead warning); every date below is a working day followed by one.
const KWT = '2026-12-15';
const NAT_DATE = '2026-12-17';
const TV_DATE = '2026-12-22';

type Side = 'a' | 'b';
type Json = Record<string, unknown>;

interface CaseView {
  id: string;
  role: string;
  peer: string;
  type: string;
  state: string;
  requestedDate: string;
  switchDate: string | null;
  openChange: Json | null;
  replaces: string | null;
  replacedBy: string | null;
  agreement: Json | null;
  deadlines: { name: string; dueAt: string; overdue: boolean }[];
}

interface MessageView {
  messageId: string;
  type: string;
  direction: 'in' | 'out';
  status: string;
  businessId: string | null;
  body: Json & { positions?: { code: string; corrected?: Json }[]; switchDate?: string; reason?: string };
}

let customerSeq = 0;
/** A customer no other case shares: the donating side correlates successor VAs by customer. */
const customer = () => ({ kind: 'person', salutation: 'Herr', firstName: 'Max', lastName: `Muster${++customerSeq}` });
const location = { street: 'Hauptstr.', houseNumber: '1', postalCode: '80331', city: 'München' };
const numbers = { kind: 'single', portingWindow: 'ZF2', list: [{ areaCode: '89', number: '1234567' }] };

function vaBody(type: 'VA-KUE-MRN' | 'VA-KUE-ORN' | 'VA-RRNP', extra: Json = {}): Json {
  const base = { procedure: 'wbci', type, donating: 'DEU.EKPB', requestedDate: KWT, customer: customer() };
  if (type === 'VA-KUE-MRN') return { ...base, location, numbers, ...extra };
  if (type === 'VA-KUE-ORN') return { ...base, location, lineIdentification: { areaCode: '89', number: '7654321' }, ...extra };
  return { ...base, numbers, pkiAuf: 'D001', ...extra };
}

const acceptKue = (extra: Json = {}) => ({
  result: 'accept',
  code: 'ZWA',
  switchDate: KWT,
  technology: '001',
  resources: [{ contractNumber: '1234567890' }],
  pkiAbg: 'D123',
  ...extra,
});
const acceptOrn = { result: 'accept', code: 'ZWA', switchDate: KWT, technology: '001', resources: [{ contractNumber: '1234567890' }] };
const acceptRrnp = { result: 'accept', code: 'ZWA', switchDate: KWT, pkiAbg: 'D123' };
const akmTr = { takeOver: true, lines: [{ contractNumber: '1234567890' }] };

interface Expected {
  state: string;
  switchDate: string | null;
  /** null, or what the open change must contain */
  openChange: Json | null;
}

/**
 * One Vorabstimmung played from both REST APIs. It keeps the expected timeline of each gateway:
 * a send appends `out <type> queued` at the sender; `pump()` turns every queued into delivered and
 * appends `in <type> accepted` at the receiver.
 */
class Play {
  id = '';
  readonly timeline: Record<Side, string[]> = { a: [], b: [] };
  private pending: { to: Side; type: string }[] = [];
  private now: Expected = { state: 'AWAITING_ANSWER', switchDate: null, openChange: null };

  constructor(
    private readonly pair: Pair,
    private readonly seenOnB = true,
  ) {}

  gw(side: Side) {
    return side === 'a' ? this.pair.a : this.pair.b;
  }

  /** A starts the switch (VA), then it is delivered to B. */
  async start(body: Json): Promise<this> {
    const res = await rest(this.pair.a, 'POST', '/v1/switches', body);
    expect(res.statusCode, res.body).toBe(201);
    this.id = res.data.id as string;
    expect(this.id).toMatch(/^DEU\.EKPA\.V[0-9A-Z]{9}$/);
    expect(res.headers.location).toBe(`/v1/switches/${encodeURIComponent(this.id)}`);
    this.sent('a', body.type as string);
    await this.check('a', this.now);
    if (this.seenOnB) expect((await rest(this.pair.b, 'GET', `/v1/switches/${this.id}`)).statusCode).toBe(404);
    await this.deliver();
    await this.checkBoth(this.now);
    return this;
  }

  private sent(by: Side, type: string) {
    this.timeline[by].push(`out ${type} queued`);
    this.pending.push({ to: by === 'a' ? 'b' : 'a', type });
  }

  private async deliver() {
    await this.pair.pump();
    for (const side of ['a', 'b'] as const) this.timeline[side] = this.timeline[side].map((t) => t.replace(/ queued$/, ' delivered'));
    for (const p of this.pending) this.timeline[p.to].push(`in ${p.type} accepted`);
    this.pending = [];
  }

  /**
   * `by` makes one REST call that sends `type`; `then` is the case on both sides afterwards.
   * Checks the sender at once, the receiver still unchanged, then both after delivery.
   */
  async step(by: Side, type: string, call: (id: string, openChangeId: string | undefined) => Promise<{ statusCode: number; body: string; data: Json }>, then: Expected) {
    const before = this.now;
    const openId = (await this.view(by)).openChange?.id as string | undefined;
    const res = await call(this.id, openId);
    expect(res.statusCode, res.body).toBe(202);
    expect(res.data.messageId).toEqual(expect.any(String));
    expect((res.data.case as Json).state).toBe(then.state);
    this.sent(by, type);
    this.now = then;
    await this.check(by, then);
    await this.check(by === 'a' ? 'b' : 'a', before);
    await this.deliver();
    await this.checkBoth(then);
    const sender = await this.messages(by);
    expect(sender[sender.length - 1]!.messageId).toBe(res.data.messageId);
  }

  /** A REST call the gateway refuses: status and code as given, nothing changes on either side. */
  async refused(by: Side, call: (id: string) => Promise<{ statusCode: number; body: string; data: Json }>, status: number, code: string) {
    const res = await call(this.id);
    expect(res.statusCode, res.body).toBe(status);
    expect(res.data.code).toBe(code);
    await this.pair.pump();
    await this.checkBoth(this.now);
  }

  async view(side: Side): Promise<CaseView> {
    const res = await rest(this.gw(side), 'GET', `/v1/switches/${this.id}`);
    expect(res.statusCode, res.body).toBe(200);
    return res.data as CaseView;
  }

  async messages(side: Side): Promise<MessageView[]> {
    const res = await rest(this.gw(side), 'GET', `/v1/switches/${this.id}/messages`);
    expect(res.statusCode, res.body).toBe(200);
    return res.data.items as MessageView[];
  }

  async check(side: Side, e: Expected) {
    const v = await this.view(side);
    expect({ side, state: v.state, switchDate: v.switchDate, role: v.role, peer: v.peer }).toEqual({
      side,
      state: e.state,
      switchDate: e.switchDate,
      role: side === 'a' ? 'recipient' : 'donating',
      peer: side === 'a' ? 'DEU.EKPB' : 'DEU.EKPA',
    });
    if (e.openChange === null) expect(v.openChange, `${side}: openChange`).toBeNull();
    else expect(v.openChange, `${side}: openChange`).toMatchObject(e.openChange);
    const got = (await this.messages(side)).map((m) => `${m.direction} ${m.type} ${m.status}`);
    expect(got, `${side}: timeline`).toEqual(this.timeline[side]);
  }

  async checkBoth(e: Expected) {
    await this.check('a', e);
    await this.check('b', e);
    await this.sameOnBothSides();
  }

  /** The two gateways never disagree about a case: every field both sides keep must be equal. */
  async sameOnBothSides() {
    const [a, b] = [await this.view('a'), await this.view('b')];
    expect(sharedFields(b as unknown as Json), `both sides of ${this.id}`).toEqual(sharedFields(a as unknown as Json));
  }
}

const post = (pair: Pair, side: Side) => (path: string, body: unknown) => rest(side === 'a' ? pair.a : pair.b, 'POST', path, body);

const AWAITING: Expected = { state: 'AWAITING_ANSWER', switchDate: null, openChange: null };
const agreed = (switchDate = KWT): Expected => ({ state: 'AGREED', switchDate, openChange: null });
const trNotified = (switchDate = KWT): Expected => ({ state: 'TR_NOTIFIED', switchDate, openChange: null });

describeEachBackend('WBCI canonical sequences (wbci.md §7) through REST', ({ open }) => {
  let pair: Pair;
  let A: (path: string, body: unknown) => ReturnType<typeof rest>;
  let B: (path: string, body: unknown) => ReturnType<typeof rest>;

  beforeAll(async () => {
    pair = await startPair(open);
    A = post(pair, 'a');
    B = post(pair, 'b');
  });
  afterAll(async () => pair?.close());

  const play = () => new Play(pair);

  describe('KUE good case', () => {
    it('VA-KUE-MRN: VA → RUEM-VA (ZWA) → AKM-TR', async () => {
      const p = await play().start(vaBody('VA-KUE-MRN'));
      await p.step('b', 'RUEM-VA', (id) => B(`/v1/switches/${id}/answer`, acceptKue()), agreed());
      await p.step('a', 'AKM-TR', (id) => A(`/v1/switches/${id}/resource-handover`, akmTr), trNotified());

      const onA = await p.messages('a');
      // sent with the code's standard text, as the wire carries it
      expect(onA[1]!.body.positions).toEqual([{ code: '8001', text: 'Auftragsbestätigung (ZWA)' }]);
      expect(onA[1]!.body.switchDate).toBe(KWT);
      const akm = (await p.messages('b'))[2]!;
      expect(akm.body).toMatchObject({ type: 'AKM-TR', positions: [{ code: '8010' }], takeOver: true, safeHarbour: false, lines: [{ contractNumber: '1234567890' }] });
      // phase 3 needs the agreement on the recipient's side
      expect((await p.view('a')).agreement).toMatchObject({ technology: '001 TAL ISDN', resources: [{ contractNumber: '1234567890' }], takeOver: true });
    });

    it('VA-KUE-MRN: RUEM-VA with NAT (new date) and ADA corrections', async () => {
      const p = await play().start(vaBody('VA-KUE-MRN'));
      const answer = acceptKue({
        code: 'NAT',
        switchDate: NAT_DATE,
        corrections: [
          { field: 'postalCode', value: '80333' },
          { field: 'street', value: 'Hauptstraße' },
          { field: 'houseNumber', value: '12' },
          { field: 'city', value: 'Muenchen' },
        ],
      });
      await p.step('b', 'RUEM-VA', (id) => B(`/v1/switches/${id}/answer`, answer), agreed(NAT_DATE));
      const ruem = (await p.messages('a'))[1]!;
      expect(ruem.body.switchDate).toBe(NAT_DATE);
      expect(ruem.body.positions).toEqual([
        { code: '8002', text: 'Auftragsbestätigung (NAT)' },
        { code: '8104', text: 'Adresse abweichend PLZ', corrected: { field: 'postalCode', value: '80333' } },
        { code: '8106', text: 'Adresse abweichend Straße', corrected: { field: 'street', value: 'Hauptstraße' } },
        { code: '8107', text: 'Adresse abweichend Hausnummer', corrected: { field: 'houseNumber', value: '12' } },
        { code: '8105', text: 'Adresse abweichend Ort', corrected: { field: 'city', value: 'Muenchen' } },
      ]);
      expect((await p.view('a')).requestedDate).toBe(KWT);
      await p.step('a', 'AKM-TR', (id) => A(`/v1/switches/${id}/resource-handover`, akmTr), trNotified(NAT_DATE));
    });

    it('VA-KUE-ORN: VA → RUEM-VA → AKM-TR', async () => {
      const p = await play().start(vaBody('VA-KUE-ORN'));
      expect((await p.view('b')).type).toBe('VA-KUE-ORN');
      await p.step('b', 'RUEM-VA', (id) => B(`/v1/switches/${id}/answer`, acceptOrn), agreed());
      const ruem = (await p.messages('a'))[1]!;
      expect(ruem.body.numbers).toBeUndefined();
      await p.step('a', 'AKM-TR', (id) => A(`/v1/switches/${id}/resource-handover`, { takeOver: false }), trNotified());
      expect((await p.messages('b'))[2]!.body).toMatchObject({ takeOver: false, safeHarbour: true, lines: [] });
    });
  });

  it('KUE rejected: VA → ABBM closes the case on both sides', async () => {
    const p = await play().start(vaBody('VA-KUE-MRN'));
    await p.step('b', 'ABBM', (id) => B(`/v1/switches/${id}/answer`, { result: 'reject', codes: [{ code: '8117' }] }), {
      state: 'REJECTED',
      switchDate: null,
      openChange: null,
    });
    expect((await p.messages('a'))[1]!.body.positions).toEqual([{ code: '8117', text: 'Kunde nicht identifizierbar' }]);
    expect((await p.view('a')).deadlines).toEqual([]);
    expect((await p.view('b')).deadlines).toEqual([]);
  });

  it('TR rejected: AKM-TR with an unknown contract number → ABBM-TR 8143 (automatic) → corrected AKM-TR', async () => {
    const p = await play().start(vaBody('VA-KUE-MRN'));
    await p.step('b', 'RUEM-VA', (id) => B(`/v1/switches/${id}/answer`, acceptKue()), agreed());
    const res = await A(`/v1/switches/${p.id}/resource-handover`, { takeOver: true, lines: [{ contractNumber: '9999999999' }] });
    expect(res.statusCode, res.body).toBe(202);
    await pair.pump();
    p.timeline.a.push('out AKM-TR delivered', 'in ABBM-TR accepted');
    p.timeline.b.push('in AKM-TR refused', 'out ABBM-TR delivered');
    await p.checkBoth(agreed());
    expect((await p.messages('a'))[3]!.body.positions).toEqual([expect.objectContaining({ code: '8143' })]);
    await p.step('a', 'AKM-TR', (id) => A(`/v1/switches/${id}/resource-handover`, akmTr), trNotified());
    expect((await p.messages('b'))[4]!.body).toMatchObject({ lines: [{ contractNumber: '1234567890' }] });
  });

  it('RRNP good case: VA-RRNP → RUEM-VA, and no AKM-TR', async () => {
    const p = await play().start(vaBody('VA-RRNP'));
    expect((await p.messages('b'))[0]!.body).toMatchObject({ type: 'VA-RRNP', pkiAuf: 'D001' });
    await p.step('b', 'RUEM-VA', (id) => B(`/v1/switches/${id}/answer`, acceptRrnp), agreed());
    expect((await p.messages('a'))[1]!.body.numbers).toEqual({ kind: 'single', list: [{ areaCode: '89', number: '1234567', pkiAbg: 'D123' }] });
    // no AKM-TR deadline for RRNP, and no AKM-TR
    expect((await p.view('a')).deadlines.map((d) => d.name)).not.toContain('akmTr');
    await p.refused('a', (id) => A(`/v1/switches/${id}/resource-handover`, akmTr), 409, 'SG_STATE_NOT_ALLOWED');
  });

  describe('Reschedule (TVS-VA)', () => {
    it('accepted: ERLM 8003 moves the switch date on both sides', async () => {
      const p = await play().start(vaBody('VA-KUE-MRN'));
      await p.step('b', 'RUEM-VA', (id) => B(`/v1/switches/${id}/answer`, acceptKue()), agreed());
      const tvOpen = { kind: 'TVS-VA', from: 'auf', requestedDate: TV_DATE, id: expect.stringMatching(/^DEU\.EKPA\.T[0-9A-Z]{9}$/) };
      await p.step('a', 'TVS-VA', (id) => A(`/v1/switches/${id}/reschedule`, { requestedDate: TV_DATE }), {
        state: 'AGREED',
        switchDate: KWT,
        openChange: tvOpen,
      });
      const tId = (await p.view('a')).openChange!.id as string;
      expect((await p.view('b')).openChange!.id).toBe(tId);
      expect((await p.view('b')).deadlines.map((d) => d.name)).toContain('changeAnswer');
      await p.step('b', 'ERLM', (id, change) => B(`/v1/switches/${id}/changes/${change}/answer`, { result: 'accept' }), agreed(TV_DATE));
      const erlm = (await p.messages('a'))[3]!;
      expect(erlm.body).toMatchObject({ type: 'ERLM', businessCase: 'TVS-VA', changeIdRef: tId, switchDate: TV_DATE, positions: [{ code: '8003' }] });
    });

    it('refused: ABBM 8141 keeps the original date', async () => {
      const p = await play().start(vaBody('VA-KUE-MRN'));
      await p.step('b', 'RUEM-VA', (id) => B(`/v1/switches/${id}/answer`, acceptKue()), agreed());
      await p.step('a', 'AKM-TR', (id) => A(`/v1/switches/${id}/resource-handover`, akmTr), trNotified());
      await p.step('a', 'TVS-VA', (id) => A(`/v1/switches/${id}/reschedule`, { requestedDate: TV_DATE }), {
        state: 'TR_NOTIFIED',
        switchDate: KWT,
        openChange: { kind: 'TVS-VA', from: 'auf', requestedDate: TV_DATE },
      });
      await p.step('b', 'ABBM', (id, change) => B(`/v1/switches/${id}/changes/${change}/answer`, { result: 'reject', codes: [{ code: '8141' }] }), trNotified());
      const abbm = (await p.messages('a'))[4]!;
      expect(abbm.body).toMatchObject({ type: 'ABBM', businessCase: 'TVS-VA', switchDate: KWT, positions: [{ code: '8141' }] });
      expect(abbm.body.changeIdRef).toEqual(expect.stringMatching(/^DEU\.EKPA\.T/));
    });
  });

  describe('Cancel (STR-AUF)', () => {
    const variants = [
      { name: 'by the recipient before the RUEM-VA', by: 'a' as Side, agreedFirst: false, body: { kind: 'STR-AUF' } },
      { name: 'by the recipient after the RUEM-VA', by: 'a' as Side, agreedFirst: true, body: { kind: 'STR-AUF' } },
      { name: 'by the donating side after its RUEM-VA (with reason)', by: 'b' as Side, agreedFirst: true, body: { kind: 'STR-AUF', reason: 'Kunde verstorben' } },
    ];
    for (const v of variants) {
      for (const outcome of ['ERLM', 'ABBM'] as const) {
        it(`${v.name}, answered with ${outcome === 'ERLM' ? 'ERLM 8004 → CANCELLED' : 'ABBM 8142 → unchanged'}`, async () => {
          const p = await play().start(vaBody('VA-KUE-MRN'));
          let base = AWAITING;
          if (v.agreedFirst) {
            base = agreed();
            await p.step('b', 'RUEM-VA', (id) => B(`/v1/switches/${id}/answer`, acceptKue()), base);
          }
          const sender = v.by === 'a' ? A : B;
          const answerer = v.by === 'a' ? B : A;
          const prefix = v.by === 'a' ? 'DEU\\.EKPA' : 'DEU\\.EKPB';
          await p.step(v.by, 'STR-AUF', (id) => sender(`/v1/switches/${id}/cancel`, v.body), {
            ...base,
            openChange: { kind: 'STR-AUF', from: v.by === 'a' ? 'auf' : 'abg', id: expect.stringMatching(new RegExp(`^${prefix}\\.S[0-9A-Z]{9}$`)) },
          });
          const storno = (await p.messages(v.by === 'a' ? 'b' : 'a')).at(-1)!;
          if (v.by === 'b') expect(storno.body.reason).toBe('Kunde verstorben');
          else expect(storno.body.reason).toBeUndefined();
          const answer = outcome === 'ERLM' ? { result: 'accept' } : { result: 'reject', codes: [{ code: '8142' }], reason: 'Vertrag läuft weiter' };
          const after = outcome === 'ERLM' ? { state: 'CANCELLED', switchDate: base.switchDate, openChange: null } : base;
          await p.step(v.by === 'a' ? 'b' : 'a', outcome, (id, change) => answerer(`/v1/switches/${id}/changes/${change}/answer`, answer), after);
          const reply = (await p.messages(v.by)).at(-1)!;
          expect(reply.body).toMatchObject({ businessCase: 'STR-AUF', stornoIdRef: storno.businessId, positions: [{ code: outcome === 'ERLM' ? '8004' : '8142' }] });
        });
      }
    }
  });

  describe('Replace (STR-AEN)', () => {
    it('STR-AEN by the recipient → ERLM → REPLACED; the successor VA is accepted and linked on both sides', async () => {
      const body = vaBody('VA-KUE-MRN');
      const p = await play().start(body);
      await p.step('b', 'RUEM-VA', (id) => B(`/v1/switches/${id}/answer`, acceptKue()), agreed());
      await p.step('a', 'STR-AEN', (id) => A(`/v1/switches/${id}/cancel`, { kind: 'STR-AEN' }), { ...agreed(), openChange: { kind: 'STR-AEN', from: 'auf' } });
      await p.step('b', 'ERLM', (id, change) => B(`/v1/switches/${id}/changes/${change}/answer`, { result: 'accept' }), {
        state: 'REPLACED',
        switchDate: KWT,
        openChange: null,
      });
      // both wait for the successor (D11)
      for (const side of ['a', 'b'] as const) expect((await p.view(side)).deadlines.map((d) => d.name)).toEqual(['successorVa']);

      const succ = new Play(pair);
      await succ.start({ ...body, replaces: p.id });
      expect(succ.id).not.toBe(p.id);
      for (const side of ['a', 'b'] as const) {
        const old = await p.view(side);
        const next = await succ.view(side);
        expect({ side, replacedBy: old.replacedBy, replaces: next.replaces, oldState: old.state, deadlines: old.deadlines }).toEqual({
          side,
          replacedBy: succ.id,
          replaces: p.id,
          oldState: 'REPLACED',
          deadlines: [],
        });
      }
      await succ.step('b', 'RUEM-VA', (id) => B(`/v1/switches/${id}/answer`, acceptKue()), agreed());
      // the predecessor's timeline did not grow
      expect((await p.messages('a')).length).toBe(4);
    });

    it('STR-AEN of a VA-RRNP: a KUE successor is refused, an RRNP successor is accepted', async () => {
      const body = vaBody('VA-RRNP');
      const p = await play().start(body);
      await p.step('b', 'RUEM-VA', (id) => B(`/v1/switches/${id}/answer`, acceptRrnp), agreed());
      await p.step('a', 'STR-AEN', (id) => A(`/v1/switches/${id}/cancel`, { kind: 'STR-AEN' }), { ...agreed(), openChange: { kind: 'STR-AEN', from: 'auf' } });
      await p.step('b', 'ERLM', (id, change) => B(`/v1/switches/${id}/changes/${change}/answer`, { result: 'accept' }), {
        state: 'REPLACED',
        switchDate: KWT,
        openChange: null,
      });

      const kue = { ...vaBody('VA-KUE-MRN'), customer: body.customer, replaces: p.id };
      const refused = await A('/v1/switches', kue);
      expect(refused.statusCode, refused.body).toBe(409);
      expect(refused.data.code).toBe('SG_STATE_SUCCESSOR_TYPE');
      expect(refused.data.errors).toContainEqual(expect.objectContaining({ path: '/type', code: 'SG_STATE_SUCCESSOR_TYPE' }));
      await pair.pump();
      await p.checkBoth({ state: 'REPLACED', switchDate: KWT, openChange: null });
      expect((await p.view('a')).replacedBy).toBeNull();

      const succ = await new Play(pair).start({ ...body, replaces: p.id });
      expect((await p.view('a')).replacedBy).toBe(succ.id);
      expect((await p.view('b')).replacedBy).toBe(succ.id);
      expect((await succ.view('b')).replaces).toBe(p.id);
    });
  });
});
