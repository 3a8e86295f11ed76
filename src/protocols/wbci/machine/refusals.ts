/** How the machine words a refusal: error/warning issues and the business answer (ABBM / ABBM-TR) to an inbound one. */
import type { Issue } from '../../../domain/issues.js';
import { TERMINAL_STATES, type Role, type WbciCaseState, type WbciState } from '../case-state.js';
import type { WbciMessage, WbciParty } from '../types.js';
import { isVaType } from '../types.js';
import type { AutoReply, Decision, MachineContext, MessageKind } from './types.js';

// ---------------------------------------------------------------------------------------------
// Issue and reply helpers

/** Standard Meldungstexte (wbci.md §5) of the codes the machine answers with. */
export const REPLY_TEXT: Record<string, string> = {
  '8115': 'Vorabstimmungs-, Terminverschiebungs-, Storno-ID wird bereits verwendet',
  '8116': 'Sonstiges',
  '8140': 'Vorabstimmungs-ID nicht bekannt',
  '8141': 'Terminverschiebung abgelehnt',
  '8142': 'Storno abgelehnt',
  '8143': 'WITA-Vertragsnummer unbekannt',
  '8144': 'Line-ID unbekannt',
  '8145': 'WITA-Vertragsnummer gehört nicht zur Vorabstimmungs-ID',
  '8146': 'Line-ID gehört nicht zur Vorabstimmungs-ID',
  '8147': 'Übernahme der technischen Ressource nicht möglich',
  '8148': 'Übernahme der technischen Ressource wurde bereits bestätigt',
};

export interface Refusal {
  code: string;
  rule: string;
  path: string;
  message: string;
  /** undefined: the kind's default reply code; null: no business answer; else that code */
  reply?: string | null;
  /** why, for the partner: the reply's `begruendung` where WBCI allows one, e.g. "Frist unterschritten" */
  replyDetail?: string;
}

export const err = (r: Refusal): Issue & { refusal: Refusal } => ({
  path: r.path,
  rule: r.rule,
  code: r.code,
  message: r.message,
  severity: 'error',
  refusal: r,
});

export const warn = (path: string, rule: string, code: string, message: string): Issue => ({
  path,
  rule,
  code,
  message,
  severity: 'warning',
});

/** An error Issue that also remembers how an inbound refusal is answered. */
export type ErrorIssue = Issue & { refusal: Refusal };

export const stripRefusal = (i: Issue): Issue => {
  const { path, rule, code, message, severity } = i;
  return { path, rule, code, message, severity };
};

export const isError = (i: Issue): i is ErrorIssue => i.severity === 'error';

export const ourParty = (role: Role): WbciParty => (role === 'recipient' ? 'auf' : 'abg');
export const otherParty = (p: WbciParty): WbciParty => (p === 'auf' ? 'abg' : 'auf');
export const partyName = (p: WbciParty): string => (p === 'auf' ? 'EKPauf' : 'EKPabg');
export const isClosed = (s: WbciState): boolean => TERMINAL_STATES.includes(s);

/** ABBM codes that may carry a `begruendung` (wbci.md §5 code rules; required with 8116). */
const REASON_ALLOWED = new Set(['8115', '8116', '8141', '8142']);

/** Default business answer per message kind; Meldungen other than AKM-TR are never answered. */
const DEFAULT_REPLY_CODE: Partial<Record<MessageKind | 'VA', string>> = {
  VA: '8116',
  'TVS-VA': '8141',
  'STR-AUF': '8142',
  'STR-AEN': '8142',
  'AKM-TR': '8147',
};

function buildReply(kind: MessageKind | 'VA', msg: WbciMessage, state: WbciCaseState | null, r: Refusal): AutoReply | null {
  if (r.reply === null) return null;
  const code = r.reply ?? DEFAULT_REPLY_CODE[kind];
  if (code === undefined) return null;
  const text = REPLY_TEXT[code] ?? code;
  const vaIdRef = 'vaId' in msg ? msg.vaId : msg.vaIdRef;
  const withReason = (reply: Extract<AutoReply, { type: 'ABBM' }>): AutoReply => {
    const reason = code === '8116' ? (r.replyDetail ?? r.message) : r.replyDetail;
    if (reason !== undefined && REASON_ALLOWED.has(code)) reply.reason = reason;
    return reply;
  };
  switch (msg.type) {
    case 'VA-KUE-MRN':
    case 'VA-KUE-ORN':
    case 'VA-RRNP':
      return withReason({ type: 'ABBM', code, businessCase: msg.type, vaIdRef, text });
    case 'TVS-VA': {
      const reply: Extract<AutoReply, { type: 'ABBM' }> = { type: 'ABBM', code, businessCase: 'TVS-VA', vaIdRef, changeIdRef: msg.changeId, text };
      if (state?.switchDate) reply.switchDate = state.switchDate;
      return withReason(reply);
    }
    case 'STR-AUF':
    case 'STR-AEN':
      return withReason({ type: 'ABBM', code, businessCase: msg.type, vaIdRef, stornoIdRef: msg.stornoId, text });
    case 'AKM-TR': {
      const businessCase = state?.type ?? (isVaType(msg.businessCase) ? msg.businessCase : undefined);
      if (businessCase === undefined) return null;
      return { type: 'ABBM-TR', code, businessCase, vaIdRef, text };
    }
    default:
      return null;
  }
}

export function refuse(kind: MessageKind | 'VA', msg: WbciMessage, state: WbciCaseState | null, issues: Issue[], ctx: MachineContext): Decision {
  const first = issues.find(isError);
  const reply = ctx.direction === 'in' && first ? buildReply(kind, msg, state, first.refusal) : null;
  // Warnings found alongside the errors are still worth showing.
  return { ok: false, issues: issues.map(stripRefusal), reply };
}
