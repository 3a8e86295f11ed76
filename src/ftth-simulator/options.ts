/**
 * What the FTTH network-operator simulator (B of italy.md §10.3) is told: its own operator code,
 * the operators it talks to, the scripted behaviour of each order and its timings. Both the
 * programmatic entry (`startFtthSimulator`) and the CLI (config-file.ts) end up here.
 */
import type { Logger } from 'pino';
import type { Clock } from '../domain/clock.js';
import { checkFtthCodes, type FtthCodes } from '../protocols/agcom/ftth/codes.js';

/**
 * The scripts an order can follow after its N1 (README "FTTH network-operator simulator"):
 * - `accept`: N4 Acquisito → N8/N9 → N4 Accettato(DAC) + N10 first DAC → N6 → N7 OK + N10 outcome OK
 * - `ko-intake`: N4 Acquisito KO (no N8)
 * - `suspend`: like accept, but N4 Sospeso after the acceptance; the work resumes on the
 *   Recipient's N2 desospensione (or, with `timings.selfResumeMs`, by B's own N4 Accettato FLAG_DESOSPENSIONE=SI)
 * - `reschedule`: like accept, with an N5 (new DAC, `rescheduleByWorkingDays` later) before the work
 * - `complete-ko`: like accept, but N7 KO + N10 outcome KO
 * - `hold`: N4 Accettato(DAC), then waits for the Recipient: its N3 moves the DAC and the work runs
 *   to N7 OK; its N2 annullamento cancels
 */
export const FTTH_SIM_BEHAVIOURS = ['accept', 'ko-intake', 'suspend', 'reschedule', 'complete-ko', 'hold'] as const;
export type FtthSimBehaviour = (typeof FTTH_SIM_BEHAVIOURS)[number];

export const isFtthSimBehaviour = (v: unknown): v is FtthSimBehaviour => (FTTH_SIM_BEHAVIOURS as readonly unknown[]).includes(v);

export interface FtthSimOperator {
  /** the operator's code (CODICE_OPERATORE_REC as Recipient, the Donating's code), ≤3 characters */
  code: string;
  /** base of that operator's FTTH services, e.g. http://127.0.0.1:8080/agcom/ftth/v1 */
  url: string;
  /** bearer token the simulator presents to that operator (its agcom.wholesale.inboundTokenSha256 is this token's hash) */
  token?: string;
  /** bearer token that operator presents to the simulator (its agcom.wholesale.auth.tokenEnv) */
  inboundToken: string;
  /** COWs (codici segreti, italy.md §5/§7) of that operator's pool: an N1 whose DATI_MIGRAZIONE/COW is one of them has it as Donating */
  cows?: string[];
}

export interface FtthSimTimings {
  /** between two steps of an order's script */
  stepMs: number;
  /** how long the N9 may take after the N8 before the order is Accettato KO */
  n9TimeoutMs: number;
  /** 0: a suspended order waits for the Recipient's N2 desospensione; > 0: B resumes by itself after this long */
  selfResumeMs: number;
}

export interface FtthSimulatorConfig {
  /** B's own code (CODICE_OPERATORE_WHS, prefix of its CODICE_ORDINE_WHS), ≤3 characters */
  operatorCode: string;
  operators: FtthSimOperator[];
  port?: number;
  host?: string;
  defaultBehaviour?: FtthSimBehaviour;
  /** behaviour by CODICE_ORDINE_REC */
  byOrder?: Record<string, FtthSimBehaviour>;
  /** behaviour by number: an order whose COR or a NUMERAZIONI/DN ends with the key's digits */
  byNumber?: Record<string, FtthSimBehaviour>;
  timings?: Partial<FtthSimTimings>;
  /** the DAC is at least this many working days after today (default 5) */
  minLeadWorkingDays?: number;
  /** how far the `reschedule` behaviour moves the DAC (default 2 working days) */
  rescheduleByWorkingDays?: number;
  /** working-day calendar of the DACs (default IT) */
  holidayRegion?: string;
  /** outgoing notifications: attempts on transport errors, 5xx and answers without an N12 (default 8) */
  deliveryAttempts?: number;
  /** first pause between two attempts, doubled up to 2 s (default 100 ms) */
  deliveryRetryMs?: number;
  /** the numeric codes of N4/N7/N10 (default: DEFAULT_FTTH_CODES, as the gateway's agcom.ftth.codes) */
  codes?: Partial<FtthCodes>;
  clock?: Clock;
  log?: Logger;
}

export const DEFAULT_TIMINGS: FtthSimTimings = { stepMs: 50, n9TimeoutMs: 60_000, selfResumeMs: 0 };

/** Problems of a configuration as `path: what is wrong`; empty when usable. */
export function checkFtthSimulatorConfig(c: FtthSimulatorConfig): string[] {
  const problems: string[] = [];
  const code = /^[A-Z0-9]{1,3}$/;
  if (!code.test(c.operatorCode ?? '')) problems.push('operatorCode: must be 1–3 characters A–Z 0–9 (CODICE_OPERATORE_WHS)');
  if (!Array.isArray(c.operators) || c.operators.length === 0) problems.push('operators: at least one operator { code, url, inboundToken } is required');
  const codes = new Set<string>();
  const tokens = new Map<string, string>();
  const cows = new Map<string, string>();
  for (const [i, o] of (Array.isArray(c.operators) ? c.operators : []).entries()) {
    const at = `operators[${i}]`;
    if (!code.test(o.code ?? '')) problems.push(`${at}.code: must be 1–3 characters A–Z 0–9`);
    else if (codes.has(o.code)) problems.push(`${at}.code: ${o.code} is listed twice`);
    else if (o.code === c.operatorCode) problems.push(`${at}.code: ${o.code} is the simulator's own operatorCode`);
    codes.add(o.code);
    if (typeof o.url !== 'string' || !/^https?:\/\/[^/]/.test(o.url)) problems.push(`${at}.url: must be an http(s) URL (base of the operator's /agcom/ftth/v1 services)`);
    if (typeof o.inboundToken !== 'string' || o.inboundToken === '') problems.push(`${at}.inboundToken: required (the bearer token this operator presents)`);
    else if (tokens.has(o.inboundToken)) problems.push(`${at}.inboundToken: the same as ${tokens.get(o.inboundToken)}'s (tokens identify the operator)`);
    else tokens.set(o.inboundToken, o.code);
    if (o.token !== undefined && (typeof o.token !== 'string' || o.token === '')) problems.push(`${at}.token: must be a non-empty string`);
    for (const [j, cow] of (o.cows ?? []).entries()) {
      if (!code.test(cow)) problems.push(`${at}.cows[${j}]: must be 1–3 characters A–Z 0–9`);
      else if (cows.has(cow)) problems.push(`${at}.cows[${j}]: ${cow} already belongs to ${cows.get(cow)}`);
      else cows.set(cow, o.code);
    }
  }
  const behaviour = (path: string, v: unknown) => {
    if (!isFtthSimBehaviour(v)) problems.push(`${path}: must be one of ${FTTH_SIM_BEHAVIOURS.join(', ')}`);
  };
  if (c.defaultBehaviour !== undefined) behaviour('defaultBehaviour', c.defaultBehaviour);
  for (const [k, v] of Object.entries(c.byOrder ?? {})) behaviour(`byOrder.${k}`, v);
  for (const [k, v] of Object.entries(c.byNumber ?? {})) {
    behaviour(`byNumber.${k}`, v);
    if (k.replace(/\D/g, '').length < 6) problems.push(`byNumber.${k}: needs at least 6 digits`);
  }
  for (const [k, v] of Object.entries(c.timings ?? {})) {
    if (!(k in DEFAULT_TIMINGS)) problems.push(`timings.${k}: unknown key (${Object.keys(DEFAULT_TIMINGS).join(', ')})`);
    else if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) problems.push(`timings.${k}: must be a whole number of milliseconds ≥ 0`);
  }
  const count = (path: string, v: unknown, min: number, max: number) => {
    if (v !== undefined && (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)) problems.push(`${path}: must be a whole number from ${min} to ${max}`);
  };
  count('port', c.port, 0, 65535);
  count('minLeadWorkingDays', c.minLeadWorkingDays, 0, 60);
  count('rescheduleByWorkingDays', c.rescheduleByWorkingDays, 1, 60);
  count('deliveryAttempts', c.deliveryAttempts, 1, 100);
  count('deliveryRetryMs', c.deliveryRetryMs, 0, 60_000);
  for (const p of checkFtthCodes((c.codes ?? {}) as never, 'codes')) problems.push(`${p.path}: ${p.message}`);
  return problems;
}
