/**
 * A process dying between its commit and its answer, inside one test process: the command commits
 * and then fails (nothing is answered), and the Idempotency-Key claim is handed to a process that no
 * longer exists (as after kill -9: none of its connections is left, store/process-instance.ts).
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../src/store/schema.js';

/**
 * Makes `service[method]` commit and then fail, as a process dying between its commit and its
 * answer would; counts the runs. `survive()` lets the following calls answer normally.
 */
export function diesAfterCommit<S extends object, K extends keyof S>(service: S, method: K): { runs: () => number; survive: () => void } {
  const original = (service[method] as (...args: unknown[]) => Promise<unknown>).bind(service);
  let runs = 0;
  let dies = true;
  service[method] = (async (...args: unknown[]) => {
    runs++;
    const done = await original(...args);
    if (dies) throw new Error('the process died here');
    return done;
  }) as S[K];
  return { runs: () => runs, survive: () => void (dies = false) };
}

/** The claim of `key` now belongs to a process that is gone. */
export async function ownerDied(db: Kysely<Database>, key: string): Promise<void> {
  await sql`update idempotency_keys set owner = 'a-process-that-died' where key = ${key}`.execute(db);
}
