/**
 * Coalesces concurrent calls of a batched read into one call: a query never waits for a timer —
 * with fewer than `maxInFlight` batches running it goes out at once; otherwise it joins the next
 * batch. Under load N requests cost one round trip instead of N (the reads' counterpart of
 * StepBatcher's group commit).
 */
export class Coalescer<Q, R> {
  readonly #run: (qs: Q[]) => Promise<R[]>;
  readonly #maxBatch: number;
  readonly #maxInFlight: number;
  #queue: { q: Q; resolve: (r: R) => void; reject: (err: unknown) => void }[] = [];
  #inFlight = 0;

  constructor(run: (qs: Q[]) => Promise<R[]>, opts: { maxBatch?: number; maxInFlight?: number } = {}) {
    this.#run = run;
    this.#maxBatch = opts.maxBatch ?? 64;
    this.#maxInFlight = opts.maxInFlight ?? 2;
  }

  get(q: Q): Promise<R> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ q, resolve, reject });
      this.#pump();
    });
  }

  #pump(): void {
    while (this.#queue.length > 0 && this.#inFlight < this.#maxInFlight) {
      const batch = this.#queue.splice(0, this.#maxBatch);
      this.#inFlight++;
      void this.#run(batch.map((p) => p.q))
        .then(
          (rs) => batch.forEach((p, i) => p.resolve(rs[i]!)),
          (err: unknown) => batch.forEach((p) => p.reject(err)),
        )
        .finally(() => {
          this.#inFlight--;
          this.#pump();
        });
    }
  }
}
