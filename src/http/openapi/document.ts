/**
 * The OpenAPI 3.1 document served at /docs/json: @fastify/swagger walks the registered routes (so
 * a route that exists is listed, with the parameters of its own validation schemas), and this
 * module completes each operation from operations.ts — request body and response components,
 * headers, security, examples, machine codes — and replaces the components by those derived from
 * schemas/ (request-schemas.ts), the views (response-schemas.ts) and the event catalogue.
 */
import { readFileSync } from 'node:fs';
import type { SwaggerOptions } from '@fastify/swagger';
import { problem } from '../problem.js';
import { eventComponents } from './events.js';
import { OPERATIONS, type Answer, type OperationDoc, type Security } from './operations.js';
import { requestComponents, type JsonSchema } from './request-schemas.js';
import { responseComponents } from './response-schemas.js';

type Examples = Record<string, unknown>;
type Operation = Record<string, unknown> & { parameters?: { name: string; in: string }[]; tags?: string[]; summary?: string; description?: string };

const EXAMPLES_FILE = new URL('./examples.json', import.meta.url);
const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

/** `/v1/switches/:id` → `/v1/switches/{id}` */
export const openapiPath = (url: string) => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

/** The key of an operation in operations.ts and examples.json. */
export const operationKey = (method: string, url: string) => `${method.toUpperCase()} ${openapiPath(url)}`;

const SECURITY: Record<Security, Record<string, string[]>[]> = {
  none: [],
  apiKey: [{ apiKey: [] }],
  peer: [{ peerToken: [] }, { peerCertificate: [] }],
  wholesale: [{ wholesaleToken: [] }, { wholesaleCertificate: [] }],
  numberPortability: [{ numberPortabilityToken: [] }],
  ftthOperator: [{ ftthOperatorToken: [] }],
};

const SECURITY_SCHEMES = {
  apiKey: { type: 'http', scheme: 'bearer', description: 'API key of the CRM (apiKeys[].keySha256), with the scope each operation names in x-scope' },
  peerToken: { type: 'http', scheme: 'bearer', description: 'the partner operator\'s token (peers[].inboundTokenSha256)' },
  peerCertificate: { type: 'mutualTLS', description: 'the partner operator\'s client certificate (peers[].inboundCertSha256)' },
  wholesaleToken: { type: 'http', scheme: 'bearer', description: 'the wholesale provider\'s token (wholesale.inboundTokenSha256)' },
  wholesaleCertificate: { type: 'mutualTLS', description: 'the wholesale provider\'s client certificate (wholesale.inboundCertSha256)' },
  numberPortabilityToken: { type: 'http', scheme: 'bearer', description: 'the Donor\'s token (agcom.numberPortability.inboundTokenSha256)' },
  ftthOperatorToken: { type: 'http', scheme: 'bearer', description: 'the FTTH network operator\'s token (agcom.wholesale.inboundTokenSha256)' },
};

const TAGS = [
  { name: 'switches', description: 'Cases and the CRM\'s actions on them' },
  { name: 'events', description: 'Event feed' },
  { name: 'delivery', description: 'Dead letters and their replay' },
  { name: 'tools', description: 'Helpers for CRM order entry' },
  { name: 'interconnect', description: 'VoLTE-VoIP/IP interconnection with TIM: access requests, faults, projects, billing' },
  { name: 'wholesale', description: 'Callbacks of the wholesale provider (phase 3)' },
  { name: 'east-west', description: 'Operator to operator: WBCI, AGCOM, FTTH and interconnection wire endpoints' },
  { name: 'health', description: 'Operations' },
];

function loadExamples(): Examples {
  return JSON.parse(readFileSync(EXAMPLES_FILE, 'utf8')) as Examples;
}

const schemaOf = (s: string | JsonSchema | undefined): JsonSchema | undefined => (typeof s === 'string' ? { $ref: `#/components/schemas/${s}` } : s);

/** Examples captured for `key` (plain and labelled ones: "… 201", "… 201 agcom"). */
function examplesFor(examples: Examples, key: string): Record<string, { value: unknown }> | undefined {
  const found: Record<string, { value: unknown }> = {};
  for (const [k, value] of Object.entries(examples)) {
    if (k === key) found.default = { value };
    else if (k.startsWith(key + ' ')) found[k.slice(key.length + 1)] = { value };
  }
  return Object.keys(found).length ? found : undefined;
}

/** The first captured answer of each component, for operations whose own run did not produce one. */
function examplesByComponent(examples: Examples): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const [key, doc] of Object.entries(OPERATIONS)) {
    for (const [status, a] of Object.entries(doc.responses)) {
      const value = examples[`${key} ${status}`];
      if (typeof a.schema === 'string' && value !== undefined && !out.has(a.schema)) out.set(a.schema, value);
    }
  }
  return out;
}

function response(status: string, a: Answer, key: string, examples: Examples, byComponent: Map<string, unknown>): Record<string, unknown> {
  const contentType = a.contentType ?? (a.schema === 'Problem' ? 'application/problem+json' : 'application/json');
  let ex = examplesFor(examples, `${key} ${status}`);
  if (!ex && a.example !== undefined) ex = { default: { value: a.example } };
  // the same component answered by another operation of the run (e.g. the case after a link)
  if (!ex && a.schema !== 'Problem' && typeof a.schema === 'string' && byComponent.has(a.schema)) ex = { default: { value: byComponent.get(a.schema) } };
  // no captured answer of this status: the problem document the gateway builds for its first code
  if (!ex && a.schema === 'Problem' && a.codes?.length) ex = { default: { value: problem(Number(status), a.codes[0]!, a.description) } };
  const description = a.codes?.length ? `${a.description}. Codes: ${a.codes.join(', ')}` : a.description;
  return {
    description,
    ...(a.headers ? { headers: Object.fromEntries(Object.entries(a.headers).map(([h, d]) => [h, { description: d.description, schema: d.schema }])) } : {}),
    ...(a.schema ? { content: { [contentType]: { schema: schemaOf(a.schema), ...(ex ? { examples: ex } : {}) } } } : {}),
    ...(a.codes?.length ? { 'x-codes': a.codes } : {}),
  };
}

function requestBody(doc: OperationDoc, key: string, examples: Examples): Record<string, unknown> | undefined {
  if (!doc.body) return undefined;
  if (typeof doc.body === 'string' || !Array.isArray(doc.body)) {
    const ex = examplesFor(examples, `${key} request`) ?? (doc.requestExample !== undefined ? { default: { value: doc.requestExample } } : undefined);
    const schema = typeof doc.body === 'string' ? schemaOf(doc.body) : { anyOf: doc.body.anyOf.map((c) => schemaOf(c)), description: 'the body the case\'s procedure takes (WBCI or AGCOM)' };
    return { required: doc.bodyRequired ?? true, content: { 'application/json': { schema, ...(ex ? { examples: ex } : {}) } } };
  }
  return {
    required: true,
    description: doc.body.map((b) => `${b.contentType}: ${b.description}`).join('; '),
    content: Object.fromEntries(doc.body.map((b) => [b.contentType, { schema: b.schema }])),
  };
}

function headerParameters(doc: OperationDoc): { name: string; in: string; [k: string]: unknown }[] {
  const out: { name: string; in: string; [k: string]: unknown }[] = [];
  if (doc.idempotent) {
    out.push({
      name: 'Idempotency-Key',
      in: 'header',
      required: false,
      description: 'makes the request safe to retry: a repeat with the same key and body (key order in objects aside) gets the first answer (with Idempotent-Replayed: true); with another body 422 SG_IDEMPOTENCY_KEY_REUSED; while the first is in flight 409 SG_IDEMPOTENCY_IN_FLIGHT',
      schema: { type: 'string', minLength: 1, maxLength: 255 },
    });
  }
  if (doc.ifMatch) {
    out.push({ name: 'If-Match', in: 'header', required: false, description: 'the ETag of the case as last read; 412 SG_PRECONDITION_FAILED when it changed since', schema: { type: 'string' } });
  }
  return out;
}

const operationId = (key: string) => {
  const [method, path] = key.split(' ') as [string, string];
  const words = path.split('/').filter(Boolean).map((seg) => seg.replace(/[{}]/g, '').replace(/^v1$/, ''));
  const name = words.filter(Boolean).map((w) => w.replace(/(^|[-_.])([a-zA-Z0-9])/g, (_m, _s, c: string) => c.toUpperCase())).join('');
  return method.toLowerCase() + name;
};

function completeOperation(op: Operation, doc: OperationDoc, key: string, examples: Examples, byComponent: Map<string, unknown>): Operation {
  const own = (op.parameters ?? []).filter((p) => !(p.in === 'header' && ['idempotency-key', 'if-match'].includes(p.name.toLowerCase())));
  const parameters = [...own, ...headerParameters(doc)];
  const body = requestBody(doc, key, examples);
  return {
    operationId: operationId(key),
    ...(op.tags ?? doc.tags ? { tags: op.tags ?? doc.tags } : {}),
    summary: op.summary ?? doc.summary ?? key,
    ...(doc.description ?? op.description ? { description: doc.description ?? op.description } : {}),
    ...(doc.externalDocs ? { externalDocs: doc.externalDocs } : {}),
    ...(parameters.length ? { parameters } : {}),
    ...(body ? { requestBody: body } : {}),
    responses: Object.fromEntries(Object.entries(doc.responses).map(([status, a]) => [status, response(status, a, key, examples, byComponent)])),
    security: SECURITY[doc.security],
    ...(doc.scope ? { 'x-scope': doc.scope } : {}),
  };
}

/** Every component of the contract, by name. */
export function contractComponents(): Record<string, JsonSchema> {
  return { ...requestComponents(), ...responseComponents(), ...eventComponents() };
}

export function openapiOptions(version: string): SwaggerOptions {
  return {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'switchgate',
        version,
        description:
          'Messaging gateway for fixed-line customer switches between operators (WBCI, AGCOM) and the interconnection with TIM. Errors are RFC 9457 problem documents with a stable `code` (listed per status in `x-codes`); validation errors list the offending fields. Generated by `switchgate openapi` (docs/openapi.json).',
        license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
      },
      tags: TAGS,
    },
    transform: ({ schema, url, route }) => {
      const methods = ([] as string[]).concat(route.method as string | string[]);
      if (!methods.some((m) => OPERATIONS[operationKey(m, url)])) return { schema, url };
      const s = (schema ?? {}) as Record<string, unknown>;
      const kept: Record<string, unknown> = { hide: false };
      for (const k of ['params', 'querystring', 'headers', 'tags', 'summary', 'description']) if (s[k] !== undefined) kept[k] = s[k];
      return { schema: kept as never, url };
    },
    transformObject: (documentObject) => {
      const doc = (documentObject as { openapiObject: Record<string, unknown> }).openapiObject;
      const examples = loadExamples();
      const byComponent = examplesByComponent(examples);
      const paths = doc.paths as Record<string, Record<string, Operation>>;
      const sortedPaths: Record<string, Record<string, Operation>> = {};
      for (const path of Object.keys(paths).sort()) {
        const item: Record<string, Operation> = {};
        for (const method of METHODS) {
          const op = paths[path]![method];
          if (!op) continue;
          const key = `${method.toUpperCase()} ${path}`;
          const described = OPERATIONS[key];
          item[method] = described ? completeOperation(op, described, key, examples, byComponent) : op;
        }
        sortedPaths[path] = item;
      }
      const components = contractComponents();
      return {
        openapi: '3.1.0',
        info: doc.info,
        tags: doc.tags,
        security: SECURITY.apiKey,
        paths: sortedPaths,
        components: {
          schemas: Object.fromEntries(Object.keys(components).sort().map((k) => [k, components[k]])),
          securitySchemes: SECURITY_SCHEMES,
        },
      } as never;
    },
  };
}
