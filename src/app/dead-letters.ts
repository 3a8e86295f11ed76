/**
 * Putting dead letters back into delivery, as the REST API does it: an Idempotency-Key is marked in
 * the replay's own transaction (`opts.beforeCommit`), so a retry after a crash between the commit and
 * the answer is answered, never replayed a second time. The console and the CLI replay without a key.
 */
import type { Kysely } from 'kysely';
import { replayDeadLetter } from '../delivery/outbox-worker.js';
import type { Database } from '../store/schema.js';
import type { CommandOptions } from './case-unit.js';

export interface DeadLetterService {
  /** false when the dead letter is unknown or was replayed already */
  replay(id: number, opts?: CommandOptions): Promise<boolean>;
}

export function createDeadLetterService(db: Kysely<Database>): DeadLetterService {
  return {
    replay: (id, opts = {}) => replayDeadLetter(db, id, opts.beforeCommit ? { beforeCommit: (trx) => opts.beforeCommit!(trx, String(id)) } : {}),
  };
}
