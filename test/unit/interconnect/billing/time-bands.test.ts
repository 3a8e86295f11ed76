import { TARIFFS } from '../../../support/interconnect-pair.js';
import { describe, expect, it } from 'vitest';
import { compileTimeBands, DEFAULT_TIME_BANDS, TimeBandError, timeBandIssues, type TimeBandEntry } from '../../../../src/protocols/interconnect/billing/time-bands.js';
import { ConfigError, parseConfig } from '../../../../src/config/load.js';
import { configChecks } from '../../../../src/config/checks.js';
import { TEST_BANDS } from './fixtures.js';

const config = (timeBands: unknown) => ({ self: { carrierCode: 'ITA.OAO', profiles: ['interconnect'], holidayRegion: 'IT' }, interconnect: { tariffs: TARIFFS, timeBands }, peers: [{ carrierCode: 'ITA.TIM', protocol: 'interconnect-json', url: 'http://127.0.0.1:9/interconnect/v1', auth: { type: 'none' } }] });

function configProblems(timeBands: unknown): { key: string; problem: string }[] {
  try {
    parseConfig(config(timeBands), 'test', {}, configChecks);
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
}

describe('time bands', () => {
  it('the defaults and the test bands cover every minute exactly once', () => {
    expect(timeBandIssues(DEFAULT_TIME_BANDS)).toEqual([]);
    expect(compileTimeBands(TEST_BANDS).names).toEqual(['day', 'night', 'sat', 'early', 'late']);
  });

  it('entries sharing a name are one band', () => {
    const compiled = compileTimeBands(DEFAULT_TIME_BANDS);
    expect(compiled.names).toEqual(['peak', 'offpeak']);
    expect(compiled.byKind.weekday.map((s) => [s.from, s.to, compiled.names[s.band]])).toEqual([
      [0, 480, 'offpeak'],
      [480, 1110, 'peak'],
      [1110, 1440, 'offpeak'],
    ]);
  });

  it.each<[string, TimeBandEntry[], { path: string; rule: string; code: string }]>([
    ['a minute left uncovered', [...TEST_BANDS.slice(0, 3), { name: 'sat', days: ['saturday'], from: '00:00', to: '23:59' }, ...TEST_BANDS.slice(4)], { path: '', rule: 'coverage', code: 'SG_TIME_BAND_GAP' }],
    ['a minute covered twice', [...TEST_BANDS, { name: 'x', days: ['holiday'], from: '02:59', to: '03:00' }], { path: '/6', rule: 'overlap', code: 'SG_TIME_BAND_OVERLAP' }],
    ['a kind of day not covered at all', TEST_BANDS.filter((b) => !b.days.includes('saturday')), { path: '', rule: 'coverage', code: 'SG_TIME_BAND_GAP' }],
    ['from after to (across midnight)', [{ name: 'n', days: ['weekday', 'saturday', 'holiday'], from: '20:00', to: '08:00' }], { path: '/0/to', rule: 'afterFrom', code: 'SG_TIME_BAND_ORDER' }],
    ['24:00 as a start', [{ name: 'n', days: ['weekday'], from: '24:00', to: '24:00' }], { path: '/0/from', rule: 'format', code: 'SG_TIME_BAND_CLOCK' }],
  ])('refuses %s', (_title, entries, expected) => {
    expect(timeBandIssues(entries)[0]).toMatchObject(expected);
    expect(() => compileTimeBands(entries)).toThrow(TimeBandError);
  });

  it('names the gap precisely', () => {
    const entries = TEST_BANDS.map((b) => (b.name === 'sat' ? { ...b, to: '23:59' } : b));
    expect(timeBandIssues(entries)).toEqual([expect.objectContaining({ message: 'leaves saturday 23:59–24:00 uncovered' })]);
  });
});

describe('interconnect.timeBands in the configuration (refused at start-up, naming the key)', () => {
  it('accepts a complete table', () => {
    expect(configProblems(TEST_BANDS)).toEqual([]);
  });

  it('refuses a gap under interconnect.timeBands', () => {
    const bands = TEST_BANDS.filter((b) => b.name !== 'late');
    expect(configProblems(bands)).toEqual([{ key: 'interconnect.timeBands', problem: 'leaves holiday 03:00–24:00 uncovered' }]);
  });

  it('refuses an overlap under the entry that repeats a minute', () => {
    const bands = [...TEST_BANDS, { name: 'x', days: ['weekday'], from: '12:00', to: '13:00' }];
    expect(configProblems(bands)).toEqual([{ key: 'interconnect.timeBands[6]', problem: 'covers weekday 12:00 a second time (already covered by entry 0)' }]);
  });

  it('refuses a malformed entry by schema, naming the field', () => {
    const problems = configProblems([{ name: 'x', days: ['sunday'], from: '8:00', to: '24:00' }]);
    expect(problems.map((p) => p.key)).toEqual(expect.arrayContaining(['interconnect.timeBands[0].days[0]', 'interconnect.timeBands[0].from']));
  });

  it('accepts "interconnect" in self.profiles and the interconnect scopes', () => {
    const c = parseConfig(
      { ...config(TEST_BANDS), apiKeys: [{ name: 'billing', keySha256: 'a'.repeat(64), scopes: ['interconnect:read', 'interconnect:write'] }] },
      'test',
      {},
      configChecks,
    );
    expect(c.self.profiles).toEqual(['interconnect']);
  });
});
