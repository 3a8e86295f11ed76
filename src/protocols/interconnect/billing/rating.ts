/**
 * Traffic rating (spec §7.2): each call belongs to the local day and month it starts in, and its
 * duration is split across the time bands it passes through, measured on the wall clock of the
 * rating zone (Europe/Rome) but counted in real elapsed seconds — a call across the spring change
 * lasts its real length even though the wall clock jumps an hour.
 *
 * Whole seconds. A call of D seconds starting at instant S occupies the seconds [S + k, S + k + 1)
 * for k = 0 … D − 1; each of these seconds is rated in the band in which it BEGINS. With starts on
 * whole seconds (the usual CDR) every boundary falls between two seconds and the split is exact at
 * the boundary instant; with a fractional start (e.g. 07:59:59.400) the second cut by a boundary
 * goes to the earlier band. Either way a call's shares are whole and sum to exactly D.
 * A call of 0 seconds is counted in the band of its start instant, with no seconds.
 *
 * The day kind of every instant is the real one: the part of a call after midnight is rated with
 * the bands of the new day (e.g. a Saturday call running into a Sunday), while the whole call still
 * belongs to the month of its start (spec §7.2: "calls originated within that period").
 */
import { DAY_MS, ZoneDays } from './zone-days.js';
import type { CompiledTimeBands, DayKind } from './time-bands.js';

export interface BandTotals {
  seconds: number;
  calls: number;
}

export interface MonthRating {
  /** YYYY-MM, local to the rating zone */
  month: string;
  bands: Record<string, BandTotals>;
}

export interface RatingResult {
  calls: number;
  months: MonthRating[];
}

export interface RaterOptions {
  bands: CompiledTimeBands;
  /** the public holidays of the local calendar (days since 1970-01-01) */
  isHoliday: (day: number) => boolean;
  /** default Europe/Rome */
  timeZone?: string;
}

/** One local day cut into intervals of constant band: [cuts[i], cuts[i+1]) is rated in bands[i]. */
interface DayPlan {
  start: number;
  end: number;
  /** year × 12 + month − 1 of the local day */
  monthIndex: number;
  cuts: number[];
  bands: number[];
}

interface MonthAccumulator {
  seconds: Float64Array;
  calls: Float64Array;
}

const MAX_CACHED_DAYS = 4096;

export class Rater {
  private readonly zone: ZoneDays;
  private readonly bandCount: number;
  private readonly plans = new Map<number, DayPlan>();
  private readonly months = new Map<number, MonthAccumulator>();
  /** per band: the number of the last call that counted in it, so a call counts once per band */
  private readonly lastCall: Float64Array;
  private lastPlan: DayPlan | undefined;
  private lastMonthIndex = -1;
  private lastMonth: MonthAccumulator | undefined;
  private callCount = 0;

  constructor(private readonly options: RaterOptions) {
    this.zone = new ZoneDays(options.timeZone ?? 'Europe/Rome');
    this.bandCount = options.bands.names.length;
    this.lastCall = new Float64Array(this.bandCount).fill(-1);
  }

  get calls(): number {
    return this.callCount;
  }

  /** Rates one call: start instant in UTC ms, duration in whole seconds (≥ 0). */
  rate(startMs: number, durationSeconds: number): void {
    const callNo = this.callCount++;
    let plan = this.lastPlan;
    if (plan === undefined || startMs < plan.start || startMs >= plan.end) {
      plan = this.planOf(this.zone.dayOf(startMs));
      this.lastPlan = plan;
    }
    const acc = this.month(plan.monthIndex);
    let i = 0;
    while (plan.cuts[i + 1]! <= startMs) i++;
    if (durationSeconds === 0) {
      const band = plan.bands[i]!;
      acc.calls[band]!++;
      return;
    }
    const endMs = startMs + durationSeconds * 1000;
    const lastCall = this.lastCall;
    let assigned = 0;
    for (;;) {
      const boundary = plan.cuts[i + 1]!;
      // seconds beginning before the boundary: k < (boundary − S) / 1000
      const upTo = boundary >= endMs ? durationSeconds : Math.ceil((boundary - startMs) / 1000);
      const share = upTo - assigned;
      if (share > 0) {
        const band = plan.bands[i]!;
        acc.seconds[band]! += share;
        if (lastCall[band] !== callNo) {
          lastCall[band] = callNo;
          acc.calls[band]!++;
        }
        assigned = upTo;
      }
      if (boundary >= endMs) return;
      i++;
      if (i === plan.bands.length) {
        plan = this.planOf(this.zone.dayOf(plan.end));
        i = 0;
      }
    }
  }

  result(): RatingResult {
    const names = this.options.bands.names;
    const months = [...this.months.entries()]
      .sort(([a], [b]) => a - b)
      .map(([index, acc]) => {
        const bands: Record<string, BandTotals> = {};
        names.forEach((name, b) => (bands[name] = { seconds: acc.seconds[b]!, calls: acc.calls[b]! }));
        const year = Math.floor(index / 12);
        return { month: `${String(year).padStart(4, '0')}-${String((index % 12) + 1).padStart(2, '0')}`, bands };
      });
    return { calls: this.callCount, months };
  }

  private month(index: number): MonthAccumulator {
    if (index === this.lastMonthIndex) return this.lastMonth!;
    let acc = this.months.get(index);
    if (!acc) {
      acc = { seconds: new Float64Array(this.bandCount), calls: new Float64Array(this.bandCount) };
      this.months.set(index, acc);
    }
    this.lastMonthIndex = index;
    this.lastMonth = acc;
    return acc;
  }

  private planOf(day: number): DayPlan {
    let plan = this.plans.get(day);
    if (plan) return plan;
    if (this.plans.size >= MAX_CACHED_DAYS) this.plans.clear();
    plan = this.buildPlan(day);
    this.plans.set(day, plan);
    return plan;
  }

  private dayKind(day: number): DayKind {
    const weekday = (((day + 4) % 7) + 7) % 7; // 1970-01-01 was a Thursday; 0 = Sunday
    if (weekday === 0 || this.options.isHoliday(day)) return 'holiday';
    return weekday === 6 ? 'saturday' : 'weekday';
  }

  /**
   * The day's wall-clock segments mapped onto real instants, piece by piece between offset
   * changes: in a piece of constant offset o, wall minute m is the instant midnight + m − o.
   */
  private buildPlan(day: number): DayPlan {
    const start = this.zone.startOfDay(day);
    const end = this.zone.startOfDay(day + 1);
    const wallMidnight = day * DAY_MS;
    const segments = this.options.bands.byKind[this.dayKind(day)];
    const pieces: { from: number; to: number; offset: number }[] = [];
    let pieceStart = start;
    let offset = this.zone.offsetAt(start);
    for (const change of this.zone.changesBetween(start, end)) {
      pieces.push({ from: pieceStart, to: change.at, offset });
      pieceStart = change.at;
      offset = change.offset;
    }
    pieces.push({ from: pieceStart, to: end, offset });

    const cuts: number[] = [start];
    const bands: number[] = [];
    for (const piece of pieces) {
      for (const seg of segments) {
        const a = Math.max(piece.from, wallMidnight + seg.from * 60_000 - piece.offset);
        const b = Math.min(piece.to, wallMidnight + seg.to * 60_000 - piece.offset);
        if (a >= b) continue;
        if (bands.length > 0 && bands[bands.length - 1] === seg.band) cuts[cuts.length - 1] = b;
        else {
          bands.push(seg.band);
          cuts.push(b);
        }
      }
    }
    const date = new Date(wallMidnight);
    return { start, end, monthIndex: date.getUTCFullYear() * 12 + date.getUTCMonth(), cuts, bands };
  }
}
