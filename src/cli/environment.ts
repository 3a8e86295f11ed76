/**
 * The environment the gateway starts from, checked before anything is opened (a bad value must
 * not leave a half-migrated database behind): PORT, HOST, LOG_LEVEL, DATABASE_URL, DATA_DIR,
 * SWITCHGATE_CONFIG.
 */
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { StartupError, redactDatabaseUrl } from './startup-error.js';

export interface StartEnvironment {
  port: number;
  host: string;
  logLevel: string;
  databaseUrl: string | undefined;
  dataDir: string;
  configPath: string;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const HOSTNAME = /^(?=.{1,253}$)[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;

export function configPathFrom(env: NodeJS.ProcessEnv, arg?: string): string {
  return resolve(arg ?? env.SWITCHGATE_CONFIG ?? 'config/default.json');
}

export function dataDirFrom(env: NodeJS.ProcessEnv): string {
  return resolve(env.DATA_DIR || 'data');
}

export function logLevelFrom(env: NodeJS.ProcessEnv): string {
  const level = env.LOG_LEVEL ?? 'info';
  if (!LOG_LEVELS.includes(level)) {
    throw new StartupError(`LOG_LEVEL=${JSON.stringify(level)} is not a log level`, `set it to one of ${LOG_LEVELS.join(', ')}`);
  }
  return level;
}

/** DATABASE_URL when set (checked for shape, never echoed with its password), else undefined. */
export function databaseUrlFrom(env: NodeJS.ProcessEnv): string | undefined {
  const url = env.DATABASE_URL;
  if (url === undefined || url === '') return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new StartupError('DATABASE_URL is not a URL', 'set it to postgres://user:password@host:5432/database, or unset it for the embedded database');
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new StartupError(`DATABASE_URL ${redactDatabaseUrl(url)} is not a PostgreSQL URL`, 'it must start with postgres:// or postgresql://');
  }
  if (!parsed.hostname && !parsed.searchParams.get('host')) {
    throw new StartupError(`DATABASE_URL ${redactDatabaseUrl(url)} names no host`, 'set it to postgres://user:password@host:5432/database');
  }
  return url;
}

export function readStartEnvironment(env: NodeJS.ProcessEnv): StartEnvironment {
  const rawPort = env.PORT ?? '8080';
  const port = /^\d{1,5}$/.test(rawPort) ? Number(rawPort) : Number.NaN;
  if (!(port >= 0 && port <= 65535)) {
    throw new StartupError(`PORT=${JSON.stringify(rawPort)} is not a TCP port`, 'set PORT to a number from 1 to 65535 (8080 by default)');
  }
  const host = env.HOST ?? '127.0.0.1';
  if (!isIP(host) && !HOSTNAME.test(host)) {
    throw new StartupError(`HOST=${JSON.stringify(host)} is not an address or host name`, 'set HOST to an IP address of this machine (127.0.0.1 by default, 0.0.0.0 for all)');
  }
  return {
    port,
    host,
    logLevel: logLevelFrom(env),
    databaseUrl: databaseUrlFrom(env),
    dataDir: dataDirFrom(env),
    configPath: configPathFrom(env),
  };
}
