/**
 * Group commit for case steps: steps written concurrently (different requests, different cases)
 * share one statement, so under load N steps cost one round trip instead of N. No step waits for
 * a batch to fill: when no statement is in flight it is written at once; otherwise it joins the
 * next batch, which goes when the statement in flight is done (or has stalled, below). A batch that fails (a unique violation of one
 * step) is retried step by step, so each step gets its own outcome.
 *
 * One statement at a time makes the batches as large as the load: measured with `npm run bench`
 * on 2 cores at steady state, one in flight carried ~15–20 % more REST and SOAP intake than three,
 * with less CPU per step in both the gateway and PostgreSQL (fewer, larger statements). But a
 * statement can wait on a row lock (a transaction of a command or of the deadline tick holds the
 * case it updates), and nothing else should wait behind it: once every statement in flight has
 * been out for `stallMs`, the next batch goes anyway, up to `maxInFlight` at once (and so does a
 * full one: a load larger than a batch does not wait for the statement in flight).
 */
import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import { isCaseOpening, writeCaseOpenings, writeCaseStep, writeCaseSteps, type CaseStep, type CaseStepResult } from './case-writes.js';

interface Pending {
  step: CaseStep;
  resolve: (r: CaseStepResult) => void;
  reject: (err: unknown) => void;
}

const caseOf = (s: CaseStep): string => s.snapshot?.id ?? s.messages[0]?.caseId ?? '';

export class StepBatcher {
  readonly #db: Kysely<Database>;
  readonly #maxBatch: number;
  readonly #maxInFlight: number;
  readonly #stallMs: number;
  #queue: Pending[] = [];
  /** start times (performance.now()) of the statements in flight, oldest first */
  #inFlight: number[] = [];
  #wake: NodeJS.Timeout | undefined;

  constructor(db: Kysely<Database>, opts: { maxBatch?: number; maxInFlight?: number; stallMs?: number } = {}) {
    this.#db = db;
    this.#maxBatch = opts.maxBatch ?? 32;
    this.#maxInFlight = opts.maxInFlight ?? 3;
    this.#stallMs = opts.stallMs ?? 50;
  }

  write(step: CaseStep): Promise<CaseStepResult> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ step, resolve, reject });
      this.#pump();
    });
  }

  #pump(): void {
    while (this.#queue.length > 0 && this.#inFlight.length < this.#maxInFlight) {
      // a full batch waiting is worth a statement of its own
      const wait = this.#queue.length >= this.#maxBatch ? 0 : this.#stalledIn();
      if (wait > 0) {
        if (this.#wake === undefined) {
          this.#wake = setTimeout(() => {
            this.#wake = undefined;
            this.#pump();
          }, wait).unref();
        }
        return;
      }
      const batch = this.#take();
      const started = performance.now();
      this.#inFlight.push(started);
      void this.#run(batch).finally(() => {
        this.#inFlight.splice(this.#inFlight.indexOf(started), 1);
        this.#pump();
      });
    }
  }

  /** 0 when another statement may start; otherwise how long until the youngest one in flight counts as stalled. */
  #stalledIn(): number {
    const youngest = this.#inFlight.at(-1);
    if (youngest === undefined) return 0;
    return Math.max(0, Math.ceil(youngest + this.#stallMs - performance.now()));
  }

  /** Up to maxBatch steps of distinct cases (one statement must not update a row twice). */
  #take(): Pending[] {
    const batch: Pending[] = [];
    const rest: Pending[] = [];
    const cases = new Set<string>();
    for (const p of this.#queue) {
      const id = caseOf(p.step);
      if (batch.length < this.#maxBatch && !cases.has(id)) {
        cases.add(id);
        batch.push(p);
      } else rest.push(p);
    }
    this.#queue = rest;
    return batch;
  }

  async #run(batch: Pending[]): Promise<void> {
    const steps = batch.map((p) => p.step);
    if (steps.every(isCaseOpening)) {
      // new cases (a VA sent or received): one statement of fixed shape for any number of them
      try {
        const results = await writeCaseOpenings(this.#db, steps);
        batch.forEach((p, i) => p.resolve(results[i]!));
        return;
      } catch (err) {
        if (batch.length > 1) return this.#oneByOne(batch);
        return batch[0]!.reject(err);
      }
    }
    if (batch.length === 1) {
      const [p] = batch as [Pending];
      await writeCaseStep(this.#db, p.step).then(p.resolve, p.reject);
      return;
    }
    try {
      const results = await writeCaseSteps(this.#db, batch.map((p) => p.step));
      batch.forEach((p, i) => p.resolve(results[i]!));
    } catch {
      await this.#oneByOne(batch);
    }
  }

  /** One bad step spoils the statement: give every step its own outcome. */
  async #oneByOne(batch: Pending[]): Promise<void> {
    await Promise.all(batch.map((p) => writeCaseStep(this.#db, p.step).then(p.resolve, p.reject)));
  }
}
