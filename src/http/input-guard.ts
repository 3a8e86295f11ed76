/**
 * What cannot be stored or safely processed is refused at the edge, on every route, before any
 * handler sees it:
 *
 * - a `Content-Encoding` other than identity (no decompression bombs; nothing here decompresses);
 * - a `charset` other than UTF-8 (latin-1 bytes read as UTF-8 would corrupt names silently);
 * - NUL, other C0 control characters and DEL in path parameters and query parameters, and the
 *   same except tab, CR and LF in JSON bodies (keys and string values) — PostgreSQL cannot store
 *   NUL, and no field of any procedure carries control characters;
 * - JSON nested deeper than `MAX_JSON_DEPTH` (validation recurses; nothing real nests that deep),
 *   and lists or objects with more than `MAX_JSON_ITEMS` entries (schema validation of every one
 *   of 200 000 wrong items costs seconds of event loop; no message has a thousand).
 *
 * Each refusal names the parameter or field (`/params/id`, `/query/state`, `/customer/name`).
 */
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../app/errors.js';
import type { Issue } from '../domain/issues.js';

export const MAX_JSON_DEPTH = 32;
/** no message has more items in a list or keys in an object; validating 200 000 of them would stall the loop */
export const MAX_JSON_ITEMS = 1000;

// matching control characters is the point of these two expressions
/* eslint-disable no-control-regex */
/** C0 except nothing, and DEL: for ids and query parameters */
export const CONTROL_STRICT = /[\u0000-\u001f\u007f]/;
/** C0 except tab, LF, CR, and DEL: for text in bodies */
const CONTROL_TEXT = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
/* eslint-enable no-control-regex */
/** a UTF-16 surrogate without its partner: not a character, and PostgreSQL's jsonb refuses it */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

const escapeSegment = (k: string) => k.replace(/~/g, '~0').replace(/\//g, '~1');
const printable = (k: string) => (CONTROL_STRICT.test(k) ? JSON.stringify(k).slice(1, -1) : k).slice(0, 64);

function controlIssue(path: string, where: string): Issue {
  return { path, rule: 'noControlCharacters', code: 'SG_CONTROL_CHARACTER', message: `${where} contains a control character (NUL, C0 or DEL), which no field allows` };
}

/** Path and query parameters: flat strings (or lists of strings for a repeated query key). */
function paramIssues(values: unknown, root: '/params' | '/query'): Issue[] {
  if (values === null || typeof values !== 'object') return [];
  const out: Issue[] = [];
  for (const [k, v] of Object.entries(values as Record<string, unknown>)) {
    const path = `${root}/${escapeSegment(printable(k))}`;
    const list = Array.isArray(v) ? v : [v];
    if (CONTROL_STRICT.test(k) || list.some((x) => typeof x === 'string' && (CONTROL_STRICT.test(x) || LONE_SURROGATE.test(x)))) {
      out.push(controlIssue(path, `${root === '/params' ? 'path parameter' : 'query parameter'} "${printable(k)}"`));
    }
  }
  return out;
}

/** Where a value sits in the body: its key and its parent, made into a JSON pointer only for an issue. */
interface Place {
  key: string;
  parent: Place | undefined;
}

function pointer(place: Place | undefined): string {
  let path = '';
  for (let p = place; p; p = p.parent) path = `/${escapeSegment(printable(p.key))}${path}`;
  return path;
}

/** A string value no field may hold: a lone surrogate, or C0 other than tab, LF and CR, or DEL. */
const badText = (s: string): 'control' | 'surrogate' | undefined => (LONE_SURROGATE.test(s) ? 'surrogate' : CONTROL_TEXT.test(s) ? 'control' : undefined);

function textIssue(kind: 'control' | 'surrogate', place: Place, isKey: boolean): Issue {
  const p = pointer(place);
  if (kind === 'control') return controlIssue(p, isKey ? `the key "${printable(place.key)}"` : p);
  return { path: p, rule: 'unicodeScalarValues', code: 'SG_INVALID_ENCODING', message: `${p} contains a lone UTF-16 surrogate (\\uD800–\\uDFFF), which is not a character` };
}

/**
 * Walks a parsed JSON body without recursion: depth, size and control characters, first finding
 * wins. Every request body passes here, so the walk allocates a place per container only and
 * spells out a path only for the issue it returns.
 */
function bodyIssue(body: unknown): Issue | undefined {
  if (body === null || typeof body !== 'object') {
    return typeof body === 'string' && CONTROL_TEXT.test(body) ? controlIssue('', 'the body') : undefined;
  }
  const stack: { value: object; place: Place | undefined; depth: number }[] = [{ value: body, place: undefined, depth: 1 }];
  while (stack.length > 0) {
    const { value, place, depth } = stack.pop()!;
    if (depth > MAX_JSON_DEPTH) {
      return { path: pointer(place) || '/', rule: 'maxDepth', code: 'SG_TOO_DEEP', message: `the body nests deeper than ${MAX_JSON_DEPTH} levels` };
    }
    if (Array.isArray(value)) {
      if (value.length > MAX_JSON_ITEMS) return tooMany(value.length, place);
      for (let i = 0; i < value.length; i++) {
        const v: unknown = value[i];
        if (typeof v === 'string') {
          const bad = badText(v);
          if (bad) return textIssue(bad, { key: String(i), parent: place }, false);
        } else if (v !== null && typeof v === 'object') {
          stack.push({ value: v, place: { key: String(i), parent: place }, depth: depth + 1 });
        }
      }
      continue;
    }
    const keys = Object.keys(value);
    if (keys.length > MAX_JSON_ITEMS) return tooMany(keys.length, place);
    for (const k of keys) {
      const badKey = CONTROL_TEXT.test(k) ? 'control' : LONE_SURROGATE.test(k) ? 'surrogate' : undefined;
      if (badKey) return textIssue(badKey, { key: k, parent: place }, true);
      const v: unknown = (value as Record<string, unknown>)[k];
      if (typeof v === 'string') {
        const bad = badText(v);
        if (bad) return textIssue(bad, { key: k, parent: place }, false);
      } else if (v !== null && typeof v === 'object') {
        stack.push({ value: v, place: { key: k, parent: place }, depth: depth + 1 });
      }
    }
  }
  return undefined;
}

function tooMany(size: number, place: Place | undefined): Issue {
  return { path: pointer(place) || '/', rule: 'maxItems', code: 'SG_TOO_MANY_ITEMS', message: `${size} entries; no list or object of a message has more than ${MAX_JSON_ITEMS}` };
}

// a parsed JSON value: not raw bytes, not text, not a stream a route reads itself (the traffic CSV)
const isJsonBody = (request: FastifyRequest) =>
  request.body !== undefined && !Buffer.isBuffer(request.body) && typeof request.body !== 'string' && !(request.body instanceof Readable);

/** A registered route, as the guard sweep and the docs see it. */
export interface RouteEntry {
  method: string;
  url: string;
  /** names of the declared query parameters, if the route has a querystring schema */
  query: string[];
}

declare module 'fastify' {
  interface FastifyInstance {
    /** every route registered after the guard, in every plugin (collected by an onRoute hook) */
    routeCatalogue: RouteEntry[];
  }
}

export function inputGuard(app: FastifyInstance): void {
  const catalogue: RouteEntry[] = [];
  app.decorate('routeCatalogue', catalogue);
  app.addHook('onRoute', (route) => {
    const props = (route.schema?.querystring as { properties?: Record<string, unknown> } | undefined)?.properties;
    for (const method of [route.method].flat()) catalogue.push({ method, url: route.url ?? route.path, query: Object.keys(props ?? {}) });
  });
  // callback-style hooks: an async hook costs a promise and a microtask turn on every request
  app.addHook('onRequest', (request, _reply, done) => {
    const enc = request.headers['content-encoding'];
    if (enc !== undefined && enc.trim().toLowerCase() !== 'identity') {
      return done(new AppError(415, 'SG_UNSUPPORTED_CONTENT_ENCODING', `Content-Encoding ${printable(enc)} is not accepted: send the body uncompressed`, [
        { path: '/headers/content-encoding', rule: 'identityOnly', code: 'SG_UNSUPPORTED_CONTENT_ENCODING', message: 'only identity is accepted' },
      ]));
    }
    const charset = /;\s*charset\s*=\s*"?([^";\s]*)/i.exec(request.headers['content-type'] ?? '')?.[1];
    if (charset !== undefined && !/^utf-?8$/i.test(charset)) {
      return done(new AppError(415, 'SG_UNSUPPORTED_CHARSET', `charset ${printable(charset)} is not accepted: bodies are UTF-8`, [
        { path: '/headers/content-type', rule: 'utf8Only', code: 'SG_UNSUPPORTED_CHARSET', message: 'only charset=utf-8 is accepted' },
      ]));
    }
    done();
  });

  app.addHook('preValidation', (request, _reply, done) => {
    const issues = [...paramIssues(request.params, '/params'), ...paramIssues(request.query, '/query')];
    if (issues.length > 0) return done(new AppError(400, 'SG_CONTROL_CHARACTER', `${issues[0]!.path}: ${issues[0]!.message}`, issues));
    if (isJsonBody(request)) {
      const issue = bodyIssue(request.body);
      if (issue) return done(new AppError(issue.code === 'SG_CONTROL_CHARACTER' || issue.code === 'SG_INVALID_ENCODING' ? 422 : 400, issue.code, `${issue.path || '/'}: ${issue.message}`, [issue]));
    }
    done();
  });
}
