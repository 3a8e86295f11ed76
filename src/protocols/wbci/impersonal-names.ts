/**
 * What of a WBCI wire form's Body is never a customer's: the text of the elements for codes, the
 * business case, carrier codes, the envelope's control data (time, release, the signer's issuer and
 * serial), the port window, the technology and the yes/no flags — and the code table's standard
 * texts wherever they stand (`Meldungstext` is free text by its type, so only those of its values
 * are known). A stored wire form's dictionary may keep them (src/store/dictionary-source.ts); every
 * other text — names, addresses, numbers, contract numbers, free text — stays out of it.
 *
 * Derived from the wire's field table by simple type, so a new element of one of these types is
 * covered and a type that can hold personal data is never. A name that a personal leaf also uses
 * (the wire reuses local names in places) is left out.
 */
import { MELDUNGSCODES } from './codes.js';
import { CONTROL, MELDUNGEN, QUITTUNG, REQUESTS, type Field } from './wire-names.js';
import type { SimpleTypeName } from './wire-simple-types.js';

const IMPERSONAL_TYPES: ReadonlySet<SimpleTypeName> = new Set<SimpleTypeName>([
  'CarrierCode',
  'Geschaeftsfall',
  'Meldungscode',
  'Portierungszeitfenster',
  'Technologie',
  'Boolean',
  'Zeitstempel',
  'MajorVersion',
  'MinorVersion',
  'SignatureIssuer',
  'SignatureSerial',
]);

function leavesOf(fields: readonly Field[], out: { wire: string; type: SimpleTypeName }[]): void {
  for (const f of fields) {
    switch (f.k) {
      case 'leaf':
      case 'leafList':
        out.push({ wire: f.wire, type: f.type });
        break;
      case 'keyed':
        for (const o of f.options) out.push({ wire: o.wire, type: o.type });
        break;
      case 'union':
        for (const o of f.options) leavesOf(o.fields, out);
        break;
      default:
        leavesOf(f.fields, out);
    }
  }
}

function impersonalElements(): ReadonlySet<string> {
  const leaves: { wire: string; type: SimpleTypeName }[] = [];
  for (const m of [...REQUESTS, ...MELDUNGEN]) leavesOf(m.fields, leaves);
  leavesOf(CONTROL, leaves);
  leavesOf(QUITTUNG, leaves);
  const personal = new Set(leaves.filter((l) => !IMPERSONAL_TYPES.has(l.type)).map((l) => l.wire));
  return new Set(leaves.filter((l) => IMPERSONAL_TYPES.has(l.type) && !personal.has(l.wire)).map((l) => l.wire));
}

/** Local names of the WBCI wire's elements whose text is never personal data. */
export const WBCI_IMPERSONAL_ELEMENTS: ReadonlySet<string> = impersonalElements();

/** The code table's standard texts, and the TEQ's `OK`. */
export const WBCI_STANDARD_TEXTS: ReadonlySet<string> = new Set([...MELDUNGSCODES.map((c) => c.text), 'OK']);
