/**
 * The console over HTTP: sessions, CSRF, scopes, the same validation as the REST API, escaping.
 * Two whole gateways (in-process delivery, manual clock) on each backend.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createTestDatabase, describeEachBackend, pgAdminUrl } from '../../support/backends.js';
import { API_KEY, READ_ONLY_KEY, rest, startPair, type Pair, quickStartVa, testConfig, silentLog } from '../../support/gateway-pair.js';
import { consoleGet, consoleLogin, consoleLoginForm, consoleLoginPost, consolePost } from '../../support/console-client.js';
import { createGateway, type Gateway } from '../../../src/gateway.js';
import { ManualClock } from '../../../src/domain/clock.js';
import { SessionCodec } from '../../../src/http/console/session.js';
import { sha256Hex } from '../../../src/http/auth.js';
import { parseConfig } from '../../../src/config/load.js';
import { LoginThrottle } from '../../../src/http/console/login-throttle.js';

// whole gateways on a shared two-core machine: generous, never a timing assertion
vi.setConfig({ testTimeout: 120_000 });

const va = quickStartVa();

const SECRET = 'console-secret-for-tests-0123456789';
const consoleConfig = { console: { sessionSecretEnv: 'SG_CONSOLE_SECRET', sessionTtlMinutes: 60 } };

describeEachBackend('console over HTTP', ({ open }) => {
  let pair: Pair | undefined;
  afterEach(async () => {
    await pair?.close();
    pair = undefined;
  });

  async function donatingCase(): Promise<{ pair: Pair; id: string }> {
    pair = await startPair(open, { configA: consoleConfig, configB: consoleConfig, env: { SG_CONSOLE_SECRET: SECRET } });
    const created = await rest(pair.a, 'POST', '/v1/switches', va);
    expect(created.statusCode, created.body).toBe(201);
    await pair.pump();
    return { pair, id: created.data.id as string };
  }

  const stateOf = async (p: Pair, id: string) => (await rest(p.b, 'GET', `/v1/switches/${id}`)).data.state as string;
  const messageCount = async (p: Pair, id: string) => (await rest(p.b, 'GET', `/v1/switches/${id}/messages`)).data.items.length as number;

  it('login sets a signed HttpOnly SameSite=Strict cookie; pages without a session answer 401 with the login form', async () => {
    const { pair: p } = await donatingCase();
    const anonymous = await consoleGet(p.b, '/console');
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.body).toContain('<label for="apiKey">API key</label>');

    const wrong = await consoleLoginPost(p.b, 'not-a-key');
    expect(wrong.statusCode).toBe(401);
    expect(wrong.headers['set-cookie']).toBeUndefined();
    // guessing is slowed down: after 10 failures even the right key waits
    for (let i = 0; i < 9; i++) expect((await consoleLoginPost(p.a, `guess-${i}`)).statusCode).toBe(401);
    expect((await consoleLoginPost(p.a, 'guess-9')).statusCode).toBe(401);
    const throttled = await consoleLoginPost(p.a, API_KEY);
    expect(throttled.statusCode).toBe(429);
    expect(Number(throttled.headers['retry-after'])).toBeGreaterThan(0);

    const ok = await consoleLoginPost(p.b, API_KEY);
    expect(ok.statusCode).toBe(303);
    const setCookie = [ok.headers['set-cookie']].flat().map(String).find((c) => c.startsWith('sg_console='))!;
    expect(setCookie).toMatch(/^sg_console=[^;]+\./);
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Strict/i);
    expect(setCookie).toMatch(/Path=\/console/);
    const page = await consoleGet(p.b, '/console', setCookie.split(';')[0]);
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
  });

  it('a session made by one replica is accepted by another with the same secret (not by one with another secret)', async () => {
    const { pair: p } = await donatingCase();
    const s = await consoleLogin(p.b, API_KEY);
    // A shares the secret and has the same key configured: it accepts B's session
    expect((await consoleGet(p.a, '/console/peers', s.cookie)).statusCode).toBe(200);
    const other = new SessionCodec('another-secret-entirely-0123456789', 3_600_000);
    const foreign = other.issue(sha256Hex(API_KEY), p.clock.now().getTime()).value;
    expect((await consoleGet(p.b, '/console', `sg_console=${foreign}`)).statusCode).toBe(401);
  });

  it('a forged or expired session gets 401 and a form posted with it changes nothing', async () => {
    const { pair: p, id } = await donatingCase();
    const s = await consoleLogin(p.b, API_KEY);
    const [payload, sig] = s.cookie.slice('sg_console='.length).split('.');
    // forged: the payload names the read-only key's hash but keeps the old signature
    const forgedPayload = Buffer.from(JSON.stringify([sha256Hex(READ_ONLY_KEY), Date.now() + 1e9, 'n'])).toString('base64url');
    for (const cookie of [`sg_console=${forgedPayload}.${sig}`, `sg_console=${payload}.${'A'.repeat(sig!.length)}`, 'sg_console=garbage']) {
      const res = await consolePost(p.b, `/console/cases/${id}/actions/answer`, { _csrf: s.csrf, result: 'accept', code: 'ZWA', switchDate: '2026-12-15', technology: '001' }, cookie);
      expect(res.statusCode).toBe(401);
    }
    // expired: the clock moves past the session's lifetime (60 min)
    p.clock.advance(61 * 60_000);
    const expired = await consolePost(p.b, `/console/cases/${id}/actions/answer`, { _csrf: s.csrf, result: 'accept', code: 'ZWA', switchDate: '2026-12-15', technology: '001' }, s.cookie);
    expect(expired.statusCode).toBe(401);
    expect(expired.body).toContain('Your session has ended');
    expect(await stateOf(p, id)).toBe('AWAITING_ANSWER');
    expect(await messageCount(p, id)).toBe(1);
  });

  it('a form without its CSRF token, or with another session\'s, gets 403 and changes nothing', async () => {
    const { pair: p, id } = await donatingCase();
    const s = await consoleLogin(p.b, API_KEY);
    const other = await consoleLogin(p.b, API_KEY);
    expect(other.csrf).not.toBe(s.csrf);
    const form = { result: 'accept', code: 'ZWA', switchDate: '2026-12-15', technology: '001' };
    expect((await consolePost(p.b, `/console/cases/${id}/actions/answer`, form, s.cookie)).statusCode).toBe(403);
    expect((await consolePost(p.b, `/console/cases/${id}/actions/answer`, { ...form, _csrf: other.csrf }, s.cookie)).statusCode).toBe(403);
    expect((await consolePost(p.b, '/console/logout', {}, s.cookie)).statusCode).toBe(403);
    expect(await stateOf(p, id)).toBe('AWAITING_ANSWER');
    expect(await messageCount(p, id)).toBe(1);
  });

  it('a key without the scope sees no action forms and gets 403 for them and for dead letters', async () => {
    const { pair: p, id } = await donatingCase();
    const viewer = await consoleLogin(p.b, READ_ONLY_KEY);
    const page = await consoleGet(p.b, `/console/cases/${id}`, viewer.cookie);
    expect(page.statusCode).toBe(200);
    expect(page.body).not.toContain('action-answer');
    expect(page.body).not.toContain('href="/console/dead-letters"');
    const res = await consolePost(p.b, `/console/cases/${id}/actions/answer`, { _csrf: viewer.csrf, result: 'accept', code: 'ZWA', switchDate: '2026-12-15', technology: '001' }, viewer.cookie);
    expect(res.statusCode).toBe(403);
    expect(res.body).toContain('lacks the scope switches:write');
    expect((await consoleGet(p.b, '/console/dead-letters', viewer.cookie)).statusCode).toBe(403);
    expect((await consolePost(p.b, '/console/dead-letters/replay', { _csrf: viewer.csrf, id: '1' }, viewer.cookie)).statusCode).toBe(403);
    expect((await consolePost(p.b, '/console/dead-letters/set-aside', { _csrf: viewer.csrf, id: '1', note: 'x' }, viewer.cookie)).statusCode).toBe(403);
    expect(await stateOf(p, id)).toBe('AWAITING_ANSWER');
  });

  it('a form gets the REST API\'s validation messages next to its fields, and a valid one runs the command', async () => {
    const { pair: p, id } = await donatingCase();
    const s = await consoleLogin(p.b, API_KEY);
    const page = await consoleGet(p.b, `/console/cases/${id}`, s.cookie);
    expect(page.body).toContain('id="action-answer"');

    // the schema: not a date
    const bad = { result: 'accept', code: 'ZWA', switchDate: '15.12.2026', technology: '001' };
    const viaRest = await rest(p.b, 'POST', `/v1/switches/${id}/answer`, { ...bad, resources: undefined });
    expect(viaRest.statusCode).toBe(400);
    const restMessage = viaRest.data.errors.find((e: { path: string }) => e.path === '/switchDate').message as string;
    const res = await consolePost(p.b, `/console/cases/${id}/actions/answer`, { ...bad, _csrf: s.csrf }, s.cookie);
    expect(res.statusCode).toBe(400);
    const switchDateField = res.body.slice(res.body.indexOf('name="switchDate"'), res.body.indexOf('name="technology"'));
    expect(switchDateField).toContain('class="field-error"');
    expect(switchDateField).toContain(escapeHtml(restMessage));

    // the procedure's rules: a free-text reason only goes with SONST (8116) and a few others
    const restRule = await rest(p.b, 'POST', `/v1/switches/${id}/answer`, { result: 'reject', codes: [{ code: '8117' }], reason: 'why not' });
    expect(restRule.statusCode).toBe(422);
    const ruleIssue = restRule.data.errors[0] as { path: string; message: string };
    expect(ruleIssue.path).toBe('/reason');
    const ruled = await consolePost(p.b, `/console/cases/${id}/actions/answer`, { result: 'reject', codes: '8117', reason: 'why not', _csrf: s.csrf }, s.cookie);
    expect(ruled.statusCode).toBe(422);
    const reasonField = ruled.body.slice(ruled.body.indexOf('name="reason"'), ruled.body.indexOf('Send answer'));
    expect(reasonField).toContain(escapeHtml(ruleIssue.message));
    expect(await stateOf(p, id)).toBe('AWAITING_ANSWER');

    const good = await consolePost(p.b, `/console/cases/${id}/actions/answer`, { result: 'accept', code: 'ZWA', switchDate: '2026-12-15', technology: '001', contractNumbers: '1234567890', pkiAbg: 'D123', _csrf: s.csrf }, s.cookie);
    expect(good.statusCode, good.body).toBe(303);
    expect(await stateOf(p, id)).toBe('AGREED');
    await p.pump();
    expect((await rest(p.a, 'GET', `/v1/switches/${id}`)).data.state).toBe('AGREED');

    // the state history (stored in the case row, 0020), oldest first, each with the message that moved the case
    const after = await consoleGet(p.b, `/console/cases/${id}`, s.cookie);
    const history = after.body.slice(after.body.indexOf('<h2>State history</h2>'));
    const rows = [...history.slice(0, history.indexOf('</table>')).matchAll(/<tr><td class="time">([^<]+)<\/td><td>(.*?)<\/td><td class="muted">([^<]*)<\/td><\/tr>/g)];
    expect(rows.map((r) => [r[2]!.replace(/<[^>]+>/g, ''), r[3]])).toEqual([['– → AWAITING_ANSWER', 'VA-KUE-MRN'], ['AWAITING_ANSWER → AGREED', 'RUEM-VA']]);
    for (const r of rows) expect(Number.isNaN(Date.parse(r[1]!))).toBe(false);
  });

  it('markup in message fields is shown as text', async () => {
    const { pair: p, id } = await donatingCase();
    const hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>';
    const rejected = await rest(p.b, 'POST', `/v1/switches/${id}/answer`, { result: 'reject', codes: [{ code: '8116' }], reason: hostile });
    expect(rejected.statusCode, rejected.body).toBe(202);
    await p.pump();
    const s = await consoleLogin(p.a, API_KEY);
    const page = await consoleGet(p.a, `/console/cases/${id}`, s.cookie);
    expect(page.statusCode).toBe(200);
    expect(page.body).not.toContain('<script>alert');
    expect(page.body).not.toContain('<img src=x');
    const messages = (await rest(p.a, 'GET', `/v1/switches/${id}/messages`)).data.items as { type: string; body: unknown }[];
    expect(JSON.stringify(messages.find((m) => m.type === 'ABBM')?.body)).toContain('<script>');
    expect(page.body).toContain('&lt;script&gt;alert(');
  });

  it('replays a selection of dead letters; ids already replayed are counted, not errors', async () => {
    const p = await startPair(open, { configA: consoleConfig, configB: consoleConfig, env: { SG_CONSOLE_SECRET: SECRET } });
    pair = p;
    const b = p.transport.targets.get('DEU.EKPB')!;
    p.transport.targets.delete('DEU.EKPB'); // unknown destination: a permanent failure
    const ids: string[] = [];
    for (const number of ['1234567', '7654321']) {
      const created = await rest(p.a, 'POST', '/v1/switches', { ...va, numbers: { ...va.numbers, list: [{ areaCode: '89', number }] } });
      expect(created.statusCode, created.body).toBe(201);
      ids.push(created.data.id as string);
    }
    await p.pump();
    const s = await consoleLogin(p.a, API_KEY);
    const before = await consoleGet(p.a, '/console/dead-letters', s.cookie);
    const deadIds = [...before.body.matchAll(/<tr id="dl-(\d+)"/g)].map((m) => m[1]!);
    expect(deadIds).toHaveLength(2);
    p.transport.targets.set('DEU.EKPB', b);
    const replay = await consolePost(p.a, '/console/dead-letters/replay', { _csrf: s.csrf, id: [...deadIds, deadIds[0]!, '999999'] }, s.cookie);
    expect(replay.statusCode).toBe(303);
    expect(replay.headers.location).toBe('/console/dead-letters?replayed=2&missing=1');
    const after = await consoleGet(p.a, String(replay.headers.location), s.cookie);
    expect(after.body).toContain('2 replayed, 1 already replayed or unknown');
    expect(after.body).not.toContain('<tr id="dl-');
    await p.pump();
    for (const id of ids) expect((await rest(p.b, 'GET', `/v1/switches/${id}`)).statusCode).toBe(200);
  });

  it("sets a dead letter aside with a note: it leaves the list, is never sent, and the case's STR-AUF goes out", async () => {
    const p = await startPair(open, { configA: consoleConfig, configB: consoleConfig, env: { SG_CONSOLE_SECRET: SECRET } });
    pair = p;
    const b = p.transport.targets.get('DEU.EKPB')!;
    p.transport.targets.delete('DEU.EKPB'); // unknown destination: a permanent failure
    const created = await rest(p.a, 'POST', '/v1/switches', va);
    expect(created.statusCode, created.body).toBe(201);
    const caseId = created.data.id as string;
    await p.pump();
    expect((await rest(p.a, 'POST', `/v1/switches/${caseId}/cancel`, { kind: 'STR-AUF' })).statusCode).toBe(202);
    p.transport.targets.set('DEU.EKPB', b);
    const s = await consoleLogin(p.a, API_KEY);
    const page = await consoleGet(p.a, '/console/dead-letters', s.cookie);
    const [deadId] = [...page.body.matchAll(/<tr id="dl-(\d+)"/g)].map((m) => m[1]!);
    expect(page.body).toContain('action="/console/dead-letters/set-aside"');

    for (const note of ['', '   ', 'x'.repeat(501)]) {
      const refused = await consolePost(p.a, '/console/dead-letters/set-aside', { _csrf: s.csrf, id: deadId!, note }, s.cookie);
      expect(refused.statusCode).toBe(422);
      expect(refused.body).toContain('with a note of 1 to 500 characters');
    }
    expect((await consolePost(p.a, '/console/dead-letters/set-aside', { id: deadId!, note: 'no token' }, s.cookie)).statusCode).toBe(403);
    await p.pump();
    expect(p.transport.sent.filter((x) => x.destination === 'DEU.EKPB')).toEqual([]);

    const done = await consolePost(p.a, '/console/dead-letters/set-aside', { _csrf: s.csrf, id: deadId!, note: 'refused by the peer for good' }, s.cookie);
    expect(done.statusCode).toBe(303);
    expect(done.headers.location).toBe('/console/dead-letters?setAside=1');
    const after = await consoleGet(p.a, String(done.headers.location), s.cookie);
    expect(after.body).toContain('1 set aside.');
    expect(after.body).not.toContain('<tr id="dl-');
    const again = await consolePost(p.a, '/console/dead-letters/set-aside', { _csrf: s.csrf, id: deadId!, note: 'again' }, s.cookie);
    expect(again.headers.location).toBe('/console/dead-letters?setAside=0');
    await p.pump();
    expect(p.transport.sent.filter((x) => x.destination === 'DEU.EKPB').map((x) => x.type)).toEqual(['STR-AUF']);
    const letters = (await rest(p.a, 'GET', `/v1/dead-letters?caseId=${caseId}`)).data.items as { id: string; setAsideNote: string | null }[];
    expect(letters).toEqual([expect.objectContaining({ id: deadId, setAsideNote: 'refused by the peer for good' })]);
  });

  it('logout ends the session in the browser and search by id finds the case', async () => {
    const { pair: p, id } = await donatingCase();
    const s = await consoleLogin(p.b, API_KEY);
    const found = await consoleGet(p.b, `/console?id=${encodeURIComponent(id)}`, s.cookie);
    expect(found.statusCode).toBe(303);
    expect(found.headers.location).toBe(`/console/cases/${encodeURIComponent(id)}`);
    const missing = await consoleGet(p.b, '/console?id=DEU.EKPA.NOPE', s.cookie);
    expect(missing.statusCode).toBe(200);
    expect(missing.body).toContain('No case with the id');
    const out = await consolePost(p.b, '/console/logout', { _csrf: s.csrf }, s.cookie);
    expect(out.statusCode).toBe(303);
    expect(String(out.headers['set-cookie'])).toMatch(/sg_console=;/);
  });

  it('a cross-site login post (no login cookie, a wrong token, or a token of another form) gets 403, sets no session and is not counted as a guess', async () => {
    const { pair: p } = await donatingCase();
    const form = await consoleLoginForm(p.b);
    expect(form.cookie).toMatch(/^sg_console_login=[^;]+\./);
    const other = await consoleLoginForm(p.b);
    expect(other.csrf).not.toBe(form.csrf);
    const foreign = new SessionCodec('another-secret-entirely-0123456789', 3_600_000).issueLoginForm(p.clock.now().getTime());
    const forged = [
      // what a forging page can send: the browser adds no SameSite=Strict cookie to a cross-site post
      await consolePost(p.b, '/console/login', { apiKey: API_KEY }),
      await consolePost(p.b, '/console/login', { apiKey: API_KEY, _csrf: form.csrf }),
      await consolePost(p.b, '/console/login', { apiKey: API_KEY }, form.cookie),
      await consolePost(p.b, '/console/login', { apiKey: API_KEY, _csrf: other.csrf }, form.cookie),
      await consolePost(p.b, '/console/login', { apiKey: API_KEY, _csrf: foreign.token }, `sg_console_login=${foreign.value}`),
    ];
    for (const res of forged) {
      expect(res.statusCode).toBe(403);
      expect(res.body).toContain('did not come from this console');
      expect([res.headers['set-cookie']].flat().map(String).some((c) => c.startsWith('sg_console='))).toBe(false);
      // the refusal shows a fresh form that works
      expect(res.body).toContain('name="_csrf"');
    }
    // refused posts are no guesses: after fourteen of them the right key still logs in (not 429)
    for (let i = 0; i < 9; i++) expect((await consolePost(p.b, '/console/login', { apiKey: `x-${i}` })).statusCode).toBe(403);
    expect((await consoleLoginPost(p.b, API_KEY, form)).statusCode).toBe(303);
    // a login form expires with its cookie (an hour)
    const stale = await consoleLoginForm(p.b);
    p.clock.advance(61 * 60_000);
    expect((await consoleLoginPost(p.b, API_KEY, stale)).statusCode).toBe(403);
  });

  it('after logout the old cookie is refused (401, login form) and a form posted with it changes nothing', async () => {
    const { pair: p, id } = await donatingCase();
    const s = await consoleLogin(p.b, API_KEY);
    const kept = await consoleLogin(p.b, API_KEY);
    expect((await consolePost(p.b, '/console/logout', { _csrf: s.csrf }, s.cookie)).statusCode).toBe(303);
    const replayed = await consoleGet(p.b, '/console', s.cookie);
    expect(replayed.statusCode).toBe(401);
    expect(replayed.body).toContain('<label for="apiKey">API key</label>');
    const act = await consolePost(p.b, `/console/cases/${id}/actions/answer`, { _csrf: s.csrf, result: 'accept', code: 'ZWA', switchDate: '2026-12-15', technology: '001' }, s.cookie);
    expect(act.statusCode).toBe(401);
    expect(await stateOf(p, id)).toBe('AWAITING_ANSWER');
    // logging out twice is harmless; other sessions of the same key live on
    expect((await consolePost(p.b, '/console/logout', { _csrf: s.csrf }, s.cookie)).statusCode).toBe(401);
    expect((await consoleGet(p.b, '/console', kept.cookie)).statusCode).toBe(200);
  });

  it('a logout on one replica ends the session on another replica of the same database; expired records are swept', async () => {
    const store = await open();
    const clock = new ManualClock('2026-11-23T09:00:00+01:00');
    const env = { SG_CONSOLE_SECRET: SECRET };
    const replica = (shared: typeof store) =>
      createGateway({ config: testConfig('DEU.EKPB', 'DEU.EKPA', consoleConfig, env), store: shared, clock, background: false, log: silentLog(), env });
    const r1: Gateway = await replica(store);
    // the second replica shares the database but closes nothing of it
    const r2: Gateway = await replica({ ...store, close: async () => {} });
    try {
      const s = await consoleLogin(r1, API_KEY);
      const other = await consoleLogin(r2, API_KEY);
      expect((await consoleGet(r2, '/console/peers', s.cookie)).statusCode).toBe(200);
      expect((await consolePost(r2, '/console/logout', { _csrf: s.csrf }, s.cookie)).statusCode).toBe(303);
      for (const r of [r1, r2]) expect((await consoleGet(r, '/console/peers', s.cookie)).statusCode).toBe(401);
      expect((await consoleGet(r1, '/console/peers', other.cookie)).statusCode).toBe(200);
      const count = async () => (await store.db.selectFrom('console_revoked_sessions').select(({ fn }) => fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n;
      expect(Number(await count())).toBe(1);
      // once the logged-out session would have expired anyway, the next logout sweeps its record
      clock.advance(61 * 60_000);
      const later = await consoleLogin(r1, API_KEY);
      expect((await consolePost(r1, '/console/logout', { _csrf: later.csrf }, later.cookie)).statusCode).toBe(303);
      expect(Number(await count())).toBe(1);
    } finally {
      await r2.close();
      await r1.close();
    }
  });
});

describe.skipIf(!pgAdminUrl())('console logout with two replicas, each with its own connection pool, on one PostgreSQL', () => {
  it('a logout at one replica is honoured by the other at once', async () => {
    const database = await createTestDatabase();
    const env = { SG_CONSOLE_SECRET: SECRET };
    const replica = () => createGateway({ config: testConfig('DEU.EKPB', 'DEU.EKPA', consoleConfig, env), databaseUrl: database.url, background: false, log: silentLog(), env });
    const r1 = await replica();
    const r2 = await replica();
    try {
      const s = await consoleLogin(r1, API_KEY);
      for (const r of [r1, r2]) expect((await consoleGet(r, '/console/peers', s.cookie)).statusCode).toBe(200);
      expect((await consolePost(r1, '/console/logout', { _csrf: s.csrf }, s.cookie)).statusCode).toBe(303);
      for (const r of [r1, r2]) expect((await consoleGet(r, '/console/peers', s.cookie)).statusCode).toBe(401);
    } finally {
      await r2.close();
      await r1.close();
      await database.drop();
    }
  });
});

describe('console configuration', () => {
  const base = { self: { carrierCode: 'DEU.EKPA' } };
  it('names console.sessionSecretEnv when its variable is unset or too short, and rejects unknown keys', () => {
    expect(() => parseConfig({ ...base, console: { sessionSecretEnv: 'SG_SECRET' } }, 'test', {})).toThrow(/console\.sessionSecretEnv: environment variable SG_SECRET is not set/);
    expect(() => parseConfig({ ...base, console: { sessionSecretEnv: 'SG_SECRET' } }, 'test', { SG_SECRET: 'short' })).toThrow(/at least 16 characters/);
    expect(() => parseConfig({ ...base, console: { sessionTtl: 5 } }, 'test', {})).toThrow(/console/);
    expect(parseConfig({ ...base, console: { sessionSecretEnv: 'SG_SECRET', sessionTtlMinutes: 30 } }, 'test', { SG_SECRET: SECRET }).console).toEqual({ sessionSecretEnv: 'SG_SECRET', sessionTtlMinutes: 30 });
  });
});

describe('login throttle', () => {
  it('refuses an address after 10 failures within 5 minutes, until the window has passed', () => {
    const t = new LoginThrottle();
    const now = 1_000_000;
    for (let i = 0; i < 9; i++) t.failed('10.0.0.1', now + i);
    expect(t.retryAfter('10.0.0.1', now + 10)).toBe(0);
    t.failed('10.0.0.1', now + 10);
    expect(t.retryAfter('10.0.0.1', now + 11)).toBe(300);
    expect(t.retryAfter('10.0.0.2', now + 11)).toBe(0);
    expect(t.retryAfter('10.0.0.1', now + 5 * 60_000 + 1)).toBe(0);
  });
});

describe('session codec', () => {
  it('refuses a secret shorter than 16 characters', () => {
    expect(() => new SessionCodec('short', 1000)).toThrow(/16 characters/);
  });
});

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}
