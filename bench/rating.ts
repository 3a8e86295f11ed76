/**
 * `npm run bench:rating`: traffic rating throughput against a same-run baseline.
 *
 * Generates a month of call records (BENCH_RATING_CALLS, default 10 million) as a CSV in a temp
 * directory, then reads it as a stream twice over, alternating:
 *   baseline  read the file and split it into lines (decode each chunk, String.split on "\n"),
 *             nothing else — the least any line-based import must do;
 *   rating    the production path: src/app/interconnect-billing/traffic.ts rateTraffic (strict
 *             parse of every field, Europe/Rome day plans, split across the default time bands).
 * Both read with the same 1 MiB chunks, alternating, BENCH_RATING_ROUNDS (default 3) rounds of each;
 * `ratingRatio` is the median of the rounds' ratios (rating calls/s ÷ baseline lines/s of the same
 * round), the rates the medians of the rounds'. Peak RSS is sampled during the rating runs. The last
 * line is one JSON document.
 */
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { italianCalendar, rateTraffic } from '../src/app/interconnect-billing/traffic.js';
import { compileTimeBands, DEFAULT_TIME_BANDS } from '../src/protocols/interconnect/billing/time-bands.js';

const CALLS = Number(process.env.BENCH_RATING_CALLS ?? 10_000_000);
const ROUNDS = Number(process.env.BENCH_RATING_ROUNDS ?? 3);
const CHUNK = 1024 * 1024;

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

export async function generate(file: string): Promise<void> {
  const out = createWriteStream(file);
  out.write('callId,start,durationSeconds,service\n');
  const spread = 31 * 86_400 - 1;
  let seed = 12345;
  const random = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  let buf = '';
  for (let i = 0; i < CALLS; i++) {
    // local Rome wall time in January (CET, +01:00): generated directly as text
    const t = Math.floor((i / CALLS) * spread);
    const day = 1 + Math.floor(t / 86_400);
    const s = t % 86_400;
    const start = `2026-01-${pad(day)}T${pad(Math.floor(s / 3600))}:${pad(Math.floor(s / 60) % 60)}:${pad(s % 60)}+01:00`;
    const duration = Math.floor(random() * random() * 1800);
    buf += `c${String(i).padStart(9, '0')},${start},${duration}${i % 2 === 0 ? ',M-M' : ''}\n`;
    if (buf.length >= CHUNK) {
      if (!out.write(buf)) await once(out, 'drain');
      buf = '';
    }
  }
  out.end(buf);
  await once(out, 'finish');
}

async function baseline(file: string): Promise<{ seconds: number; lines: number }> {
  const t0 = performance.now();
  let carry = '';
  let lines = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: CHUNK })) {
    const parts = (carry + (chunk as Buffer).toString('latin1')).split('\n');
    carry = parts.pop()!;
    lines += parts.length;
  }
  if (carry.length > 0) lines++;
  return { seconds: (performance.now() - t0) / 1000, lines };
}

async function rating(file: string): Promise<{ seconds: number; calls: number; peakRss: number }> {
  const settings = { bands: compileTimeBands(DEFAULT_TIME_BANDS), calendar: italianCalendar() };
  let peakRss = process.memoryUsage.rss();
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage.rss())), 50);
  const t0 = performance.now();
  const outcome = await rateTraffic(createReadStream(file, { highWaterMark: CHUNK }), settings);
  const seconds = (performance.now() - t0) / 1000;
  clearInterval(sampler);
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
  if (!outcome.ok) throw new Error(`the generated file was refused: ${JSON.stringify(outcome.summary.issues.slice(0, 3))}`);
  return { seconds, calls: outcome.result.calls, peakRss };
}

export interface RatingBenchResult {
  scenario: string;
  calls: number;
  fileBytes: number;
  baselineLinesPerSecond: number;
  callsPerSecond: number;
  ratingRatio: number;
  peakRssMiB: number;
  rounds: number;
  perRound: { baselineLinesPerSecond: number; callsPerSecond: number; ratio: number }[];
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** The whole measurement; also callable from another bench runner. Logs progress with `log`. */
export async function runRatingBench(log: (line: string) => void = console.log, o: { rounds?: number } = {}): Promise<RatingBenchResult> {
  const rounds = o.rounds ?? ROUNDS;
  const dir = mkdtempSync(join(tmpdir(), 'switchgate-rating-'));
  const file = join(dir, 'calls.csv');
  try {
    const g0 = performance.now();
    await generate(file);
    const bytes = statSync(file).size;
    log(`generated ${CALLS.toLocaleString('en')} calls, ${(bytes / 2 ** 20).toFixed(0)} MiB, in ${((performance.now() - g0) / 1000).toFixed(1)} s (${file})`);
    const perRound: RatingBenchResult['perRound'] = [];
    let peakRss = 0;
    let calls = 0;
    for (let round = 1; round <= rounds; round++) {
      const b = await baseline(file);
      const r = await rating(file);
      peakRss = Math.max(peakRss, r.peakRss);
      calls = r.calls;
      log(`round ${round}: baseline ${(b.lines / b.seconds / 1e6).toFixed(2)} M lines/s (${b.seconds.toFixed(2)} s), rating ${(r.calls / r.seconds / 1e6).toFixed(2)} M calls/s (${r.seconds.toFixed(2)} s), peak RSS ${(r.peakRss / 2 ** 20).toFixed(0)} MiB`);
      const baselineLinesPerSecond = b.lines / b.seconds;
      const callsPerSecond = r.calls / r.seconds;
      perRound.push({ baselineLinesPerSecond: Math.round(baselineLinesPerSecond), callsPerSecond: Math.round(callsPerSecond), ratio: Number((callsPerSecond / baselineLinesPerSecond).toFixed(3)) });
    }
    return {
      scenario: 'interconnect traffic rating',
      calls,
      fileBytes: bytes,
      baselineLinesPerSecond: Math.round(median(perRound.map((p) => p.baselineLinesPerSecond))),
      callsPerSecond: Math.round(median(perRound.map((p) => p.callsPerSecond))),
      ratingRatio: Number(median(perRound.map((p) => p.ratio)).toFixed(3)),
      peakRssMiB: Math.round(peakRss / 2 ** 20),
      rounds,
      perRound,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(JSON.stringify(await runRatingBench()));
}
