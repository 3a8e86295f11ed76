/**
 * The JSON Schemas of the wholesale channel (schemas/wholesale/), compiled once. Used by the
 * gateway's southbound endpoints, by the simulator for the orders it receives, and by tests to
 * check what the REST client sends.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { Issue } from '../domain/issues.js';
import { ajvIssues } from '../schemas/ajv-issues.js';

const SCHEMA_DIR = fileURLToPath(new URL('../../schemas/wholesale/', import.meta.url));

export const WHOLESALE_SCHEMAS = {
  order: 'product-order.json',
  cancel: 'cancel-product-order.json',
  reschedule: 'reschedule-product-order.json',
  notification: 'notification.json',
  verificationRequest: 'verification-request.json',
  verificationResponse: 'verification-response.json',
} as const;
export type WholesaleSchemaName = keyof typeof WHOLESALE_SCHEMAS;

let compiled: Map<WholesaleSchemaName, ValidateFunction> | undefined;

function validators(): Map<WholesaleSchemaName, ValidateFunction> {
  if (compiled) return compiled;
  const ajv = new Ajv({ allErrors: true, strict: false });
  for (const f of readdirSync(SCHEMA_DIR).filter((f) => f.endsWith('.json')).sort()) {
    ajv.addSchema(JSON.parse(readFileSync(SCHEMA_DIR + f, 'utf8')) as object);
  }
  compiled = new Map(
    (Object.keys(WHOLESALE_SCHEMAS) as WholesaleSchemaName[]).map((name) => [name, ajv.getSchema(WHOLESALE_SCHEMAS[name])!]),
  );
  return compiled;
}

/** Field issues of `value` against one wholesale schema; empty when it is valid. */
export function checkWholesale(name: WholesaleSchemaName, value: unknown): Issue[] {
  const validate = validators().get(name)!;
  if (validate(value)) return [];
  return toIssues(validate.errors ?? []);
}

const toIssues = (errors: ErrorObject[]): Issue[] => ajvIssues(errors, { code: 'SG_SCHEMA' });
