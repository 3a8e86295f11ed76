/**
 * Console sessions: a signed cookie, no server-side session table, so every replica that shares
 * the secret accepts a session made by another. The cookie names the API key by its SHA-256 (the
 * key itself never leaves the login form) and the key is looked up in the configuration on every
 * request: a key removed from the config ends its sessions at once.
 *
 * CSRF: a synchronizer token derived from the session's random nonce (HMAC with the same secret),
 * so a token is valid for exactly one session and cannot be computed without the secret.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export interface SessionData {
  /** SHA-256 (hex) of the API key that logged in */
  keySha256: string;
  /** expiry, epoch milliseconds */
  expiresAt: number;
  /** random per login; the CSRF token is bound to it */
  nonce: string;
}

const hmac = (secret: string, text: string): Buffer => createHmac('sha256', secret).update(text).digest();

export function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export class SessionCodec {
  readonly #secret: string;
  readonly #ttlMs: number;

  constructor(secret: string, ttlMs: number) {
    if (secret.length < 16) throw new Error('the console session secret must be at least 16 characters');
    this.#secret = secret;
    this.#ttlMs = ttlMs;
  }

  get ttlMs(): number {
    return this.#ttlMs;
  }

  issue(keySha256: string, now: number): { value: string; session: SessionData } {
    const session: SessionData = { keySha256, expiresAt: now + this.#ttlMs, nonce: randomBytes(16).toString('base64url') };
    return { value: this.encode(session), session };
  }

  /** `payload.signature`, both base64url */
  encode(session: SessionData): string {
    const payload = Buffer.from(JSON.stringify([session.keySha256, session.expiresAt, session.nonce])).toString('base64url');
    return `${payload}.${hmac(this.#secret, `session.${payload}`).toString('base64url')}`;
  }

  /** The session, or why there is none (for the log; the user sees one answer for all). */
  decode(value: string | undefined, now: number): { ok: true; session: SessionData } | { ok: false; reason: 'missing' | 'forged' | 'expired' } {
    if (!value) return { ok: false, reason: 'missing' };
    const dot = value.indexOf('.');
    if (dot <= 0) return { ok: false, reason: 'forged' };
    const payload = value.slice(0, dot);
    const expected = hmac(this.#secret, `session.${payload}`).toString('base64url');
    if (!sameText(value.slice(dot + 1), expected)) return { ok: false, reason: 'forged' };
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    } catch {
      return { ok: false, reason: 'forged' };
    }
    if (!Array.isArray(parsed) || parsed.length !== 3) return { ok: false, reason: 'forged' };
    const [keySha256, expiresAt, nonce] = parsed as unknown[];
    if (typeof keySha256 !== 'string' || typeof expiresAt !== 'number' || typeof nonce !== 'string') return { ok: false, reason: 'forged' };
    if (expiresAt <= now) return { ok: false, reason: 'expired' };
    return { ok: true, session: { keySha256, expiresAt, nonce } };
  }

  csrfToken(session: SessionData): string {
    return hmac(this.#secret, `csrf.${session.nonce}`).toString('base64url');
  }

  checkCsrf(session: SessionData, token: unknown): boolean {
    return typeof token === 'string' && sameText(token, this.csrfToken(session));
  }
}
