import { describe, expect, it } from 'vitest';
import { TERMINAL_STATES, type WbciCaseState, type WbciState } from '../../../src/protocols/wbci/case-state.js';
import {
  allowedMessages,
  apply,
  explainRefusal,
  linkSuccessor,
  messageKind,
  nextTimedTransitionAt,
  openCase,
  tick,
  TRANSITIONS,
  MESSAGE_KINDS,
  type Decision,
} from '../../../src/protocols/wbci/machine.js';
import type { ChangeType, Erlm, VaType, WbciMessage, WbciParty } from '../../../src/protocols/wbci/types.js';
import {
  ABG,
  AUF,
  KWT,
  NEW_DATE,
  NOW,
  Pair,
  S_ID_ABG,
  S_ID_AUF,
  T_ID,
  T_ID_2,
  VA_ID,
  VA_ID_2,
  abbmChange,
  abbmTr,
  abbmVa,
  akmTr,
  ctx,
  deepFreeze,
  erlm,
  expectOk,
  expectRefused,
  partyOf,
  roleOf,
  ruemVa,
  storno,
  tvsVa,
  va,
} from './machine-fixtures.js';

const at = (iso: string): Date => new Date(iso);
/** 09:00 Berlin on a December 2026 day. */
const dec = (day: number): Date => new Date(`2026-12-${String(day).padStart(2, '0')}T08:00:00Z`);
const firstError = (d: Decision) => {
  const r = expectRefused(d);
  const e = r.issues.find((i) => i.severity === 'error');
  if (!e) throw new Error('refusal without an error');
  return e;
};
const warningCodes = (d: Decision) => expectOk(d).warnings.map((w) => w.code);
const rulesOf = (d: Decision) => (d.ok ? d.warnings : d.issues).map((i) => i.rule);

// ---------------------------------------------------------------------------------------------
// Situations: both gateways' states after a short history (all at NOW, KWT = switch date = 16 Dec)

type Situation =
  | 'AWAIT'
  | 'AWAIT_RRNP'
  | 'AGREED'
  | 'AGREED_RRNP'
  | 'TR'
  | 'TR_REJECTED'
  | 'TV_OPEN'
  | 'STRAUF_AUF_AWAIT'
  | 'STRAUF_AUF'
  | 'STRAUF_ABG'
  | 'STRAEN_AUF'
  | 'STRAEN_ABG'
  | 'REJECTED'
  | 'CANCELLED'
  | 'REPLACED'
  | 'REPLACED_EXPIRED'
  | 'COMPLETED';

function situation(s: Situation): Pair {
  const type: VaType = s.endsWith('RRNP') ? 'VA-RRNP' : 'VA-KUE-MRN';
  const p = Pair.open(va(type));
  const agree = () => p.send(ruemVa(type));
  switch (s) {
    case 'AWAIT':
    case 'AWAIT_RRNP':
      break;
    case 'AGREED':
    case 'AGREED_RRNP':
      agree();
      break;
    case 'TR':
      agree();
      p.send(akmTr());
      break;
    case 'TR_REJECTED':
      agree();
      p.send(akmTr());
      p.send(abbmTr());
      break;
    case 'TV_OPEN':
      agree();
      p.send(tvsVa());
      break;
    case 'STRAUF_AUF_AWAIT':
      p.send(storno('STR-AUF', 'auf'));
      break;
    case 'STRAUF_AUF':
      agree();
      p.send(storno('STR-AUF', 'auf'));
      break;
    case 'STRAUF_ABG':
      agree();
      p.send(storno('STR-AUF', 'abg'));
      break;
    case 'STRAEN_AUF':
      agree();
      p.send(storno('STR-AEN', 'auf'));
      break;
    case 'STRAEN_ABG':
      agree();
      p.send(storno('STR-AEN', 'abg'));
      break;
    case 'REJECTED':
      p.send(abbmVa());
      break;
    case 'CANCELLED':
      agree();
      p.send(storno('STR-AUF', 'auf'));
      p.send(erlm('STR-AUF', 'auf'));
      break;
    case 'REPLACED':
    case 'REPLACED_EXPIRED':
      agree();
      p.send(storno('STR-AEN', 'auf'));
      p.send(erlm('STR-AEN', 'auf'));
      if (s === 'REPLACED_EXPIRED') {
        for (const role of ['recipient', 'donating'] as const) p.set(role, expectOk(tick(p.side(role), ctx('in', dec(10))) as Decision).state);
      }
      break;
    case 'COMPLETED':
      agree();
      for (const role of ['recipient', 'donating'] as const) p.set(role, expectOk(tick(p.side(role), ctx('in', dec(21))) as Decision).state);
      break;
  }
  return p;
}

// ---------------------------------------------------------------------------------------------
// The message set of the matrix. New requests carry IDs not used before, so they test the
// one-open-change rule rather than ID reuse; answers to a change address the open one.

type MsgName =
  | 'RUEM-VA'
  | 'ABBM-VA'
  | 'AKM-TR'
  | 'ABBM-TR'
  | 'TVS-VA'
  | 'TVS-VA(abg)'
  | 'STR-AUF(auf)'
  | 'STR-AUF(abg)'
  | 'STR-AEN(auf)'
  | 'STR-AEN(abg)'
  | 'ERLM'
  | 'ABBM-CHANGE'
  | 'ERLM(change sender)'
  | 'RUEM-VA(auf)'
  | 'AKM-TR(abg)'
  | 'ABBM-TR(auf)';

const MSG_NAMES: MsgName[] = [
  'RUEM-VA',
  'ABBM-VA',
  'AKM-TR',
  'ABBM-TR',
  'TVS-VA',
  'TVS-VA(abg)',
  'STR-AUF(auf)',
  'STR-AUF(abg)',
  'STR-AEN(auf)',
  'STR-AEN(abg)',
  'ERLM',
  'ABBM-CHANGE',
  'ERLM(change sender)',
  'RUEM-VA(auf)',
  'AKM-TR(abg)',
  'ABBM-TR(auf)',
];

function message(name: MsgName, s: WbciCaseState): WbciMessage {
  const change = s.openChange ?? { kind: 'TVS-VA' as ChangeType, from: 'auf' as WbciParty };
  const S2 = { auf: 'DEU.EKPA.S000000002', abg: 'DEU.EKPB.S000000002' };
  switch (name) {
    case 'RUEM-VA':
      return ruemVa(s.type);
    case 'ABBM-VA':
      return abbmVa(s.type);
    case 'AKM-TR':
      return akmTr({ businessCase: s.type });
    case 'ABBM-TR':
      return abbmTr({ businessCase: s.type });
    case 'TVS-VA':
      return tvsVa({ changeId: T_ID_2 });
    case 'TVS-VA(abg)':
      return tvsVa({ changeId: T_ID_2, sender: ABG });
    case 'STR-AUF(auf)':
      return storno('STR-AUF', 'auf', { stornoId: S2.auf });
    case 'STR-AUF(abg)':
      return storno('STR-AUF', 'abg', { stornoId: S2.abg });
    case 'STR-AEN(auf)':
      return storno('STR-AEN', 'auf', { stornoId: S2.auf });
    case 'STR-AEN(abg)':
      return storno('STR-AEN', 'abg', { stornoId: S2.abg });
    case 'ERLM':
      return erlm(change.kind, change.from);
    case 'ABBM-CHANGE':
      return abbmChange(change.kind, change.from);
    case 'ERLM(change sender)':
      return { ...erlm(change.kind, change.from), sender: change.from === 'auf' ? AUF : ABG };
    case 'RUEM-VA(auf)':
      return ruemVa(s.type, { sender: AUF });
    case 'AKM-TR(abg)':
      return akmTr({ businessCase: s.type, sender: ABG });
    case 'ABBM-TR(auf)':
      return abbmTr({ businessCase: s.type, sender: AUF });
  }
}

/**
 * Expectation notation: `STATE` or `STATE+CHANGE` = accepted, leading to that state with that
 * open change; `!CODE` = refused with that first error code and no business answer; `!CODE>R` =
 * refused, and on receipt answered with code R. `OUT | IN` when sending and receiving differ.
 */
type Expect = string;

const TERMINAL_ROW: Record<MsgName, Expect> = {
  'RUEM-VA': '!SG_STATE_CLOSED',
  'ABBM-VA': '!SG_STATE_CLOSED',
  'AKM-TR': '!SG_STATE_CLOSED>8147',
  'ABBM-TR': '!SG_STATE_CLOSED',
  'TVS-VA': '!SG_STATE_CLOSED>8141',
  'TVS-VA(abg)': '!8141>8141',
  'STR-AUF(auf)': '!SG_STATE_CLOSED>8142',
  'STR-AUF(abg)': '!SG_STATE_CLOSED>8142',
  'STR-AEN(auf)': '!SG_STATE_CLOSED>8142',
  'STR-AEN(abg)': '!SG_STATE_CLOSED>8142',
  ERLM: '!SG_STATE_CLOSED',
  'ABBM-CHANGE': '!SG_STATE_CLOSED',
  'ERLM(change sender)': '!SG_STATE_CLOSED',
  'RUEM-VA(auf)': '!SG_STATE_WRONG_PARTY',
  'AKM-TR(abg)': '!SG_STATE_WRONG_PARTY',
  'ABBM-TR(auf)': '!SG_STATE_WRONG_PARTY',
};

const WRONG_PARTY = {
  'RUEM-VA(auf)': '!SG_STATE_WRONG_PARTY',
  'AKM-TR(abg)': '!SG_STATE_WRONG_PARTY',
  'ABBM-TR(auf)': '!SG_STATE_WRONG_PARTY',
  'TVS-VA(abg)': '!8141>8141',
} as const;

const NO_CHANGE = {
  ERLM: '!SG_STATE_NO_OPEN_CHANGE',
  'ABBM-CHANGE': '!SG_STATE_NO_OPEN_CHANGE',
  'ERLM(change sender)': '!SG_STATE_NO_OPEN_CHANGE',
} as const;

const CHANGE_BLOCKED = {
  'TVS-VA': '!8141>8141',
  'STR-AUF(auf)': '!8142>8142',
  'STR-AUF(abg)': '!8142>8142',
  'STR-AEN(auf)': '!8142>8142',
  'STR-AEN(abg)': '!8142>8142',
  'ERLM(change sender)': '!SG_STATE_WRONG_PARTY',
} as const;

const AWAIT_ROW: Record<MsgName, Expect> = {
  'RUEM-VA': 'AGREED',
  'ABBM-VA': 'REJECTED',
  'AKM-TR': '!SG_STATE_NOT_AGREED>8147',
  'ABBM-TR': '!SG_STATE_NO_AKM_TR',
  'TVS-VA': '!8141>8141',
  'STR-AUF(auf)': 'AWAITING_ANSWER+STR-AUF',
  'STR-AUF(abg)': '!8142>8142',
  // §6.3: the EKPauf must not send it yet, but the EKPabg accepts it.
  'STR-AEN(auf)': '!8142 | AWAITING_ANSWER+STR-AEN',
  'STR-AEN(abg)': '!8142>8142',
  ...NO_CHANGE,
  ...WRONG_PARTY,
};

const AGREED_ROW: Record<MsgName, Expect> = {
  'RUEM-VA': '!SG_STATE_ALREADY_ANSWERED',
  'ABBM-VA': '!SG_STATE_ALREADY_ANSWERED',
  'AKM-TR': 'TR_NOTIFIED',
  'ABBM-TR': '!SG_STATE_NO_AKM_TR',
  'TVS-VA': 'AGREED+TVS-VA',
  'STR-AUF(auf)': 'AGREED+STR-AUF',
  'STR-AUF(abg)': 'AGREED+STR-AUF',
  'STR-AEN(auf)': 'AGREED+STR-AEN',
  'STR-AEN(abg)': 'AGREED+STR-AEN',
  ...NO_CHANGE,
  ...WRONG_PARTY,
};

const MATRIX: Record<Situation, Record<MsgName, Expect>> = {
  AWAIT: AWAIT_ROW,
  AWAIT_RRNP: { ...AWAIT_ROW, 'AKM-TR': '!SG_STATE_NOT_ALLOWED>8147' },
  AGREED: AGREED_ROW,
  AGREED_RRNP: { ...AGREED_ROW, 'AKM-TR': '!SG_STATE_NOT_ALLOWED>8147' },
  TR: {
    ...AGREED_ROW,
    'AKM-TR': '!8148>8148',
    'ABBM-TR': 'AGREED',
    'TVS-VA': 'TR_NOTIFIED+TVS-VA',
    'STR-AUF(auf)': 'TR_NOTIFIED+STR-AUF',
    'STR-AUF(abg)': 'TR_NOTIFIED+STR-AUF',
    'STR-AEN(auf)': 'TR_NOTIFIED+STR-AEN',
    'STR-AEN(abg)': 'TR_NOTIFIED+STR-AEN',
  },
  TR_REJECTED: AGREED_ROW,
  TV_OPEN: {
    ...AGREED_ROW,
    ...CHANGE_BLOCKED,
    'AKM-TR': 'TR_NOTIFIED+TVS-VA',
    ERLM: 'AGREED',
    'ABBM-CHANGE': 'AGREED',
  },
  STRAUF_AUF_AWAIT: {
    ...AWAIT_ROW,
    ...CHANGE_BLOCKED,
    'RUEM-VA': 'AGREED+STR-AUF',
    'TVS-VA': '!8141>8141',
    ERLM: 'CANCELLED',
    'ABBM-CHANGE': 'AWAITING_ANSWER',
  },
  STRAUF_AUF: { ...AGREED_ROW, ...CHANGE_BLOCKED, 'AKM-TR': 'TR_NOTIFIED+STR-AUF', ERLM: 'CANCELLED', 'ABBM-CHANGE': 'AGREED' },
  STRAUF_ABG: { ...AGREED_ROW, ...CHANGE_BLOCKED, 'AKM-TR': 'TR_NOTIFIED+STR-AUF', ERLM: 'CANCELLED', 'ABBM-CHANGE': 'AGREED' },
  STRAEN_AUF: { ...AGREED_ROW, ...CHANGE_BLOCKED, 'AKM-TR': 'TR_NOTIFIED+STR-AEN', ERLM: 'REPLACED', 'ABBM-CHANGE': 'AGREED' },
  STRAEN_ABG: { ...AGREED_ROW, ...CHANGE_BLOCKED, 'AKM-TR': 'TR_NOTIFIED+STR-AEN', ERLM: 'REPLACED', 'ABBM-CHANGE': 'AGREED' },
  REJECTED: TERMINAL_ROW,
  CANCELLED: TERMINAL_ROW,
  REPLACED: TERMINAL_ROW,
  REPLACED_EXPIRED: TERMINAL_ROW,
  COMPLETED: TERMINAL_ROW,
};

const SITUATION_STATE: Record<Situation, WbciState> = {
  AWAIT: 'AWAITING_ANSWER',
  AWAIT_RRNP: 'AWAITING_ANSWER',
  AGREED: 'AGREED',
  AGREED_RRNP: 'AGREED',
  TR: 'TR_NOTIFIED',
  TR_REJECTED: 'AGREED',
  TV_OPEN: 'AGREED',
  STRAUF_AUF_AWAIT: 'AWAITING_ANSWER',
  STRAUF_AUF: 'AGREED',
  STRAUF_ABG: 'AGREED',
  STRAEN_AUF: 'AGREED',
  STRAEN_ABG: 'AGREED',
  REJECTED: 'REJECTED',
  CANCELLED: 'CANCELLED',
  REPLACED: 'REPLACED',
  REPLACED_EXPIRED: 'REPLACED_EXPIRED',
  COMPLETED: 'COMPLETED',
};

function checkExpectation(d: Decision, exp: Expect, direction: 'in' | 'out'): void {
  if (exp.startsWith('!')) {
    const [code, reply] = exp.slice(1).split('>');
    const r = expectRefused(d);
    expect(r.issues.find((i) => i.severity === 'error')?.code).toBe(code);
    for (const i of r.issues) {
      expect(i.rule).toMatch(/^[a-zA-Z]+$/);
      expect(i.message.length).toBeGreaterThan(10);
    }
    if (direction === 'out' || reply === undefined) expect(r.reply).toBeNull();
    else expect(r.reply?.code).toBe(reply);
  } else {
    const [state, change] = exp.split('+');
    const ok = expectOk(d);
    expect(ok.state.state).toBe(state);
    expect(ok.state.openChange?.kind ?? null).toBe(change ?? null);
  }
}

describe('transition matrix: every message kind from every party in every situation, sent and received', () => {
  for (const s of Object.keys(MATRIX) as Situation[]) {
    describe(s, () => {
      const pair = situation(s);
      it(`both gateways are in ${SITUATION_STATE[s]}`, () => {
        expect(pair.state).toBe(SITUATION_STATE[s]);
      });
      for (const name of MSG_NAMES) {
        const [expOut, expIn = expOut] = MATRIX[s][name].split(' | ');
        for (const direction of ['out', 'in'] as const) {
          const exp = direction === 'out' ? expOut : expIn;
          it(`${name} ${direction === 'out' ? 'sent' : 'received'} → ${exp}`, () => {
            const msg = message(name, pair.recipient);
            const sender = partyOf(msg);
            const gateway = direction === 'out' ? roleOf(sender) : roleOf(sender === 'auf' ? 'abg' : 'auf');
            const before = deepFreeze(structuredClone(pair.side(gateway)));
            const d = apply(before, msg, ctx(direction));
            checkExpectation(d, exp, direction);
          });
        }
      }
    });
  }
});

// ---------------------------------------------------------------------------------------------

describe('§7 canonical sequences, played by both gateways', () => {
  it('KUE good case (MRN): VA → RUEM-VA → AKM-TR, then completion', () => {
    const p = Pair.open(va('VA-KUE-MRN'));
    expect(p.state).toBe('AWAITING_ANSWER');
    const agreed = p.send(ruemVa('VA-KUE-MRN', { technology: '001 TAL ISDN', resources: [{ contractNumber: '1234567890' }] }));
    expect(agreed.effects).toEqual([{ kind: 'agreed', switchDate: KWT }]);
    expect(p.recipient.switchDate).toBe(KWT);
    expect(p.recipient.answeredAt).toBe(NOW.toISOString());
    expect(p.recipient.agreement).toEqual({ technology: '001 TAL ISDN', resources: [{ contractNumber: '1234567890' }] });
    const tr = p.send(akmTr({ takeOver: true, safeHarbour: false }));
    expect(tr.effects).toEqual([{ kind: 'tr-notified', attempt: 1 }]);
    expect(p.state).toBe('TR_NOTIFIED');
    expect(p.recipient.akmTr).toEqual({ status: 'sent', at: NOW.toISOString(), count: 1 });
    expect(p.recipient.agreement).toMatchObject({ takeOver: true, safeHarbour: false });
    for (const role of ['recipient', 'donating'] as const) {
      const t = tick(p.side(role), ctx('in', at('2026-12-18T23:00:00Z')));
      expect(t && expectOk(t).state.state).toBe('COMPLETED');
      expect(t && expectOk(t).effects).toEqual([{ kind: 'closed', state: 'COMPLETED' }]);
    }
  });

  it('KUE good case (ORN)', () => {
    const p = Pair.open(va('VA-KUE-ORN'));
    p.send(ruemVa('VA-KUE-ORN'));
    p.send(akmTr({ businessCase: 'VA-KUE-ORN' }));
    expect(p.state).toBe('TR_NOTIFIED');
  });

  it('KUE rejected: VA → ABBM closes the case', () => {
    const p = Pair.open();
    const d = p.send(abbmVa('VA-KUE-MRN', { positions: [{ code: '8103' }, { code: '8117' }] }));
    expect(d.effects).toEqual([{ kind: 'rejected', codes: ['8103', '8117'] }, { kind: 'closed', state: 'REJECTED' }]);
    expect(p.state).toBe('REJECTED');
    expect(p.recipient.closedAt).toBe(NOW.toISOString());
  });

  it('TR rejected, then a corrected AKM-TR', () => {
    const p = Pair.open();
    p.send(ruemVa());
    p.send(akmTr({ takeOver: true, safeHarbour: true }));
    const rej = p.send(abbmTr({ positions: [{ code: '8144' }] }));
    expect(rej.effects).toEqual([{ kind: 'tr-rejected', codes: ['8144'] }]);
    expect(p.state).toBe('AGREED');
    expect(p.recipient.akmTr.status).toBe('rejected');
    expect(p.recipient.agreement?.takeOver).toBeUndefined();
    const again = p.send(akmTr({ takeOver: false, safeHarbour: true }), dec(2));
    expect(again.effects).toEqual([{ kind: 'tr-notified', attempt: 2 }]);
    expect(p.state).toBe('TR_NOTIFIED');
    expect(p.recipient.akmTr).toEqual({ status: 'sent', at: dec(2).toISOString(), count: 2 });
    expect(p.recipient.agreement).toMatchObject({ takeOver: false, safeHarbour: true });
  });

  it('RRNP good case: VA-RRNP → RUEM-VA, no AKM-TR step', () => {
    const p = Pair.open(va('VA-RRNP'));
    p.send(ruemVa('VA-RRNP', { technology: undefined }));
    expect(p.state).toBe('AGREED');
    expect(firstError(apply(p.recipient, akmTr({ businessCase: 'VA-RRNP' }), ctx('out'))).rule).toBe('akmTrKueOnly');
    const t = tick(p.donating, ctx('in', at('2026-12-18T23:00:00Z')));
    expect(t && expectOk(t).state.state).toBe('COMPLETED');
  });

  it('reschedule accepted: TVS-VA → ERLM 8003 with the new date', () => {
    const p = Pair.open();
    p.send(ruemVa());
    const opened = p.send(tvsVa());
    expect(opened.effects).toEqual([
      { kind: 'change-opened', change: { kind: 'TVS-VA', id: T_ID, from: 'auf', requestedDate: NEW_DATE, at: NOW.toISOString() } },
    ]);
    expect(p.recipient.usedChangeIds).toEqual([T_ID]);
    const done = p.send(erlm('TVS-VA'), dec(2));
    expect(done.effects).toEqual([
      {
        kind: 'change-closed',
        change: { kind: 'TVS-VA', id: T_ID, from: 'auf', requestedDate: NEW_DATE, at: NOW.toISOString() },
        result: 'accepted',
        codes: ['8003'],
      },
      { kind: 'switch-date-changed', from: KWT, to: NEW_DATE },
    ]);
    expect(p.recipient.switchDate).toBe(NEW_DATE);
    expect(p.recipient.openChange).toBeNull();
    expect(p.recipient.changes).toEqual([
      { kind: 'TVS-VA', id: T_ID, from: 'auf', requestedDate: NEW_DATE, result: 'accepted', codes: ['8003'], at: dec(2).toISOString() },
    ]);
    expect(p.state).toBe('AGREED');
  });

  it('reschedule refused: TVS-VA → ABBM 8141 with the original date', () => {
    const p = Pair.open();
    p.send(ruemVa());
    p.send(akmTr());
    p.send(tvsVa());
    const d = p.send(abbmChange('TVS-VA', 'auf', { switchDate: KWT }));
    expect(d.effects).toEqual([expect.objectContaining({ kind: 'change-closed', result: 'rejected', codes: ['8141'] })]);
    expect(p.state).toBe('TR_NOTIFIED');
    expect(p.recipient.switchDate).toBe(KWT);
    expect(p.recipient.changes[0]).toMatchObject({ result: 'rejected', codes: ['8141'] });
  });

  for (const from of ['auf', 'abg'] as const) {
    for (const kind of ['STR-AUF', 'STR-AEN'] as const) {
      it(`cancel: ${kind} by the ${from === 'auf' ? 'EKPauf' : 'EKPabg'} → ERLM 8004`, () => {
        const p = Pair.open();
        p.send(ruemVa());
        p.send(storno(kind, from));
        const d = p.send(erlm(kind, from));
        const end = kind === 'STR-AUF' ? 'CANCELLED' : 'REPLACED';
        expect(p.state).toBe(end);
        expect(p.recipient.closedAt).toBe(NOW.toISOString());
        expect(d.effects.slice(0, 2)).toEqual([
          expect.objectContaining({ kind: 'change-closed', result: 'accepted', codes: ['8004'] }),
          { kind: 'closed', state: end },
        ]);
      });
      it(`cancel: ${kind} by the ${from === 'auf' ? 'EKPauf' : 'EKPabg'} → ABBM 8142, the VA continues`, () => {
        const p = Pair.open();
        p.send(ruemVa());
        p.send(storno(kind, from));
        p.send(abbmChange(kind, from));
        expect(p.state).toBe('AGREED');
        expect(p.recipient.openChange).toBeNull();
        expect(p.recipient.usedChangeIds).toEqual([from === 'auf' ? S_ID_AUF : S_ID_ABG]);
      });
    }
  }

  it('cancel before the answer: STR-AUF by the EKPauf while the VA is unanswered → ERLM', () => {
    const p = Pair.open();
    p.send(storno('STR-AUF', 'auf'));
    p.send(erlm('STR-AUF', 'auf'));
    expect(p.state).toBe('CANCELLED');
  });

  it('STR-AEN with a successor VA: REPLACED, then a linked new VA that runs to agreement', () => {
    const old = Pair.open();
    old.send(ruemVa());
    old.send(storno('STR-AEN', 'auf'));
    const d = old.send(erlm('STR-AEN', 'auf'));
    expect(d.effects).toContainEqual({ kind: 'successor-expected', dueAt: '2026-12-07T22:59:59.999Z' });
    expect(old.state).toBe('REPLACED');

    const next = Pair.open(va('VA-KUE-MRN', { vaId: VA_ID_2 }), dec(2), old);
    expect(next.recipient.replaces).toBe(VA_ID);
    const opened = expectOk(openCase(va('VA-KUE-MRN', { vaId: VA_ID_2 }), 'donating', ctx('in', dec(2)), { replaces: old.donating }));
    expect(opened.effects).toEqual([{ kind: 'case-opened', vaId: VA_ID_2, vaType: 'VA-KUE-MRN', requestedDate: KWT, replaces: VA_ID }]);
    for (const role of ['recipient', 'donating'] as const) old.set(role, linkSuccessor(old.side(role), VA_ID_2));
    expect(old.recipient.replacedBy).toBe(VA_ID_2);
    expect(tick(old.recipient, ctx('in', dec(20)))).toBeNull();

    next.send(ruemVa('VA-KUE-MRN', { vaIdRef: VA_ID_2 }), dec(2));
    expect(next.state).toBe('AGREED');
  });

  it('STR-AEN of a VA-RRNP: a KUE successor is refused by both gateways', () => {
    const old = Pair.open(va('VA-RRNP'));
    old.send(ruemVa('VA-RRNP'));
    old.send(storno('STR-AEN', 'auf'));
    old.send(erlm('STR-AEN', 'auf'));
    const successor = va('VA-KUE-MRN', { vaId: VA_ID_2 });
    const sent = expectRefused(openCase(successor, 'recipient', ctx('out'), { replaces: old.recipient }));
    expect(sent.issues.map((i) => i.code)).toEqual(['SG_STATE_SUCCESSOR_TYPE']);
    expect(sent.reply).toBeNull();
    const received = expectRefused(openCase(successor, 'donating', ctx('in'), { replaces: old.donating }));
    expect(received.issues[0]).toMatchObject({ code: 'SG_STATE_SUCCESSOR_TYPE', rule: 'rrnpSuccessorNotKue', path: '/type' });
    expect(received.reply).toMatchObject({ type: 'ABBM', code: '8116', businessCase: 'VA-KUE-MRN', vaIdRef: VA_ID_2 });
    expect(received.reply && 'reason' in received.reply && received.reply.reason).toContain('VA-RRNP');
    // An RRNP successor is fine.
    expectOk(openCase(va('VA-RRNP', { vaId: VA_ID_2 }), 'donating', ctx('in'), { replaces: old.donating }));
  });
});

// ---------------------------------------------------------------------------------------------

describe('openCase', () => {
  it('opens AWAITING_ANSWER with the VA and no history', () => {
    const d = expectOk(openCase(va(), 'recipient', ctx('out')));
    expect(d.warnings).toEqual([]);
    expect(d.effects).toEqual([{ kind: 'case-opened', vaId: VA_ID, vaType: 'VA-KUE-MRN', requestedDate: KWT }]);
    expect(d.state).toEqual({
      vaId: VA_ID,
      type: 'VA-KUE-MRN',
      role: 'recipient',
      recipient: AUF,
      donating: ABG,
      state: 'AWAITING_ANSWER',
      requestedDate: KWT,
      switchDate: null,
      vaAt: NOW.toISOString(),
      answeredAt: null,
      openChange: null,
      usedChangeIds: [],
      changes: [],
      akmTr: { status: 'none', at: null, count: 0 },
      agreement: null,
      va: va(),
    });
  });

  // NOW is Tue 1 Dec 2026; working days after it: 2,3,4,7,8,9,10(7th),11,14,15(10th),16(11th) …
  const kwtCases: [string, VaType, string, string[] /* out errors */, string[] /* warnings (both) */][] = [
    ['KUE 6 WD ahead', 'VA-KUE-MRN', '2026-12-09', ['minLeadWorkingDays'], []],
    ['KUE 7 WD ahead (warning band)', 'VA-KUE-MRN', '2026-12-10', [], ['shortLeadWorkingDays']],
    ['KUE 10 WD ahead (warning band, inclusive)', 'VA-KUE-ORN', '2026-12-15', [], ['shortLeadWorkingDays']],
    ['KUE 11 WD ahead', 'VA-KUE-ORN', '2026-12-16', [], []],
    ['KUE on a Saturday', 'VA-KUE-MRN', '2026-12-19', ['workingDay'], []],
    ['KUE on 24 Dec (the next day is Christmas)', 'VA-KUE-MRN', '2026-12-24', ['nextDayWorkingDay'], []],
    ['KUE on a Friday (next day Saturday)', 'VA-KUE-MRN', '2026-12-18', ['nextDayWorkingDay'], []],
    ['KUE in the past', 'VA-KUE-MRN', '2026-11-30', ['minLeadWorkingDays'], []],
    ['KUE beyond the 180-day horizon', 'VA-KUE-MRN', '2027-06-01', [], ['maxHorizonDays']],
    ['RRNP 1 WD ahead', 'VA-RRNP', '2026-12-02', [], []],
    ['RRNP today', 'VA-RRNP', '2026-12-01', ['minLeadWorkingDays'], []],
    ['RRNP on 24 Dec (no next-day rule)', 'VA-RRNP', '2026-12-24', [], []],
    ['RRNP on Christmas Day', 'VA-RRNP', '2026-12-25', ['workingDay'], []],
  ];
  for (const [name, type, kwt, errors, warnings] of kwtCases) {
    it(`KWT ${name}: ${errors.length ? 'refused when sent, warned when received' : 'accepted'}`, () => {
      const v = va(type, { requestedDate: kwt });
      const sent = openCase(v, 'recipient', ctx('out'));
      if (errors.length) {
        const r = expectRefused(sent);
        expect(r.issues.filter((i) => i.severity === 'error').map((i) => i.rule)).toEqual(errors);
        expect(r.issues.find((i) => i.severity === 'error')?.path).toBe('/requestedDate');
        expect(r.reply).toBeNull();
      } else {
        expect(rulesOf(sent)).toEqual(warnings);
      }
      const received = expectOk(openCase(v, 'donating', ctx('in')));
      expect(received.warnings.map((w) => w.rule)).toEqual([...errors, ...warnings]);
      expect(received.warnings.every((w) => w.severity === 'warning')).toBe(true);
    });
  }

  it('codes the KWT problems: lead time, working day, horizon', () => {
    expect(firstError(openCase(va('VA-KUE-MRN', { requestedDate: '2026-12-09' }), 'recipient', ctx('out'))).code).toBe('SG_DATE_LEAD_TIME');
    expect(firstError(openCase(va('VA-KUE-MRN', { requestedDate: '2026-12-24' }), 'recipient', ctx('out'))).code).toBe('SG_DATE_NOT_WORKING_DAY');
    expect(warningCodes(openCase(va('VA-KUE-MRN', { requestedDate: '2026-12-10' }), 'recipient', ctx('out')))).toEqual(['SG_DATE_SHORT_LEAD']);
    expect(warningCodes(openCase(va('VA-KUE-MRN', { requestedDate: '2027-06-01' }), 'recipient', ctx('out')))).toEqual(['SG_DATE_HORIZON']);
  });

  it('accepts the 2013 wire samples on receipt (KWT 2013-10-01) with warnings for the operator', () => {
    for (const type of ['VA-KUE-MRN', 'VA-RRNP'] as const) {
      const d = expectOk(openCase(va(type, { requestedDate: '2013-10-01' }), 'donating', ctx('in')));
      expect(d.warnings.map((w) => w.code)).toEqual(['SG_DATE_LEAD_TIME']);
      expect(d.warnings[0].message).toContain('2013-10-01');
      expect(d.state.state).toBe('AWAITING_ANSWER');
    }
  });

  it('refuses a direction that does not match the role', () => {
    const r1 = expectRefused(openCase(va(), 'recipient', ctx('in')));
    expect(r1.issues[0]).toMatchObject({ code: 'SG_STATE_WRONG_DIRECTION', rule: 'directionMatchesRole' });
    expect(r1.reply).toBeNull();
    const r2 = expectRefused(openCase(va(), 'donating', ctx('out')));
    expect(r2.issues[0].code).toBe('SG_STATE_WRONG_DIRECTION');
  });

  it('refuses a VA not sent by the EKPauf, and equal parties', () => {
    const r = expectRefused(openCase(va('VA-KUE-MRN', { sender: ABG }), 'donating', ctx('in')));
    expect(r.issues[0]).toMatchObject({ code: 'SG_STATE_WRONG_PARTY', rule: 'vaFromAufOnly', path: '/sender' });
    expect(r.reply).toBeNull();
    const same = expectRefused(openCase(va('VA-KUE-MRN', { donating: AUF }), 'recipient', ctx('out')));
    expect(same.issues[0].rule).toBe('distinctParties');
  });

  describe('successor VA (replaces)', () => {
    const replaced = (type: VaType = 'VA-KUE-MRN'): Pair => {
      const p = Pair.open(va(type));
      p.send(ruemVa(type));
      p.send(storno('STR-AEN', 'auf'));
      p.send(erlm('STR-AEN', 'auf'));
      return p;
    };
    const successor = va('VA-KUE-MRN', { vaId: VA_ID_2 });

    it('is accepted up to the end of switch date − 7 WD (7 Dec) and refused after it', () => {
      const p = replaced();
      expectOk(openCase(successor, 'recipient', ctx('out', at('2026-12-07T22:59:59.999Z')), { replaces: p.recipient }));
      const late = expectRefused(openCase(successor, 'donating', ctx('in', at('2026-12-07T23:00:00.000Z')), { replaces: p.donating }));
      expect(late.issues[0]).toMatchObject({ code: 'SG_STATE_SUCCESSOR_LATE', rule: 'successorInTime' });
      expect(late.reply).toMatchObject({ type: 'ABBM', code: '8116', vaIdRef: VA_ID_2 });
    });

    it('is refused when the predecessor expired, is not REPLACED, or already has a successor', () => {
      const p = replaced();
      const expired = expectOk(tick(p.recipient, ctx('in', dec(8))) as Decision).state;
      expect(firstError(openCase(successor, 'recipient', ctx('out'), { replaces: expired })).code).toBe('SG_STATE_SUCCESSOR_LATE');
      const agreed = situation('AGREED').recipient;
      expect(firstError(openCase(successor, 'recipient', ctx('out'), { replaces: agreed })).code).toBe('SG_STATE_NOT_REPLACED');
      const taken = linkSuccessor(p.recipient, 'DEU.EKPA.V000000009');
      expect(firstError(openCase(successor, 'recipient', ctx('out'), { replaces: taken })).code).toBe('SG_STATE_ALREADY_REPLACED');
      // the same successor again (a retried open) is not "another" successor
      expectOk(openCase(successor, 'recipient', ctx('out'), { replaces: linkSuccessor(p.recipient, VA_ID_2) }));
    });

    it('needs a new VA-ID (8115) and the same parties', () => {
      const p = replaced();
      const same = expectRefused(openCase(va(), 'donating', ctx('in'), { replaces: p.donating }));
      expect(same.issues[0].code).toBe('8115');
      expect(same.reply).toMatchObject({ type: 'ABBM', code: '8115', vaIdRef: VA_ID });
      const other = va('VA-KUE-MRN', { vaId: VA_ID_2, donating: 'DEU.EKPC' });
      expect(firstError(openCase(other, 'recipient', ctx('out'), { replaces: p.recipient })).rule).toBe('successorSameParties');
    });

    it('KUE → RRNP is allowed', () => {
      const p = replaced('VA-KUE-ORN');
      expectOk(openCase(va('VA-RRNP', { vaId: VA_ID_2 }), 'recipient', ctx('out'), { replaces: p.recipient }));
    });
  });
});

// ---------------------------------------------------------------------------------------------

describe('apply: identity and parties', () => {
  const agreed = () => situation('AGREED');

  it('refuses a sender that is neither party, without a reply', () => {
    const d = expectRefused(apply(agreed().donating, tvsVa({ sender: 'DEU.EKPC' }), ctx('in')));
    expect(d.issues).toEqual([expect.objectContaining({ code: 'SG_STATE_UNKNOWN_SENDER', path: '/sender', rule: 'senderIsParty' })]);
    expect(d.reply).toBeNull();
  });

  it('refuses a message whose sender does not fit the direction', () => {
    const p = agreed();
    // the recipient's gateway "receiving" a message from the EKPauf (itself)
    expect(firstError(apply(p.recipient, tvsVa(), ctx('in'))).code).toBe('SG_STATE_WRONG_DIRECTION');
    // the donating gateway "sending" a message of the EKPauf
    expect(firstError(apply(p.donating, tvsVa(), ctx('out'))).code).toBe('SG_STATE_WRONG_DIRECTION');
  });

  it('answers a reference to another VA-ID with 8140, per message kind', () => {
    const p = agreed();
    const other = 'DEU.EKPA.V000000099';
    const tv = expectRefused(apply(p.donating, tvsVa({ vaIdRef: other }), ctx('in')));
    expect(tv.issues[0]).toMatchObject({ code: '8140', path: '/vaIdRef', rule: 'vaIdRefMatchesCase' });
    expect(tv.reply).toEqual({
      type: 'ABBM',
      code: '8140',
      businessCase: 'TVS-VA',
      vaIdRef: other,
      changeIdRef: T_ID,
      switchDate: KWT,
      text: 'Vorabstimmungs-ID nicht bekannt',
    });
    const tr = expectRefused(apply(p.donating, akmTr({ vaIdRef: other }), ctx('in')));
    expect(tr.reply).toEqual({ type: 'ABBM-TR', code: '8140', businessCase: 'VA-KUE-MRN', vaIdRef: other, text: 'Vorabstimmungs-ID nicht bekannt' });
    const st = expectRefused(apply(p.recipient, storno('STR-AUF', 'abg', { vaIdRef: other }), ctx('in')));
    expect(st.reply).toMatchObject({ type: 'ABBM', code: '8140', businessCase: 'STR-AUF', stornoIdRef: S_ID_ABG });
    const meldung = expectRefused(apply(situation('AWAIT').recipient, ruemVa('VA-KUE-MRN', { vaIdRef: other }), ctx('in')));
    expect(meldung.issues[0].code).toBe('8140');
    expect(meldung.reply).toBeNull();
    // sending one is refused as well, without a reply
    expect(expectRefused(apply(p.recipient, tvsVa({ vaIdRef: other }), ctx('out'))).reply).toBeNull();
  });

  it('answers requests to a closed case per kind, with the reason where WBCI allows one', () => {
    const p = situation('CANCELLED');
    expect(expectRefused(apply(p.donating, tvsVa(), ctx('in'))).reply).toEqual({
      type: 'ABBM',
      code: '8141',
      businessCase: 'TVS-VA',
      vaIdRef: VA_ID,
      changeIdRef: T_ID,
      switchDate: KWT,
      text: 'Terminverschiebung abgelehnt',
      reason: `Vorabstimmung ${VA_ID} ist abgeschlossen`,
    });
    expect(expectRefused(apply(p.donating, akmTr(), ctx('in'))).reply).toEqual({
      type: 'ABBM-TR',
      code: '8147',
      businessCase: 'VA-KUE-MRN',
      vaIdRef: VA_ID,
      text: 'Übernahme der technischen Ressource nicht möglich',
    });
    expect(expectRefused(apply(p.recipient, storno('STR-AEN', 'abg'), ctx('in'))).reply).toMatchObject({ code: '8142', stornoIdRef: S_ID_ABG });
  });

  it('refuses a message between other contract partners (8140)', () => {
    const d = expectRefused(apply(agreed().donating, tvsVa({ donating: 'DEU.EKPC' }), ctx('in')));
    expect(d.issues[0]).toMatchObject({ code: '8140', path: '/donating', rule: 'partnersMatchCase' });
  });

  it('a VA with the case VA-ID is a reused ID (8115); another VA does not apply to a case', () => {
    const p = situation('AWAIT');
    const dup = expectRefused(apply(p.donating, va(), ctx('in')));
    expect(dup.issues[0]).toMatchObject({ code: '8115', rule: 'idNotReused' });
    expect(dup.reply).toMatchObject({ type: 'ABBM', code: '8115', businessCase: 'VA-KUE-MRN', vaIdRef: VA_ID });
    const other = expectRefused(apply(p.donating, va('VA-KUE-MRN', { vaId: VA_ID_2 }), ctx('in')));
    expect(other.issues[0]).toMatchObject({ code: 'SG_STATE_NOT_ALLOWED', rule: 'vaOpensCase' });
    expect(other.reply).toBeNull();
  });

  it('refuses a reused T-ID or S-ID with 8115', () => {
    const p = situation('AGREED');
    p.send(tvsVa());
    p.send(abbmChange('TVS-VA'));
    const tv = expectRefused(apply(p.donating, tvsVa({ requestedDate: '2026-12-23' }), ctx('in')));
    expect(tv.issues[0]).toMatchObject({ code: '8115', rule: 'idNotReused' });
    expect(tv.reply).toMatchObject({ type: 'ABBM', code: '8115', changeIdRef: T_ID, switchDate: KWT });
    p.send(storno('STR-AUF', 'abg'));
    p.send(abbmChange('STR-AUF', 'abg'));
    const st = expectRefused(apply(p.donating, storno('STR-AUF', 'abg'), ctx('out')));
    expect(st.issues[0].code).toBe('8115');
    expect(st.reply).toBeNull();
    // an open change with the same id: reuse is reported before the open-change rule
    p.send(storno('STR-AEN', 'auf'));
    expect(firstError(apply(p.recipient, storno('STR-AEN', 'auf'), ctx('out'))).code).toBe('8115');
  });

  it('refuses a geschaeftsfall that does not match the case', () => {
    const p = situation('AWAIT');
    const d = expectRefused(apply(p.recipient, ruemVa('VA-KUE-ORN'), ctx('in')));
    expect(d.issues[0]).toMatchObject({ code: 'SG_STATE_BUSINESS_CASE_MISMATCH', path: '/businessCase' });
    expect(d.reply).toBeNull();
  });

  it('never mutates the state it is given', () => {
    const p = situation('TV_OPEN');
    const frozen = deepFreeze(structuredClone(p.donating));
    const copy = structuredClone(frozen);
    expectOk(apply(frozen, erlm('TVS-VA'), ctx('out')));
    expect(frozen).toEqual(copy);
  });

  it('classifies ABBM/ERLM by what they answer', () => {
    expect(messageKind(abbmVa())).toBe('ABBM-VA');
    expect(messageKind(abbmChange('TVS-VA'))).toBe('ABBM-CHANGE');
    expect(messageKind(abbmChange('STR-AEN'))).toBe('ABBM-CHANGE');
    expect(messageKind({ ...abbmVa(), stornoIdRef: S_ID_AUF })).toBe('ABBM-CHANGE');
    expect(messageKind(erlm('STR-AUF'))).toBe('ERLM-CHANGE');
    expect(messageKind(va())).toBe('VA');
    expect(messageKind(tvsVa())).toBe('TVS-VA');
  });
});

describe('apply: answers to the VA', () => {
  it('an ABBM to the VA while a Storno is open supersedes the Storno', () => {
    const p = situation('STRAUF_AUF_AWAIT');
    const d = p.send(abbmVa());
    expect(d.effects).toEqual([
      { kind: 'change-closed', change: expect.objectContaining({ kind: 'STR-AUF', id: S_ID_AUF }), result: 'superseded', codes: [] },
      { kind: 'rejected', codes: ['8117'] },
      { kind: 'closed', state: 'REJECTED' },
    ]);
    expect(p.recipient.openChange).toBeNull();
  });

  it('RUEM-VA date before the KWT: refused when sent, a warning for manual clarification when received', () => {
    const p = situation('AWAIT');
    const m = ruemVa('VA-KUE-MRN', { switchDate: '2026-12-15' });
    expect(firstError(apply(p.donating, m, ctx('out')))).toMatchObject({ code: 'SG_DATE_BEFORE_KWT', path: '/switchDate', rule: 'switchDateNotBeforeKwt' });
    const rec = expectOk(apply(p.recipient, m, ctx('in')));
    expect(rec.warnings.map((w) => w.code)).toEqual(['SG_DATE_BEFORE_KWT']);
    expect(rec.state.switchDate).toBe('2026-12-15');
  });

  // Case opened on 1 Dec with KWT 10 Dec; RUEM-VA on Fri 4 Dec: WD after it are 7,8,9,10(4th),11,14(6th),15(7th),16(8th)
  const leadCases: [string, string, string[], string[]][] = [
    ['4 WD ahead', '2026-12-10', ['minLeadWorkingDays'], []],
    ['6 WD ahead (warning band)', '2026-12-14', [], ['shortLeadWorkingDays']],
    ['7 WD ahead (warning band, inclusive)', '2026-12-15', [], ['shortLeadWorkingDays']],
    ['8 WD ahead', '2026-12-16', [], []],
  ];
  for (const [name, date, errors, warnings] of leadCases) {
    it(`RUEM-VA Wechseltermin (KUE) ${name}: ${errors.length ? 'refused when sent, warned when received' : 'accepted'}`, () => {
      const p = Pair.open(va('VA-KUE-MRN', { requestedDate: '2026-12-10' }));
      const m = ruemVa('VA-KUE-MRN', { switchDate: date });
      const sent = apply(p.donating, m, ctx('out', dec(4)));
      const received = expectOk(apply(p.recipient, m, ctx('in', dec(4))));
      if (errors.length) {
        expect(expectRefused(sent).issues.filter((i) => i.severity === 'error').map((i) => i.rule)).toEqual(errors);
        expect(firstError(sent)).toMatchObject({ code: 'SG_DATE_LEAD_TIME', path: '/switchDate' });
      } else {
        expect(expectOk(sent).warnings.map((w) => w.rule)).toEqual(warnings);
      }
      expect(received.warnings.map((w) => w.rule)).toEqual([...errors, ...warnings]);
      expect(received.state.switchDate).toBe(date);
    });
  }

  it('RUEM-VA Wechseltermin (KUE) on a Friday breaks the next-day rule', () => {
    const p = Pair.open(va('VA-KUE-MRN', { requestedDate: '2026-12-10' }));
    expect(firstError(apply(p.donating, ruemVa('VA-KUE-MRN', { switchDate: '2026-12-11' }), ctx('out', dec(4))))).toMatchObject({
      code: 'SG_DATE_NOT_WORKING_DAY',
      rule: 'nextDayWorkingDay',
    });
  });

  it('RUEM-VA Wechseltermin (RRNP) needs 1 WD and a working day, no next-day rule', () => {
    const p = Pair.open(va('VA-RRNP', { requestedDate: '2026-12-02' }));
    expect(expectOk(apply(p.donating, ruemVa('VA-RRNP', { switchDate: '2026-12-02' }), ctx('out'))).warnings).toEqual([]);
    expect(expectOk(apply(p.donating, ruemVa('VA-RRNP', { switchDate: '2026-12-24' }), ctx('out'))).warnings).toEqual([]);
    expect(firstError(apply(p.donating, ruemVa('VA-RRNP', { switchDate: '2026-12-26' }), ctx('out'))).rule).toBe('workingDay');
    const sameDay = Pair.open(va('VA-RRNP', { requestedDate: '2026-12-02' }));
    expect(firstError(apply(sameDay.donating, ruemVa('VA-RRNP', { switchDate: '2026-12-02' }), ctx('out', dec(2)))).rule).toBe('minLeadWorkingDays');
  });

  it('RUEM-VA on 24 Dec (KUE) breaks the next-day rule', () => {
    const p = situation('AWAIT');
    const m = ruemVa('VA-KUE-MRN', { switchDate: '2026-12-24' });
    expect(firstError(apply(p.donating, m, ctx('out')))).toMatchObject({ code: 'SG_DATE_NOT_WORKING_DAY', rule: 'nextDayWorkingDay' });
    expect(warningCodes(apply(p.recipient, m, ctx('in')))).toEqual(['SG_DATE_NOT_WORKING_DAY']);
  });

  it('D13: a received Wechseltermin more than 10 WD after the KWT is flagged', () => {
    const p = situation('AWAIT');
    // KWT 16 Dec: 30 Dec is the 9th WD after it (24 Dec counts, 25/26 Dec do not), 4 Jan the 11th (1 Jan is a holiday)
    expect(expectOk(apply(p.recipient, ruemVa('VA-KUE-MRN', { switchDate: '2026-12-30' }), ctx('in'))).warnings).toEqual([]);
    const late = expectOk(apply(p.recipient, ruemVa('VA-KUE-MRN', { switchDate: '2027-01-04' }), ctx('in')));
    expect(late.warnings).toEqual([expect.objectContaining({ code: 'SG_DATE_CONFIRMED_OFFSET', rule: 'confirmedDateMaxOffset', severity: 'warning' })]);
    // the limit is inclusive
    const limit = { confirmedDateMaxOffsetWorkingDays: 11 };
    expect(expectOk(apply(p.recipient, ruemVa('VA-KUE-MRN', { switchDate: '2027-01-04' }), ctx('in', NOW, limit))).warnings).toEqual([]);
    // not a send-side rule
    expect(expectOk(apply(p.donating, ruemVa('VA-KUE-MRN', { switchDate: '2027-01-04' }), ctx('out'))).warnings).toEqual([]);
  });
});

describe('apply: AKM-TR and ABBM-TR timing', () => {
  it('an AKM-TR after its due date (switch date − 8 WD = 4 Dec) is accepted with a warning', () => {
    const p = situation('AGREED');
    expect(expectOk(apply(p.recipient, akmTr(), ctx('out', at('2026-12-04T22:59:59.999Z')))).warnings).toEqual([]);
    const late = expectOk(apply(p.recipient, akmTr(), ctx('out', dec(7))));
    expect(late.warnings).toEqual([expect.objectContaining({ code: 'SG_DEADLINE_MISSED', rule: 'akmTrInTime' })]);
  });

  it('an ABBM-TR after the rejection window (3 WD) is accepted with a warning', () => {
    const p = situation('TR');
    expect(expectOk(apply(p.donating, abbmTr(), ctx('out', dec(4)))).warnings).toEqual([]);
    expect(warningCodes(apply(p.donating, abbmTr(), ctx('out', dec(7))))).toEqual(['SG_DEADLINE_MISSED']);
  });
});

describe('apply: TVS-VA guards (agreed 16 Dec)', () => {
  const agreed = (type: VaType = 'VA-KUE-MRN') => {
    const p = Pair.open(va(type));
    p.send(ruemVa(type));
    return p;
  };

  it('refuses a date earlier than the agreed one, answering 8141 with the original date', () => {
    const p = agreed();
    const m = tvsVa({ requestedDate: '2026-12-15' });
    expect(firstError(apply(p.recipient, m, ctx('out')))).toMatchObject({ code: '8141', rule: 'tvNotEarlier', path: '/requestedDate' });
    expect(expectRefused(apply(p.donating, m, ctx('in'))).reply).toEqual({
      type: 'ABBM',
      code: '8141',
      businessCase: 'TVS-VA',
      vaIdRef: VA_ID,
      changeIdRef: T_ID,
      switchDate: KWT,
      text: 'Terminverschiebung abgelehnt',
      reason: 'neuer Termin vor dem vereinbarten Wechseltermin',
    });
    expectOk(apply(p.recipient, tvsVa({ requestedDate: KWT }), ctx('out')));
  });

  // On Thu 10 Dec: WD after it are 11, 14, 15, 16(4th), 17(5th), 18, 21(7th), 22(8th); 16 Dec is 4 WD away (cut-off 3 is fine)
  const leadCases: [string, string, string | null, string[]][] = [
    ['4 WD ahead', '2026-12-16', 'minLeadWorkingDays', []],
    ['5 WD ahead', '2026-12-17', null, ['SG_DATE_SHORT_LEAD']],
    ['7 WD ahead', '2026-12-21', null, ['SG_DATE_SHORT_LEAD']],
    ['8 WD ahead', '2026-12-22', null, []],
  ];
  for (const [name, date, error, warnings] of leadCases) {
    it(`new date (KUE) ${name}: ${error ? '8141 both ways' : 'accepted'}`, () => {
      const p = agreed();
      const m = tvsVa({ requestedDate: date });
      for (const [gw, dir] of [
        [p.recipient, 'out'],
        [p.donating, 'in'],
      ] as const) {
        const d = apply(gw, m, ctx(dir, dec(10)));
        if (error) {
          expect(firstError(d)).toMatchObject({ code: '8141', rule: error });
          if (dir === 'in') expect(expectRefused(d).reply).toMatchObject({ text: 'Terminverschiebung abgelehnt', reason: 'Frist unterschritten' });
        } else {
          expect(warningCodes(d)).toEqual(warnings);
        }
      }
    });
  }

  it('new date (RRNP) needs only 1 WD', () => {
    const p = agreed('VA-RRNP');
    const rules = { tvCutoffWorkingDays: 0 };
    expect(firstError(apply(p.recipient, tvsVa({ requestedDate: KWT }), ctx('out', dec(16), rules))).rule).toBe('minLeadWorkingDays');
    expect(expectOk(apply(p.recipient, tvsVa({ requestedDate: '2026-12-17' }), ctx('out', dec(16), rules))).warnings).toEqual([]);
  });

  it('new date on a non-working day: 8141 when sent, a warning when received', () => {
    const p = agreed();
    for (const [date, rule] of [
      ['2026-12-19', 'workingDay'],
      ['2026-12-24', 'nextDayWorkingDay'],
    ]) {
      expect(firstError(apply(p.recipient, tvsVa({ requestedDate: date }), ctx('out')))).toMatchObject({ code: '8141', rule });
      expect(expectOk(apply(p.donating, tvsVa({ requestedDate: date }), ctx('in'))).warnings.map((w) => w.rule)).toEqual([rule]);
    }
  });

  it('cut-off: at least 3 WD before the current Wechseltermin, else 8141 "Frist unterschritten"', () => {
    const p = agreed();
    const m = tvsVa({ requestedDate: '2026-12-23' });
    // Fri 11 Dec: 14, 15, 16 → 3 WD left
    expectOk(apply(p.donating, m, ctx('in', dec(11))));
    // Mon 14 Dec: 15, 16 → 2 WD left
    const d = expectRefused(apply(p.donating, m, ctx('in', dec(14))));
    expect(d.issues.find((i) => i.rule === 'tvCutoff')).toMatchObject({ code: '8141', severity: 'error' });
    expect(d.reply).toMatchObject({ code: '8141', reason: 'Frist unterschritten', switchDate: KWT });
    expect(expectRefused(apply(p.recipient, m, ctx('out', dec(14)))).issues.map((i) => i.rule)).toContain('tvCutoff');
  });

  it('nothing can be rescheduled once the Wechseltermin has passed', () => {
    const p = agreed();
    expect(firstError(apply(p.recipient, tvsVa({ requestedDate: '2027-01-12' }), ctx('out', dec(17)))).rule).toBe('switchDatePassed');
  });
});

describe('apply: Storno guards (agreed 16 Dec)', () => {
  it('STR-AUF cut-off 3 WD before the Wechseltermin (8142), both ways', () => {
    const p = situation('AGREED');
    expectOk(apply(p.donating, storno('STR-AUF', 'auf'), ctx('in', dec(11))));
    const d = expectRefused(apply(p.donating, storno('STR-AUF', 'auf'), ctx('in', dec(14))));
    expect(d.issues[0]).toMatchObject({ code: '8142', rule: 'stornoCutoff' });
    expect(d.reply).toEqual({
      type: 'ABBM',
      code: '8142',
      businessCase: 'STR-AUF',
      vaIdRef: VA_ID,
      stornoIdRef: S_ID_AUF,
      text: 'Storno abgelehnt',
      reason: 'Frist unterschritten',
    });
    expect(firstError(apply(p.donating, storno('STR-AUF', 'abg'), ctx('out', dec(14)))).rule).toBe('stornoCutoff');
  });

  it('STR-AEN is exempt from the cut-off unless configured', () => {
    const p = situation('AGREED');
    expectOk(apply(p.donating, storno('STR-AEN', 'auf'), ctx('in', dec(15))));
    expect(firstError(apply(p.donating, storno('STR-AEN', 'auf'), ctx('in', dec(15), { applyStornoCutoffToStrAen: true }))).rule).toBe('stornoCutoff');
    expect(firstError(apply(p.donating, storno('STR-AEN', 'auf'), ctx('in', dec(17)))).rule).toBe('switchDatePassed');
  });

  it('STR-AUF before the answer has no cut-off (no Wechseltermin yet)', () => {
    const p = situation('AWAIT');
    expectOk(apply(p.recipient, storno('STR-AUF', 'auf'), ctx('out', dec(15))));
  });

  it('an early STR-AEN received by the EKPabg: accepted, but ERLM only after its RUEM-VA', () => {
    const p = situation('AWAIT');
    const rec = expectOk(apply(p.donating, storno('STR-AEN', 'auf'), ctx('in')));
    expect(rec.warnings).toEqual([expect.objectContaining({ code: 'SG_STATE_STR_AEN_BEFORE_ANSWER', severity: 'warning' })]);
    let abg = rec.state;
    const early = expectRefused(apply(abg, erlm('STR-AEN', 'auf'), ctx('out')));
    expect(early.issues[0]).toMatchObject({ code: 'SG_STATE_ANSWER_VA_FIRST', rule: 'ruemVaBeforeErlm' });
    expect(explainRefusal(abg, 'ERLM-CHANGE', 'abg')?.code).toBe('SG_STATE_ANSWER_VA_FIRST');
    // an ABBM to it is fine at any time
    expect(expectOk(apply(abg, abbmChange('STR-AEN', 'auf'), ctx('out'))).state.state).toBe('AWAITING_ANSWER');
    abg = expectOk(apply(abg, ruemVa(), ctx('out'))).state;
    expect(abg.openChange?.kind).toBe('STR-AEN');
    const done = expectOk(apply(abg, erlm('STR-AEN', 'auf'), ctx('out')));
    expect(done.state.state).toBe('REPLACED');
  });

  it('the EKPauf receiving ERLM to a STR-AEN before any RUEM-VA refuses it', () => {
    const p = situation('AWAIT');
    const s: WbciCaseState = { ...p.recipient, openChange: { kind: 'STR-AEN', id: S_ID_AUF, from: 'auf', at: NOW.toISOString() }, usedChangeIds: [S_ID_AUF] };
    expect(firstError(apply(s, erlm('STR-AEN', 'auf'), ctx('in'))).code).toBe('SG_STATE_ANSWER_VA_FIRST');
  });

  it('keeps the stornogrund of the open change', () => {
    const p = situation('AGREED');
    const d = p.send(storno('STR-AUF', 'abg', { reason: 'Kunde verstorben' }));
    expect(d.effects).toEqual([
      { kind: 'change-opened', change: { kind: 'STR-AUF', id: S_ID_ABG, from: 'abg', at: NOW.toISOString(), reason: 'Kunde verstorben' } },
    ]);
  });
});

describe('apply: answers to a change', () => {
  it('ERLM to a TVS-VA must carry the requested date (both ways)', () => {
    const p = situation('TV_OPEN');
    for (const switchDate of [KWT, undefined]) {
      expect(firstError(apply(p.donating, erlm('TVS-VA', 'auf', { switchDate }), ctx('out')))).toMatchObject({
        code: 'SG_STATE_DATE_MISMATCH',
        rule: 'erlmTvNewDate',
        path: '/switchDate',
      });
      const rec = expectRefused(apply(p.recipient, erlm('TVS-VA', 'auf', { switchDate }), ctx('in')));
      expect(rec.issues[0].code).toBe('SG_STATE_DATE_MISMATCH');
      expect(rec.reply).toBeNull();
    }
  });

  it('ABBM to a TVS-VA must carry the original date: error when sent, warning when received', () => {
    const p = situation('TV_OPEN');
    const m = abbmChange('TVS-VA', 'auf', { switchDate: NEW_DATE });
    expect(firstError(apply(p.donating, m, ctx('out')))).toMatchObject({ code: 'SG_STATE_DATE_MISMATCH', rule: 'abbmTvOriginalDate' });
    const rec = expectOk(apply(p.recipient, m, ctx('in')));
    expect(rec.warnings.map((w) => w.code)).toEqual(['SG_STATE_DATE_MISMATCH']);
    expect(rec.state.switchDate).toBe(KWT);
  });

  it('must reference the open change by the right field', () => {
    const p = situation('TV_OPEN');
    const cases: [Partial<Erlm>, string, string][] = [
      [{ changeIdRef: undefined }, 'SG_STATE_WRONG_REF', '/changeIdRef'],
      [{ changeIdRef: undefined, stornoIdRef: S_ID_AUF }, 'SG_STATE_WRONG_REF', '/changeIdRef'],
      [{ changeIdRef: T_ID_2 }, 'SG_STATE_UNKNOWN_CHANGE', '/changeIdRef'],
    ];
    for (const [over, code, path] of cases) {
      expect(firstError(apply(p.donating, erlm('TVS-VA', 'auf', over), ctx('out')))).toMatchObject({ code, path, rule: 'refMatchesOpenChange' });
    }
    const st = situation('STRAUF_ABG');
    expect(firstError(apply(st.recipient, erlm('STR-AUF', 'abg', { stornoIdRef: S_ID_AUF }), ctx('out'))).code).toBe('SG_STATE_UNKNOWN_CHANGE');
  });

  it('a reference to an already answered change is SG_STATE_CHANGE_CLOSED', () => {
    const p = situation('AGREED');
    p.send(tvsVa());
    p.send(abbmChange('TVS-VA'));
    p.send(tvsVa({ changeId: T_ID_2 }));
    expect(firstError(apply(p.donating, erlm('TVS-VA', 'auf', { changeIdRef: T_ID }), ctx('out'))).code).toBe('SG_STATE_CHANGE_CLOSED');
    p.send(erlm('TVS-VA', 'auf', { changeIdRef: T_ID_2 }));
    expect(p.recipient.changes.map((c) => [c.id, c.result])).toEqual([
      [T_ID, 'rejected'],
      [T_ID_2, 'accepted'],
    ]);
  });

  it('the geschaeftsfall must be the open change kind', () => {
    const p = situation('TV_OPEN');
    expect(firstError(apply(p.donating, erlm('TVS-VA', 'auf', { businessCase: 'STR-AUF' }), ctx('out'))).code).toBe('SG_STATE_BUSINESS_CASE_MISMATCH');
  });

  it('ERLM to a TVS-VA keeps TR_NOTIFIED', () => {
    const p = situation('TR');
    p.send(tvsVa());
    p.send(erlm('TVS-VA'));
    expect(p.state).toBe('TR_NOTIFIED');
    expect(p.recipient.switchDate).toBe(NEW_DATE);
  });
});

// ---------------------------------------------------------------------------------------------

describe('tick', () => {
  it('completes AGREED/TR_NOTIFIED at the start of switch date + 3 days (Berlin), not before', () => {
    for (const s of ['AGREED', 'TR', 'AGREED_RRNP'] as const) {
      const st = situation(s).recipient;
      expect(tick(st, ctx('in', at('2026-12-18T22:59:59.999Z')))).toBeNull();
      const d = expectOk(tick(st, ctx('in', at('2026-12-18T23:00:00.000Z'))) as Decision);
      expect(d.state).toMatchObject({ state: 'COMPLETED', closedAt: '2026-12-18T23:00:00.000Z' });
      expect(d.effects).toEqual([{ kind: 'closed', state: 'COMPLETED' }]);
      expect(nextTimedTransitionAt(st, ctx('in'))?.toISOString()).toBe('2026-12-18T23:00:00.000Z');
    }
  });

  it('honours completeDaysAfterSwitchDate', () => {
    const st = situation('AGREED').recipient;
    expect(expectOk(tick(st, ctx('in', dec(16), { completeDaysAfterSwitchDate: 0 })) as Decision).state.state).toBe('COMPLETED');
  });

  it('does not complete while a change is open, nor an unanswered VA', () => {
    const open = situation('TV_OPEN').recipient;
    expect(tick(open, ctx('in', dec(31)))).toBeNull();
    expect(nextTimedTransitionAt(open, ctx('in'))).toBeNull();
    expect(tick(situation('AWAIT').recipient, ctx('in', at('2027-03-01T08:00:00Z')))).toBeNull();
  });

  it('expires a REPLACED case after the successor deadline unless a successor is linked', () => {
    const st = situation('REPLACED').donating;
    expect(tick(st, ctx('in', at('2026-12-07T22:59:59.999Z')))).toBeNull();
    const d = expectOk(tick(st, ctx('in', at('2026-12-07T23:00:00.000Z'))) as Decision);
    expect(d.state.state).toBe('REPLACED_EXPIRED');
    expect(d.effects).toEqual([{ kind: 'closed', state: 'REPLACED_EXPIRED' }]);
    expect(nextTimedTransitionAt(st, ctx('in'))?.toISOString()).toBe('2026-12-07T23:00:00.000Z');
    const linked = linkSuccessor(st, VA_ID_2);
    expect(tick(linked, ctx('in', dec(20)))).toBeNull();
    expect(nextTimedTransitionAt(linked, ctx('in'))).toBeNull();
  });

  it('leaves other terminal states alone', () => {
    for (const s of ['REJECTED', 'CANCELLED', 'REPLACED_EXPIRED', 'COMPLETED'] as const) {
      expect(tick(situation(s).recipient, ctx('in', at('2027-06-01T08:00:00Z')))).toBeNull();
    }
  });
});

describe('allowedMessages / explainRefusal / TRANSITIONS', () => {
  it('lists what each party may send now, from the gateway holding the state', () => {
    const awaitRec = situation('AWAIT').recipient;
    expect(allowedMessages(awaitRec, 'auf')).toEqual(['STR-AUF']);
    expect(allowedMessages(awaitRec, 'abg')).toEqual(['RUEM-VA', 'ABBM-VA']);
    // the donating gateway accepts an early STR-AEN from the EKPauf
    expect(allowedMessages(situation('AWAIT').donating, 'auf')).toEqual(['STR-AUF', 'STR-AEN']);
    expect(allowedMessages(situation('AGREED').recipient, 'auf')).toEqual(['AKM-TR', 'TVS-VA', 'STR-AUF', 'STR-AEN']);
    expect(allowedMessages(situation('AGREED_RRNP').recipient, 'auf')).toEqual(['TVS-VA', 'STR-AUF', 'STR-AEN']);
    expect(allowedMessages(situation('AGREED').donating, 'abg')).toEqual(['STR-AUF', 'STR-AEN']);
    expect(allowedMessages(situation('TR').donating, 'abg')).toEqual(['ABBM-TR', 'STR-AUF', 'STR-AEN']);
    expect(allowedMessages(situation('TV_OPEN').donating, 'abg')).toEqual(['ERLM-CHANGE', 'ABBM-CHANGE']);
    expect(allowedMessages(situation('TV_OPEN').recipient, 'auf')).toEqual(['AKM-TR']);
    for (const s of ['REJECTED', 'CANCELLED', 'REPLACED', 'REPLACED_EXPIRED', 'COMPLETED'] as const) {
      expect(allowedMessages(situation(s).recipient, 'auf')).toEqual([]);
      expect(allowedMessages(situation(s).recipient, 'abg')).toEqual([]);
    }
  });

  it('explains a refusal with the same code apply would give', () => {
    const agreed = situation('AGREED').recipient;
    expect(explainRefusal(agreed, 'RUEM-VA', 'abg')).toMatchObject({ code: 'SG_STATE_ALREADY_ANSWERED', rule: 'answerOnce', severity: 'error' });
    expect(explainRefusal(agreed, 'AKM-TR', 'auf')).toBeNull();
    expect(explainRefusal(situation('TR').recipient, 'AKM-TR', 'auf')?.code).toBe('8148');
    expect(explainRefusal(situation('CANCELLED').recipient, 'TVS-VA', 'auf')?.code).toBe('SG_STATE_CLOSED');
  });

  it('the table covers every message kind and agrees with allowedMessages on states', () => {
    expect(Object.keys(TRANSITIONS).sort()).toEqual([...MESSAGE_KINDS].sort());
    for (const s of Object.keys(SITUATION_STATE) as Situation[]) {
      const st = situation(s).recipient;
      for (const party of ['auf', 'abg'] as const) {
        for (const k of allowedMessages(st, party)) {
          expect(TRANSITIONS[k].states).toContain(st.state);
          expect(TERMINAL_STATES).not.toContain(st.state);
        }
      }
    }
  });
});

describe('ABBM-TR 8148 (take-over already confirmed)', () => {
  it('refuses a duplicate AKM-TR without undoing the confirmed one: both sides stay TR_NOTIFIED', () => {
    const p = Pair.open();
    p.send(ruemVa());
    p.send(akmTr());
    expect(p.state).toBe('TR_NOTIFIED');
    const d = p.send(abbmTr({ positions: [{ code: '8148' }] }));
    expect(p.state).toBe('TR_NOTIFIED');
    expect(p.recipient.akmTr.status).toBe('sent');
    expect(d.effects).toEqual([]);
    expect(d.warnings.map((w) => w.code)).toEqual(['SG_TR_ALREADY_CONFIRMED']);
  });

  it('any other ABBM-TR code rejects the take-over: back to AGREED', () => {
    const p = Pair.open();
    p.send(ruemVa());
    p.send(akmTr());
    p.send(abbmTr({ positions: [{ code: '8148' }, { code: '8147' }] }));
    expect(p.state).toBe('AGREED');
  });
});
