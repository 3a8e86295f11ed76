/**
 * Local days of one IANA time zone (Europe/Rome for the rating) as instants, computed with Intl
 * only. Rating tens of millions of calls cannot afford an Intl call per call, so the zone's UTC
 * offset changes are found once per year (a day-by-day scan plus a binary search to the second)
 * and every later question is answered from that table.
 */

export const DAY_MS = 86_400_000;

interface YearOffsets {
  /** instants (UTC ms) from which `offsets[i]` holds; `at[0]` is 1 January 00:00 UTC */
  at: number[];
  /** local time − UTC, in ms */
  offsets: number[];
}

/** Offset tables per zone, shared by every ZoneDays of that zone (they never change). */
const tablesByZone = new Map<string, Map<number, YearOffsets>>();

export class ZoneDays {
  private readonly fmt: Intl.DateTimeFormat;
  private readonly years: Map<number, YearOffsets>;

  constructor(readonly timeZone: string) {
    let years = tablesByZone.get(timeZone);
    if (!years) tablesByZone.set(timeZone, (years = new Map()));
    this.years = years;
    this.fmt = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  }

  /** Local time − UTC at instant `t` (ms). */
  offsetAt(t: number): number {
    const table = this.yearOffsets(new Date(t).getUTCFullYear());
    let i = table.at.length - 1;
    while (i > 0 && table.at[i]! > t) i--;
    return table.offsets[i]!;
  }

  /** The local calendar day (days since 1970-01-01) of instant `t`. */
  dayOf(t: number): number {
    return Math.floor((t + this.offsetAt(t)) / DAY_MS);
  }

  /** The first instant (UTC ms) of local day `day`. */
  startOfDay(day: number): number {
    const wall = day * DAY_MS;
    const guess = wall - this.offsetAt(wall);
    // the second pass settles the offset when the guess lands on the other side of a change
    return wall - this.offsetAt(guess);
  }

  /** Offset changes strictly inside (a, b), in order: the instant and the offset from then on. */
  changesBetween(a: number, b: number): { at: number; offset: number }[] {
    const out: { at: number; offset: number }[] = [];
    const y0 = new Date(a).getUTCFullYear();
    const y1 = new Date(b).getUTCFullYear();
    for (let y = y0; y <= y1; y++) {
      const table = this.yearOffsets(y);
      for (let i = 1; i < table.at.length; i++) {
        const at = table.at[i]!;
        if (at > a && at < b) out.push({ at, offset: table.offsets[i]! });
      }
    }
    return out;
  }

  private yearOffsets(year: number): YearOffsets {
    let table = this.years.get(year);
    if (table) return table;
    const start = Date.UTC(year, 0, 1);
    const end = Date.UTC(year + 1, 0, 1);
    table = { at: [start], offsets: [this.rawOffset(start)] };
    for (let t = start + DAY_MS; t <= end; t += DAY_MS) {
      const current = table.offsets[table.offsets.length - 1]!;
      const next = this.rawOffset(t);
      if (next === current) continue;
      // zones change offsets on whole seconds: narrow (t − 1 day, t] down to that second
      let lo = t - DAY_MS;
      let hi = t;
      while (hi - lo > 1000) {
        const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
        if (this.rawOffset(mid) === current) lo = mid;
        else hi = mid;
      }
      if (hi < end) {
        table.at.push(hi);
        table.offsets.push(next);
      }
    }
    this.years.set(year, table);
    return table;
  }

  private rawOffset(t: number): number {
    const p: Record<string, number> = {};
    for (const part of this.fmt.formatToParts(new Date(t))) {
      if (part.type !== 'literal' && part.type !== 'dayPeriod' && part.type !== 'era') p[part.type] = Number(part.value);
    }
    const wall = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
    return wall - Math.floor(t / 1000) * 1000;
  }
}
