/** The wire values of the record files that are not public (italy.md §13.2): a design, configurable per partner. */
import { isIsoDate } from '../fields.js';
import { type CommunicationType, type IsoDate, KO_CATEGORIES, type KoCategory, PROCEDURES, type Procedure } from '../types.js';
import { INT } from './layouts.js';

// Wire values (italy.md §13.2: not public; a design, configurable per partner)

export type DateFormat = 'YYYY/MM/DD' | 'YYYY-MM-DD' | 'YYYYMMDD' | 'DD/MM/YYYY';

export interface WireValues {
  /** `TipoComunicazione` per procedure and communication; all values distinct */
  communicationType: Readonly<Record<Procedure, Readonly<Record<CommunicationType, string>>>>;
  /** `StatoRichiesta` */
  requestStatus: Readonly<{ OK: string; KO: string }>;
  /** `CausaleRifiuto` / `CodiceMotivoRifiuto` written for a category when the message has none */
  rejection: Readonly<Record<KoCategory, Readonly<{ cause: string; reasonCode: string }>>>;
  /** `DataInvioRichiesta` and `DAC` (the public example shows `AAAA/MM/GG`) */
  dateFormat: DateFormat;
}

export const DEFAULT_WIRE_VALUES: Readonly<WireValues> = Object.freeze({
  // the public xml1 example carries 1 for a request
  communicationType: {
    migrazione: { RICHIESTA: '1', ANNULLAMENTO: '3', RIMODULAZIONE: '5' },
    attivazione: { RICHIESTA: '2', ANNULLAMENTO: '4', RIMODULAZIONE: '6' },
  },
  // by analogy with the FTTH N12 ESITO (0 = OK, 1 = KO)
  requestStatus: { OK: '0', KO: '1' },
  rejection: {
    FORMATO: { cause: '1', reasonCode: 'E01' },
    CODICE_SEGRETO: { cause: '2', reasonCode: 'E02' },
    RISORSA: { cause: '3', reasonCode: 'E03' },
    NUMERAZIONI: { cause: '4', reasonCode: 'E04' },
    DUPLICATO: { cause: '5', reasonCode: 'E05' },
    ALTRO: { cause: '9', reasonCode: 'E99' },
  },
  dateFormat: 'YYYY/MM/DD',
});

/** Problems of a wire-value configuration (empty if usable). */
export function validateWireValues(v: WireValues): string[] {
  const errors: string[] = [];
  const seen = new Map<string, string>();
  for (const p of PROCEDURES) {
    for (const t of ['RICHIESTA', 'ANNULLAMENTO', 'RIMODULAZIONE'] as const) {
      const value = v.communicationType[p]?.[t];
      const name = `communicationType.${p}.${t}`;
      if (value === undefined || !INT.test(value)) errors.push(`${name}: must be an integer string, got ${JSON.stringify(value)}`);
      else if (seen.has(value)) errors.push(`${name}: ${value} is already used by ${seen.get(value)}`);
      else seen.set(value, name);
    }
  }
  if (v.requestStatus.OK === v.requestStatus.KO) errors.push(`requestStatus: OK and KO must differ (both ${v.requestStatus.OK})`);
  for (const c of KO_CATEGORIES) {
    if (!v.rejection[c]) errors.push(`rejection.${c}: missing`);
  }
  return errors;
}

export function formatDate(d: IsoDate, f: DateFormat): string {
  const [y, m, day] = d.split('-');
  switch (f) {
    case 'YYYY/MM/DD':
      return `${y}/${m}/${day}`;
    case 'YYYY-MM-DD':
      return d;
    case 'YYYYMMDD':
      return `${y}${m}${day}`;
    case 'DD/MM/YYYY':
      return `${day}/${m}/${y}`;
  }
}

export const DATE_PATTERNS: Record<DateFormat, RegExp> = {
  'YYYY/MM/DD': /^(\d{4})\/(\d{2})\/(\d{2})$/,
  'YYYY-MM-DD': /^(\d{4})-(\d{2})-(\d{2})$/,
  YYYYMMDD: /^(\d{4})(\d{2})(\d{2})$/,
  'DD/MM/YYYY': /^(\d{2})\/(\d{2})\/(\d{4})$/,
};

export function parseDate(s: string, f: DateFormat): IsoDate | undefined {
  const m = DATE_PATTERNS[f].exec(s);
  if (!m) return undefined;
  const iso = f === 'DD/MM/YYYY' ? `${m[3]}-${m[2]}-${m[1]}` : `${m[1]}-${m[2]}-${m[3]}`;
  return isIsoDate(iso) ? iso : undefined;
}

/** Our category of a received refusal: by `CodiceMotivoRifiuto`, then `CausaleRifiuto`, else ALTRO. */
export function classifyRejection(v: WireValues, cause?: string, reasonCode?: string): KoCategory {
  if (reasonCode !== undefined) {
    for (const c of KO_CATEGORIES) if (v.rejection[c].reasonCode === reasonCode) return c;
  }
  if (cause !== undefined) {
    for (const c of KO_CATEGORIES) if (v.rejection[c].cause === cause) return c;
  }
  return 'ALTRO';
}

// ---------------------------------------------------------------------------------------------
