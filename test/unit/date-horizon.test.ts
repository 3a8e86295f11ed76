/**
 * Requested dates are range-checked before any working-day arithmetic (issue #9, point 1): a date
 * more than `deadlines.maxRequestedDateHorizonDays` ahead, or before 2000, is SG_DATE_HORIZON in
 * both directions; received, a VA is answered with ABBM 8116 whose Begründung names the horizon.
 */
import { describe, expect, it } from 'vitest';
import { dateHorizonViolation } from '../../src/domain/date-horizon.js';
import { openCase as openWbci, apply as applyWbci } from '../../src/protocols/wbci/machine.js';
import { openCase as openAgcom, apply as applyAgcom } from '../../src/protocols/agcom/machine.js';
import type { CalendarProbe } from '../../src/domain/calendar.js';
import { createCalendar } from '../../src/domain/calendar.js';
import * as W from './wbci/machine-fixtures.js';
import * as A from './agcom/fixtures.js';

const FAR = ['9999-12-31', '3000-01-01', '2100-06-01', '2028-12-02', '1999-12-31', '0001-01-01', '1970-01-01'];

describe('dateHorizonViolation', () => {
  it('accepts [2000-01-01, today + horizon] and nothing else', () => {
    // 730 days after 2026-12-01 is 2028-11-30 (2028 is a leap year)
    expect(dateHorizonViolation('2028-11-30', '2026-12-01', 730)).toBeNull();
    expect(dateHorizonViolation('2028-12-01', '2026-12-01', 730)).toMatchObject({ side: 'late', limit: '2028-11-30' });
    expect(dateHorizonViolation('2000-01-01', '2026-12-01', 730)).toBeNull();
    expect(dateHorizonViolation('1999-12-31', '2026-12-01', 730)).toMatchObject({ side: 'early', limit: '2000-01-01' });
    expect(dateHorizonViolation('2027-01-01', '2026-12-01', 10)).toMatchObject({ side: 'late', limit: '2026-12-11' });
  });
});

describe('WBCI machine: the horizon before any arithmetic', () => {
  for (const date of FAR) {
    it(`a VA for ${date} is refused sent and received (ABBM 8116 naming the horizon), with no working-day lookup`, () => {
      const probe: CalendarProbe = { lookups: 0, iterations: 0 };
      const calendar = createCalendar({ country: 'DE', region: 'BY', probe });
      const sent = W.expectRefused(openWbci(W.va('VA-KUE-MRN', { requestedDate: date }), 'recipient', { ...W.ctx('out'), calendar }));
      expect(sent.issues).toEqual([expect.objectContaining({ code: 'SG_DATE_HORIZON', path: '/requestedDate', rule: 'maxRequestedDateHorizonDays' })]);
      expect(sent.reply).toBeNull();
      const received = W.expectRefused(openWbci(W.va('VA-RRNP', { requestedDate: date }), 'donating', { ...W.ctx('in'), calendar }));
      expect(received.issues[0]).toMatchObject({ code: 'SG_DATE_HORIZON', path: '/requestedDate' });
      expect(received.reply).toMatchObject({ type: 'ABBM', code: '8116', businessCase: 'VA-RRNP', vaIdRef: W.VA_ID });
      const reason = (received.reply as { reason?: string }).reason ?? '';
      expect(reason).toMatch(date < '2000' ? /vor 2000-01-01/ : /Horizont 730 Tage/);
      expect(probe.lookups).toBe(0);
    });
  }

  it('the horizon is configurable', () => {
    const d = openWbci(W.va('VA-KUE-MRN', { requestedDate: W.KWT }), 'recipient', { ...W.ctx('out'), maxRequestedDateHorizonDays: 10 });
    expect(W.expectRefused(d).issues[0]).toMatchObject({ code: 'SG_DATE_HORIZON' });
    expect(openWbci(W.va('VA-KUE-MRN', { requestedDate: W.KWT }), 'recipient', { ...W.ctx('out'), maxRequestedDateHorizonDays: 20 }).ok).toBe(true);
  });

  it('a RUEM-VA or TVS-VA with a far date is refused in both directions; the TVS-VA is answered 8141 naming the horizon', () => {
    const p = W.Pair.open(W.va('VA-KUE-MRN'));
    for (const dir of ['out', 'in'] as const) {
      const state = dir === 'out' ? p.donating : p.recipient;
      expect(W.expectRefused(applyWbci(state, W.ruemVa('VA-KUE-MRN', { switchDate: '9999-12-31' }), W.ctx(dir))).issues[0]).toMatchObject({ code: 'SG_DATE_HORIZON', path: '/switchDate' });
    }
    p.send(W.ruemVa('VA-KUE-MRN'));
    expect(W.expectRefused(applyWbci(p.recipient, W.tvsVa({ requestedDate: '9999-12-31' }), W.ctx('out'))).issues[0]).toMatchObject({ code: 'SG_DATE_HORIZON' });
    const inn = W.expectRefused(applyWbci(p.donating, W.tvsVa({ requestedDate: '9999-12-31' }), W.ctx('in')));
    expect(inn.reply).toMatchObject({ type: 'ABBM', code: '8141', reason: expect.stringMatching(/Horizont 730 Tage/) });
  });
});

describe('AGCOM machine: the horizon before any arithmetic', () => {
  for (const date of ['9999-12-31', '2100-06-01', '1999-12-31']) {
    it(`a request for DAC ${date} is refused sent and KO (ALTRO) received`, () => {
      const sent = A.expectRefused(openAgcom(A.request({ dac: date }), 'recipient', A.ctx('out')));
      expect(sent.issues[0]).toMatchObject({ code: 'SG_DATE_HORIZON', path: '/dac' });
      const received = A.expectRefused(openAgcom(A.request({ dac: date }), 'donating', A.ctx('in')));
      expect(received.issues[0]).toMatchObject({ code: 'SG_DATE_HORIZON', path: '/dac' });
      expect(received.reply).toMatchObject({ result: 'KO', rejection: { category: 'ALTRO', text: expect.stringMatching(/maxRequestedDateHorizonDays|earliest/) } });
    });
  }

  it('a reschedule to 9999-12-31 is refused', () => {
    const p = A.Pair.open();
    expect(A.expectRefused(applyAgcom(p.recipient, A.reschedule({ dac: '9999-12-31' }), A.ctx('out'))).issues[0]).toMatchObject({ code: 'SG_DATE_HORIZON' });
  });
});
