/**
 * This process's identity towards the database: its pooled PostgreSQL connections carry the
 * application name `switchgate:<id>`, so another replica can tell whether the process that
 * claimed something (an Idempotency-Key) is still alive — its connections close when it dies.
 */
import { randomUUID } from 'node:crypto';

export const PROCESS_INSTANCE = randomUUID().replace(/-/g, '').slice(0, 16);
export const APPLICATION_NAME_PREFIX = 'switchgate:';
export const PROCESS_APPLICATION_NAME = `${APPLICATION_NAME_PREFIX}${PROCESS_INSTANCE}`;
