/**
 * Loads and validates the configuration file. Any problem stops start-up with a message that
 * names the key and what is wrong (architecture.md "Configuration file").
 */
import { existsSync, readFileSync } from 'node:fs';
import type { ErrorObject } from 'ajv';
import type { GatewayConfig } from './types.js';
import { retryProblems } from './retry-schema.js';
import { lazyValidator } from '../schemas/lazy-validator.js';
import { loadConfigValidator } from './config-validator.js';

export interface ConfigProblem {
  /** dotted key, e.g. `peers[0].url` */
  key: string;
  problem: string;
}

export class ConfigError extends Error {
  readonly problems: ConfigProblem[];
  constructor(source: string, problems: ConfigProblem[]) {
    super(`invalid configuration ${source}:\n` + problems.map((p) => `  - ${p.key}: ${p.problem}`).join('\n'));
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

// loaded when the first configuration is read, not when this module is imported: the CLI
// imports ConfigError for every command, and `--help` or `--version` read no configuration
const validate = lazyValidator(() => loadConfigValidator());

function keyOf(instancePath: string): string {
  if (!instancePath) return '(root)';
  return instancePath
    .slice(1)
    .split('/')
    .map((seg, i) => (/^\d+$/.test(seg) ? `[${seg}]` : i === 0 ? seg : `.${seg}`))
    .join('');
}

function describe(e: ErrorObject): ConfigProblem {
  const base = keyOf(e.instancePath);
  switch (e.keyword) {
    case 'additionalProperties': {
      const extra = (e.params as { additionalProperty: string }).additionalProperty;
      return { key: base === '(root)' ? extra : `${base}.${extra}`, problem: 'unknown key' };
    }
    case 'required': {
      const missing = (e.params as { missingProperty: string }).missingProperty;
      return { key: base === '(root)' ? missing : `${base}.${missing}`, problem: 'is required' };
    }
    case 'enum':
      return { key: base, problem: `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}` };
    case 'pattern':
      return { key: base, problem: `has an invalid format (expected ${(e.params as { pattern: string }).pattern})` };
    case 'anyOf': {
      const described = (e.parentSchema as { description?: string } | undefined)?.description;
      return { key: base, problem: described ? `must be ${described}` : (e.message ?? e.keyword) };
    }
    default:
      return { key: base, problem: e.message ?? e.keyword };
  }
}

export interface SemanticCheck {
  (config: GatewayConfig, env: NodeJS.ProcessEnv): ConfigProblem[];
}

/** Checks the JSON Schema cannot express: uniqueness, cross references, referenced secrets. */
export const semanticChecks: SemanticCheck[] = [
  (c) => {
    const seen = new Map<string, number>();
    const out: ConfigProblem[] = [];
    c.peers.forEach((p, i) => {
      if (p.carrierCode === c.self.carrierCode) out.push({ key: `peers[${i}].carrierCode`, problem: 'is the gateway\'s own carrier code (self.carrierCode)' });
      const prev = seen.get(p.carrierCode);
      if (prev !== undefined) out.push({ key: `peers[${i}].carrierCode`, problem: `duplicates peers[${prev}].carrierCode ${p.carrierCode}` });
      seen.set(p.carrierCode, i);
    });
    return out;
  },
  (c) => {
    const seen = new Set<string>();
    const out: ConfigProblem[] = [];
    c.apiKeys.forEach((k, i) => {
      if (seen.has(k.name)) out.push({ key: `apiKeys[${i}].name`, problem: `duplicate api key name "${k.name}"` });
      seen.add(k.name);
    });
    return out;
  },
  (c, env) => {
    const out: ConfigProblem[] = [];
    const need = (key: string, name: string | undefined) => {
      if (name && !env[name]) out.push({ key, problem: `environment variable ${name} is not set` });
    };
    c.peers.forEach((p, i) => {
      if (p.auth?.type === 'bearer') {
        if (!p.auth.tokenEnv) out.push({ key: `peers[${i}].auth.tokenEnv`, problem: 'is required for bearer auth' });
        need(`peers[${i}].auth.tokenEnv`, p.auth.tokenEnv);
      }
    });
    if (c.wholesale?.auth?.type === 'bearer') {
      if (!c.wholesale.auth.tokenEnv) out.push({ key: 'wholesale.auth.tokenEnv', problem: 'is required for bearer auth' });
      need('wholesale.auth.tokenEnv', c.wholesale.auth.tokenEnv);
    }
    c.webhooks.forEach((w, i) => need(`webhooks[${i}].secretEnv`, w.secretEnv));
    c.webhooks.forEach((w, i) => need(`webhooks[${i}].previousSecretEnv`, w.previousSecretEnv));
    for (const [key, file] of [['server.tls.certFile', c.server?.tls?.certFile], ['server.tls.keyFile', c.server?.tls?.keyFile]] as const) {
      if (file && !existsSync(file)) out.push({ key, problem: `file ${file} does not exist` });
    }
    need('console.sessionSecretEnv', c.console?.sessionSecretEnv);
    const consoleSecret = c.console?.sessionSecretEnv ? env[c.console.sessionSecretEnv] : undefined;
    if (consoleSecret && consoleSecret.length < 16) out.push({ key: 'console.sessionSecretEnv', problem: `environment variable ${c.console!.sessionSecretEnv} must hold at least 16 characters` });
    return out;
  },
  (c) => [
    ...c.peers.flatMap((p, i) => retryProblems(`peers[${i}].retry`, p.retry)),
    ...retryProblems('wholesale.retry', c.wholesale?.retry),
    ...retryProblems('agcom.numberPortability.retry', c.agcom?.numberPortability?.retry),
    ...c.webhooks.flatMap((w, i) => retryProblems(`webhooks[${i}].retry`, w.retry)),
  ],
];

/** Validates an already parsed object; `extraChecks` let procedures add their own (deadline keys, regions). */
export function parseConfig(
  raw: unknown,
  source: string,
  env: NodeJS.ProcessEnv = process.env,
  extraChecks: SemanticCheck[] = [],
): GatewayConfig {
  const copy: unknown = structuredClone(raw);
  if (!validate(copy)) {
    const errors = validate.errors ?? [];
    // a described anyOf speaks for its branches' errors at the same key (deeper ones stay: they are precise)
    const anyOfs = errors.filter((e) => e.keyword === 'anyOf' && (e.parentSchema as { description?: string } | undefined)?.description);
    const shown = errors.filter((e) => !anyOfs.some((a) => a !== e && a.instancePath === e.instancePath && e.schemaPath.startsWith(`${a.schemaPath}/`)));
    throw new ConfigError(source, shown.map(describe));
  }
  const config = copy as unknown as GatewayConfig;
  const problems = [...semanticChecks, ...extraChecks].flatMap((check) => check(config, env));
  if (problems.length > 0) throw new ConfigError(source, problems);
  return config;
}

export function loadConfigFile(path: string, env: NodeJS.ProcessEnv = process.env, extraChecks: SemanticCheck[] = []): GatewayConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(path, [{ key: '(file)', problem: `cannot be read: ${(err as Error).message}` }]);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(path, [{ key: '(file)', problem: `is not valid JSON: ${(err as Error).message}` }]);
  }
  return parseConfig(raw, path, env, extraChecks);
}
