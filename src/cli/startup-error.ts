/**
 * Start-up problems an operator can fix, said in one line: what is wrong and what to do about it.
 * The CLI prints the line and exits non-zero; anything else is a bug and keeps its stack trace.
 */
export class StartupError extends Error {
  constructor(
    /** what is wrong */
    readonly problem: string,
    /** what to do about it (empty when `problem` already says it) */
    readonly fix: string,
    readonly exitCode = 78, // EX_CONFIG
  ) {
    super(fix ? `${problem} — ${fix}` : problem);
    this.name = 'StartupError';
  }
}

/** `postgres://user:secret@host/db` → `postgres://user:***@host/db`; never prints a password. */
export function redactDatabaseUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    for (const key of [...u.searchParams.keys()]) {
      if (/pass|secret|key/i.test(key)) u.searchParams.set(key, '***');
    }
    return u.toString();
  } catch {
    return '(unparsable DATABASE_URL)';
  }
}

const PG_CODES: Record<string, string> = {
  '28P01': 'password authentication failed',
  '28000': 'the server refused this user',
  '3D000': 'the database does not exist',
  '53300': 'too many connections',
  '57P03': 'the server is starting up or shutting down',
};

const NET_CODES: Record<string, string> = {
  ECONNREFUSED: 'connection refused (is PostgreSQL running on that host and port?)',
  ENOTFOUND: 'unknown host',
  EAI_AGAIN: 'host name lookup failed',
  ETIMEDOUT: 'connection timed out',
  ECONNRESET: 'connection reset by the server',
  EHOSTUNREACH: 'host unreachable',
};

/**
 * Translates what opening the database, running migrations or binding the port threw into a
 * StartupError, or returns undefined when the error is not one an operator can fix.
 */
export function explainStartupError(
  err: unknown,
  ctx: { databaseUrl?: string; dataDir?: string; host: string; port: number },
): StartupError | undefined {
  if (err instanceof StartupError) return err;
  const e = err as NodeJS.ErrnoException & { syscall?: string; code?: string };
  const code = typeof e?.code === 'string' ? e.code : undefined;
  if (e?.syscall === 'listen' || code === 'EADDRINUSE' || code === 'EADDRNOTAVAIL') {
    if (code === 'EADDRINUSE') return new StartupError(`port ${ctx.port} on ${ctx.host} is already in use`, 'stop the process that holds it or set PORT to a free port');
    if (code === 'EACCES') return new StartupError(`not allowed to listen on port ${ctx.port}`, 'use a port above 1023 or grant the capability to bind low ports');
    if (code === 'EADDRNOTAVAIL') return new StartupError(`HOST=${ctx.host} is not an address of this machine`, 'set HOST to one of its addresses (127.0.0.1 by default)');
  }
  if (ctx.databaseUrl) {
    const reason = (code && (PG_CODES[code] ?? NET_CODES[code])) ?? (e instanceof AggregateError ? NET_CODES[(e.errors[0] as NodeJS.ErrnoException)?.code ?? ''] : undefined);
    if (reason) {
      return new StartupError(`cannot use PostgreSQL at ${redactDatabaseUrl(ctx.databaseUrl)}: ${reason}`, 'check DATABASE_URL (host, port, user, password, database) and that the server is up');
    }
  }
  if (err instanceof Error && err.name === 'DataDirInUseError') {
    return new StartupError(err.message, 'stop the other switchgate using it, or set DATA_DIR to another directory');
  }
  return undefined;
}
