/**
 * Fault reports (spec §5): the operator reports to TIM, TIM diagnoses and closes with outcome
 * a | b | c. The charge of an *intervento a vuoto* (b, c) is TIM's, from its tariffs; the operator
 * keeps what TIM stated. Both sides keep the report and its history.
 */
import type { CaseRow } from '../../store/schema.js';
import { AppError, notFound } from '../errors.js';
import type { Unit } from '../case-unit.js';
import { decideFault, FAULT_STATE_CODES, openFault, type FaultCommand } from '../../protocols/interconnect/faults.js';
import type { FaultReport } from '../../protocols/interconnect/types.js';
import type { InterconnectCore } from './core.js';
import { notKnown, refusal, refusedOutcome, replayed, type CreateOptions, type ReceiveOutcome } from './requests.js';
import type { FaultCloseBody, FaultDiagnoseBody, FaultOpenBody, WireEnvelope } from './wire.js';

export type StoredFault = { object: 'fault' } & FaultReport;

export interface OpenFaultInput {
  counterpart: string;
  pdi: string;
  accessId?: string;
  description: string;
}

export class FaultSteps {
  constructor(private readonly core: InterconnectCore) {}

  async open(input: OpenFaultInput, opts: CreateOptions = {}): Promise<CaseRow> {
    if (this.core.settings.role !== 'operator') {
      throw refusal([{ path: '/', rule: 'actor', code: 'SG_IC_WRONG_ROLE', message: 'fault reports are opened by the operator; this gateway plays tim', severity: 'error' }], FAULT_STATE_CODES);
    }
    if (!this.core.settings.counterpart(input.counterpart)) {
      throw new AppError(422, 'SG_UNKNOWN_PEER', `${input.counterpart} is not a configured interconnection counterpart`, [
        { path: '/counterpart', rule: 'knownPeer', code: 'SG_UNKNOWN_PEER', message: `no peer ${input.counterpart} with protocol interconnect-json is configured`, severity: 'error' },
      ]);
    }
    const id = await this.core.newId('fault');
    const f: StoredFault = {
      object: 'fault',
      ...openFault({ id, role: 'operator', counterpart: input.counterpart, accessId: input.accessId ?? null, pdi: input.pdi, description: input.description, openedAt: this.core.now().toISOString() }),
    };
    return this.core.tx(async (trx) => {
      const body: FaultOpenBody = { pdi: f.pdi, accessId: f.accessId, description: f.description, openedAt: f.openedAt };
      const { row } = await this.core.persist({ db: trx, locked: true }, { prev: null, next: f, message: { direction: 'out', kind: 'open', body }, events: [{ type: 'interconnect.fault.opened', caseId: id, data: { pdi: f.pdi } }] });
      await opts.beforeCommit?.(trx, id);
      return row;
    });
  }

  async step(id: string, cmd: FaultCommand, opts: CreateOptions = {}): Promise<CaseRow> {
    return this.core.command(id, opts, async (u) => {
      const prev = await this.core.load<StoredFault>(u, id, 'fault');
      if (!prev) throw notFound('fault report', id);
      const d = decideFault(prev.value, cmd, { direction: 'out', now: this.core.now(), interventoAVuoto: this.core.settings.tariffs.interventoAVuoto });
      if (!d.ok) throw refusal(d.issues, FAULT_STATE_CODES);
      const next: StoredFault = { object: 'fault', ...d.next };
      const body: FaultDiagnoseBody | FaultCloseBody =
        cmd.kind === 'diagnose' ? { diagnosis: cmd.diagnosis } : { outcome: next.outcome!, diagnosis: next.diagnosis!, charge: next.charge! };
      const { row } = await this.core.persist(u, { prev, next, message: { direction: 'out', kind: cmd.kind, body }, events: [this.#event(next)] });
      return row;
    });
  }

  #event(f: StoredFault) {
    return f.state === 'CLOSED'
      ? { type: 'interconnect.fault.closed', caseId: f.id, data: { outcome: f.outcome, interventoAVuoto: f.interventoAVuoto, charge: f.charge } }
      : { type: 'interconnect.fault.diagnosed', caseId: f.id, data: {} };
  }

  async receive(env: WireEnvelope, peer: string, raw: string): Promise<ReceiveOutcome> {
    return this.core.run(async (u: Unit) => {
      const seen = await this.core.seen(u.db, env);
      if (seen) return replayed(seen);
      if (env.kind === 'open') {
        if (this.core.settings.role !== 'tim') return refusedOutcome([{ path: '/kind', rule: 'actor', code: 'SG_IC_WRONG_ROLE', message: 'fault reports go to TIM; this gateway plays operator', severity: 'error' }], FAULT_STATE_CODES);
        if (await this.core.load(u, env.id, 'fault')) return refusedOutcome([{ path: '/id', rule: 'unique', code: 'SG_IC_ID_IN_USE', message: `fault ${env.id} is already known here`, severity: 'error' }]);
        const b = env.body as unknown as FaultOpenBody;
        const f: StoredFault = { object: 'fault', ...openFault({ id: env.id, role: 'tim', counterpart: peer, accessId: b.accessId ?? null, pdi: b.pdi, description: b.description, openedAt: b.openedAt }) };
        await this.core.persist(u, { prev: null, next: f, message: { direction: 'in', envelope: env, raw }, events: [{ type: 'interconnect.fault.received', caseId: env.id, data: { pdi: f.pdi } }] });
        return { status: 'accepted', caseId: env.id, duplicate: false };
      }
      const prev = await this.core.load<StoredFault>(u, env.id, 'fault');
      if (!prev || prev.value.counterpart !== peer) return notKnown(env);
      const b = env.body as Record<string, unknown>;
      const cmd: FaultCommand | undefined =
        env.kind === 'diagnose' ? { kind: 'diagnose', diagnosis: String(b.diagnosis) } : env.kind === 'close' ? { kind: 'close', outcome: b.outcome as 'a' | 'b' | 'c', diagnosis: String(b.diagnosis) } : undefined;
      if (!cmd) return refusedOutcome([{ path: '/kind', rule: 'wire', code: 'SG_IC_WIRE', message: `${env.kind} is not a step of a fault report`, severity: 'error' }]);
      const d = decideFault(prev.value, cmd, {
        direction: 'in',
        now: this.core.now(),
        interventoAVuoto: this.core.settings.tariffs.interventoAVuoto,
        ...(typeof b.charge === 'string' ? { charge: b.charge } : {}),
      });
      if (!d.ok) return refusedOutcome(d.issues, FAULT_STATE_CODES);
      const next: StoredFault = { object: 'fault', ...d.next };
      await this.core.persist(u, { prev, next, message: { direction: 'in', envelope: env, raw }, events: [this.#event(next)] });
      return { status: 'accepted', caseId: env.id, duplicate: false };
    });
  }
}
