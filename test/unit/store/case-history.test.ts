/**
 * The text of a case's history (src/store/case-history.ts): the time travels as a placeholder SQL
 * replaces, so no value may contain it.
 */
import { describe, expect, it } from 'vitest';
import { historyText, parseHistory } from '../../../src/store/case-history.js';

describe('case history text', () => {
  it('a placeholder for the time never collides with a value: notes with quotes, backslashes, control characters', () => {
    const entries = [{ from: null, to: 'A', note: 'say "hi" \\ \u0001 \n ü' }, { from: 'A', to: 'B', note: null }];
    const text = historyText(entries)!;
    // SQL replaces every U+0001 with the time: only the two placeholders may be there
    expect(text.split('\u0001')).toHaveLength(3);
    const stored = text.replaceAll('\u0001', '1764547200123');
    expect(parseHistory(stored)).toEqual(entries.map((e) => ({ from_state: e.from, to_state: e.to, note: e.note, at: new Date(1764547200123) })));
    expect(historyText([])).toBeNull();
    expect(parseHistory(null)).toEqual([]);
  });
});
