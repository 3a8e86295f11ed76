/**
 * The AGCOM Donating's CRM: its gateway already answers each received request (RICHIESTA) with the
 * formal validation (xml2); the script decides the managerial validation (xml3) by the behaviour
 * chosen for the case (CodiceOrdineRecipient) or one of the request's numbers.
 */
import type { AgcomAnswerInput } from '../app/agcom/commands.js';
import type { AgcomService } from '../app/agcom/service.js';
import { classifyRejection, DEFAULT_WIRE_VALUES } from '../protocols/agcom/files.js';
import type { AgcomCaseState } from '../protocols/agcom/case-state.js';
import { loadCase } from '../store/repos/cases.js';
import type { FeedEvent } from '../store/repos/events.js';
import { behaviourFor, isKoCategory, type BehaviourTable, type VaBehaviour } from './behaviours.js';
import { describeBehaviour, recordSilence, recordStep, type Script, type ScriptContext } from './script.js';

/** `reject:<why>`: a category as such, a reason code with the category the wire values give it. */
export function agcomRejection(why: string): Extract<AgcomAnswerInput, { category: unknown }> {
  if (isKoCategory(why)) return { result: 'KO', category: why };
  return { result: 'KO', category: classifyRejection(DEFAULT_WIRE_VALUES, undefined, why), reasonCode: why };
}

export function agcomScript(ctx: ScriptContext, agcom: AgcomService, behaviours: BehaviourTable): Script {
  const { gateway } = ctx;

  const answer = (caseId: string, b: VaBehaviour, input: AgcomAnswerInput) =>
    recordStep(ctx, caseId, 'answer', describeBehaviour(b), () => agcom.answer(caseId, input));

  const onRequest = async (caseId: string) => {
    const row = await loadCase(gateway.store.db, caseId);
    // a request the formal validation refused is closed already: nothing left to decide
    if (!row || row.role !== 'donating' || row.state !== 'AWAITING_MANAGERIAL') return;
    const numbers = (row.data as Partial<AgcomCaseState>).request?.numbers ?? [];
    const b = behaviourFor(behaviours, caseId, numbers);
    switch (b.kind) {
      case 'accept':
        return answer(caseId, b, { result: 'OK' });
      case 'reject':
        return answer(caseId, b, agcomRejection(b.code));
      case 'accept-after':
        return ctx.later(b.seconds, () => answer(caseId, b, { result: 'OK' }));
      case 'twice':
        ctx.twice.add(caseId);
        return answer(caseId, b, { result: 'OK' });
      case 'silent':
        return recordSilence(ctx, caseId);
      case 'reject-akm-tr':
        // refused when the behaviours are parsed; a table built in code gets the plain answer
        return answer(caseId, b, { result: 'OK' });
    }
  };

  return {
    async handle(e: FeedEvent) {
      if (e.type !== 'message.received' || !e.caseId) return;
      if ((e.data as { type?: string }).type === 'RICHIESTA') await onRequest(e.caseId);
    },
  };
}
