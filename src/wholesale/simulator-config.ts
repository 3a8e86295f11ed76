/**
 * The configuration file of `switchgate simulate wholesale` (example:
 * config/wholesale-simulator.example.json). Tokens are named by environment variable
 * (`tokenEnv`, `inboundTokenEnvs`) like the gateway's own secrets; a literal `token` is accepted
 * too because the simulator is a test tool.
 */
import { SIM_BEHAVIOURS, type SimBehaviour, type SimCarrier, type SimulatorOptions } from './simulator.js';

export interface SimulatorFileConfig {
  port?: number;
  holidayRegion?: string;
  defaultBehaviour?: SimBehaviour;
  behaviours?: Record<string, SimBehaviour>;
  timings?: { ackMs?: number; stepMs?: number; delayMs?: number };
  carriers: Record<string, { notificationUrl?: string; verificationUrl?: string; token?: string; tokenEnv?: string }>;
  inboundTokenEnvs?: string[];
}

/** Problems as `key: what is wrong`; empty when the file is usable. */
export function parseSimulatorConfig(raw: unknown, env: NodeJS.ProcessEnv): { options: Omit<SimulatorOptions, 'port'> & { port?: number }; problems: string[] } {
  const problems: string[] = [];
  const c = (raw ?? {}) as Partial<SimulatorFileConfig>;
  if (typeof c !== 'object' || Array.isArray(c)) return { options: { carriers: {} }, problems: ['(root): must be an object'] };
  const known = new Set(['port', 'holidayRegion', 'defaultBehaviour', 'behaviours', 'timings', 'carriers', 'inboundTokenEnvs', '$comment']);
  for (const k of Object.keys(c)) if (!known.has(k)) problems.push(`${k}: unknown key`);
  const behaviour = (key: string, v: unknown) => {
    if (!(SIM_BEHAVIOURS as readonly unknown[]).includes(v)) problems.push(`${key}: must be one of ${SIM_BEHAVIOURS.join(', ')}`);
  };
  if (c.defaultBehaviour !== undefined) behaviour('defaultBehaviour', c.defaultBehaviour);
  for (const [id, b] of Object.entries(c.behaviours ?? {})) behaviour(`behaviours.${id}`, b);
  if (c.port !== undefined && (!Number.isInteger(c.port) || c.port < 0 || c.port > 65535)) problems.push('port: must be a port number');
  for (const [k, v] of Object.entries(c.timings ?? {})) {
    if (!['ackMs', 'stepMs', 'delayMs'].includes(k)) problems.push(`timings.${k}: unknown key`);
    else if (typeof v !== 'number' || v < 0) problems.push(`timings.${k}: must be a number of milliseconds ≥ 0`);
  }
  const carriers: Record<string, SimCarrier> = {};
  if (!c.carriers || typeof c.carriers !== 'object') problems.push('carriers: is required (carrier code → { notificationUrl, verificationUrl, tokenEnv })');
  for (const [code, v] of Object.entries(c.carriers ?? {})) {
    const token = v.tokenEnv !== undefined ? env[v.tokenEnv] : v.token;
    if (token === undefined || token === '') problems.push(`carriers.${code}: ${v.tokenEnv !== undefined ? `environment variable ${v.tokenEnv} is not set` : 'needs tokenEnv (or token)'}`);
    for (const u of ['notificationUrl', 'verificationUrl'] as const) {
      if (v[u] !== undefined && !/^https?:\/\//.test(v[u]!)) problems.push(`carriers.${code}.${u}: must be an http(s) URL`);
    }
    carriers[code] = { ...(v.notificationUrl ? { notificationUrl: v.notificationUrl } : {}), ...(v.verificationUrl ? { verificationUrl: v.verificationUrl } : {}), token: token ?? '' };
  }
  const inboundTokens: string[] = [];
  for (const name of c.inboundTokenEnvs ?? []) {
    const t = env[name];
    if (!t) problems.push(`inboundTokenEnvs: environment variable ${name} is not set`);
    else inboundTokens.push(t);
  }
  return {
    options: {
      carriers,
      inboundTokens,
      ...(c.port !== undefined ? { port: c.port } : {}),
      ...(c.holidayRegion ? { holidayRegion: c.holidayRegion } : {}),
      ...(c.defaultBehaviour ? { defaultBehaviour: c.defaultBehaviour } : {}),
      ...(c.behaviours ? { behaviours: { ...c.behaviours } } : {}),
      timings: { ackMs: 200, stepMs: 1_000, delayMs: 10_000, ...(c.timings ?? {}) },
    },
    problems,
  };
}
