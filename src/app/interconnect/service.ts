/**
 * The interconnection procedure with TIM (voip-interconnect.md) as one service: access requests,
 * fault reports and projects, on the shared case store, outbox, event feed and deadline tick.
 * A received message that the rules refuse is recorded (status `refused`, with its issues) and
 * answered on the HTTP call with a problem (409/422/404), which the sender's outbox treats as
 * permanent: the step lands in its dead letters with the reason.
 */
import { refusalStep } from '../case-unit.js';
import { writeCaseStep } from '../../store/repos/case-writes.js';
import { InterconnectCore, type CoreDeps } from './core.js';
import { RequestSteps, type ReceiveOutcome } from './requests.js';
import { FaultSteps } from './faults.js';
import { ProjectSteps } from './projects.js';
import type { WireEnvelope } from './wire.js';
import type { InterconnectSettings } from './settings.js';

export class InterconnectService {
  readonly core: InterconnectCore;
  readonly requests: RequestSteps;
  readonly faults: FaultSteps;
  readonly projects: ProjectSteps;

  constructor(deps: CoreDeps) {
    this.core = new InterconnectCore(deps);
    this.requests = new RequestSteps(this.core);
    this.faults = new FaultSteps(this.core);
    this.projects = new ProjectSteps(this.core);
  }

  get settings(): InterconnectSettings {
    return this.core.settings;
  }

  /** One message from the counterpart `peer` (authenticated by the route). */
  async receive(env: WireEnvelope, peer: string, raw: string): Promise<ReceiveOutcome> {
    const outcome =
      env.object === 'request' ? await this.requests.receive(env, peer, raw) : env.object === 'fault' ? await this.faults.receive(env, peer, raw) : await this.projects.receive(env, peer, raw);
    if (outcome.status === 'refused' && !outcome.duplicate) await this.#recordRefusal(env, peer, raw, outcome);
    const log = this.core.d.log;
    if (outcome.status === 'refused') log.info({ caseId: env.id, object: env.object, kind: env.kind, code: outcome.code }, 'inbound interconnect message refused');
    else log.info({ caseId: env.id, object: env.object, kind: env.kind, duplicate: outcome.duplicate }, 'inbound interconnect message committed');
    return outcome;
  }

  async #recordRefusal(env: WireEnvelope, peer: string, raw: string, o: Extract<ReceiveOutcome, { status: 'refused' }>): Promise<void> {
    const { step } = refusalStep({
      caseId: env.id,
      message: { type: `IC-${env.object.toUpperCase()}-${env.kind.toUpperCase()}`, body: env, businessId: env.messageId },
      peer,
      raw,
      rawFormat: 'json',
      dedupeKey: `ic:${env.sender}:${env.messageId}`,
      issues: o.issues,
      replyInfo: { httpStatus: o.httpStatus, code: o.code },
    });
    try {
      await writeCaseStep(this.core.d.db, step);
    } catch (err) {
      // the same refused message recorded concurrently: once is enough
      if ((err as { code?: string }).code !== '23505') throw err;
    }
  }

  tickDue(limit?: number): Promise<number> {
    return this.projects.tickDue(limit);
  }
}
