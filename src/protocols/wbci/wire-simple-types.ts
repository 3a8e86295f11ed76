/**
 * The simple types of the WBCI v2 wire (schemas/wbci/wbci-simple.xsd and wbci-enum.xsd) as data: whitespace
 * handling plus the facets of wbci.md §8/§9.1. The SOAP decoder checks every leaf against its type so that what
 * the XSD refuses is refused with TEQ 0995 and a precise path; the JSON variant can reuse the same table.
 *
 * `pattern` is written in the common subset of XSD and JavaScript regex syntax; xsd.test.ts compares it with the
 * pattern facet of the XSD type of the same name, so the two cannot drift apart silently.
 */

/** How the lexical value becomes the value (XSD whiteSpace facet); `trim` is switchgate leniency for tokens. */
export type WhiteSpace = 'preserve' | 'replace' | 'collapse' | 'trim';

export interface SimpleType {
  /** the XSD type this entry mirrors, `prefix:Name` with prefix simple | enum | xs */
  readonly xsd: string;
  readonly ws: WhiteSpace;
  /** XSD pattern facet(s) of the type and its bases, all must match */
  readonly patterns?: readonly string[];
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly enumeration?: readonly string[];
  /** built-in base with its own lexical space */
  readonly base?: 'date' | 'dateTime' | 'boolean';
  /**
   * Free text keeps its characters exactly as sent (whitespace normalisation only decides validity), so that
   * what a partner wrote is what gets stored and a value survives encode → decode unchanged. Tokens (ids, codes,
   * digits, dates) are stored normalised: surrounding whitespace never means anything there.
   */
  readonly keepRaw?: boolean;
}

/** §9.1 restricted character set (TAB, space … `_`, a-z, `{`, `}`, `§`, `°`-`³`, Latin-1 letters without × and ÷). */
export const CHARSET = '[\t -_a-z\\{\\}\u00A7\u00B0-\u00B3\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u00FF]*';
/** The same plus LF and CR, for multi-line free text. */
export const CHARSET_MULTILINE = '[\t\n\r -_a-z\\{\\}\u00A7\u00B0-\u00B3\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u00FF]*';

const text = (xsd: string, max: number, ws: WhiteSpace = 'collapse'): SimpleType => ({
  xsd,
  ws,
  patterns: [CHARSET],
  minLength: 1,
  maxLength: max,
  keepRaw: true,
});
const digits = (xsd: string, pattern: string, minLength: number, maxLength: number): SimpleType => ({
  xsd,
  ws: 'trim',
  patterns: [pattern],
  minLength,
  maxLength,
});

export const SIMPLE_TYPES = {
  CarrierCode: { xsd: 'simple:CarrierCodeType', ws: 'trim', patterns: ['[0-9A-Z]{3}\\.[0-9A-Z]{1,6}'], minLength: 5, maxLength: 10 },
  VorabstimmungsId: {
    xsd: 'simple:VorabstimmungsIdType',
    ws: 'trim',
    patterns: ['[0-9A-Z]{3}\\.[0-9A-Z]{1,6}\\.V[0-9A-Z]{9}'],
    minLength: 16,
    maxLength: 21,
  },
  StornoId: {
    xsd: 'simple:StornoIdType',
    ws: 'trim',
    patterns: ['[0-9A-Z]{3}\\.[0-9A-Z]{1,6}\\.S[0-9A-Z]{9}'],
    minLength: 16,
    maxLength: 21,
  },
  AenderungsId: {
    xsd: 'simple:AenderungsIdType',
    ws: 'trim',
    patterns: ['[0-9A-Z]{3}\\.[0-9A-Z]{1,6}\\.T[0-9A-Z]{9}'],
    minLength: 16,
    maxLength: 21,
  },
  LineID: {
    xsd: 'simple:LineIDType',
    ws: 'trim',
    patterns: ['[0-9A-Z]{3}\\.[0-9A-Z]{1,6}\\.[0-9A-Z]{1,10}'],
    minLength: 7,
    maxLength: 21,
  },
  Portierungskennung: { xsd: 'simple:PortierungskennungType', ws: 'trim', patterns: ['D[0-9A-F]{3}'], minLength: 4, maxLength: 4 },
  Termin: { xsd: 'simple:TerminType', ws: 'collapse', patterns: ['[0-9]{4}-[0-9]{2}-[0-9]{2}'], base: 'date' },
  Zeitstempel: { xsd: 'simple:ZeitstempelType', ws: 'collapse', base: 'dateTime' },
  MajorVersion: { xsd: 'simple:MajorVersionType', ws: 'trim', patterns: ['[0-9]{2}'], minLength: 2, maxLength: 2 },
  MinorVersion: { xsd: 'simple:MinorVersionType', ws: 'trim', patterns: ['[0-9]{2}'], minLength: 2, maxLength: 2 },
  SignatureIssuer: { xsd: 'simple:SignatureIssuerType', ws: 'replace', minLength: 1, keepRaw: true },
  SignatureSerial: { xsd: 'simple:SignatureSerialIdType', ws: 'replace', minLength: 1 },
  Freitext255: { xsd: 'simple:Freitext255Type', ws: 'preserve', patterns: [CHARSET_MULTILINE], minLength: 1, maxLength: 255, keepRaw: true },
  Vorname: text('simple:VornameType', 30),
  Nachname: text('simple:NachnameType', 30),
  Firmenname: text('simple:FirmennameType', 30),
  Strassenname: text('simple:StrassennameType', 40),
  Hausnummer: { xsd: 'simple:HausnummerType', ws: 'trim', patterns: ['[0-9]{1,4}'] },
  HausnummernZusatz: text('simple:HausnummernZusatzType', 6),
  Postleitzahl: digits('simple:PostleitzahlType', '[0-9]{5}', 5, 5),
  Ortsname: text('simple:OrtsnameType', 40),
  Ortsnetzkennzahl: digits('simple:OrtsnetzkennzahlType', '[1-9][0-9]{1,4}', 2, 5),
  Rufnummer: digits('simple:RufnummerType', '[0-9]{1,14}', 1, 14),
  Durchwahlnummer: digits('simple:DurchwahlnummerType', '[0-9]{1,8}', 1, 8),
  Abfragestelle: digits('simple:AbfragestelleType', '[0-9]{1,6}', 1, 6),
  RufnummernBlock: digits('simple:RufnummernBlockType', '[0-9]{1,6}', 1, 6),
  AlleRufnummern: { xsd: 'simple:AlleRufnummernType', ws: 'collapse', patterns: ['true'], base: 'boolean' },
  Projektkenner: text('simple:ProjektkennerType', 30, 'preserve'),
  Kopplungskenner: text('simple:KopplungskennerType', 30, 'preserve'),
  Technologie: { xsd: 'simple:TechnologieType', ws: 'preserve', patterns: ['[0-9]{3} .*'], minLength: 1, maxLength: 25, keepRaw: true },
  Vertragsnummer: { xsd: 'simple:VertragsnummerType', ws: 'trim', minLength: 1, maxLength: 10 },
  Identifizierer: text('simple:IdentifiziererType', 20, 'preserve'),
  Meldungscode: { xsd: 'simple:MeldungscodeType', ws: 'trim', minLength: 1, maxLength: 10 },
  Meldungstext: text('simple:MeldungstextType', 255),
  AnredePerson: { xsd: 'enum:AnredePersonEnumType', ws: 'trim', enumeration: ['1', '2', '9'] },
  AnredeFirma: { xsd: 'enum:AnredeFirmaEnumType', ws: 'trim', enumeration: ['4', '9'] },
  Geschaeftsfall: {
    xsd: 'enum:GeschaeftsfallEnumType',
    ws: 'trim',
    enumeration: ['VA-KUE-MRN', 'VA-KUE-ORN', 'VA-RRNP', 'STR-AUF', 'STR-AEN', 'TVS-VA'],
  },
  Portierungszeitfenster: { xsd: 'enum:PortierungszeitfensterEnumType', ws: 'trim', enumeration: ['ZF1', 'ZF2', 'ZF3'] },
  Boolean: { xsd: 'xs:boolean', ws: 'collapse', base: 'boolean' },
} as const satisfies Record<string, SimpleType>;

export type SimpleTypeName = keyof typeof SIMPLE_TYPES;

export interface FacetViolation {
  rule: 'pattern' | 'minLength' | 'maxLength' | 'enumeration' | 'date' | 'dateTime' | 'boolean';
  message: string;
}

const compiled = new Map<string, RegExp>();
function re(pattern: string): RegExp {
  let r = compiled.get(pattern);
  if (!r) {
    r = new RegExp(`^(?:${pattern})$`);
    compiled.set(pattern, r);
  }
  return r;
}

const WS_RUN = /[\t\n\r ]+/g;
const WS_ANY = /[\t\n\r]/g;

/** Lexical → value whitespace handling of the type. */
export function normalizeSimple(name: SimpleTypeName, raw: string): string {
  switch ((SIMPLE_TYPES[name] as SimpleType).ws) {
    case 'preserve':
      return raw;
    case 'replace':
      return raw.replace(WS_ANY, ' ');
    case 'trim':
      return raw.trim();
    case 'collapse':
      return raw.replace(WS_RUN, ' ').trim();
  }
}

const DATE = /^(-?[0-9]{4,})-([0-9]{2})-([0-9]{2})(Z|[+-][0-9]{2}:[0-9]{2})?$/;
const DATE_TIME =
  /^(-?[0-9]{4,})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]+)?(Z|[+-](?:(?:0[0-9]|1[0-3]):[0-5][0-9]|14:00))?$/;

function validCalendarDay(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1) return false;
  const days = [31, (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  return d <= days[m - 1];
}

/** Checks a normalised value against the facets of its type; undefined when it conforms. */
export function checkSimple(name: SimpleTypeName, value: string): FacetViolation | undefined {
  const t: SimpleType = SIMPLE_TYPES[name];
  if (t.base === 'date') {
    const m = DATE.exec(value);
    if (!m || !validCalendarDay(Number(m[1]), Number(m[2]), Number(m[3]))) {
      return { rule: 'date', message: `'${value}' is not a valid xs:date (YYYY-MM-DD)` };
    }
  } else if (t.base === 'dateTime') {
    const m = DATE_TIME.exec(value);
    const h = m ? Number(m[4]) : 0;
    if (!m || !validCalendarDay(Number(m[1]), Number(m[2]), Number(m[3])) || h > 24 || Number(m[5]) > 59 || Number(m[6]) > 59) {
      return { rule: 'dateTime', message: `'${value}' is not a valid xs:dateTime` };
    }
  } else if (t.base === 'boolean') {
    if (value !== 'true' && value !== 'false' && value !== '1' && value !== '0') {
      return { rule: 'boolean', message: `'${value}' is not a valid xs:boolean` };
    }
  }
  if (t.enumeration && !t.enumeration.includes(value)) {
    return { rule: 'enumeration', message: `'${value}' is not one of ${t.enumeration.join(', ')}` };
  }
  if (t.minLength !== undefined && value.length < t.minLength) {
    return { rule: 'minLength', message: `length ${value.length} is below the minimum ${t.minLength}` };
  }
  if (t.maxLength !== undefined && value.length > t.maxLength) {
    return { rule: 'maxLength', message: `length ${value.length} exceeds the maximum ${t.maxLength}` };
  }
  if (t.patterns) {
    for (const p of t.patterns) {
      if (!re(p).test(value)) {
        return {
          rule: 'pattern',
          message: p === CHARSET || p === CHARSET_MULTILINE ? 'contains characters outside the WBCI character set' : `does not match ${p}`,
        };
      }
    }
  }
  return undefined;
}
