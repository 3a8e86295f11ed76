/**
 * The WBCI state machine (wbci.md §6): the single source of truth for what may follow what in a
 * Vorabstimmung. The same code guards what we send (`direction: 'out'`) and checks what we receive
 * (`direction: 'in'`), in both roles: it reasons about the *party* that sends a message, so the
 * recipient's and the donating gateway reach the same state for the same sequence.
 *
 * Messages are assumed well-formed (fields.ts/codes.ts check formats); this module checks only
 * ordering, parties, dates and timing.
 *
 * Strictness differs by direction on purpose: what we send must be right (errors), but a Meldung we
 * receive cannot be answered on the wire, so content problems in it become warnings for a person
 * (Klärfall) while the state still follows the partner; received *requests* (TVS-VA, Storno,
 * AKM-TR) that break a guard are refused with the business answer §6.3 prescribes.
 *
 * ONE state machine, split by message family: types.ts (vocabulary and transition table),
 * guards.ts (who may send what when), open-case.ts (VA, successor), va-answer.ts (RUEM-VA, ABBM),
 * resource-handover.ts (AKM-TR, ABBM-TR), changes.ts (TVS-VA, Storno, ERLM/ABBM to them),
 * apply.ts (dispatch), tick.ts (time), refusals.ts and dates.ts (shared helpers).
 */
export * from './machine/types.js';
export { openCase, linkSuccessor, linkPredecessor, successorIssues, type OpenCaseOptions } from './machine/open-case.js';
export { allowedMessages, explainRefusal } from './machine/guards.js';
export { apply } from './machine/apply.js';
export { tick, nextTimedTransitionAt } from './machine/tick.js';
export { akmTrFindings, type AkmTrFinding } from './machine/resource-handover.js';
