/**
 * The operations console at /console: server-rendered pages (eta through @fastify/view, every
 * template auto-escapes; no raw output of data), a signed session cookie made from an API key,
 * CSRF tokens on every form, and the key's scopes deciding what is shown and allowed.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import view from '@fastify/view';
import { Eta } from 'eta';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Clock } from '../../domain/clock.js';
import type { Database } from '../../store/schema.js';
import type { GatewayConfig, Scope } from '../../config/types.js';
import type { WbciService } from '../../app/wbci/service.js';
import type { AgcomService } from '../../app/agcom/service.js';
import { sha256Hex, type Principal } from '../auth.js';
import { SessionCodec, type SessionData } from './session.js';
import { ConsoleActions } from './actions.js';
import { LoginThrottle } from './login-throttle.js';
import { isSessionRevoked, revokeSession } from '../../store/repos/console-sessions.js';
import { casePage, deadLettersPage, peersPage, replayDeadLetters, setAsideFromForm } from './pages.js';

export const SESSION_COOKIE = 'sg_console';
/** the signed double-submit cookie of the login form (path /console/login only) */
export const LOGIN_COOKIE = 'sg_console_login';
const LOGIN_PATH = '/console/login';
const VIEWS = fileURLToPath(new URL('./views/', import.meta.url));
const ASSETS = fileURLToPath(new URL('./assets/', import.meta.url));

export interface ConsoleDeps {
  config: GatewayConfig;
  db: Kysely<Database>;
  clock: Clock;
  log: Logger;
  wbci: WbciService;
  agcom?: AgcomService;
  env: NodeJS.ProcessEnv;
}

export interface ConsoleContext {
  principal: Principal;
  session: SessionData;
  csrf: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    console?: ConsoleContext;
  }
  interface FastifyContextConfig {
    /** console pages: the scope the session's key needs ('public' for the login page and assets) */
    consoleScope?: Scope | 'public' | 'session';
  }
}

const DEFAULT_TTL_MINUTES = 480;

function sessionSecret(deps: ConsoleDeps): string {
  const name = deps.config.console?.sessionSecretEnv;
  const value = name ? deps.env[name] : undefined;
  if (value) return value;
  // without a configured secret the console still works, on this replica and until it restarts
  if (deps.config.apiKeys.length) deps.log.warn({ key: 'console.sessionSecretEnv' }, 'console: no session secret configured; sessions are valid on this replica only and end at restart');
  return randomBytes(32).toString('base64url');
}

export async function consoleRoutes(app: FastifyInstance, deps: ConsoleDeps): Promise<void> {
  const ttlMs = (deps.config.console?.sessionTtlMinutes ?? DEFAULT_TTL_MINUTES) * 60_000;
  const codec = new SessionCodec(sessionSecret(deps), ttlMs);
  const keys = new Map(deps.config.apiKeys.map((k) => [k.keySha256, { name: k.name, scopes: new Set(k.scopes) } satisfies Principal]));
  const actions = new ConsoleActions({ wbci: deps.wbci, agcom: deps.agcom });
  const throttle = new LoginThrottle();
  const css = readFileSync(`${ASSETS}console.css`);
  const js = readFileSync(`${ASSETS}console.js`);

  await app.register(cookie);
  await app.register(formbody, { bodyLimit: 64 * 1024 });
  await app.register(view, { engine: { eta: new Eta({ views: VIEWS, autoEscape: true, cache: true }) }, templates: VIEWS, production: true });

  const secureCookie = (request: FastifyRequest) => request.protocol === 'https';

  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('content-security-policy', "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('x-frame-options', 'DENY');
    if (!reply.getHeader('cache-control')) reply.header('cache-control', 'no-store');
    return payload;
  });

  // Every rendering of the login form carries a token bound to the browser's pre-login cookie; a
  // still-valid cookie is kept so that two open login tabs both work.
  const loginPage = (request: FastifyRequest, reply: FastifyReply, status: number, error?: string) => {
    const now = deps.clock.now().getTime();
    const kept = codec.decodeLoginForm(request.cookies[LOGIN_COOKIE], now);
    let csrf: string;
    if (kept) csrf = codec.loginToken(kept);
    else {
      const fresh = codec.issueLoginForm(now);
      csrf = fresh.token;
      reply.setCookie(LOGIN_COOKIE, fresh.value, { path: LOGIN_PATH, httpOnly: true, sameSite: 'strict', secure: secureCookie(request), maxAge: Math.floor(codec.loginFormTtlMs / 1000) });
    }
    return reply.code(status).view('login', { title: 'Log in', error, csrf, ttlMinutes: Math.round(ttlMs / 60_000) });
  };

  // Session and scope, before every page that is not public; a POST also needs its CSRF token.
  app.addHook('preHandler', async (request, reply) => {
    const need = request.routeOptions.config.consoleScope;
    if (need === 'public') return;
    const decoded = codec.decode(request.cookies[SESSION_COOKIE], deps.clock.now().getTime());
    const principal = decoded.ok ? keys.get(decoded.session.keySha256) : undefined;
    const revoked = decoded.ok && principal ? await isSessionRevoked(deps.db, decoded.session.nonce) : false;
    if (!decoded.ok || !principal || revoked) {
      request.log.info({ reason: !decoded.ok ? decoded.reason : revoked ? 'logged out' : 'key no longer configured' }, 'console: not logged in');
      reply.clearCookie(SESSION_COOKIE, { path: '/console' });
      return loginPage(request, reply, 401, decoded.ok || decoded.reason === 'expired' ? 'Your session has ended. Please log in again.' : undefined);
    }
    const session = decoded.session;
    request.console = { principal, session, csrf: codec.csrfToken(session) };
    if (request.method === 'POST' && !codec.checkCsrf(session, (request.body as Record<string, unknown> | undefined)?._csrf)) {
      request.log.warn({ apiKey: principal.name, url: request.routeOptions.url }, 'console: form refused (CSRF token missing or wrong)');
      return reply.code(403).view('error', { title: 'Forbidden', ctx: request.console, message: 'The form has expired or did not come from this console. Reload the page and try again.' });
    }
    if (need && need !== 'session' && !principal.scopes.has(need)) {
      request.log.info({ apiKey: principal.name, scope: need }, 'console: missing scope');
      return reply.code(403).view('error', { title: 'Forbidden', ctx: request.console, message: `The API key "${principal.name}" lacks the scope ${need}.` });
    }
  });

  const hide = { hide: true } as const;

  app.get('/console/assets/console.css', { config: { consoleScope: 'public' }, schema: hide }, async (_request, reply) =>
    reply.header('cache-control', 'public, max-age=3600').type('text/css; charset=utf-8').send(css),
  );
  app.get('/console/assets/console.js', { config: { consoleScope: 'public' }, schema: hide }, async (_request, reply) =>
    reply.header('cache-control', 'public, max-age=3600').type('text/javascript; charset=utf-8').send(js),
  );

  app.get(LOGIN_PATH, { config: { consoleScope: 'public' }, schema: hide }, async (request, reply) => loginPage(request, reply, 200));

  app.post<{ Body: { apiKey?: string; _csrf?: string } }>(LOGIN_PATH, { config: { consoleScope: 'public' }, schema: hide }, async (request, reply) => {
    // before anything else, so that a forged post neither logs in nor counts as a failed attempt
    if (!codec.checkLoginCsrf(request.cookies[LOGIN_COOKIE], request.body?._csrf, deps.clock.now().getTime())) {
      request.log.warn({ ip: request.ip, reason: request.cookies[LOGIN_COOKIE] ? 'token wrong' : 'no login cookie' }, 'console: login refused (CSRF)');
      reply.clearCookie(LOGIN_COOKIE, { path: LOGIN_PATH });
      request.cookies[LOGIN_COOKIE] = undefined;
      return loginPage(request, reply, 403, 'The login form has expired or did not come from this console. Please try again.');
    }
    const now = Date.now();
    const wait = throttle.retryAfter(request.ip, now);
    if (wait > 0) {
      request.log.warn({ ip: request.ip }, 'console: login refused (too many failed attempts)');
      reply.header('retry-after', String(wait));
      return loginPage(request, reply, 429, `Too many failed logins. Try again in ${wait} seconds.`);
    }
    const key = typeof request.body?.apiKey === 'string' ? request.body.apiKey.trim() : '';
    const keySha256 = key ? sha256Hex(key) : '';
    const principal = keys.get(keySha256);
    if (!principal) {
      throttle.failed(request.ip, now);
      request.log.info({ reason: key ? 'unknown key' : 'no key' }, 'console: login refused');
      return loginPage(request, reply, 401, key ? 'This API key is not valid.' : 'Enter an API key.');
    }
    throttle.succeeded(request.ip);
    const { value } = codec.issue(keySha256, deps.clock.now().getTime());
    request.log.info({ apiKey: principal.name }, 'console: logged in');
    reply.setCookie(SESSION_COOKIE, value, { path: '/console', httpOnly: true, sameSite: 'strict', secure: secureCookie(request), maxAge: Math.floor(ttlMs / 1000) });
    reply.clearCookie(LOGIN_COOKIE, { path: LOGIN_PATH });
    return reply.code(303).header('location', '/console').send();
  });

  app.post('/console/logout', { config: { consoleScope: 'session' }, schema: hide }, async (request, reply) => {
    const { session } = request.console!;
    await revokeSession(deps.db, session.nonce, new Date(session.expiresAt), deps.clock.now());
    request.log.info({ apiKey: request.console!.principal.name }, 'console: logged out');
    reply.clearCookie(SESSION_COOKIE, { path: '/console' });
    return reply.code(303).header('location', '/console/login').send();
  });

  const pageDeps = { ...deps, actions };

  app.get('/console', { config: { consoleScope: 'switches:read' }, schema: hide }, async (request, reply) => {
    const model = await casePage.list(pageDeps, request.query as Record<string, string | undefined>);
    if (model.redirect) return reply.code(303).header('location', model.redirect).send();
    return reply.view('cases', { title: 'Cases', ctx: request.console, ...model });
  });

  app.get<{ Params: { id: string } }>('/console/cases/:id', { config: { consoleScope: 'switches:read' }, schema: hide }, async (request, reply) => {
    const model = await casePage.show(pageDeps, request.params.id, request.query as Record<string, string | undefined>, request.console!);
    if (!model) return reply.code(404).view('error', { title: 'Not found', ctx: request.console, message: `There is no case ${request.params.id}.` });
    return reply.view('case', { title: `Case ${request.params.id}`, ctx: request.console, ...model });
  });

  app.post<{ Params: { id: string; action: string }; Body: Record<string, string> }>(
    '/console/cases/:id/actions/:action',
    { config: { consoleScope: 'switches:write' }, schema: hide },
    async (request, reply) => {
      const outcome = await casePage.act(pageDeps, request.params.id, request.params.action, request.body ?? {}, request.console!);
      if (outcome.kind === 'not-found') return reply.code(404).view('error', { title: 'Not found', ctx: request.console, message: `There is no case ${request.params.id}.` });
      if (outcome.kind === 'done') {
        request.log.info({ caseId: request.params.id, action: request.params.action, apiKey: request.console!.principal.name, messageId: outcome.messageId }, 'console: action queued');
        return reply.code(303).header('location', `/console/cases/${encodeURIComponent(request.params.id)}?done=${encodeURIComponent(request.params.action)}`).send();
      }
      return reply.code(outcome.status).view('case', { title: `Case ${request.params.id}`, ctx: request.console, ...outcome.model });
    },
  );

  app.get('/console/dead-letters', { config: { consoleScope: 'dead-letters:read' }, schema: hide }, async (request, reply) => {
    const model = await deadLettersPage(pageDeps, request.query as Record<string, string | undefined>);
    return reply.view('dead-letters', { title: 'Dead letters', ctx: request.console, ...model });
  });

  app.post<{ Body: Record<string, string | string[]> }>(
    '/console/dead-letters/replay',
    { config: { consoleScope: 'dead-letters:write' }, schema: hide },
    async (request, reply) => {
      const { replayed, missing } = await replayDeadLetters(pageDeps, request.body ?? {});
      request.log.info({ apiKey: request.console!.principal.name, replayed: replayed.length, missing: missing.length }, 'console: dead letters replayed');
      return reply.code(303).header('location', `/console/dead-letters?replayed=${replayed.length}&missing=${missing.length}`).send();
    },
  );

  app.post<{ Body: Record<string, string | string[]> }>(
    '/console/dead-letters/set-aside',
    { config: { consoleScope: 'dead-letters:write' }, schema: hide },
    async (request, reply) => {
      const outcome = await setAsideFromForm(pageDeps, request.body ?? {});
      if (outcome === 'invalid') {
        const model = await deadLettersPage(pageDeps, {});
        return reply.code(422).view('dead-letters', { title: 'Dead letters', ctx: request.console, ...model, invalid: true });
      }
      request.log.info({ apiKey: request.console!.principal.name, deadLetter: request.body.id, outcome }, 'console: dead letter set aside');
      return reply.code(303).header('location', `/console/dead-letters?setAside=${outcome === 'done' ? 1 : 0}`).send();
    },
  );

  app.get('/console/peers', { config: { consoleScope: 'switches:read' }, schema: hide }, async (request, reply) => {
    const model = await peersPage(pageDeps);
    return reply.view('peers', { title: 'Peers', ctx: request.console, ...model });
  });
}
