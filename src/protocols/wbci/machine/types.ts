/** The machine's public vocabulary: context, decisions, effects, auto-replies, message kinds and the transition table. */
import type { WorkingDayCalendar } from '../../../domain/calendar.js';
import type { Issue } from '../../../domain/issues.js';
import type { OpenChange, WbciCaseState, WbciState } from '../case-state.js';
import type { WbciRules } from '../rules.js';
import type { ChangeType, IsoDate, IsoDateTime, VaType, WbciMessage, WbciParty } from '../types.js';
import { isChangeType } from '../types.js';

// ---------------------------------------------------------------------------------------------
// Public types

export type Direction = 'in' | 'out';

export interface MachineContext {
  now: Date;
  calendar: WorkingDayCalendar;
  rules: WbciRules;
  /** `out`: this gateway sends the message; `in`: it received it from the partner */
  direction: Direction;
  /** `deadlines.maxRequestedDateHorizonDays`: how far ahead a requested date may lie (default 730) */
  maxRequestedDateHorizonDays?: number;
  /**
   * `wbci.akmTrChecks`: a received AKM-TR quoting lines the RUEM-VA did not name is answered with
   * ABBM-TR by the gateway (`auto`, default) or accepted and raised to the CRM (`event`).
   */
  akmTrChecks?: 'auto' | 'event';
  /** lines this gateway named in the RUEM-VA of another case: tells "unknown" from "not of this VA" */
  linesOfOtherCases?: { lineIds: readonly string[]; contractNumbers: readonly string[] };
}

/** The business answer the gateway itself sends back when it refuses an inbound request. */
export type AutoReply =
  | {
      type: 'ABBM';
      code: string;
      /** `geschaeftsfall`: the VA type, or the change type when refusing a TVS-VA/Storno */
      businessCase: VaType | ChangeType;
      vaIdRef: string;
      changeIdRef?: string;
      stornoIdRef?: string;
      /** answer to a TVS-VA: the original (unchanged) Wechseltermin */
      switchDate?: IsoDate;
      /** `Meldungstext`: the standard text of the code */
      text: string;
      /** `begruendung`: why (only with 8115/8116/8141/8142; always with 8116 SONST) */
      reason?: string;
    }
  | { type: 'ABBM-TR'; code: string; businessCase: VaType; vaIdRef: string; text: string };

export type ChangeOutcome = 'accepted' | 'rejected' | 'superseded';

/** Domain facts of a transition; the service layer turns them into events. */
export type Effect =
  | { kind: 'case-opened'; vaId: string; vaType: VaType; requestedDate: IsoDate; replaces?: string }
  | { kind: 'agreed'; switchDate: IsoDate }
  | { kind: 'rejected'; codes: string[] }
  | { kind: 'tr-notified'; attempt: number }
  | { kind: 'tr-rejected'; codes: string[] }
  | { kind: 'change-opened'; change: OpenChange }
  /** `superseded`: the case ended (ABBM to the VA) while the change was still open */
  | { kind: 'change-closed'; change: OpenChange; result: ChangeOutcome; codes: string[] }
  | { kind: 'switch-date-changed'; from: IsoDate; to: IsoDate }
  | { kind: 'closed'; state: WbciState }
  | { kind: 'successor-expected'; dueAt: IsoDateTime }
  /** `wbci.akmTrChecks: "event"`: what the gateway would have answered with ABBM-TR, for the CRM to decide */
  | { kind: 'akm-tr-finding'; code: string; path: string; message: string }
  /** a new VA might succeed one of these cancelled VAs: the CRM links it (or not) */
  | { kind: 'successor-ambiguous'; candidates: string[]; reason: string }
  /** received content a person has to look at (Klärfall); `finding` is a machine code */
  | { kind: 'clarification'; finding: string; path: string; message: string };

export type Decision =
  | { ok: true; state: WbciCaseState; warnings: Issue[]; effects: Effect[] }
  | { ok: false; issues: Issue[]; reply: AutoReply | null };

/** What a message does; ABBM and ERLM are classified by what they answer. */
export const MESSAGE_KINDS = [
  'RUEM-VA',
  'ABBM-VA',
  'AKM-TR',
  'ABBM-TR',
  'TVS-VA',
  'STR-AUF',
  'STR-AEN',
  'ERLM-CHANGE',
  'ABBM-CHANGE',
] as const;
export type MessageKind = (typeof MESSAGE_KINDS)[number];

export function messageKind(msg: WbciMessage): MessageKind | 'VA' {
  switch (msg.type) {
    case 'VA-KUE-MRN':
    case 'VA-KUE-ORN':
    case 'VA-RRNP':
      return 'VA';
    case 'ABBM':
      return msg.changeIdRef !== undefined || msg.stornoIdRef !== undefined || isChangeType(msg.businessCase)
        ? 'ABBM-CHANGE'
        : 'ABBM-VA';
    case 'ERLM':
      return 'ERLM-CHANGE';
    default:
      return msg.type;
  }
}

// ---------------------------------------------------------------------------------------------
// The transition table (coarse: who may send what in which state). Finer guards are in code below.

export const LIVE: readonly WbciState[] = ['AWAITING_ANSWER', 'AGREED', 'TR_NOTIFIED'];
export const ANSWERED: readonly WbciState[] = ['AGREED', 'TR_NOTIFIED'];

export interface TransitionRow {
  /** who may send it; `change-receiver`: the party the open TVS-VA/Storno was sent to */
  sender: WbciParty | 'either' | 'change-receiver';
  /** case states in which it is allowed */
  states: readonly WbciState[];
  /** what it leads to */
  result: string;
  /** extra conditions, for humans */
  requires?: string;
}

export const TRANSITIONS: Readonly<Record<MessageKind, TransitionRow>> = {
  'RUEM-VA': { sender: 'abg', states: ['AWAITING_ANSWER'], result: 'AGREED (Wechseltermin fixed)', requires: 'at most once' },
  'ABBM-VA': { sender: 'abg', states: ['AWAITING_ANSWER'], result: 'REJECTED (terminal)', requires: 'at most once' },
  'AKM-TR': {
    sender: 'auf',
    states: ['AGREED'],
    result: 'TR_NOTIFIED',
    requires: 'KUE only; again only after an ABBM-TR (else ABBM-TR 8148)',
  },
  'ABBM-TR': { sender: 'abg', states: ['TR_NOTIFIED'], result: 'AGREED (a corrected AKM-TR may follow)' },
  'TVS-VA': {
    sender: 'auf',
    states: ANSWERED,
    result: 'change open (TVS-VA)',
    requires: 'no open change; new date not earlier than the agreed one, lead time, cut-off before the Wechseltermin',
  },
  'STR-AUF': {
    sender: 'either',
    states: LIVE,
    result: 'change open (STR-AUF)',
    requires: 'no open change; the EKPabg only after its RUEM-VA; cut-off before the Wechseltermin',
  },
  'STR-AEN': {
    sender: 'either',
    states: ANSWERED,
    result: 'change open (STR-AEN)',
    requires: 'no open change; received by the EKPabg it is also accepted before its RUEM-VA',
  },
  'ERLM-CHANGE': {
    sender: 'change-receiver',
    states: LIVE,
    result: 'TVS-VA: same state, new Wechseltermin; STR-AUF: CANCELLED; STR-AEN: REPLACED',
    requires: 'references the open change; to a TVS-VA carries the requested date; to a STR-AEN only after the RUEM-VA',
  },
  'ABBM-CHANGE': {
    sender: 'change-receiver',
    states: LIVE,
    result: 'same state, change closed',
    requires: 'references the open change; to a TVS-VA carries the original date',
  },
};
