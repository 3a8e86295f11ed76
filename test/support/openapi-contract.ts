/**
 * Checks answers of a running gateway against docs/openapi.json: the status must be documented
 * for the operation, the content type must be the documented one, the body must validate against
 * the documented schema (ajv, JSON Schema 2020-12 as OpenAPI 3.1 uses it), and a problem's `code`
 * must be among the operation's `x-codes` for that status. Used by the contract tests on every
 * answer of their flows, so the document cannot drift from what the gateway sends.
 */
import { readFileSync } from 'node:fs';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

// ajv-formats is CommonJS: its default export is the function under NodeNext resolution
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

export type OpenApiDocument = {
  paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: unknown }>; 'x-codes'?: string[] }>; requestBody?: { content: Record<string, { schema: unknown }> } }>>;
  components: { schemas: Record<string, unknown> };
};

export const CONTRACT_FILE = new URL('../../docs/openapi.json', import.meta.url);
const BASE = 'https://switchgate.dev/openapi.json';

export function loadContract(): OpenApiDocument {
  return JSON.parse(readFileSync(CONTRACT_FILE, 'utf8')) as OpenApiDocument;
}

const pointer = (...parts: string[]) => '#/' + parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');

export interface Checked {
  method: string;
  path: string;
  status: number;
}

export class ContractChecker {
  private readonly ajv: Ajv2020;
  private readonly validators = new Map<string, ValidateFunction>();
  /** every (operation, status) seen, for coverage assertions */
  readonly seen: Checked[] = [];

  constructor(readonly doc: OpenApiDocument = loadContract()) {
    this.ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
    addFormats(this.ajv);
    this.ajv.addSchema({ $id: BASE, paths: doc.paths, components: doc.components } as never);
  }

  /** The documented path template of a concrete URL path (`/v1/switches/X/answer` → `/v1/switches/{id}/answer`). */
  templateOf(method: string, urlPath: string): string {
    const path = urlPath.split('?')[0]!;
    const m = method.toLowerCase();
    const candidates = Object.keys(this.doc.paths).filter((t) => this.doc.paths[t]![m]);
    const exact = candidates.find((t) => t === path);
    if (exact) return exact;
    const hit = candidates.find((t) => new RegExp('^' + t.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+') + '$').test(path));
    if (!hit) throw new Error(`${method} ${path}: no such operation in docs/openapi.json`);
    return hit;
  }

  validatorFor(ref: string): ValidateFunction {
    let v = this.validators.get(ref);
    if (!v) {
      v = this.ajv.compile({ $ref: BASE + ref });
      this.validators.set(ref, v);
    }
    return v;
  }

  /** Validates a value against a component (`Event`, `Problem`, …); returns the errors, empty when valid. */
  componentErrors(name: string, value: unknown): string[] {
    const v = this.validatorFor(pointer('components', 'schemas', name));
    return v(value) ? [] : (v.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? e.keyword} (${e.schemaPath})`);
  }

  /** Everything wrong with one answer; empty when it matches the document. */
  problems(method: string, url: string, status: number, contentType: string | undefined, body: string): string[] {
    const path = this.templateOf(method, url);
    const op = this.doc.paths[path]![method.toLowerCase()]!;
    const where = `${method} ${path} → ${status}`;
    this.seen.push({ method: method.toUpperCase(), path, status });
    const answer = op.responses[String(status)];
    if (!answer) return [`${where}: status not documented (documented: ${Object.keys(op.responses).join(', ')}); body ${body.slice(0, 300)}`];
    if (!answer.content) return body.length ? [] : [];
    const type = (contentType ?? '').split(';')[0]!.trim();
    const documented = Object.keys(answer.content);
    if (!documented.includes(type)) return [`${where}: content type ${type || '(none)'} not documented (${documented.join(', ')})`];
    if (!type.includes('json')) return [];
    let value: unknown;
    try {
      value = JSON.parse(body);
    } catch {
      return [`${where}: not JSON: ${body.slice(0, 200)}`];
    }
    const v = this.validatorFor(pointer('paths', path, method.toLowerCase(), 'responses', String(status), 'content', type, 'schema'));
    const out: string[] = [];
    if (!v(value)) out.push(...(v.errors ?? []).slice(0, 10).map((e) => `${where}: ${e.instancePath || '/'} ${e.message ?? e.keyword} (${e.schemaPath}) in ${body.slice(0, 400)}`));
    const codes = answer['x-codes'];
    const code = (value as { code?: unknown } | null)?.code;
    if (codes && typeof code === 'string' && !codes.includes(code)) out.push(`${where}: code ${code} is not among the documented ${codes.join(', ')}`);
    return out;
  }
}
