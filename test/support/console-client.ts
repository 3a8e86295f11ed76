/** Helpers for console tests: log in through the form (fetched first, for its CSRF token), post forms with the page's CSRF token. */
import type { Gateway } from '../../src/gateway.js';

export interface ConsoleSession {
  cookie: string;
  csrf: string;
}

/** The login form's double-submit pair: its pre-login cookie (`name=value`) and the token in the form. */
export interface LoginForm {
  cookie: string;
  csrf: string;
}

const firstCookie = (setCookie: unknown, name: string): string | undefined =>
  (Array.isArray(setCookie) ? setCookie : setCookie === undefined ? [] : [String(setCookie)])
    .map((c: string) => c.split(';')[0]!)
    .find((c) => c.startsWith(`${name}=`) && c.length > name.length + 1);

/** GET /console/login as a browser would, keeping the cookie and the form's hidden token. */
export async function consoleLoginForm(gw: Gateway): Promise<LoginForm> {
  const res = await gw.app.inject({ method: 'GET', url: '/console/login' });
  if (res.statusCode !== 200) throw new Error(`login form: ${res.statusCode}`);
  const cookie = firstCookie(res.headers['set-cookie'], 'sg_console_login');
  const csrf = /name="_csrf" value="([^"]+)"/.exec(res.body)?.[1];
  if (!cookie || !csrf) throw new Error('the login form has no CSRF cookie or token');
  return { cookie, csrf };
}

/** Posts the login form fetched from `gw` (or the given one) and answers the raw response. */
export async function consoleLoginPost(gw: Gateway, apiKey: string, form?: LoginForm) {
  const f = form ?? (await consoleLoginForm(gw));
  return consolePost(gw, '/console/login', { apiKey, _csrf: f.csrf }, f.cookie);
}

export async function consoleLogin(gw: Gateway, apiKey: string): Promise<ConsoleSession> {
  const res = await consoleLoginPost(gw, apiKey);
  if (res.statusCode !== 303) throw new Error(`login failed: ${res.statusCode}`);
  const cookie = firstCookie(res.headers['set-cookie'], 'sg_console');
  if (!cookie) throw new Error('login set no session cookie');
  const page = await gw.app.inject({ method: 'GET', url: '/console/peers', headers: { cookie } });
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1];
  if (!csrf) throw new Error('no CSRF token on the page');
  return { cookie, csrf };
}

export async function consoleGet(gw: Gateway, url: string, cookie?: string) {
  return gw.app.inject({ method: 'GET', url, headers: cookie ? { cookie } : {} });
}

export async function consolePost(gw: Gateway, url: string, form: Record<string, string | string[]>, cookie?: string) {
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(form)) for (const x of Array.isArray(v) ? v : [v]) body.append(k, x);
  return gw.app.inject({
    method: 'POST',
    url,
    payload: body.toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(cookie ? { cookie } : {}) },
  });
}
