/** Console sessions ended by logout (0010_console_sessions): written once per logout, read once per console request. */
import type { Db } from './cases.js';

/** Records the logout; a second logout of the same session changes nothing. Expired rows go at the same time. */
export async function revokeSession(db: Db, sessionId: string, expiresAt: Date, now: Date): Promise<void> {
  await db
    .insertInto('console_revoked_sessions')
    .values({ session_id: sessionId, expires_at: expiresAt })
    .onConflict((oc) => oc.column('session_id').doNothing())
    .execute();
  await sweepRevokedSessions(db, now);
}

/** A primary-key lookup: cheap enough for every console request. */
export async function isSessionRevoked(db: Db, sessionId: string): Promise<boolean> {
  const row = await db.selectFrom('console_revoked_sessions').select('session_id').where('session_id', '=', sessionId).executeTakeFirst();
  return row !== undefined;
}

/** Deletes the records of sessions that have expired anyway (their cookies are refused for that reason). */
export async function sweepRevokedSessions(db: Db, now: Date): Promise<number> {
  const result = await db.deleteFrom('console_revoked_sessions').where('expires_at', '<=', now).executeTakeFirst();
  return Number(result.numDeletedRows);
}
