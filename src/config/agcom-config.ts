/**
 * The AGCOM parts of the configuration file: their JSON Schema fragments (plugged into
 * config-schema.ts), their types (re-exported by types.ts) and the semantic checks the schema
 * cannot express. Everything the Italian procedure leaves open (italy.md §13) is here, per partner
 * where partners differ: file naming, wire value sets, deadlines.
 *
 *   "agcom": { "operatorCode": "OLA", "cowOwner": { "2ZZ": "OLB" }, "cos": [ … ] },
 *   "peers": [ { "carrierCode": "ITA.OLB", "protocol": "agcom-file", "url": "https://…/agcom/v1/upload",
 *                "agcom": { "naming": { "order": "sender-first" }, "rules": { "minDacLeadWorkingDays": 5 } } } ],
 *   "deadlines": { "agcom": { "managerialAnswerWorkingDays": 2 } }
 */
import { parseHolidayRegion } from '../domain/calendar.js';
import { createCosTable, DEFAULT_COS_ENTRIES, type CosEntry } from '../protocols/agcom/cos.js';
import { DEFAULT_WIRE_VALUES, validateWireValues, type DateFormat, type OperatorOrder, type WireValues } from '../protocols/agcom/files.js';
import { resolveAgcomRules, validateAgcomRulesInput, type AgcomRulesInput } from '../protocols/agcom/rules.js';
import { KO_CATEGORIES, type KoCategory, type Procedure } from '../protocols/agcom/types.js';
import { checkFtthCodes, N10_EVENTS, N4_STATES, N7_OUTCOMES, type FtthCodes } from '../protocols/agcom/ftth/codes.js';
import type { ConfigProblem } from './load.js';
import { retrySchema, type RetryConfig } from './retry-schema.js';

export type AgcomPeerProtocol = 'agcom-file' | 'agcom-json' | 'agcom-soap';
export const AGCOM_PROTOCOLS: readonly AgcomPeerProtocol[] = ['agcom-file', 'agcom-json', 'agcom-soap'];
export const isAgcomProtocol = (p: string): p is AgcomPeerProtocol => (AGCOM_PROTOCOLS as readonly string[]).includes(p);

/** Partial wire values as written in the file; merged over DEFAULT_WIRE_VALUES. */
export interface WireValuesInput {
  communicationType?: Partial<Record<Procedure, Partial<Record<'RICHIESTA' | 'ANNULLAMENTO' | 'RIMODULAZIONE', string>>>>;
  requestStatus?: Partial<{ OK: string; KO: string }>;
  rejection?: Partial<Record<KoCategory, { cause: string; reasonCode: string }>>;
  dateFormat?: DateFormat;
}

/** `peers[i].agcom`: what one partner expects on the wire. */
export interface AgcomPeerConfig {
  /** the partner's 3-character code in Fase 2 files; default: the carrier code's suffix (`ITA.OLB` → `OLB`) */
  operatorCode?: string;
  naming?: { order?: OperatorOrder; progressiveWidth?: number };
  wireValues?: WireValuesInput;
  /** write only the documented record elements (no DAC / check character / PIN) */
  strictLayout?: boolean;
  /** deadline and rule overrides for this partner, over `deadlines.agcom` */
  rules?: AgcomRulesInput;
}

/** The top-level `agcom` section. */
export interface AgcomConfig {
  /** this gateway's 3-character operator code; default: the suffix of `self.carrierCode` */
  operatorCode?: string;
  /** working days are counted on this calendar (default `IT`) */
  holidayRegion?: string;
  /** COW / codice segreto → the operator whose pool holds it (italy.md §5, §7) */
  cowOwner?: Record<string, string>;
  /** COS entries added to (or replacing) the defaults of italy.md §8 */
  cos?: CosEntry[];
  /** records per file (≤ 100, italy.md §12) */
  maxRecordsPerFile?: number;
  /** number-portability notices to the numbers' Donor (italy.md §10.3 N11, §11); absent: none */
  numberPortability?: NumberPortabilityConfig;
  /**
   * The Italian phase-3 network operator (B/D of italy.md §10.3) in its own message model: its
   * N4–N7 (to us as Recipient) and N8/N10 (to us as Donating) arrive authenticated by
   * `inboundTokenSha256`; our N1–N3 go to `<url>/RecipientMigrationService`, our N9 to
   * `<url>/DonatingMigrationService`. With it, AGCOM orders no longer use `wholesale`.
   */
  wholesale?: AgcomWholesaleConfig;
  /** FTTH multi-operator model settings */
  ftth?: {
    technicalContact?: { name?: string; surname: string; phone: string; email: string };
    codes?: Partial<FtthCodes>;
    /** N3's mandatory CODICE_MOTIVAZIONE (Allegato 5 is not public) and the ORARIO_APPUNTAMENTO used when the order has none */
    rimodulazione?: { reasonCode?: string; appointmentTime?: string };
  };
}

export interface AgcomWholesaleConfig {
  /** base URL of the network operator's services (`<url>/<ServiceName>`) */
  url: string;
  protocol: 'agcom-ftth';
  auth?: { type: 'bearer'; tokenEnv: string };
  /** hex SHA-256 of the bearer token the network operator presents to our services */
  inboundTokenSha256?: string;
  /** the network operator's code (CODICE_OPERATORE_WHS), mandatory in our N1–N3 */
  operatorCode?: string;
  /** as `wholesale.placeOrders`: the N1 goes at the managerial OK (auto, default) or on POST …/wholesale-order */
  placeOrders?: 'auto' | 'manual';
}

/** How a number-portability counterpart is spoken to: the FTTH SOAP services of §10.3 or today's JSON. */
export type NpDonorProtocol = 'ftth-soap' | 'json';

/**
 * `agcom.numberPortability.donors[i]`: one number-portability counterpart. As Recipient we send
 * it the N11 of the numbers it is Donor of; as Donor we take its N11 and send it our N13 KO. It
 * authenticates to our NP services with its own token.
 */
export interface NpDonorConfig {
  /** its 3-character operator code (the `donor` of `ranges`, `codiceOperatoreDonor` of its N13) */
  code: string;
  /** ftth-soap: base of its services (`<url>/O2ONPFibra.OLO_NPRequestService`, `<url>/OLO_NPNotificationService`); json: where notices are POSTed */
  url: string;
  /** hex SHA-256 of the bearer token it presents to our NP services */
  inboundTokenSha256: string;
  /** default "ftth-soap" */
  protocol?: NpDonorProtocol;
  /** the token we present to it */
  auth?: { type: 'bearer'; tokenEnv: string };
}

export interface NumberPortabilityConfig {
  /** default true; false keeps the configuration but sends nothing */
  enabled?: boolean;
  /** the single JSON endpoint of every Donor without a `donors` entry (schemas/agcom/np-notice.json) */
  url?: string;
  /** the Donors one by one (N11 over SOAP by default) */
  donors?: NpDonorConfig[];
  auth?: { type: 'bearer'; tokenEnv: string };
  /** the Donor of numbers no range matches; without it such numbers get no notice */
  defaultDonor?: string;
  /** number prefix (national form, leading 0 kept) → Donor operator; the longest prefix wins */
  ranges?: { prefix: string; donor: string }[];
  /** hex SHA-256 of the bearer token Donors present with their KO (N13) at POST /agcom/v1/np-notifications */
  inboundTokenSha256?: string;
  /** delivery retries of the notices (README "Delivery, retries and recovery") */
  retry?: RetryConfig;
}

const code3 = { type: 'string', pattern: '^[A-Z0-9]{3}$' } as const;
const intString = { type: 'string', pattern: '^[0-9]{1,3}$' } as const;
const communicationTypes = {
  type: 'object',
  additionalProperties: false,
  properties: { RICHIESTA: intString, ANNULLAMENTO: intString, RIMODULAZIONE: intString },
} as const;

export const agcomRulesSchema = {
  type: 'object',
  default: {},
  additionalProperties: { anyOf: [{ type: 'integer', minimum: 0, maximum: 3660 }, { type: 'boolean' }] },
} as const;

export const agcomPeerSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    operatorCode: code3,
    naming: {
      type: 'object',
      additionalProperties: false,
      properties: {
        order: { enum: ['sender-first', 'receiver-first', 'donating-first', 'recipient-first'] },
        progressiveWidth: { type: 'integer', minimum: 1, maximum: 9 },
      },
    },
    wireValues: {
      type: 'object',
      additionalProperties: false,
      properties: {
        communicationType: {
          type: 'object',
          additionalProperties: false,
          properties: { migrazione: communicationTypes, attivazione: communicationTypes },
        },
        requestStatus: { type: 'object', additionalProperties: false, properties: { OK: intString, KO: intString } },
        rejection: {
          type: 'object',
          additionalProperties: false,
          properties: Object.fromEntries(
            KO_CATEGORIES.map((c) => [
              c,
              {
                type: 'object',
                additionalProperties: false,
                required: ['cause', 'reasonCode'],
                properties: { cause: intString, reasonCode: { type: 'string', minLength: 1, maxLength: 10 } },
              },
            ]),
          ),
        },
        dateFormat: { enum: ['YYYY/MM/DD', 'YYYY-MM-DD', 'YYYYMMDD', 'DD/MM/YYYY'] },
      },
    },
    strictLayout: { type: 'boolean' },
    rules: { type: 'object', additionalProperties: { anyOf: [{ type: 'integer', minimum: 0, maximum: 3660 }, { type: 'boolean' }] } },
  },
} as const;

const codeTable = (codes: readonly string[], meanings: readonly string[]) =>
  ({ type: 'object', propertyNames: { enum: codes }, additionalProperties: { enum: meanings } }) as const;

export const agcomSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    wholesale: {
      type: 'object',
      additionalProperties: false,
      required: ['url', 'protocol'],
      properties: {
        url: { type: 'string', pattern: '^https?://' },
        protocol: { enum: ['agcom-ftth'] },
        auth: {
          type: 'object',
          additionalProperties: false,
          required: ['type', 'tokenEnv'],
          properties: { type: { const: 'bearer' }, tokenEnv: { type: 'string', minLength: 1 } },
        },
        inboundTokenSha256: { type: 'string', pattern: '^[0-9a-f]{64}$' },
        operatorCode: code3,
        placeOrders: { enum: ['auto', 'manual'] },
      },
    },
    ftth: {
      type: 'object',
      additionalProperties: false,
      properties: {
        technicalContact: {
          type: 'object',
          additionalProperties: false,
          required: ['surname', 'phone', 'email'],
          properties: {
            name: { type: 'string', minLength: 1, maxLength: 50 },
            surname: { type: 'string', minLength: 1, maxLength: 50 },
            phone: { type: 'string', minLength: 1, maxLength: 20 },
            email: { type: 'string', minLength: 3, maxLength: 255 },
          },
        },
        codes: {
          type: 'object',
          additionalProperties: false,
          properties: {
            n4StatoOrdine: codeTable(['0', '1', '2', '3', '4', '5'], N4_STATES),
            n7StatoOrdine: codeTable(['0', '1'], N7_OUTCOMES),
            n10Evento: codeTable(['0', '1', '2', '3'], N10_EVENTS),
          },
        },
        rimodulazione: {
          type: 'object',
          additionalProperties: false,
          properties: {
            reasonCode: { type: 'string', minLength: 1, maxLength: 3 },
            appointmentTime: { type: 'string', pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]$' },
          },
        },
      },
    },
    operatorCode: code3,
    holidayRegion: { type: 'string', pattern: '^[A-Z]{2}(-[A-Z0-9]{1,3})?$' },
    // keys are checked in agcomConfigProblems, which can name the bad one
    cowOwner: { type: 'object', additionalProperties: code3 },
    cos: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['code', 'network', 'service', 'family'],
        properties: {
          code: code3,
          network: { type: 'string', minLength: 1, maxLength: 100 },
          service: { type: 'string', minLength: 1, maxLength: 200 },
          family: { enum: ['copper', 'nga', 'ftth', 'np-pure'] },
          tag: { enum: ['N (copy)', 'O', 'I'] },
        },
      },
    },
    maxRecordsPerFile: { type: 'integer', minimum: 1, maximum: 100 },
    numberPortability: {
      type: 'object',
      additionalProperties: false,
      properties: {
        enabled: { type: 'boolean' },
        donors: {
          type: 'array',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['code', 'url', 'inboundTokenSha256'],
            properties: {
              code: code3,
              url: { type: 'string', pattern: '^https?://' },
              inboundTokenSha256: { type: 'string', pattern: '^[0-9a-f]{64}$' },
              protocol: { enum: ['ftth-soap', 'json'] },
              auth: {
                type: 'object',
                additionalProperties: false,
                required: ['type', 'tokenEnv'],
                properties: { type: { const: 'bearer' }, tokenEnv: { type: 'string', minLength: 1 } },
              },
            },
          },
        },
        url: { type: 'string', pattern: '^https?://' },
        auth: {
          type: 'object',
          additionalProperties: false,
          required: ['type', 'tokenEnv'],
          properties: { type: { const: 'bearer' }, tokenEnv: { type: 'string', minLength: 1 } },
        },
        defaultDonor: code3,
        inboundTokenSha256: { type: 'string', pattern: '^[0-9a-f]{64}$' },
        retry: retrySchema,
        ranges: {
          type: 'array',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['prefix', 'donor'],
            properties: { prefix: { type: 'string', pattern: '^[0-9]{1,12}$' }, donor: code3 },
          },
        },
      },
    },
  },
} as const;

// ---------------------------------------------------------------------------------------------
// Resolution helpers shared by the checks and the runtime settings

/** The shape of the config the AGCOM checks need (a structural subset of GatewayConfig). */
export interface AgcomConfigView {
  self: { carrierCode: string; profiles: readonly string[] };
  peers: readonly { carrierCode: string; protocol: string; agcom?: AgcomPeerConfig }[];
  agcom?: AgcomConfig;
  deadlines: { agcom?: AgcomRulesInput };
}

/** `ITA.OLB` → `OLB`; undefined when the suffix is not 3 characters A–Z 0–9. */
export function operatorCodeOfCarrier(carrierCode: string): string | undefined {
  const suffix = carrierCode.slice(carrierCode.indexOf('.') + 1);
  return /^[A-Z0-9]{3}$/.test(suffix) ? suffix : undefined;
}

export function mergeWireValues(input: WireValuesInput | undefined): WireValues {
  const d = DEFAULT_WIRE_VALUES;
  if (!input) return d;
  return {
    communicationType: {
      migrazione: { ...d.communicationType.migrazione, ...input.communicationType?.migrazione },
      attivazione: { ...d.communicationType.attivazione, ...input.communicationType?.attivazione },
    },
    requestStatus: { ...d.requestStatus, ...input.requestStatus },
    rejection: { ...d.rejection, ...input.rejection },
    dateFormat: input.dateFormat ?? d.dateFormat,
  };
}

const splitProblem = (prefix: string, text: string): ConfigProblem => {
  const at = text.indexOf(': ');
  return at < 0 ? { key: prefix, problem: text } : { key: text.slice(0, at), problem: text.slice(at + 2) };
};

/** Everything wrong with the AGCOM parts of a configuration (empty when usable). */
export function agcomConfigProblems(c: AgcomConfigView): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  const enabled = c.self.profiles.includes('agcom');
  const agcomPeers = c.peers.map((p, i) => ({ p, i })).filter(({ p }) => isAgcomProtocol(p.protocol));

  c.peers.forEach((p, i) => {
    if (p.agcom && !isAgcomProtocol(p.protocol)) out.push({ key: `peers[${i}].agcom`, problem: `only for AGCOM partners (protocol agcom-*), not ${p.protocol}` });
  });
  if (!enabled) {
    for (const { i, p } of agcomPeers) out.push({ key: `peers[${i}].protocol`, problem: `${p.protocol} needs "agcom" in self.profiles` });
    if (c.agcom) out.push({ key: 'agcom', problem: 'is set but "agcom" is not in self.profiles' });
    return out;
  }

  const self = c.agcom?.operatorCode ?? operatorCodeOfCarrier(c.self.carrierCode);
  if (!self) {
    out.push({ key: 'agcom.operatorCode', problem: `is required: self.carrierCode ${c.self.carrierCode} has no 3-character suffix to use as the AGCOM operator code` });
  }
  if (c.agcom?.holidayRegion) {
    try {
      parseHolidayRegion(c.agcom.holidayRegion);
    } catch (err) {
      out.push({ key: 'agcom.holidayRegion', problem: (err as Error).message });
    }
  }

  const whs = c.agcom?.wholesale?.operatorCode;
  if (whs !== undefined && (whs === self || agcomPeers.some(({ p }) => (p.agcom?.operatorCode ?? operatorCodeOfCarrier(p.carrierCode)) === whs))) {
    out.push({ key: 'agcom.wholesale.operatorCode', problem: `${whs} is ${whs === self ? "this gateway's own operator code" : 'the code of an AGCOM partner'}, not the network operator's` });
  }
  // a code table must stay one-to-one, or two states could not be told apart
  for (const cp of checkFtthCodes(c.agcom?.ftth?.codes ?? {}, 'agcom.ftth.codes')) out.push({ key: cp.path.replace(/\/(\d+)/g, '[$1]').replace(/\//g, '.'), problem: cp.message });

  const operators = new Map<string, number>();
  for (const { p, i } of agcomPeers) {
    const op = p.agcom?.operatorCode ?? operatorCodeOfCarrier(p.carrierCode);
    const key = `peers[${i}].agcom.operatorCode`;
    if (!op) {
      out.push({ key, problem: `is required: carrierCode ${p.carrierCode} has no 3-character suffix to use as the partner's AGCOM operator code` });
      continue;
    }
    if (op === self) out.push({ key, problem: `${op} is this gateway's own operator code` });
    const prev = operators.get(op);
    if (prev !== undefined) out.push({ key, problem: `${op} is already the operator code of peers[${prev}]` });
    operators.set(op, i);
    const values = mergeWireValues(p.agcom?.wireValues);
    for (const e of validateWireValues(values)) out.push(splitProblem(`peers[${i}].agcom.wireValues`, `peers[${i}].agcom.wireValues.${e}`));
    for (const e of validateAgcomRulesInput(p.agcom?.rules, `peers[${i}].agcom.rules`)) out.push(splitProblem(`peers[${i}].agcom.rules`, e));
  }

  for (const e of validateAgcomRulesInput(c.deadlines.agcom, 'deadlines.agcom')) out.push(splitProblem('deadlines.agcom', e));
  if (!out.some((p) => p.key.startsWith('deadlines.agcom') || p.key.includes('.agcom.rules'))) {
    // each layer may be valid alone and not merged (e.g. maxCorLength under a partner's minCorLength)
    for (const { p, i } of agcomPeers) {
      try {
        resolveAgcomRules(c.deadlines.agcom, p.agcom?.rules);
      } catch (err) {
        out.push({ key: `peers[${i}].agcom.rules`, problem: (err as Error).message });
      }
    }
  }

  for (const [cow, owner] of Object.entries(c.agcom?.cowOwner ?? {})) {
    if (!/^[A-Z0-9]{3}$/.test(cow)) {
      out.push({ key: `agcom.cowOwner.${cow}`, problem: 'a COW / codice segreto is 3 characters A–Z 0–9' });
    } else if (owner !== self && !operators.has(owner)) {
      out.push({ key: `agcom.cowOwner.${cow}`, problem: `operator ${owner} is neither this gateway (${self ?? '?'}) nor a configured AGCOM partner (${[...operators.keys()].join(', ') || 'none'})` });
    }
  }
  out.push(...numberPortabilityProblems(c.agcom?.numberPortability, self));
  try {
    createCosTable([...DEFAULT_COS_ENTRIES, ...(c.agcom?.cos ?? []).map((e) => ({ ...e, tag: e.tag ?? 'I' }))]);
  } catch (err) {
    out.push({ key: 'agcom.cos', problem: (err as Error).message });
  }
  const seen = new Map<string, number>();
  (c.agcom?.cos ?? []).forEach((e, i) => {
    const prev = seen.get(e.code);
    if (prev !== undefined) out.push({ key: `agcom.cos[${i}].code`, problem: `${e.code} is already defined by agcom.cos[${prev}]` });
    seen.set(e.code, i);
  });
  return out;
}

/**
 * `agcom.numberPortability`: a Donor needs somewhere to go — its `donors` entry or the single JSON
 * `url` — and a token in `donors` names exactly one operator (it is how our NP services tell the
 * sender).
 */
export function numberPortabilityProblems(np: NumberPortabilityConfig | undefined, self: string | undefined): ConfigProblem[] {
  if (!np) return [];
  const out: ConfigProblem[] = [];
  const base = 'agcom.numberPortability';
  const donors = np.donors ?? [];
  if (np.url === undefined && donors.length === 0) out.push({ key: base, problem: 'needs donors (one entry per Donor) or url (one JSON endpoint for every Donor)' });
  const codes = new Map<string, number>();
  const tokens = new Map<string, number>();
  donors.forEach((d, i) => {
    if (d.code === self) out.push({ key: `${base}.donors[${i}].code`, problem: `${d.code} is this gateway's own operator code` });
    const prev = codes.get(d.code);
    if (prev !== undefined) out.push({ key: `${base}.donors[${i}].code`, problem: `${d.code} is already ${base}.donors[${prev}]` });
    codes.set(d.code, i);
    const same = tokens.get(d.inboundTokenSha256);
    if (same !== undefined) out.push({ key: `${base}.donors[${i}].inboundTokenSha256`, problem: `is also the token of ${base}.donors[${same}]: a token must name one operator` });
    tokens.set(d.inboundTokenSha256, i);
  });
  // a range of an operator without an entry is allowed: as Donor we learn from it which numbers are
  // not ours to release (and as Recipient its numbers are reported as np.donor-unknown)
  if (np.url === undefined && donors.length > 0 && np.defaultDonor && np.defaultDonor !== self && !codes.has(np.defaultDonor)) {
    out.push({ key: `${base}.defaultDonor`, problem: `${np.defaultDonor} has no entry in ${base}.donors and no ${base}.url is configured` });
  }
  return out;
}
