/**
 * Replaying dead letters and setting them aside, as the REST API does it: an Idempotency-Key is marked
 * in the command's own transaction (`opts.beforeCommit`), so a retry after a crash between the commit
 * and the answer is answered, never carried out a second time. The console and the CLI go without a key.
 */
import type { Kysely } from 'kysely';
import { replayDeadLetter, setAsideDeadLetter, type DeadLetterCommandOptions } from '../delivery/dead-letters.js';
import type { Database } from '../store/schema.js';
import type { CommandOptions } from './case-unit.js';

export interface DeadLetterService {
  /** false when the dead letter is unknown, replayed or set aside already */
  replay(id: number, opts?: CommandOptions): Promise<boolean>;
  /** false when the dead letter is unknown, replayed or set aside already */
  setAside(id: number, note: string | null, opts?: CommandOptions): Promise<boolean>;
}

const inTransaction = (id: number, opts: CommandOptions): DeadLetterCommandOptions =>
  opts.beforeCommit ? { beforeCommit: (trx) => opts.beforeCommit!(trx, String(id)) } : {};

export function createDeadLetterService(db: Kysely<Database>): DeadLetterService {
  return {
    replay: (id, opts = {}) => replayDeadLetter(db, id, inTransaction(id, opts)),
    setAside: (id, note, opts = {}) => setAsideDeadLetter(db, id, note, inTransaction(id, opts)),
  };
}
