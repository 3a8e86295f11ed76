/** The mapping table between our field keys and the record elements of xml1/xml2/xml3 (italy.md §9.1). */
// ---------------------------------------------------------------------------------------------
// The mapping table

export type FileKind = 'xml1' | 'xml2' | 'xml3';
/** `TipoFile`: N = requests for the receiving operator, R = answers to requests it sent */
export type FileType = 'N' | 'R';

export interface FieldSpec {
  /** our stable key */
  key: string;
  /** the element name on the wire */
  element: string;
  /** `documented`: in the public copy (N (copy)); `designed`: invented here (I) */
  origin: 'documented' | 'designed';
  maxLength: number;
  pattern?: RegExp;
  /** what `pattern` means, for messages */
  patternText?: string;
}

export interface RecordLayout {
  kind: FileKind;
  fileType: FileType;
  root: string;
  record: string;
  /** default namespace written on the root; any namespace (or none) is accepted on input */
  namespace: string;
  /** the record attribute that repeats `CodiceOrdineRecipient` */
  idAttribute: string;
  /** the element wrapping the fields of a record */
  wrapper: string;
  fields: readonly FieldSpec[];
}

export const ALNUM3 = /^[A-Z0-9]{3}$/;
export const INT = /^[0-9]{1,3}$/;
export const doc = (key: string, element: string, maxLength: number, pattern?: RegExp, patternText?: string): FieldSpec => ({
  key,
  element,
  origin: 'documented',
  maxLength,
  pattern,
  patternText,
});
export const designed = (key: string, element: string, maxLength: number, pattern?: RegExp, patternText?: string): FieldSpec => ({
  ...doc(key, element, maxLength, pattern, patternText),
  origin: 'designed',
});

export const DN_FIELDS = Array.from({ length: 10 }, (_, i) => doc(`dn${i + 1}`, `DirectoryNumber${i + 1}`, 20, /^[0-9]{3,20}$/, '3–20 digits'));

export const ANSWER_FIELDS: readonly FieldSpec[] = [
  doc('communicationType', 'TipoComunicazione', 3, INT, 'an integer'),
  doc('recipient', 'CodiceOperatoreRecipient', 3, ALNUM3, '3 characters A–Z 0–9'),
  doc('orderId', 'CodiceOrdineRecipient', 100),
  doc('secret', 'CodiceOLODonating', 3, ALNUM3, '3 characters A–Z 0–9'),
  doc('cor1', 'CodiceRisorsa1', 12, /^[A-Z0-9]{1,12}$/, 'A–Z 0–9'),
  doc('cor2', 'CodiceRisorsa2', 12, /^[A-Z0-9]{1,12}$/, 'A–Z 0–9'),
  doc('cos2', 'CodiceServizio2', 3, ALNUM3, '3 characters A–Z 0–9'),
  doc('status', 'StatoRichiesta', 3, INT, 'an integer'),
  doc('cause', 'CausaleRifiuto', 3, INT, 'an integer'),
  doc('reasonCode', 'CodiceMotivoRifiuto', 10),
  doc('reasonText', 'MotivoRifiuto', 255),
  doc('wrongNumbers', 'NumerazioneErrata', 255, /^[0-9]{3,20}(,[0-9]{3,20})*$/, 'numbers separated by commas'),
  doc('sessionCode', 'CodiceSessione', 50, /^[\x21-\x7E]{1,50}$/, 'printable ASCII without spaces'),
];

export const FILE_LAYOUTS: Readonly<Record<FileKind, RecordLayout>> = Object.freeze({
  xml1: {
    kind: 'xml1',
    fileType: 'N',
    root: 'xml1',
    record: 'Request',
    namespace: 'http://www.olo.it/Request',
    idAttribute: 'CodiceOrdineRecipient',
    wrapper: 'Parametri',
    fields: [
      doc('communicationType', 'TipoComunicazione', 3, INT, 'an integer'),
      doc('sentDate', 'DataInvioRichiesta', 10),
      doc('recipient', 'CodiceOperatoreRecipient', 3, ALNUM3, '3 characters A–Z 0–9'),
      doc('orderId', 'CodiceOrdineRecipient', 100),
      doc('secret', 'CodiceOLODonating', 3, ALNUM3, '3 characters A–Z 0–9'),
      doc('cor1', 'CodiceRisorsa1', 12, /^[A-Z0-9]{1,12}$/, 'A–Z 0–9'),
      doc('cos1', 'CodiceServizio1', 3, ALNUM3, '3 characters A–Z 0–9'),
      doc('cor2', 'CodiceRisorsa2', 12, /^[A-Z0-9]{1,12}$/, 'A–Z 0–9'),
      doc('cos2', 'CodiceServizio2', 3, ALNUM3, '3 characters A–Z 0–9'),
      doc('firstName', 'NomeCliente', 100),
      doc('lastNameOrCompany', 'CognomeClienteRagioneSociale', 100),
      doc('taxCode', 'CodiceFiscalePartitaIVA', 16, /^(?:[A-Z0-9]{16}|[0-9]{11})$/, 'a codice fiscale (16) or partita IVA (11 digits)'),
      doc('correlationId', 'IdentificativoCorrelazioni', 100),
      doc('totalRequests', 'TotRichieste', 3, /^[1-9][0-9]{0,2}$/, 'a number 1–999'),
      doc('notes', 'Note', 255),
      ...DN_FIELDS,
      designed('dac', 'DAC', 10),
      designed('checkChar1', 'CarattereControllo1', 1, /^[A-Z]$/, 'one letter A–Z'),
      designed('checkChar2', 'CarattereControllo2', 1, /^[A-Z]$/, 'one letter A–Z'),
      designed('pin', 'PIN', 50),
    ],
  },
  xml2: {
    kind: 'xml2',
    fileType: 'R',
    root: 'xml2',
    record: 'ValidazioneFormale',
    namespace: 'http://www.olo.it/ValidazioneFormale',
    idAttribute: 'CodiceOrdineRecipient',
    wrapper: 'Parametri',
    fields: ANSWER_FIELDS,
  },
  xml3: {
    kind: 'xml3',
    fileType: 'R',
    root: 'xml3',
    record: 'ValidationResponse',
    namespace: 'http://www.olo.it/ValidationResponse',
    idAttribute: 'CodiceOrdineRecipient',
    wrapper: 'Parametri',
    fields: ANSWER_FIELDS,
  },
} satisfies Record<FileKind, RecordLayout>);

/** italy.md §9.1/§12: at most 100 records per file. */
export const DEFAULT_MAX_RECORDS = 100;
/** a full xml1 file is well under 200 kB; refuse anything far beyond before parsing */
export const DEFAULT_MAX_FILE_BYTES = 2 * 1024 * 1024;

// ---------------------------------------------------------------------------------------------
