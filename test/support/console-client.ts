/** Helpers for console tests: log in through the form, post forms with the page's CSRF token. */
import type { Gateway } from '../../src/gateway.js';

export interface ConsoleSession {
  cookie: string;
  csrf: string;
}

export async function consoleLogin(gw: Gateway, apiKey: string): Promise<ConsoleSession> {
  const res = await gw.app.inject({ method: 'POST', url: '/console/login', payload: `apiKey=${encodeURIComponent(apiKey)}`, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  if (res.statusCode !== 303) throw new Error(`login failed: ${res.statusCode}`);
  const setCookie = String(res.headers['set-cookie']);
  const cookie = setCookie.split(';')[0]!;
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
