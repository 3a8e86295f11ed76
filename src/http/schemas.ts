/**
 * Request validation: JSON Schemas from `schemas/rest/` compiled by ajv. Bodies are validated
 * strictly (unknown fields rejected, no type coercion); query strings and path parameters are
 * strings on the wire, so there (only) scalar coercion applies.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv, type AnySchema } from 'ajv';
import type { FastifySchemaCompiler } from 'fastify';
import { lazyValidator } from '../schemas/lazy-validator.js';
import type { PendingCompilations } from './lazy-schemas.js';

const SCHEMA_DIR = fileURLToPath(new URL('../../schemas/rest/', import.meta.url));

export function loadRestSchemas(): { $id: string }[] {
  return readdirSync(SCHEMA_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(SCHEMA_DIR + f, 'utf8')) as { $id: string });
}

/**
 * The validators are compiled on their first request, not when the route is added (see
 * lazy-validator.ts: compiling every route's schemas was most of the start-up time); the two ajv
 * instances are made when the first validator compiles.
 */
export function createValidatorCompiler(shared: { $id: string }[], pending?: PendingCompilations): FastifySchemaCompiler<AnySchema> {
  const common = { allErrors: true, strict: false, useDefaults: true, removeAdditional: false as const };
  let instances: { strict: Ajv; lenient: Ajv } | undefined;
  const ajvs = () => {
    if (!instances) {
      instances = { strict: new Ajv({ ...common, coerceTypes: false }), lenient: new Ajv({ ...common, coerceTypes: true }) };
      for (const s of shared) {
        instances.strict.addSchema(s);
        instances.lenient.addSchema(s);
      }
    }
    return instances;
  };
  return ({ schema, httpPart }) => {
    const validate = lazyValidator(() => (httpPart === 'body' ? ajvs().strict : ajvs().lenient).compile(schema));
    pending?.add(validate);
    return validate;
  };
}
