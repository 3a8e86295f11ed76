import { describe, expect, it } from 'vitest';
import { decide, type MachineContext, type RequestCommand } from '../../../src/protocols/interconnect/machine.js';
import { DEFAULT_ANNULMENT_RULES } from '../../../src/protocols/interconnect/fees.js';
import type { RequestState, RequestType, Role } from '../../../src/protocols/interconnect/types.js';
import { activation, request, TARIFFS } from './fixtures.js';

const ctx = (direction: 'in' | 'out', today = '2026-12-10'): MachineContext => ({ direction, today, now: new Date(`${today}T10:00:00Z`), tariffs: TARIFFS, annulment: DEFAULT_ANNULMENT_RULES });

const cessation = { type: 'cessation' as const, operatorNode: 'N1', timNode: 'T1', portCount: 1, requestedDate: '2026-12-05', accessIds: ['A'] };
const dataOf = (t: RequestType) =>
  t === 'cessation' ? cessation : t === 'reconfiguration' ? { type: t, pdi: 'PDI-1', accessId: 'A', bgIpAddresses: ['192.0.2.9'] } : t === 'cac-expansion' ? { type: t, accessId: 'A', cacModules: 2 } : activation(t);

const COMMANDS: Record<string, RequestCommand> = {
  submit: { kind: 'submit' },
  progress: { kind: 'progress' },
  complete: { kind: 'complete', completionDate: '2026-12-09', tds: { port: 'TD-P', link: 'TD-L' } },
  reject: { kind: 'reject', reason: 'nodes missing' },
  annul: { kind: 'annul', requestDate: '2026-12-10' },
};

const STATES: RequestState[] = ['DRAFT', 'SUBMITTED', 'IN_PROGRESS', 'COMPLETED', 'ANNULLED', 'REJECTED_INCOMPLETE'];

/** [state, command, request type, expected next state or refusal code] — the acting side sending it. */
const TABLE: [RequestState, string, RequestType, string][] = [
  ['DRAFT', 'submit', 'port-activation', 'SUBMITTED'],
  ['SUBMITTED', 'submit', 'port-activation', 'SG_IC_WRONG_STATE'],
  ['DRAFT', 'progress', 'port-activation', 'SG_IC_NOT_SUBMITTED'],
  ['DRAFT', 'annul', 'port-activation', 'SG_IC_NOT_SUBMITTED'],
  ['SUBMITTED', 'progress', 'joint-activation', 'IN_PROGRESS'],
  ['IN_PROGRESS', 'progress', 'joint-activation', 'SG_IC_ALREADY_IN_PROGRESS'],
  ['SUBMITTED', 'complete', 'joint-activation', 'COMPLETED'],
  ['IN_PROGRESS', 'complete', 'joint-activation', 'COMPLETED'],
  ['COMPLETED', 'complete', 'joint-activation', 'SG_IC_CLOSED'],
  ['SUBMITTED', 'annul', 'joint-activation', 'ANNULLED'],
  ['IN_PROGRESS', 'annul', 'port-activation', 'ANNULLED'],
  ['IN_PROGRESS', 'annul', 'cac-expansion', 'ANNULLED'],
  ['COMPLETED', 'annul', 'port-activation', 'SG_IC_ALREADY_DELIVERED'],
  ['SUBMITTED', 'annul', 'cessation', 'SG_IC_ANNUL_CESSATION'],
  ['IN_PROGRESS', 'annul', 'cessation', 'SG_IC_ANNUL_CESSATION'],
  ['ANNULLED', 'annul', 'port-activation', 'SG_IC_CLOSED'],
  ['SUBMITTED', 'reject', 'cessation', 'REJECTED_INCOMPLETE'],
  ['IN_PROGRESS', 'reject', 'cessation', 'REJECTED_INCOMPLETE'],
  ['SUBMITTED', 'reject', 'port-activation', 'SG_IC_REJECT_ONLY_CESSATION'],
  ['REJECTED_INCOMPLETE', 'complete', 'cessation', 'SG_IC_CLOSED'],
  ['REJECTED_INCOMPLETE', 'reject', 'cessation', 'SG_IC_CLOSED'],
  ['ANNULLED', 'progress', 'joint-activation', 'SG_IC_CLOSED'],
];

const actorOf = (cmd: string): Role => (cmd === 'submit' || cmd === 'annul' ? 'operator' : 'tim');

describe('interconnect request machine', () => {
  it.each(TABLE)('%s + %s on %s → %s (both sides agree)', (state, cmd, type, expected) => {
    const actor = actorOf(cmd);
    const other: Role = actor === 'operator' ? 'tim' : 'operator';
    for (const [role, direction] of [[actor, 'out'], [other, 'in']] as const) {
      const d = decide(request(dataOf(type) as never, state, role), COMMANDS[cmd]!, ctx(direction));
      if (expected.startsWith('SG_')) {
        expect(d.ok).toBe(false);
        if (!d.ok) expect(d.issues[0]!.code).toBe(expected);
      } else {
        expect(d.ok, JSON.stringify(d)).toBe(true);
        if (d.ok) expect(d.next.state).toBe(expected);
      }
    }
  });

  it.each(STATES.flatMap((s) => Object.keys(COMMANDS).map((c) => [s, c] as const)))('%s + %s by the wrong side is refused SG_IC_WRONG_ROLE', (state, cmd) => {
    const wrong: Role = actorOf(cmd) === 'operator' ? 'tim' : 'operator';
    const d = decide(request(activation('joint-activation'), state, wrong), COMMANDS[cmd]!, ctx('out'));
    expect(d.ok).toBe(false);
    if (!d.ok) expect(d.issues[0]!.code).toBe('SG_IC_WRONG_ROLE');
  });

  it('refuses a partial annulment and an annulment dated before the order or in the future', () => {
    const r = request(activation('port-activation'), 'SUBMITTED');
    const partial = decide(r, { kind: 'annul', requestDate: '2026-12-10', cacModules: 2 }, ctx('out'));
    expect(partial.ok ? null : partial.issues[0]).toMatchObject({ code: 'SG_IC_PARTIAL_ANNULMENT', path: '/cacModules' });
    expect(decide(r, { kind: 'annul', requestDate: '2026-12-10', cacModules: 4 }, ctx('out')).ok).toBe(true);
    const early = decide(r, { kind: 'annul', requestDate: '2026-11-30' }, ctx('out'));
    expect(early.ok ? null : early.issues[0]!.code).toBe('SG_IC_ANNUL_DATE');
    const future = decide(r, { kind: 'annul', requestDate: '2026-12-11' }, ctx('out'));
    expect(future.ok ? null : future.issues[0]!.code).toBe('SG_IC_ANNUL_DATE');
  });

  it('requires the TDs each type assigns on completion, and a completion date between the order and today', () => {
    const r1 = request(activation('port-activation'), 'IN_PROGRESS', 'tim');
    const codes = (c: RequestCommand, r = r1) => {
      const d = decide(r, c, ctx('out'));
      return d.ok ? [] : d.issues.map((i) => `${i.path}:${i.code}`);
    };
    expect(codes({ kind: 'complete', completionDate: '2026-12-09', tds: {} })).toEqual(['/tds/port:SG_IC_TD_REQUIRED']);
    expect(codes({ kind: 'complete', completionDate: '2026-12-09', tds: { port: 'P', link: 'L' } })).toEqual(['/tds/link:SG_IC_TD_NOT_ALLOWED']);
    const r2 = request(activation('joint-activation'), 'IN_PROGRESS', 'tim');
    expect(codes({ kind: 'complete', completionDate: '2026-12-09', tds: { port: 'P' } }, r2)).toEqual(['/tds/link:SG_IC_TD_REQUIRED']);
    expect(codes({ kind: 'complete', completionDate: '2026-12-09', tds: { port: 'P', link: 'P' } }, r2)).toEqual(['/tds/link:SG_IC_TD_DISTINCT']);
    expect(codes({ kind: 'complete', completionDate: '2026-11-30', tds: { port: 'P' } })).toEqual(['/completionDate:SG_IC_COMPLETION_DATE']);
    expect(codes({ kind: 'complete', completionDate: '2026-12-11', tds: { port: 'P' } })).toEqual(['/completionDate:SG_IC_COMPLETION_DATE']);
    const r5 = request(cessation as never, 'SUBMITTED', 'tim', { orderDate: '2026-12-01' });
    expect(codes({ kind: 'complete', completionDate: '2026-12-04', tds: {} }, { ...r5, data: { ...cessation, requestedDate: '2026-12-05' } } as never)).toEqual(['/completionDate:SG_IC_BEFORE_REQUESTED_DATE']);
  });

  it('computes the reimbursement when annulling and keeps it on the request', () => {
    const d = decide(request(activation('joint-activation'), 'IN_PROGRESS'), { kind: 'annul', requestDate: '2026-12-10' }, ctx('out'));
    expect(d.ok && d.next.annulment).toEqual({
      requestDate: '2026-12-10',
      solarDays: 9,
      reimbursement: {
        items: [
          { item: 'portActivationFee', amount: '1200.00' },
          { item: 'linkAnnulmentCharge', amount: '850.00', note: 'per the link offer' },
          { item: 'cacModulesBeyondDimensioning', quantity: 1, amount: '136.50', note: '3 monthly fees per module' },
        ],
        total: '2186.50',
      },
    });
  });
});
