import { describe, expect, it } from 'vitest';
import { zoneOffsets } from '../../src/domain/zone-offset.js';

/** An independent reading: Intl's own "GMT+10:30" name of the offset at `t`. */
function longOffset(timeZone: string): (t: number) => number {
  const fmt = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' });
  return (t) => {
    const name = fmt.formatToParts(new Date(t)).find((p) => p.type === 'timeZoneName')!.value;
    const m = /^GMT(?:([+-])(\d{2}):(\d{2}))?$/.exec(name);
    if (!m) throw new Error(`unexpected offset name ${name}`);
    if (!m[1]) return 0;
    return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) * 60_000;
  };
}

describe('zoneOffsets', () => {
  // Lord Howe moves by half an hour at 02:00 local, i.e. at hh:30 UTC — inside a remembered hour
  it.each(['Europe/Berlin', 'Europe/Rome', 'Australia/Lord_Howe', 'America/St_Johns', 'Asia/Kolkata', 'UTC'])(
    'gives the offset Intl names for every instant of a year, also in the hour of a change: %s',
    (timeZone) => {
      const offsets = zoneOffsets(timeZone);
      const reference = longOffset(timeZone);
      const from = Date.parse('2026-01-01T00:00:00Z');
      // every 7 min 13 s for a year, then every second around each change the sampling found
      const changes: number[] = [];
      let last = reference(from);
      for (let t = from; t < from + 366 * 86_400_000; t += 433_000) {
        const expected = reference(t);
        if (expected !== last) changes.push(t);
        last = expected;
        if (offsets.offsetAt(t) !== expected) expect.fail(`${timeZone} ${new Date(t).toISOString()}: ${offsets.offsetAt(t)} ≠ ${expected}`);
      }
      for (const change of changes) {
        for (let t = change - 433_000; t <= change; t += 1000) {
          if (offsets.offsetAt(t) !== reference(t)) expect.fail(`${timeZone} ${new Date(t).toISOString()}: ${offsets.offsetAt(t)} ≠ ${reference(t)}`);
        }
      }
      expect(changes.length).toBe(['UTC', 'Asia/Kolkata'].includes(timeZone) ? 0 : 2);
    },
  );
});
