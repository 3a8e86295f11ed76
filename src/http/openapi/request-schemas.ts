/**
 * The request-body components of the contract, derived from the very JSON Schemas ajv validates
 * requests with (`schemas/rest/*.json`): one source of truth. Derivation is mechanical:
 *
 * - every file becomes a component (`answer.json` → `AnswerBody`), every definition one too
 *   (`common.json#/definitions/party` → `Party`, `interconnect-request.json#/definitions/site` →
 *   `InterconnectRequestSite`); `$ref`s are rewritten to `#/components/schemas/…`;
 * - a choice ajv expresses with `if`/`then`/`else` on one property (or an `allOf` of `if`/`then`
 *   per value) becomes `oneOf` + `discriminator` on that property, which generators understand.
 *   Validation keeps using the original files, so its behaviour and error paths do not change.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadRestSchemas } from '../schemas.js';

const WHOLESALE_DIR = fileURLToPath(new URL('../../../schemas/wholesale/', import.meta.url));
/** the wholesale provider's callback bodies (and the orders we send it), validated by src/wholesale */
const wholesaleSchemas = (): (JsonSchema & { $id: string })[] =>
  readdirSync(WHOLESALE_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(WHOLESALE_DIR + f, 'utf8')) as JsonSchema & { $id: string });
const isWholesale = (id: string) => id.startsWith('wholesale-') || WHOLESALE_IDS.has(id);
const WHOLESALE_IDS = new Set(['cancel-product-order.json', 'notification.json', 'product-order.json', 'reschedule-product-order.json', 'verification-request.json', 'verification-response.json']);

export type JsonSchema = Record<string, unknown>;
type Components = Record<string, JsonSchema>;

const REF = '#/components/schemas/';
const pascal = (s: string) => s.replace(/(^|[-_.])([a-z0-9])/gi, (_m, _sep, c: string) => c.toUpperCase());
const fileBase = (file: string) => file.replace(/\.json$/, '');

/** Component name of a file's root schema; `common.json` has none. */
export const bodyComponentName = (file: string): string => (isWholesale(file) ? `Wholesale${pascal(fileBase(file))}` : `${pascal(fileBase(file))}Body`);

function definitionName(file: string, def: string): string {
  if (file === 'common.json') return def === 'problem' ? 'Problem' : pascal(def);
  if (file === 'wholesale-common.json') return `Wholesale${pascal(def)}`;
  return `${pascal(fileBase(file))}${pascal(def)}`;
}

/** `$ref` as written in `file` → the component it names. */
export function componentRefOf(ref: string, file: string): string {
  const [target, pointer] = ref.split('#');
  const targetFile = target ? target : file;
  if (!pointer) return REF + bodyComponentName(targetFile);
  const m = /^\/definitions\/([^/]+)$/.exec(pointer);
  if (!m) throw new Error(`openapi: unsupported $ref ${ref} in ${file}`);
  return REF + definitionName(targetFile, m[1]!);
}

function rewriteRefs(node: unknown, file: string): unknown {
  if (Array.isArray(node)) return node.map((n) => rewriteRefs(n, file));
  if (node === null || typeof node !== 'object') return node;
  const out: JsonSchema = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === '$id' || k === '$schema' || k === 'definitions') continue;
    out[k] = k === '$ref' && typeof v === 'string' ? componentRefOf(v, file) : rewriteRefs(v, file);
  }
  return out;
}

/** The discriminating property and its values of an `if` like `{ properties: { p: { const | enum } } }`. */
function condition(ifSchema: unknown): { property: string; values: string[] } | undefined {
  const props = (ifSchema as { properties?: Record<string, { const?: string; enum?: string[] }> } | undefined)?.properties;
  if (!props) return undefined;
  const entries = Object.entries(props);
  if (entries.length !== 1) return undefined;
  const [property, s] = entries[0]!;
  const values = s.const !== undefined ? [s.const] : s.enum;
  return values ? { property, values } : undefined;
}

const nameOfRef = (ref: string) => ref.slice(REF.length);
/** `AnswerBody` + `accept` → `AnswerAcceptBody`; `ConfirmedNumbers` + `single` → `ConfirmedNumbersSingle` */
const branchName = (owner: string, value: string) => (owner.endsWith('Body') ? `${owner.slice(0, -4)}${pascal(value)}Body` : owner + pascal(value));

class Deriver {
  constructor(readonly components: Components) {}

  /** A branch as a component ref: kept when it is one already, else hoisted under `name`. */
  private branch(schema: JsonSchema, name: string): string {
    if (typeof schema.$ref === 'string' && Object.keys(schema).length === 1) return schema.$ref;
    this.components[name] = schema;
    return REF + name;
  }

  /** Makes the discriminating property required and exactly its values in a branch component. */
  private pin(ref: string, property: string, values: string[], parent: JsonSchema): void {
    const c = this.components[nameOfRef(ref)];
    if (!c || c.oneOf) return;
    const props = { ...((c.properties ?? {}) as Record<string, unknown>) };
    const parentProps = (parent.properties ?? {}) as Record<string, unknown>;
    // `true` in a branch means "the parent's definition applies": spell it out for generators
    for (const [k, v] of Object.entries(props)) if (v === true && k !== property && parentProps[k] !== undefined) props[k] = parentProps[k];
    const current = props[property] as { const?: string; enum?: string[] } | undefined;
    if (!current || current === (true as unknown) || (current.const === undefined && current.enum === undefined)) {
      props[property] = values.length === 1 ? { const: values[0] } : { enum: values };
    }
    const required = new Set([...((c.required ?? []) as string[]), ...((parent.required ?? []) as string[]).filter((r) => r in props), property]);
    this.components[nameOfRef(ref)] = { ...c, properties: props, required: [...required] };
  }

  /** `if`/`then`/`else` (or `allOf` of `if`/`then`) on one property → `oneOf` + `discriminator`. */
  derive(schema: JsonSchema, name: string): JsonSchema {
    const cond = condition(schema.if);
    if (cond && schema.then && schema.else) {
      const all = ((schema.properties as Record<string, { enum?: string[] }> | undefined)?.[cond.property]?.enum ?? []) as string[];
      const elseValues = all.filter((v) => !cond.values.includes(v));
      const thenRef = this.branch(schema.then as JsonSchema, branchName(name, cond.values[0]!));
      const elseRef = this.branch(schema.else as JsonSchema, branchName(name, elseValues[0] ?? 'other'));
      this.pin(thenRef, cond.property, cond.values, schema);
      if (elseValues.length) this.pin(elseRef, cond.property, elseValues, schema);
      const mapping: Record<string, string> = {};
      for (const v of cond.values) mapping[v] = thenRef;
      for (const v of elseValues) mapping[v] = elseRef;
      return this.choice(schema, [thenRef, elseRef], cond.property, mapping);
    }
    const allOf = schema.allOf as JsonSchema[] | undefined;
    const conds = allOf?.map((s) => ((s.then as JsonSchema | undefined)?.$ref && !s.else ? condition(s.if) : undefined));
    const property = conds?.[0]?.property;
    if (allOf?.length && property && conds!.every((c) => c?.property === property)) {
      const mapping: Record<string, string> = {};
      const byRef = new Map<string, string[]>();
      allOf.forEach((s, i) => {
        const ref = (s.then as { $ref: string }).$ref;
        for (const v of conds![i]!.values) {
          mapping[v] = ref;
          byRef.set(ref, [...(byRef.get(ref) ?? []), v]);
        }
      });
      for (const [ref, values] of byRef) this.pin(ref, property, values, schema);
      const { allOf: _allOf, ...rest } = schema;
      void _allOf;
      return this.choice(rest, [...byRef.keys()], property, mapping);
    }
    return schema;
  }

  private choice(schema: JsonSchema, refs: string[], property: string, mapping: Record<string, string>): JsonSchema {
    const keep: JsonSchema = {};
    for (const k of ['title', 'description']) if (schema[k] !== undefined) keep[k] = schema[k];
    return { ...keep, type: 'object', oneOf: refs.map(($ref) => ({ $ref })), discriminator: { propertyName: property, mapping } };
  }
}

/** All request components, keyed by component name. */
export function requestComponents(): Components {
  const components: Components = {};
  const roots: [string, JsonSchema][] = [];
  for (const file of [...(loadRestSchemas() as unknown as (JsonSchema & { $id: string })[]), ...wholesaleSchemas()]) {
    const id = file.$id;
    for (const [def, s] of Object.entries((file.definitions ?? {}) as Record<string, unknown>)) {
      if (id === 'common.json' && def === 'problem') continue; // the Problem component is the response one
      roots.push([definitionName(id, def), rewriteRefs(s, id) as JsonSchema]);
    }
    if (['type', 'properties', 'if', 'oneOf', 'anyOf', 'allOf', '$ref'].some((k) => file[k] !== undefined)) {
      roots.push([bodyComponentName(id), rewriteRefs(file, id) as JsonSchema]);
    }
  }
  for (const [name, s] of roots) components[name] = s;
  const deriver = new Deriver(components);
  for (const [name] of roots) components[name] = deriver.derive(components[name]!, name);
  return components;
}
