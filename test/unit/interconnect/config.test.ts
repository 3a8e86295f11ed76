import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../../src/config/load.js';
import { configChecks } from '../../../src/config/checks.js';
import { resolveInterconnectSettings } from '../../../src/app/interconnect/settings.js';

const tariffs = { portActivationFee: '1200.00', portMonthlyFee: '310', cacModuleMonthlyFee: '45.5', linkMonthlyFee: '620.00', linkAnnulmentCharge: '850.00', setupCost: '275.00' };
const base = (over: Record<string, unknown> = {}) => ({
  self: { carrierCode: 'ITA.OLA', profiles: ['interconnect'], holidayRegion: 'IT' },
  peers: [{ carrierCode: 'ITA.TIM', protocol: 'interconnect-json', url: 'http://127.0.0.1:9/interconnect/v1' }],
  interconnect: { role: 'operator', tariffs },
  ...over,
});
const problems = (raw: unknown) => {
  try {
    parseConfig(raw, 'test', {}, configChecks);
    return [];
  } catch (e) {
    return (e as ConfigError).problems.map((p) => p.key);
  }
};

describe('interconnect configuration', () => {
  it('resolves tariffs to cents with the defaults of the manual', () => {
    const s = resolveInterconnectSettings(parseConfig(base(), 'test', {}));
    expect(s.role).toBe('operator');
    expect(s.tariffs).toMatchObject({ portMonthlyFee: 31000, cacModuleMonthlyFee: 4550, interventoAVuoto: 39051 });
    expect(s.annulment).toEqual({ freeDays: 13, lastDayIncluded: true, lateMonthlyFees: 6, cacMonthlyFees: 3 });
    expect(s.projects).toMatchObject({ agreementDays: 60, reportWindowDays: 5, testsMonths: 3, overallMonths: 9, pauseStopsTestsClock: true, pauseStopsOverallClock: true });
    expect(s.counterpart('ITA.TIM')?.url).toBe('http://127.0.0.1:9/interconnect/v1');
  });

  it('honours annulmentDay13Included and the project settings', () => {
    const s = resolveInterconnectSettings(parseConfig(base({ interconnect: { role: 'tim', tariffs, annulmentDay13Included: false, projects: { reportWindowDays: 7, pauseStopsOverallClock: false } } }), 'test', {}));
    expect([s.role, s.annulment.lastDayIncluded, s.projects.reportWindowDays, s.projects.pauseStopsOverallClock]).toEqual(['tim', false, 7, false]);
  });

  it('names every bad key', () => {
    expect(problems(base({ interconnect: { tariffs: { ...tariffs, setupCost: '1.234' } } }))).toEqual(['interconnect.tariffs.setupCost']);
    expect(problems(base({ interconnect: { tariffs: { portActivationFee: '1.00' } } }))).toEqual([
      'interconnect.tariffs.portMonthlyFee',
      'interconnect.tariffs.cacModuleMonthlyFee',
      'interconnect.tariffs.linkMonthlyFee',
      'interconnect.tariffs.linkAnnulmentCharge',
      'interconnect.tariffs.setupCost',
    ]);
    expect(problems(base({ interconnect: { role: 'olo', tariffs } }))).toEqual(['interconnect.role']);
    expect(problems(base({ self: { carrierCode: 'ITA.OLA', profiles: ['wbci'] } }))).toEqual(['peers[0].protocol', 'interconnect']);
    expect(problems(base({ peers: [] }))).toEqual(['peers']);
  });
});
