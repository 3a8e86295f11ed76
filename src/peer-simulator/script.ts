/** What a simulator script shares with the simulator around it: the gateway it answers through, the record of what it did. */
import type { Logger } from 'pino';
import type { Gateway } from '../gateway.js';
import type { FeedEvent } from '../store/repos/events.js';
import type { VaBehaviour } from './behaviours.js';

export interface SimulatorAction {
  caseId: string;
  /** what the script did: answer, answer-change, resource-handover-answer, none */
  action: string;
  behaviour: string;
  ok: boolean;
  error?: string;
}

export interface ScriptContext {
  gateway: Gateway;
  log: Logger;
  actions: SimulatorAction[];
  /** cases whose answer the transport delivers twice */
  twice: Set<string>;
  /** runs `fn` after `seconds` unless the simulator closes first */
  later(seconds: number, fn: () => Promise<unknown>): void;
}

/** Reacts to the simulator gateway's own event feed, as a CRM would. */
export interface Script {
  handle(e: FeedEvent): Promise<void>;
}

export const describeBehaviour = (b: VaBehaviour): string =>
  b.kind === 'reject' || b.kind === 'reject-akm-tr' ? `${b.kind}:${b.code}` : b.kind === 'accept-after' ? `accept-after:${b.seconds}` : b.kind;

/** Runs one scripted step and records it (failures too: a refused answer is what the test wants to see). */
export async function recordStep(ctx: ScriptContext, caseId: string, action: string, behaviour: string, run: () => Promise<unknown>): Promise<void> {
  try {
    await run();
    ctx.actions.push({ caseId, action, behaviour, ok: true });
    ctx.log.info({ caseId, action, behaviour }, 'peer simulator answered');
  } catch (err) {
    ctx.actions.push({ caseId, action, behaviour, ok: false, error: (err as Error).message });
    ctx.log.warn({ caseId, action, behaviour, err: (err as Error).message }, 'peer simulator could not answer');
  }
}

export function recordSilence(ctx: ScriptContext, caseId: string): void {
  ctx.actions.push({ caseId, action: 'none', behaviour: 'silent', ok: true });
  ctx.log.info({ caseId }, 'peer simulator stays silent');
}
