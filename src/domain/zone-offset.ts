/**
 * The UTC offset of an IANA zone at an instant, from Intl (no tz database of our own).
 *
 * Intl's formatToParts costs microseconds and every case step asks for "today" and due instants
 * several times, so offsets are remembered per hour. An hour whose two ends disagree holds a zone
 * transition (they need not fall on a full UTC hour: Lord Howe's do not) and is asked exactly
 * every time; no zone changes its offset twice within one hour.
 */
const HOUR_MS = 3_600_000;
/** hours remembered (about half a year of them; forgotten all at once when full) */
const MAX_REMEMBERED_HOURS = 4096;

export interface ZoneOffsets {
  /** local wall time − UTC at instant `t` (ms since the epoch), in ms, to the second */
  offsetAt(t: number): number;
}

export function zoneOffsets(timeZone: string): ZoneOffsets {
  const fmt = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
  const exactOffsetAt = (t: number): number => {
    const p = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
    for (const part of fmt.formatToParts(new Date(t))) {
      if (part.type in p) p[part.type as keyof typeof p] = Number(part.value);
    }
    const wall = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
    return wall - Math.floor(t / 1000) * 1000;
  };
  const hours = new Map<number, number | null>();
  return {
    offsetAt(t) {
      const hour = Math.floor(t / HOUR_MS);
      let known = hours.get(hour);
      if (known === undefined) {
        const first = exactOffsetAt(hour * HOUR_MS);
        known = first === exactOffsetAt(hour * HOUR_MS + HOUR_MS - 1) ? first : null;
        if (hours.size >= MAX_REMEMBERED_HOURS) hours.clear();
        hours.set(hour, known);
      }
      return known ?? exactOffsetAt(t);
    },
  };
}
