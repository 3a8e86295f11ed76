/**
 * The `interconnect` section of the configuration file (VoLTE-VoIP/IP interconnection with TIM,
 * voip-interconnect.md): which side this gateway plays, the reference-offer prices, and what the
 * manual leaves open (spec §8) — the day-13 boundary of the annulment window, the project clocks
 * and whether a pause stops the 3- and 9-month clocks. Every amount is a decimal string in EUR.
 *
 *   "self": { "profiles": ["interconnect"] },
 *   "interconnect": { "role": "operator", "tariffs": { "portActivationFee": "1200.00", … } },
 *   "peers": [ { "carrierCode": "ITA.TIM", "protocol": "interconnect-json", "url": "https://…/interconnect/v1" } ]
 */
import { timeBandsSchema } from './interconnect-time-bands.js';
import type { TimeBandEntry } from '../protocols/interconnect/billing/time-bands.js';
import { isAmount } from '../protocols/interconnect/money.js';
import type { ConfigProblem } from './load.js';

export const TARIFF_KEYS = ['portActivationFee', 'portMonthlyFee', 'cacModuleMonthlyFee', 'linkMonthlyFee', 'linkAnnulmentCharge', 'setupCost', 'interventoAVuoto'] as const;
export type TariffKey = (typeof TARIFF_KEYS)[number];

export interface InterconnectConfig {
  role?: 'operator' | 'tim';
  /** traffic rating bands (src/config/interconnect-time-bands.ts; default peak/offpeak) */
  timeBands?: TimeBandEntry[];
  tariffs?: Partial<Record<TariffKey, string>>;
  /** day 13 after the order date still counts as "within 13 solar days" (spec §8.6); default true */
  annulmentDay13Included?: boolean;
  annulment?: { freeDays?: number; lateMonthlyFees?: number; cacMonthlyFees?: number };
  projects?: {
    agreementDays?: number;
    pvvDays?: number;
    pqrDays?: number;
    testsMonths?: number;
    overallMonths?: number;
    /** observation window on a final PVV/PQR report (spec §8.4), default 5 */
    reportWindowDays?: number;
    /** spec §8.5: whether a pause/suspension also stops the PVV+PQR (3-month) clock; default true */
    pauseStopsTestsClock?: boolean;
    /** spec §8.5: whether a pause/suspension also stops the whole-project (9-month) clock; default true */
    pauseStopsOverallClock?: boolean;
  };
}

const amount = { type: 'string', pattern: '^(0|[1-9][0-9]{0,12})(\\.[0-9]{1,2})?$' } as const;
const days = { type: 'integer', minimum: 1, maximum: 3650 } as const;

export const interconnectSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    role: { enum: ['operator', 'tim'] },
    timeBands: timeBandsSchema,
    tariffs: {
      type: 'object',
      additionalProperties: false,
      properties: Object.fromEntries(TARIFF_KEYS.map((k) => [k, amount])),
    },
    annulmentDay13Included: { type: 'boolean' },
    annulment: {
      type: 'object',
      additionalProperties: false,
      properties: { freeDays: days, lateMonthlyFees: { type: 'integer', minimum: 0, maximum: 120 }, cacMonthlyFees: { type: 'integer', minimum: 0, maximum: 120 } },
    },
    projects: {
      type: 'object',
      additionalProperties: false,
      properties: {
        agreementDays: days,
        pvvDays: days,
        pqrDays: days,
        testsMonths: { type: 'integer', minimum: 1, maximum: 120 },
        overallMonths: { type: 'integer', minimum: 1, maximum: 120 },
        reportWindowDays: days,
        pauseStopsTestsClock: { type: 'boolean' },
        pauseStopsOverallClock: { type: 'boolean' },
      },
    },
  },
} as const;

export const INTERCONNECT_PROTOCOL = 'interconnect-json';

interface View {
  self: { profiles: readonly string[] };
  peers: readonly { protocol: string; carrierCode: string }[];
  interconnect?: InterconnectConfig;
}

/** What the schema cannot say: the profile ties, the tariffs the reference offer must give. */
export function interconnectConfigProblems(c: View): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  const enabled = c.self.profiles.includes('interconnect');
  const peers = c.peers.map((p, i) => ({ p, i })).filter(({ p }) => p.protocol === INTERCONNECT_PROTOCOL);
  if (!enabled) {
    for (const { i } of peers) out.push({ key: `peers[${i}].protocol`, problem: `${INTERCONNECT_PROTOCOL} needs "interconnect" in self.profiles` });
    if (c.interconnect) out.push({ key: 'interconnect', problem: 'is set but "interconnect" is not in self.profiles' });
    return out;
  }
  const t = c.interconnect?.tariffs ?? {};
  for (const k of TARIFF_KEYS) {
    if (k === 'interventoAVuoto') continue;
    if (t[k] === undefined) out.push({ key: `interconnect.tariffs.${k}`, problem: 'is required: the reference offer\'s price as a decimal string in EUR (e.g. "120.00")' });
    else if (!isAmount(t[k])) out.push({ key: `interconnect.tariffs.${k}`, problem: 'is not an amount with at most two decimal places' });
  }
  if (peers.length === 0) out.push({ key: 'peers', problem: `the interconnect profile needs a counterpart: a peer with protocol ${INTERCONNECT_PROTOCOL}` });
  return out;
}
