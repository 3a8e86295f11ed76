/**
 * The configuration file of `switchgate simulate wholesale --protocol agcom-ftth` (example:
 * config/ftth-simulator.example.json). Tokens are named by environment variable (`tokenEnv`,
 * `inboundTokenEnv`) like the gateway's own secrets; literal `token` / `inboundToken` are accepted
 * too because the simulator is a test tool.
 */
import { checkFtthSimulatorConfig, type FtthSimOperator, type FtthSimulatorConfig } from './options.js';

const TOP_KEYS = [
  '$comment',
  'operatorCode',
  'operators',
  'port',
  'holidayRegion',
  'defaultBehaviour',
  'byOrder',
  'byNumber',
  'timings',
  'minLeadWorkingDays',
  'rescheduleByWorkingDays',
  'deliveryAttempts',
  'deliveryRetryMs',
  'codes',
] as const;
const OPERATOR_KEYS = ['code', 'url', 'token', 'tokenEnv', 'inboundToken', 'inboundTokenEnv', 'cows'];

type Raw = Record<string, unknown>;
const isObject = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The simulator's configuration from a parsed JSON file and the environment; problems as `path: what is wrong`. */
export function parseFtthSimulatorFile(raw: unknown, env: NodeJS.ProcessEnv): { config: FtthSimulatorConfig; problems: string[] } {
  const problems: string[] = [];
  if (!isObject(raw)) return { config: { operatorCode: '', operators: [] }, problems: ['(root): must be an object'] };
  for (const k of Object.keys(raw)) if (!(TOP_KEYS as readonly string[]).includes(k)) problems.push(`${k}: unknown key`);
  const operators: FtthSimOperator[] = [];
  if (raw.operators !== undefined && !Array.isArray(raw.operators)) problems.push('operators: must be a list of { code, url, tokenEnv, inboundTokenEnv, cows? }');
  for (const [i, v] of (Array.isArray(raw.operators) ? raw.operators : []).entries()) {
    const at = `operators[${i}]`;
    if (!isObject(v)) {
      problems.push(`${at}: must be an object`);
      continue;
    }
    for (const k of Object.keys(v)) if (!OPERATOR_KEYS.includes(k)) problems.push(`${at}.${k}: unknown key`);
    const secret = (literal: string, byEnv: string): string | undefined => {
      if (v[byEnv] !== undefined) {
        const name = v[byEnv];
        if (typeof name !== 'string' || !env[name]) problems.push(`${at}.${byEnv}: environment variable ${String(name)} is not set`);
        return typeof name === 'string' ? env[name] : undefined;
      }
      return typeof v[literal] === 'string' ? (v[literal] as string) : undefined;
    };
    const token = secret('token', 'tokenEnv');
    const inboundToken = secret('inboundToken', 'inboundTokenEnv');
    if (v.cows !== undefined && (!Array.isArray(v.cows) || v.cows.some((c) => typeof c !== 'string'))) problems.push(`${at}.cows: must be a list of COWs`);
    operators.push({
      code: String(v.code ?? ''),
      url: String(v.url ?? ''),
      inboundToken: inboundToken ?? '',
      ...(token !== undefined ? { token } : {}),
      ...(Array.isArray(v.cows) ? { cows: v.cows.map(String) } : {}),
    });
  }
  const { operators: _o, $comment: _c, ...rest } = raw;
  const config = { ...rest, operatorCode: typeof raw.operatorCode === 'string' ? raw.operatorCode : '', operators } as FtthSimulatorConfig;
  // shapes the checks below do not look into
  for (const k of ['byOrder', 'byNumber', 'timings', 'codes'] as const) if (raw[k] !== undefined && !isObject(raw[k])) problems.push(`${k}: must be an object`);
  if (raw.holidayRegion !== undefined && (typeof raw.holidayRegion !== 'string' || !/^[A-Z]{2}(-[A-Z0-9]{1,4}){0,2}$/.test(raw.holidayRegion))) problems.push('holidayRegion: must be like IT or DE-BY');
  if (problems.length === 0) problems.push(...checkFtthSimulatorConfig(config));
  return { config, problems };
}
