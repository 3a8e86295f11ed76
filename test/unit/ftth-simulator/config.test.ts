/**
 * The FTTH simulator's configuration file and its judgement of an N1: every problem reported at
 * once with its path; the Donating found by COW; the behaviour by marker, order and number.
 */
import { describe, expect, it } from 'vitest';
import { parseFtthSimulatorFile } from '../../../src/ftth-simulator/config-file.js';
import { behaviourOf, dacFor, donatingOf } from '../../../src/ftth-simulator/order.js';
import { createCalendar } from '../../../src/domain/calendar.js';
import type { FtthMessage } from '../../../src/protocols/agcom/ftth/messages.js';

const operator = (code: string, extra: Record<string, unknown> = {}) => ({ code, url: `http://127.0.0.1:9/${code}`, inboundToken: `in-${code}`, ...extra });

describe('FTTH simulator configuration file', () => {
  it('reads tokens from the environment and keeps the rest', () => {
    const { config, problems } = parseFtthSimulatorFile(
      { operatorCode: 'WHS', defaultBehaviour: 'suspend', timings: { stepMs: 5 }, operators: [{ code: 'OLA', url: 'http://127.0.0.1:8080/agcom/ftth/v1', tokenEnv: 'T_OUT', inboundTokenEnv: 'T_IN', cows: ['2ZZ'] }] },
      { T_OUT: 'out', T_IN: 'in' },
    );
    expect(problems).toEqual([]);
    expect(config).toMatchObject({ operatorCode: 'WHS', defaultBehaviour: 'suspend', timings: { stepMs: 5 }, operators: [{ code: 'OLA', token: 'out', inboundToken: 'in', cows: ['2ZZ'] }] });
  });

  it('reports every problem with its path', () => {
    const { problems } = parseFtthSimulatorFile({ operatorCode: 'WHS', colour: 'red', operators: [{ code: 'OLA', url: 'x', inboundTokenEnv: 'MISSING', extra: 1 }] }, {});
    expect(problems).toEqual(['colour: unknown key', 'operators[0].extra: unknown key', 'operators[0].inboundTokenEnv: environment variable MISSING is not set']);
    const second = parseFtthSimulatorFile(
      {
        operatorCode: 'WHSX',
        defaultBehaviour: 'maybe',
        byNumber: { '123': 'accept' },
        timings: { stepMs: -1, later: 3 },
        deliveryAttempts: 0,
        codes: { n7StatoOrdine: { '0': 'ok', '1': 'ok' } },
        operators: [operator('OLA', { url: 'ftp://x', cows: ['2ZZ'] }), operator('OLA'), operator('OLB', { inboundToken: 'in-OLA', cows: ['2ZZ'] })],
      },
      {},
    ).problems;
    expect(second).toEqual([
      'operatorCode: must be 1–3 characters A–Z 0–9 (CODICE_OPERATORE_WHS)',
      'operators[0].url: must be an http(s) URL (base of the operator\'s /agcom/ftth/v1 services)',
      'operators[1].code: OLA is listed twice',
      'operators[1].inboundToken: the same as OLA\'s (tokens identify the operator)',
      'operators[2].inboundToken: the same as OLA\'s (tokens identify the operator)',
      'operators[2].cows[0]: 2ZZ already belongs to OLA',
      'defaultBehaviour: must be one of accept, ko-intake, suspend, reschedule, complete-ko, hold',
      'byNumber.123: needs at least 6 digits',
      'timings.stepMs: must be a whole number of milliseconds ≥ 0',
      'timings.later: unknown key (stepMs, n9TimeoutMs, selfResumeMs)',
      'deliveryAttempts: must be a whole number from 1 to 100',
      'codes/n7StatoOrdine/1: ok is already code 0',
    ]);
  });
});

describe('FTTH simulator: judging an N1', () => {
  const n1 = (extra: FtthMessage = {}): FtthMessage => ({ CODICE_ORDINE_REC: 'OLA_1', DATI_MIGRAZIONE: { CODICE_SESSIONE: 'S', COR: '069234552', COW: '2ZZ', COS: '001' }, NUMERAZIONI: ['+39 06 9234553'], ...extra });
  const table = { defaultBehaviour: 'accept' as const, byOrder: { OLA_1: 'hold' as const }, byNumber: { '069234553': 'reschedule' as const } };

  it('behaviour: the NOTE marker first, then the order, then a number, then the default', () => {
    expect(behaviourOf(n1({ NOTE: 'please [sim:complete-ko]' }), table)).toBe('complete-ko');
    expect(behaviourOf(n1({ NOTE: 'sim:unknown' }), table)).toBe('hold');
    expect(behaviourOf(n1({ CODICE_ORDINE_REC: 'OLA_2' }), table)).toBe('reschedule');
    expect(behaviourOf(n1({ CODICE_ORDINE_REC: 'OLA_2', NUMERAZIONI: ['069234559'] }), table)).toBe('accept');
  });

  it('the Donating: by its COW pool, else by its own code', () => {
    const ops = [operator('OLB', { cows: ['2ZZ'] }), operator('2ZZ'), operator('TIM')];
    expect(donatingOf(ops, '2ZZ')?.code).toBe('OLB');
    expect(donatingOf(ops, 'TIM')?.code).toBe('TIM');
    expect(donatingOf(ops, 'XYZ')).toBeUndefined();
  });

  it('the DAC: the requested date when workable, else the next working day at least the lead time ahead', () => {
    const cal = createCalendar({ country: 'IT' });
    const now = new Date('2026-12-01T08:00:00Z');
    expect(dacFor(cal, now, 5, '2026-12-16')).toBe('2026-12-16');
    // too soon: 5 working days, 8 Dec (Immacolata) skipped
    expect(dacFor(cal, now, 5, '2026-12-02')).toBe('2026-12-09');
    expect(dacFor(cal, now, 5, undefined)).toBe('2026-12-09');
    // Christmas and St Stephen's, then the weekend
    expect(dacFor(cal, now, 5, '2026-12-25')).toBe('2026-12-28');
  });
});
