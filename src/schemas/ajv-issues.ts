/**
 * ajv errors → field issues, in one place for every JSON Schema the gateway validates against
 * (REST bodies, the JSON wire, wholesale callbacks). The path names the exact field, including a
 * missing or an unknown one; `if`/`then` wrappers, which only repeat their branch, are dropped.
 */
import type { ErrorObject } from 'ajv';
import type { Issue } from '../domain/issues.js';

export function ajvIssues(errors: readonly ErrorObject[] | null | undefined, opts: { code: string; pathPrefix?: string }): Issue[] {
  const seen = new Set<string>();
  const out: Issue[] = [];
  for (const e of errors ?? []) {
    if (e.keyword === 'if') continue;
    let path = e.instancePath;
    let message = e.message ?? e.keyword;
    if (e.keyword === 'required') {
      path += '/' + (e.params as { missingProperty: string }).missingProperty;
      message = 'is required';
    } else if (e.keyword === 'additionalProperties') {
      path += '/' + (e.params as { additionalProperty: string }).additionalProperty;
      message = 'is not a known field';
    } else if (e.keyword === 'enum') {
      message = `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
    } else if (e.keyword === 'const') {
      message = `must be ${JSON.stringify((e.params as { allowedValue: unknown }).allowedValue)}`;
    }
    const issue: Issue = { path: (opts.pathPrefix ?? '') + path, rule: e.keyword, code: opts.code, message };
    const key = `${issue.path}|${issue.rule}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(issue);
  }
  return out;
}
