/**
 * The text of a case's history (src/store/case-history.ts): the times travel as placeholders SQL
 * replaces, so no value may contain them; the short form leaves out a `from` that is the `to`
 * before it and counts its time from the case's creation; both forms read back alike.
 */
import { describe, expect, it } from 'vitest';
import { historyAppend, openingHistoryText, parseHistory } from '../../../src/store/case-history.js';

const CREATED = 1764547200000;
/** what SQL makes of the placeholders: the epoch milliseconds and the milliseconds since creation */
const fill = (text: string, dt: number) => text.replaceAll('\u0001', String(CREATED + dt)).replaceAll('\u0002', String(dt));

describe('case history text', () => {
  it('a placeholder for the time never collides with a value: notes with quotes, backslashes, control characters', () => {
    const entries = [{ from: null, to: 'A', note: 'say "hi" \\ \u0001 \u0002 \n ü' }, { from: 'A', to: 'B', note: null }];
    const text = openingHistoryText(entries)!;
    // two short entries: one placeholder each
    expect(text.split('\u0002')).toHaveLength(3);
    expect(text).not.toContain('\u0001');
    expect(parseHistory(fill(text, 123), CREATED)).toEqual(entries.map((e) => ({ from_state: e.from, to_state: e.to, note: e.note, at: new Date(CREATED + 123) })));
    expect(openingHistoryText([])).toBeNull();
    expect(parseHistory(null, CREATED)).toEqual([]);
  });

  it('writes an entry short only when its from is the to before it; a new case\'s first entry when it starts from nothing', () => {
    expect(fill(openingHistoryText([{ from: null, to: 'OPEN', note: 'VA' }])!, 0)).toBe('["VA",0,"OPEN"]');
    // a case created in a state it came from: the from is kept
    expect(fill(openingHistoryText([{ from: 'X', to: 'OPEN', note: null }])!, 0)).toBe(`["X","OPEN",null,${CREATED}]`);
    const a = historyAppend([{ from: 'OPEN', to: 'AGREED', note: 'RUEM-VA' }, { from: 'AGREED', to: 'DONE', note: 'time' }, { from: 'ELSEWHERE', to: 'X', note: null }])!;
    expect(a.from).toBe('OPEN');
    expect(fill(a.short, 5)).toBe('["RUEM-VA",5,"AGREED"]');
    expect(fill(a.long, 5)).toBe(`["OPEN","AGREED","RUEM-VA",${CREATED + 5}]`);
    expect(fill(a.rest!, 5)).toBe(`["time",5,"DONE"],["ELSEWHERE","X",null,${CREATED + 5}]`);
  });

  it('reads a history of both forms: a short entry starts where the entry before it ended, long or short', () => {
    const stored = `[null,"OPEN","N1",${CREATED - 10}],["RUEM-VA",70,"AGREED"],["ELSE","X",null,${CREATED + 80}],["time",90,"DONE"]`;
    expect(parseHistory(stored, CREATED)).toEqual([
      { from_state: null, to_state: 'OPEN', note: 'N1', at: new Date(CREATED - 10) },
      { from_state: 'OPEN', to_state: 'AGREED', note: 'RUEM-VA', at: new Date(CREATED + 70) },
      { from_state: 'ELSE', to_state: 'X', note: null, at: new Date(CREATED + 80) },
      { from_state: 'X', to_state: 'DONE', note: 'time', at: new Date(CREATED + 90) },
    ]);
  });
});
