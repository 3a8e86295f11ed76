/** Coarse guard: sender party and case state (the transition table plus the per-kind special cases of §6.3). */
import type { Issue } from '../../../domain/issues.js';
import type { WbciCaseState } from '../case-state.js';
import type { WbciParty } from '../types.js';
import { isKue } from '../types.js';
import { err, isClosed, otherParty, ourParty, partyName, stripRefusal, type ErrorIssue } from './refusals.js';
import { MESSAGE_KINDS, TRANSITIONS, type Direction, type MessageKind } from './types.js';

// ---------------------------------------------------------------------------------------------
// Coarse guard: sender party and case state (table + the per-kind special cases of §6.3)

export function coarseGuard(state: WbciCaseState, kind: MessageKind, party: WbciParty, direction: Direction, ownId?: string): ErrorIssue | null {
  const row = TRANSITIONS[kind];
  const change = state.openChange;

  // A message from the wrong party is wrong whatever the state: say so first.
  if (row.sender !== 'either' && row.sender !== 'change-receiver' && row.sender !== party) {
    if (kind === 'TVS-VA') {
      return err({
        path: '/sender',
        rule: 'tvFromAufOnly',
        code: '8141',
        message: 'a TVS-VA may only be sent by the EKPauf',
        replyDetail: 'vom abgebenden EKP gesendet',
      });
    }
    return err({
      path: '/sender',
      rule: 'senderParty',
      code: 'SG_STATE_WRONG_PARTY',
      message: `${kind} is sent by the ${partyName(row.sender)}, not the ${partyName(party)}`,
      reply: null,
    });
  }
  if (isClosed(state.state)) {
    return err({
      path: '',
      rule: 'caseOpen',
      code: 'SG_STATE_CLOSED',
      message: `the Vorabstimmung ${state.vaId} is closed (${state.state}); no ${kind} is possible`,
      replyDetail: `Vorabstimmung ${state.vaId} ist abgeschlossen`,
    });
  }
  if (row.sender === 'change-receiver') {
    if (!change) {
      return err({ path: '', rule: 'answersOpenChange', code: 'SG_STATE_NO_OPEN_CHANGE', message: `there is no open TVS-VA or Storno to answer` });
    }
    if (party === change.from) {
      return err({
        path: '/sender',
        rule: 'changeAnsweredByReceiver',
        code: 'SG_STATE_WRONG_PARTY',
        message: `${change.kind} ${change.id} was sent by the ${partyName(party)}; only the ${partyName(otherParty(party))} answers it`,
      });
    }
  }

  // In which state
  const inState = row.states.includes(state.state);
  switch (kind) {
    case 'RUEM-VA':
    case 'ABBM-VA':
      if (!inState) {
        return err({
          path: '',
          rule: 'answerOnce',
          code: 'SG_STATE_ALREADY_ANSWERED',
          message: `the VA ${state.vaId} is already answered (${state.state}); a second answer needs manual clarification`,
        });
      }
      return null;
    case 'AKM-TR':
      if (!isKue(state.type)) {
        return err({ path: '/type', rule: 'akmTrKueOnly', code: 'SG_STATE_NOT_ALLOWED', message: `no AKM-TR in a ${state.type}` });
      }
      if (state.state === 'AWAITING_ANSWER') {
        return err({ path: '', rule: 'akmTrAfterAgreement', code: 'SG_STATE_NOT_AGREED', message: 'an AKM-TR needs a RUEM-VA first' });
      }
      if (state.state === 'TR_NOTIFIED') {
        return err({
          path: '',
          rule: 'akmTrOnce',
          code: '8148',
          message: 'an AKM-TR is already sent and not rejected',
          reply: '8148',
        });
      }
      return null;
    case 'ABBM-TR':
      if (!inState || state.akmTr.status !== 'sent') {
        return err({ path: '', rule: 'abbmTrAnswersAkmTr', code: 'SG_STATE_NO_AKM_TR', message: 'there is no pending AKM-TR to reject' });
      }
      return null;
    case 'TVS-VA':
      if (!inState) {
        return err({
          path: '',
          rule: 'tvAfterAgreement',
          code: '8141',
          message: 'a TVS-VA needs a RUEM-VA first',
          replyDetail: 'keine RUEM-VA vorhanden',
        });
      }
      if (ownId !== undefined && state.usedChangeIds.includes(ownId)) return reusedId(ownId);
      if (change) {
        return err({
          path: '',
          rule: 'oneOpenChange',
          code: '8141',
          message: `${change.kind} ${change.id} is still open`,
          replyDetail: 'anderer Änderungsauftrag bereits aktiv',
        });
      }
      return null;
    case 'STR-AUF':
    case 'STR-AEN': {
      if (ownId !== undefined && state.usedChangeIds.includes(ownId)) return reusedId(ownId);
      if (change) {
        return err({
          path: '',
          rule: 'oneOpenChange',
          code: '8142',
          message: `${change.kind} ${change.id} is still open`,
          replyDetail: 'anderer Änderungsauftrag bereits aktiv',
        });
      }
      if (party === 'abg' && state.answeredAt === null) {
        return err({
          path: '',
          rule: 'stornoAbgAfterAnswer',
          code: '8142',
          message: 'the EKPabg may send a Storno only after its RUEM-VA',
          replyDetail: 'keine Antwort auf die Vorabstimmung',
        });
      }
      // §6.3: the EKPauf sends STR-AEN only after the RUEM-VA, but the EKPabg accepts an early one.
      if (kind === 'STR-AEN' && party === 'auf' && !inState && direction === 'out') {
        return err({
          path: '',
          rule: 'strAenAfterAgreement',
          code: '8142',
          message: 'a STR-AEN needs a RUEM-VA first (STR-AUF is possible)',
          replyDetail: 'keine RUEM-VA vorhanden',
        });
      }
      return null;
    }
    case 'ERLM-CHANGE':
      // §6.3: an early STR-AEN is accepted, but ERLM to it needs the RUEM-VA first.
      if (change?.kind === 'STR-AEN' && state.answeredAt === null) {
        return err({
          path: '',
          rule: 'ruemVaBeforeErlm',
          code: 'SG_STATE_ANSWER_VA_FIRST',
          message: 'the EKPabg must send its RUEM-VA before it answers a STR-AEN with ERLM',
        });
      }
      return null;
    case 'ABBM-CHANGE':
      return null;
  }
}

function reusedId(id: string): ErrorIssue {
  return err({ path: '', rule: 'idNotReused', code: '8115', message: `the ID ${id} was already used in this case`, reply: '8115' });
}

/**
 * The message kinds `party` may send now (dates and references not considered). Direction defaults
 * to the perspective of the gateway holding `state`.
 */
export function allowedMessages(state: WbciCaseState, party: WbciParty, direction?: Direction): MessageKind[] {
  const dir = direction ?? (party === ourParty(state.role) ? 'out' : 'in');
  return MESSAGE_KINDS.filter((k) => coarseGuard(state, k, party, dir) === null);
}

/** Why `party` may not send `kind` now, or null if it may (dates and references not considered). */
export function explainRefusal(state: WbciCaseState, kind: MessageKind, party: WbciParty, direction?: Direction): Issue | null {
  const dir = direction ?? (party === ourParty(state.role) ? 'out' : 'in');
  const r = coarseGuard(state, kind, party, dir);
  return r ? stripRefusal(r) : null;
}
