/**
 * The committed contract (docs/openapi.json) is what a gateway with every profile serves, passes a
 * strict validator nobody here wrote, generates the committed TypeScript types, documents every
 * route the gateway registers (with a schema and an example for every JSON answer), and its
 * request components accept exactly what the routes' own validation accepts for the captured
 * examples.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validate, compileErrors } from '@readme/openapi-parser';
import openapiTS, { astToString, COMMENT_HEADER } from 'openapi-typescript';
import { createGateway, type Gateway } from '../../src/gateway.js';
import { ManualClock } from '../../src/domain/clock.js';
import { EVENT_CATALOGUE } from '../../src/http/openapi/events.js';
import { contractConfig, CONTRACT_ENV } from '../../src/http/openapi/full-config.js';
import { contractText } from '../../src/http/openapi/generate.js';
import { createValidatorCompiler, loadRestSchemas } from '../../src/http/schemas.js';
import { openTestPglite } from '../support/backends.js';
import { silentLog } from '../support/gateway-pair.js';
import { CONTRACT_FILE, ContractChecker, loadContract } from '../support/openapi-contract.js';

const TYPES_FILE = new URL('../generated/switchgate-api.d.ts', import.meta.url);
const EXAMPLES = JSON.parse(readFileSync(new URL('../../src/http/openapi/examples.json', import.meta.url), 'utf8')) as Record<string, unknown>;

type Op = { operationId?: string; security?: unknown[]; requestBody?: { content: Record<string, { schema?: unknown; examples?: Record<string, { value: unknown }> }> }; responses: Record<string, { content?: Record<string, { schema?: unknown; examples?: unknown }> }> };

describe('the OpenAPI contract', () => {
  let gw: Gateway;
  const doc = loadContract();
  const ops = () => Object.entries(doc.paths).flatMap(([path, item]) => Object.entries(item).map(([method, op]) => ({ key: `${method.toUpperCase()} ${path}`, op: op as unknown as Op })));

  beforeAll(async () => {
    // the clock of the captured examples (examples.json): their dates are valid then
    gw = await createGateway({ config: contractConfig(), store: await openTestPglite({}), clock: new ManualClock('2026-12-01T08:00:00Z'), background: false, log: silentLog(), env: CONTRACT_ENV });
  });
  afterAll(async () => gw?.close());

  it('docs/openapi.json is what a gateway with every profile serves at /docs/json (regenerate: npm run openapi)', async () => {
    const res = await gw.app.inject({ method: 'GET', url: '/docs/json' });
    expect(res.statusCode).toBe(200);
    const served = JSON.parse(res.body) as { openapi: string };
    expect(served.openapi).toBe('3.1.0');
    expect(contractText(served) === readFileSync(CONTRACT_FILE, 'utf8'), 'docs/openapi.json differs from what the gateway serves: run npm run openapi').toBe(true);
    expect((await gw.app.inject({ method: 'GET', url: '/docs' })).statusCode).toBeLessThan(400);
  });

  it('switchgate openapi --out writes that same document, needing no configuration, database or environment', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sg-openapi-'));
    try {
      const out = join(dir, 'openapi.json');
      const bin = new URL('../../bin/switchgate.js', import.meta.url).pathname;
      await promisify(execFile)(process.execPath, [bin, 'openapi', '--out', out], { env: { PATH: process.env.PATH, HOME: dir }, cwd: dir });
      expect(readFileSync(out, 'utf8') === readFileSync(CONTRACT_FILE, 'utf8'), 'switchgate openapi differs from docs/openapi.json').toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('passes the strict validator (@readme/openapi-parser) with zero errors and zero warnings', async () => {
    const result = await validate(structuredClone(doc) as never);
    expect(result.valid ? '' : compileErrors(result)).toBe('');
    expect(result.warnings).toEqual([]);
  });

  it('generates the committed TypeScript types with openapi-typescript (regenerate: npm run openapi)', async () => {
    const generated = COMMENT_HEADER + astToString(await openapiTS(structuredClone(doc) as never));
    expect(generated === readFileSync(TYPES_FILE, 'utf8'), 'test/generated/switchgate-api.d.ts is stale: run npm run openapi').toBe(true);
  });

  it('documents every route the gateway registers, each with an operationId, security and every answer with a schema and an example', async () => {
    const documented = new Set(ops().map((o) => o.key));
    const routes: string[] = [];
    // every registered route except the console (HTML for people), the docs themselves and HEAD twins
    for (const r of registeredRoutes(gw)) if (!r.url.startsWith('/console') && !r.url.startsWith('/docs') && r.method !== 'HEAD') routes.push(`${r.method} ${r.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`);
    expect(routes.filter((r) => !documented.has(r))).toEqual([]);
    const missing: string[] = [];
    for (const { key, op } of ops()) {
      if (!op.operationId) missing.push(`${key}: no operationId (not in src/http/openapi/operations.ts)`);
      if (!Array.isArray(op.security)) missing.push(`${key}: no security`);
      for (const [status, answer] of Object.entries(op.responses)) {
        for (const [type, media] of Object.entries(answer.content ?? {})) {
          if (!media.schema) missing.push(`${key} ${status} ${type}: no schema`);
          if (!media.examples) missing.push(`${key} ${status} ${type}: no example`);
        }
        if (!answer.content) missing.push(`${key} ${status}: no content`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('has the right security: none on health and metrics, the API key on /v1, the peer on east-west, the provider on callbacks', () => {
    const schemes = (key: string) => JSON.stringify(ops().find((o) => o.key === key)!.op.security);
    for (const key of ['GET /health/live', 'GET /health/ready', 'GET /metrics', 'GET /wbci/v1', 'GET /agcom/v1']) expect(schemes(key), key).toBe('[]');
    for (const { key } of ops().filter((o) => o.key.includes(' /v1/'))) expect(schemes(key), key).toBe('[{"apiKey":[]}]');
    for (const key of ['POST /wbci/v1', 'POST /wbci/v1/json', 'POST /agcom/v1', 'POST /agcom/v1/upload', 'POST /agcom/v1/json', 'POST /interconnect/v1']) expect(schemes(key), key).toContain('peerToken');
    for (const key of ['POST /wholesale/v1/notifications', 'POST /wholesale/v1/verifications']) expect(schemes(key), key).toContain('wholesaleToken');
  });

  it('request bodies are discriminated unions a generator understands, not if/then/else', () => {
    // every component derived from schemas/rest (the REST bodies), not the wholesale provider's callbacks
    const rest = Object.entries(doc.components.schemas).filter(([name]) => !name.startsWith('Wholesale'));
    expect(rest.filter(([, s]) => JSON.stringify(s).includes('"if":')).map(([name]) => name)).toEqual([]);
    const start = doc.components.schemas.StartSwitchBody as { oneOf: unknown[]; discriminator: { propertyName: string; mapping: Record<string, string> } };
    expect(start.discriminator).toEqual({ propertyName: 'procedure', mapping: { agcom: '#/components/schemas/StartSwitchAgcomBody', wbci: '#/components/schemas/StartSwitchWbciBody' } });
    expect((doc.components.schemas.Event as { oneOf: unknown[] }).oneOf.length).toBeGreaterThan(60);
  });

  it('the event catalogue names every event type the code appends', () => {
    const catalogue = new Set(EVENT_CATALOGUE.map((e) => e.type));
    // strings of the same shape that are no event: configuration keys and a file name
    const NOT_EVENTS = new Set(['agcom.cos', 'agcom.ftth.codes', 'wholesale.retry', 'wholesale.xsd']);
    const found = new Set<string>();
    const scan = (dir: URL) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        if (entry.isDirectory()) scan(new URL(`${entry.name}/`, dir));
        else if (entry.name.endsWith('.ts') && !dir.pathname.includes('/http/openapi/')) {
          for (const m of readFileSync(new URL(entry.name, dir), 'utf8').matchAll(/'((?:case|message|delivery|deadline|wholesale|np|agcom|interconnect|wbci)\.[a-z0-9.-]+)'/g)) found.add(m[1]!);
        }
      }
    };
    scan(new URL('../../src/', import.meta.url));
    expect([...found].filter((t) => !catalogue.has(t) && !NOT_EVENTS.has(t))).toEqual([]);
    expect(found.size).toBeGreaterThan(40);
  });

  it('the events of AGCOM and interconnection flows match their catalogue entries', async () => {
    const checker = new ContractChecker(doc);
    const auth = { authorization: 'Bearer contract-api-key', 'content-type': 'application/json' };
    const post = async (url: string, key: string, label = 'default') => {
      const media = doc.paths[url]!.post!.requestBody!.content['application/json'] as unknown as { examples: Record<string, { value: unknown }> };
      const res = await gw.app.inject({ method: 'POST', url, headers: auth, payload: JSON.stringify(media.examples[label]!.value) });
      expect(checker.problems('POST', url, res.statusCode, String(res.headers['content-type']), res.body), key).toEqual([]);
      expect(res.statusCode, `${key}: ${res.body}`).toBe(201);
      return JSON.parse(res.body) as { id: string };
    };
    await post('/v1/switches', 'agcom start', 'agcom');
    await post('/v1/interconnect/requests', 'interconnect request');
    await post('/v1/interconnect/faults', 'fault');
    const project = await post('/v1/interconnect/projects', 'project');
    const step = await gw.app.inject({ method: 'POST', url: `/v1/interconnect/projects/${project.id}/events`, headers: auth, payload: JSON.stringify({ event: 'agreement-signed' }) });
    expect(step.statusCode, step.body).toBe(200);
    const feed = await gw.app.inject({ method: 'GET', url: '/v1/events?limit=1000', headers: auth });
    expect(checker.problems('GET', '/v1/events', feed.statusCode, String(feed.headers['content-type']), feed.body)).toEqual([]);
    const events = (JSON.parse(feed.body) as { items: { type: string }[] }).items;
    for (const e of events) expect(checker.componentErrors('Event', e), e.type).toEqual([]);
    expect(events.map((e) => e.type), JSON.stringify(events.map((e) => e.type))).toEqual(expect.arrayContaining(['message.queued', 'case.case-opened', 'interconnect.request.submitted', 'interconnect.fault.opened', 'interconnect.project.requested', 'interconnect.project.event']));
  });

  it('the request components and the routes\' own validation agree on every captured request (and on a broken one)', () => {
    const checker = new ContractChecker(doc);
    const compile = createValidatorCompiler(loadRestSchemas());
    let compared = 0;
    for (const { key, op } of ops()) {
      const media = op.requestBody?.content['application/json'];
      // a body a case's procedure chooses (anyOf WBCI, AGCOM): the captured examples are the first's
      const schema = media?.schema as { $ref?: string; anyOf?: { $ref: string }[] } | undefined;
      const ref = schema?.$ref ?? schema?.anyOf?.[0]?.$ref;
      if (!ref || !ref.startsWith('#/components/schemas/')) continue;
      const name = ref.slice('#/components/schemas/'.length);
      for (const [label, { value }] of Object.entries(media!.examples ?? {})) {
        expect(checker.componentErrors(name, value), `${key} example ${label}`).toEqual([]);
        const broken = { ...(value as object), unknownField: 1 };
        expect(checker.componentErrors(name, broken).length, `${key}: the document accepts an unknown field`).toBeGreaterThan(0);
        const file = routeSchemaFile(name);
        if (file) {
          const validateRoute = compile({ schema: { $ref: file }, method: 'POST', url: '', httpPart: 'body' }) as (d: unknown) => boolean;
          expect(validateRoute(structuredClone(value)), `${key} example ${label}: refused by ${file}`).toBe(true);
          expect(validateRoute(broken), `${key}: ${file} accepts an unknown field`).toBe(false);
        }
        compared++;
      }
    }
    expect(compared).toBeGreaterThanOrEqual(10);
    expect(Object.keys(EXAMPLES).length).toBeGreaterThan(30);
  });
});

/** The schemas/rest file a body component was derived from (`AnswerBody` → `answer.json`). */
function routeSchemaFile(component: string): string | undefined {
  if (!component.endsWith('Body') || component.startsWith('InterconnectActions')) return undefined;
  const base = component.slice(0, -4).replace(/[A-Z]/g, (c, i: number) => (i ? '-' : '') + c.toLowerCase());
  return loadRestSchemas().some((s) => s.$id === `${base}.json`) ? `${base}.json` : undefined;
}

/** Every route of the gateway, read from fastify's route tree (`printRoutes`, one segment per line). */
function registeredRoutes(gw: Gateway): { method: string; url: string }[] {
  const out: { method: string; url: string }[] = [];
  const stack: string[] = [];
  for (const line of gw.app.printRoutes({ commonPrefix: false }).split('\n')) {
    const m = /^([│├└─\s]*?)([^\s│├└─].*?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!m || !m[2]) continue;
    const depth = Math.round(m[1]!.length / 4);
    stack.length = depth;
    const url = (stack[depth - 1] ?? '') + m[2];
    stack[depth] = url;
    for (const method of (m[3] ?? '').split(',').map((x) => x.trim()).filter(Boolean)) out.push({ method, url: url.length > 1 ? url.replace(/\/$/, '') : url });
  }
  return out;
}
