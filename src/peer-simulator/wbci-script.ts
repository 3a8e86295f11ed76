/** The WBCI partner's CRM: answers each VA, each change (TVS-VA, Storno) and each AKM-TR by the scripted behaviour. */
import { loadCase } from '../store/repos/cases.js';
import type { FeedEvent } from '../store/repos/events.js';
import { behaviourFor, type BehaviourTable, type VaBehaviour } from './behaviours.js';
import { describeBehaviour, recordSilence, recordStep, type Script, type ScriptContext } from './script.js';

const VA_TYPES = new Set(['VA-KUE-MRN', 'VA-KUE-ORN', 'VA-RRNP']);
const CHANGE_TYPES = new Set(['TVS-VA', 'STR-AUF', 'STR-AEN']);

export function wbciScript(ctx: ScriptContext, behaviours: BehaviourTable): Script {
  const { gateway } = ctx;
  const { wbci } = gateway;
  const chosen = new Map<string, VaBehaviour>();

  const accept = async (caseId: string, behaviour: VaBehaviour) => {
    const row = await loadCase(gateway.store.db, caseId);
    if (!row?.requested_date) return;
    await recordStep(ctx, caseId, 'answer', describeBehaviour(behaviour), () =>
      wbci.answer(caseId, { result: 'accept', code: 'ZWA', switchDate: row.requested_date!, technology: '001', resources: [{ contractNumber: '1234567890' }], pkiAbg: 'D001' }),
    );
  };

  const onVa = async (caseId: string) => {
    const row = await loadCase(gateway.store.db, caseId);
    if (!row || row.role !== 'donating') return;
    const va = (row.data as { va?: { numbers?: { list?: { areaCode: string; number: string }[] } } }).va;
    const numbers = (va?.numbers?.list ?? []).map((n) => `0${n.areaCode}${n.number}`);
    const b = behaviourFor(behaviours, caseId, numbers);
    chosen.set(caseId, b);
    switch (b.kind) {
      case 'accept':
      case 'reject-akm-tr':
        return accept(caseId, b);
      case 'reject':
        return recordStep(ctx, caseId, 'answer', describeBehaviour(b), () => wbci.answer(caseId, { result: 'reject', codes: [{ code: b.code }] }));
      case 'accept-after':
        return ctx.later(b.seconds, () => accept(caseId, b));
      case 'twice':
        ctx.twice.add(caseId);
        return accept(caseId, b);
      case 'silent':
        return recordSilence(ctx, caseId);
    }
  };

  const onChange = async (caseId: string) => {
    const b = behaviours.changes;
    if (b.kind === 'silent') return recordSilence(ctx, caseId);
    const row = await loadCase(gateway.store.db, caseId);
    const open = row?.open_change as { id?: string } | null | undefined;
    if (!open?.id) return;
    await recordStep(ctx, caseId, 'answer-change', b.kind === 'reject' ? `reject:${b.code}` : 'accept', () =>
      wbci.answerChange(caseId, open.id!, b.kind === 'reject' ? { result: 'reject', codes: [{ code: b.code }] } : { result: 'accept' }),
    );
  };

  const onAkmTr = async (caseId: string) => {
    const b = chosen.get(caseId);
    if (b?.kind !== 'reject-akm-tr') return;
    await recordStep(ctx, caseId, 'resource-handover-answer', describeBehaviour(b), () => wbci.answerResourceHandover(caseId, { result: 'reject', codes: [{ code: b.code }] }));
  };

  return {
    async handle(e: FeedEvent) {
      if (e.type !== 'message.received' || !e.caseId) return;
      const type = (e.data as { type?: string }).type ?? '';
      if (VA_TYPES.has(type)) await onVa(e.caseId);
      else if (CHANGE_TYPES.has(type)) await onChange(e.caseId);
      else if (type === 'AKM-TR') await onAkmTr(e.caseId);
    },
  };
}
