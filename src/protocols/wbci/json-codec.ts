/**
 * The JSON variant of the WBCI wire (`POST /wbci/v1/json`, peers with `"protocol": "wbci-json"`):
 * the domain messages as they are, wrapped as `{ control, message, delivery? }` (delivery: switchgate's
 * extension, see delivery-header.ts), answered by
 * `{ quittung }`. Structure is checked by `schemas/wbci-json/wbci-json.json`; field rules by the
 * same validators as the SOAP wire.
 */
import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { Issue } from '../../domain/issues.js';
import { ajvIssues } from '../../schemas/ajv-issues.js';
import { lazyValidator } from '../../schemas/lazy-validator.js';
import type { WbciMessage } from './types.js';
import { checkDelivery, type DeliveryInfo } from './delivery-header.js';

const schema = (rel: string): { $id: string } =>
  JSON.parse(readFileSync(new URL(`../../../schemas/${rel}`, import.meta.url), 'utf8')) as { $id: string };

// compiled when the first JSON message is read or answered: most gateways speak SOAP to most peers
let ajv: Ajv | undefined;
const wbciJsonSchema = (ref: string) =>
  lazyValidator(() => {
    if (!ajv) {
      ajv = new Ajv({ allErrors: true, strict: false, coerceTypes: false, removeAdditional: false });
      ajv.addSchema(schema('rest/common.json'));
      ajv.addSchema(schema('wbci-json/wbci-json.json'));
    }
    return ajv.getSchema(`wbci-json.json#/definitions/${ref}`) as ValidateFunction;
  });
const validateRequest = wbciJsonSchema('request');
const validateQuittung = wbciJsonSchema('quittung');

export interface JsonControl {
  timestamp: string;
  major: string;
  minor: string;
  signature?: { issuer: string; serial: string };
}

export interface JsonTeq {
  quittung: { sender: string; vaIdRef: string; positions: { code: string; text: string }[] };
}

export type JsonDecodeResult =
  | { ok: true; control: JsonControl; message: WbciMessage; delivery: DeliveryInfo; warnings: Issue[] }
  | { ok: false; teqCode: '0993' | '0995'; issues: Issue[]; hint: { sender?: string; vaIdRef?: string } };

const issuesOf = (errors: ErrorObject[] | null | undefined): Issue[] => ajvIssues(errors, { code: '0995' });

export function decodeJsonRequest(body: unknown, supportedMajors: readonly string[] = ['02']): JsonDecodeResult {
  const b = body as { control?: { major?: unknown }; message?: { sender?: unknown; vaId?: unknown; vaIdRef?: unknown } } | null;
  const hint = {
    sender: typeof b?.message?.sender === 'string' ? b.message.sender : undefined,
    vaIdRef: typeof b?.message?.vaId === 'string' ? b.message.vaId : typeof b?.message?.vaIdRef === 'string' ? b.message.vaIdRef : undefined,
  };
  if (!validateRequest(body)) return { ok: false, teqCode: '0995', issues: issuesOf(validateRequest.errors), hint };
  const { control, message, delivery: rawDelivery } = body as { control: JsonControl; message: WbciMessage; delivery?: { id?: string; replaces?: string } };
  if (!supportedMajors.includes(control.major)) {
    return {
      ok: false,
      teqCode: '0993',
      issues: [{ path: '/control/major', rule: 'supportedVersion', code: '0993', message: `major release ${control.major} is not supported (supported: ${supportedMajors.join(', ')})` }],
      hint,
    };
  }
  const warnings: Issue[] = [];
  const delivery = rawDelivery ? checkDelivery(rawDelivery, '/delivery', warnings) : {};
  return { ok: true, control, message, delivery, warnings };
}

export const jsonTeqSchemaValid = (body: unknown): body is JsonTeq => validateQuittung(body) === true;

export function jsonTeq(sender: string, vaIdRef: string, code: string, text: string): JsonTeq {
  return { quittung: { sender, vaIdRef, positions: [{ code, text }] } };
}
