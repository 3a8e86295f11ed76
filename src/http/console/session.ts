/**
 * Console sessions: a signed cookie, no server-side session table, so every replica that shares
 * the secret accepts a session made by another. The cookie names the API key by its SHA-256 (the
 * key itself never leaves the login form) and the key is looked up in the configuration on every
 * request: a key removed from the config ends its sessions at once.
 *
 * CSRF: a synchronizer token derived from the session's random nonce (HMAC with the same secret),
 * so a token is valid for exactly one session and cannot be computed without the secret.
 *
 * The login form comes before any session, so it is protected by a signed double-submit token: the
 * form page sets a short-lived, signed, HttpOnly, SameSite=Strict cookie holding a random nonce,
 * and the form carries HMAC(secret, nonce). A cross-site post arrives without the cookie (or with
 * one whose token the forger cannot compute) and is refused before the key is even looked at.
 *
 * Logout: the nonce is also the session's id; logging out records it (console_revoked_sessions)
 * until the session would have expired, and every replica looks it up on every request.
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

/** The pre-login cookie: a nonce and its expiry, signed. */
export interface LoginFormData {
  nonce: string;
  expiresAt: number;
}

const LOGIN_FORM_TTL_MS = 60 * 60_000;

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

  /** A fresh pre-login cookie value (`payload.signature`) with the token its form must carry. */
  issueLoginForm(now: number): { value: string; form: LoginFormData; token: string } {
    const form: LoginFormData = { nonce: randomBytes(16).toString('base64url'), expiresAt: now + LOGIN_FORM_TTL_MS };
    const payload = Buffer.from(JSON.stringify([form.nonce, form.expiresAt])).toString('base64url');
    return { value: `${payload}.${hmac(this.#secret, `login.${payload}`).toString('base64url')}`, form, token: this.loginToken(form) };
  }

  get loginFormTtlMs(): number {
    return LOGIN_FORM_TTL_MS;
  }

  /** The pre-login cookie's data when it is ours and still valid. */
  decodeLoginForm(value: string | undefined, now: number): LoginFormData | undefined {
    if (!value) return undefined;
    const dot = value.indexOf('.');
    if (dot <= 0) return undefined;
    const payload = value.slice(0, dot);
    if (!sameText(value.slice(dot + 1), hmac(this.#secret, `login.${payload}`).toString('base64url'))) return undefined;
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    } catch {
      return undefined;
    }
    if (!Array.isArray(parsed) || parsed.length !== 2) return undefined;
    const [nonce, expiresAt] = parsed as unknown[];
    if (typeof nonce !== 'string' || typeof expiresAt !== 'number' || expiresAt <= now) return undefined;
    return { nonce, expiresAt };
  }

  loginToken(form: LoginFormData): string {
    return hmac(this.#secret, `login-csrf.${form.nonce}`).toString('base64url');
  }

  /** Double submit: the cookie must be valid and the form's token must be the one derived from it. */
  checkLoginCsrf(cookieValue: string | undefined, token: unknown, now: number): boolean {
    const form = this.decodeLoginForm(cookieValue, now);
    return form !== undefined && typeof token === 'string' && sameText(token, this.loginToken(form));
  }
}
