/**
 * Every /v1 route of the contract, provoked into its problem answers on a gateway with every
 * profile: no API key (401), a key without the scope (403), a malformed request (400: broken JSON,
 * an unknown query parameter or an invalid path parameter), a wrong media type (415), an unknown
 * object (404) — each answer must be an RFC 9457 problem with type, title, status, code (and for
 * validation errors path/rule/code/message per field), documented for that route and status, with
 * its code among the route's documented codes.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type Gateway } from '../../src/gateway.js';
import { contractConfig, CONTRACT_ENV } from '../../src/http/openapi/full-config.js';
import { openTestPglite } from '../support/backends.js';
import { silentLog } from '../support/gateway-pair.js';
import { ContractChecker, loadContract } from '../support/openapi-contract.js';

const KEY = 'contract-api-key';
const VIEWER = 'viewer-key';
const TOOLS_ONLY = 'tools-only-key';
const sha = (s: string) => createHash('sha256').update(s).digest('hex');

type Op = { 'x-scope'?: string; parameters?: { name: string; in: string }[]; requestBody?: { content: Record<string, { examples?: Record<string, { value: unknown }> }> }; responses: Record<string, unknown> };

const doc = loadContract();
const routes = Object.entries(doc.paths)
  .filter(([path]) => path.startsWith('/v1/'))
  .flatMap(([path, item]) => Object.entries(item).map(([method, op]) => ({ method: method.toUpperCase() as 'GET' | 'POST', path, op: op as unknown as Op })));

const concrete = (path: string, id = 'DEU.EKPA.V999999999') => path.replace('/dead-letters/{id}', '/dead-letters/999999').replace('{id}', id).replace('{changeId}', 'DEU.EKPA.T999999999');

describe('every /v1 route answers its refusals as documented problem documents', () => {
  let gw: Gateway;
  const checker = new ContractChecker(doc);

  beforeAll(async () => {
    const base = contractConfig();
    const config = {
      ...base,
      apiKeys: [
        ...base.apiKeys,
        { ...base.apiKeys[0]!, name: 'viewer', keySha256: sha(VIEWER), scopes: ['switches:read'] },
        { ...base.apiKeys[0]!, name: 'tools', keySha256: sha(TOOLS_ONLY), scopes: ['tools:use'] },
      ],
    } as typeof base;
    gw = await createGateway({ config, store: await openTestPglite({}), background: false, log: silentLog(), env: CONTRACT_ENV });
  });
  afterAll(async () => gw?.close());

  async function call(method: 'GET' | 'POST', url: string, opts: { key?: string | null; body?: string; contentType?: string } = {}) {
    const headers: Record<string, string> = {};
    if (opts.key !== null) headers.authorization = `Bearer ${opts.key ?? KEY}`;
    if (opts.body !== undefined) headers['content-type'] = opts.contentType ?? 'application/json';
    const res = await gw.app.inject({ method, url, headers, ...(opts.body !== undefined ? { payload: opts.body } : {}) });
    return res;
  }

  /** the answer must be a documented problem of this route and status */
  async function expectProblem(method: 'GET' | 'POST', path: string, url: string, status: number, opts: Parameters<typeof call>[2] = {}) {
    const res = await call(method, url, opts);
    expect(res.statusCode, `${method} ${url}: ${res.body}`).toBe(status);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    const body = JSON.parse(res.body) as { type: string; title: string; status: number; code: string; errors?: unknown[] };
    expect(checker.componentErrors('Problem', body)).toEqual([]);
    expect(body.status).toBe(status);
    expect(checker.problems(method, new URL(url, 'http://x').pathname, res.statusCode, String(res.headers['content-type']), res.body)).toEqual([]);
    expect(checker.templateOf(method, new URL(url, 'http://x').pathname)).toBe(path);
    return body;
  }

  it.each(routes.map((r) => [`${r.method} ${r.path}`, r] as const))('%s', async (_name, { method, path, op }) => {
    const url = concrete(path);
    const scope = op['x-scope'];
    const example = op.requestBody?.content['application/json']?.examples?.default?.value;
    const body = example !== undefined ? JSON.stringify(example) : method === 'POST' && op.requestBody?.content['application/json'] ? '{}' : undefined;

    // 401: no key, or an unknown one
    await expectProblem(method, path, url, 401, { key: null, body });
    await expectProblem(method, path, url, 401, { key: 'not-a-key', body });
    // 403: a key without the route's scope
    expect(scope, `${method} ${path} names its scope (x-scope)`).toBeTruthy();
    await expectProblem(method, path, url, 403, { key: scope === 'switches:read' ? TOOLS_ONLY : VIEWER, body });

    // 400: broken JSON on a write, an unknown query parameter on a read with a query, else an invalid path parameter
    if (method === 'POST' && op.requestBody?.content['application/json']) {
      const p = await expectProblem(method, path, url, 400, { body: '{"unterminated": ' });
      expect(p.code).toBe('SG_MALFORMED_BODY');
      const invalid = await expectProblem(method, path, url, 400, { body: JSON.stringify({ ...(typeof example === 'object' ? example : {}), notAField: true }) });
      expect(invalid.errors, 'a validation problem names its fields').toEqual(expect.arrayContaining([expect.objectContaining({ path: '/notAField', rule: 'additionalProperties', code: 'SG_SCHEMA', message: expect.any(String) })]));
      await expectProblem(method, path, url, 415, { body: 'plain text', contentType: 'text/plain' });
    } else if (op.requestBody?.content['text/csv']) {
      const p = await expectProblem(method, path, url, 422, { body: 'callId,start,durationSeconds\nC1,yesterday,-5\n', contentType: 'text/csv' });
      expect(p.errors?.[0]).toEqual(expect.objectContaining({ path: expect.any(String), code: expect.stringMatching(/^SG_CSV_/) }));
    } else if ((op.parameters ?? []).some((p) => p.in === 'query')) {
      const p = await expectProblem(method, path, url + '?notAParameter=1', 400);
      expect(p.errors).toEqual(expect.arrayContaining([expect.objectContaining({ path: '/query/notAParameter', rule: 'additionalProperties', code: 'SG_SCHEMA' })]));
    } else if (path.includes('{id}')) {
      const p = await expectProblem(method, path, concrete(path, 'x'.repeat(65)).replace('/dead-letters/999999', '/dead-letters/not-a-number'), 400, { body });
      expect(p.errors?.[0]).toEqual(expect.objectContaining({ rule: expect.any(String), code: 'SG_SCHEMA' }));
    }

    // 404: a well-formed request about an object that does not exist
    if (path.includes('{id}') && doc.paths[path]![method.toLowerCase()]!.responses['404']) {
      await expectProblem(method, path, url, 404, { body });
    }
  });

  it('a start refused by the procedure is a documented 422 naming the field', async () => {
    const media = doc.paths['/v1/switches']!.post!.requestBody!.content['application/json'] as unknown as { examples: Record<string, { value: Record<string, unknown> }> };
    const example = media.examples.default!.value;
    const unknownPeer = await expectProblem('POST', '/v1/switches', '/v1/switches', 422, { body: JSON.stringify({ ...example, donating: 'DEU.NOPE' }) });
    expect(unknownPeer.code).toBe('SG_UNKNOWN_PEER');
    expect(unknownPeer.errors).toEqual([expect.objectContaining({ path: '/donating', code: 'SG_UNKNOWN_PEER' })]);
  });

  it('covered every /v1 route with at least 401, 403 and a 400, 404 or 422', () => {
    const seen = new Set(checker.seen.map((s) => `${s.method} ${s.path} ${s.status}`));
    const missing = routes.flatMap(({ method, path }) => [401, 403].filter((s) => !seen.has(`${method} ${path} ${s}`)).map((s) => `${method} ${path} ${s}`));
    expect(missing).toEqual([]);
    expect(routes.filter(({ method, path }) => ![400, 404, 422].some((s) => seen.has(`${method} ${path} ${s}`))).map((r) => `${r.method} ${r.path}`)).toEqual([]);
  });
});
