/**
 * Request validation: JSON Schemas from `schemas/rest/` compiled by ajv. Bodies are validated
 * strictly (unknown fields rejected, no type coercion); query strings and path parameters are
 * strings on the wire, so there (only) scalar coercion applies.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv, type AnySchema } from 'ajv';
import type { FastifySchemaCompiler } from 'fastify';

const SCHEMA_DIR = fileURLToPath(new URL('../../schemas/rest/', import.meta.url));

export function loadRestSchemas(): { $id: string }[] {
  return readdirSync(SCHEMA_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(SCHEMA_DIR + f, 'utf8')) as { $id: string });
}

export function createValidatorCompiler(shared: { $id: string }[]): FastifySchemaCompiler<AnySchema> {
  const common = { allErrors: true, strict: false, useDefaults: true, removeAdditional: false as const };
  const strictAjv = new Ajv({ ...common, coerceTypes: false });
  const lenientAjv = new Ajv({ ...common, coerceTypes: true });
  for (const s of shared) {
    strictAjv.addSchema(s);
    lenientAjv.addSchema(s);
  }
  return ({ schema, httpPart }) => {
    const ajv = httpPart === 'body' ? strictAjv : lenientAjv;
    return ajv.compile(schema);
  };
}
