/**
 * AGCOM Fase 2 ("Comunicazione Preventiva", italy.md §9) message catalogue as TypeScript types.
 *
 * Domain shapes: English field names, Italian message names (they are the procedure's terms),
 * no wire concerns. files.ts maps them to and from the xml1/xml2/xml3 records. Every value stays a
 * string (numbers with leading zeros, codes whose value sets are not public).
 *
 * One catalogue serves both procedures:
 * - migrazione: the customer gives the migration code; `secret` is its COW, `resources` its
 *   COR/COS pair(s) (two for operators that issue separate voice and data codes, §5);
 * - attivazione: the customer gives TIM's codice segreto; `secret` is the CS, the single
 *   resource is the phone number and carries no COS, the Donating is TIM Direzione Commerciale.
 */

/** Operator code as used in Fase 2 files and file names, 3 characters, e.g. `TLC` (italy.md §9.2). */
export type OperatorCode = string;
/** Calendar date `YYYY-MM-DD`, no time zone. */
export type IsoDate = string;
/** Instant, ISO 8601 with offset. */
export type IsoDateTime = string;

/** The two parties of a Fase 2 exchange. */
export type AgcomParty = 'recipient' | 'donating';

export const PROCEDURES = ['migrazione', 'attivazione'] as const;
export type Procedure = (typeof PROCEDURES)[number];

/**
 * Refusal categories of the gateway (italy.md §9.3, tag I) until the official causali di scarto
 * are known; the raw wire codes travel alongside in `Rejection`.
 */
export const KO_CATEGORIES = ['FORMATO', 'CODICE_SEGRETO', 'RISORSA', 'NUMERAZIONI', 'DUPLICATO', 'ALTRO'] as const;
export type KoCategory = (typeof KO_CATEGORIES)[number];

export const KO_CATEGORY_TEXT: Readonly<Record<KoCategory, string>> = Object.freeze({
  FORMATO: 'syntax of the request or of the code (including the check character)',
  CODICE_SEGRETO: 'the secret (COW / codice segreto) is not in the Donating pool or not assigned to the line',
  RISORSA: 'the resource (COR) is unknown or ceased',
  NUMERAZIONI: 'directory numbers not on the access (NumerazioneErrata)',
  DUPLICATO: 'another migration is already open for the line',
  ALTRO: 'other reason',
});

export const isKoCategory = (s: string): s is KoCategory => (KO_CATEGORIES as readonly string[]).includes(s);

// ---------------------------------------------------------------------------------------------
// Parts

/** One resource/service pair: wire `CodiceRisorsaN` / `CodiceServizioN`. */
export interface ResourceCode {
  /** COR (migrazione) or the phone number (attivazione) */
  cor: string;
  /** COS; absent for codes without one and in attivazione */
  cos?: string;
  /**
   * The check character the customer gave. Not in the documented record (the Fase 3 messages do
   * not carry it either): sent only where the partner accepts the designed element (files.ts).
   */
  checkChar?: string;
}

export interface Customer {
  /** `NomeCliente` */
  firstName?: string;
  /** `CognomeClienteRagioneSociale`: surname or company name */
  lastNameOrCompany: string;
  /** `CodiceFiscalePartitaIVA`: 16-character codice fiscale or 11-digit partita IVA */
  taxCode?: string;
}

/** Why a Donating refused; `category` is ours, the rest is what the wire carried or will carry. */
export interface Rejection {
  category: KoCategory;
  /** `CausaleRifiuto` (int on the wire; value set not public) */
  cause?: string;
  /** `CodiceMotivoRifiuto` (value set not public) */
  reasonCode?: string;
  /** `MotivoRifiuto` */
  text?: string;
  /** `NumerazioneErrata` */
  wrongNumbers?: string[];
}

// ---------------------------------------------------------------------------------------------
// Recipient → Donating (xml1 records)

interface MessageBase {
  recipient: OperatorCode;
  donating: OperatorCode;
  /** the operator that sent this message */
  sender: OperatorCode;
  /** `CodiceOrdineRecipient`: the case id on both sides */
  orderId: string;
  procedure: Procedure;
}

/** xml1 "Richiesta": the pre-announcement of the access cessation. */
export interface MigrationRequest extends MessageBase {
  type: 'RICHIESTA';
  /** `DataInvioRichiesta` */
  sentDate: IsoDate;
  /** `CodiceOLODonating`: the COW (migrazione) or TIM's codice segreto (attivazione) */
  secret: string;
  /** 1 or 2 pairs (`CodiceRisorsa1/2`, `CodiceServizio1/2`) */
  resources: ResourceCode[];
  customer: Customer;
  /** `DirectoryNumber1..10`: the numbers on the access, ported together with it */
  numbers: string[];
  /** requested migration date (DAC); designed element, the documented record has none */
  dac?: IsoDate;
  /** a separate PIN where an operator issues one next to the code (seed 000, §7) */
  pin?: string;
  /** `IdentificativoCorrelazioni`: links several requests of one customer */
  correlationId?: string;
  /** `TotRichieste`: how many requests share the correlation id */
  totalRequests?: string;
  /** `Note` */
  notes?: string;
}

/** Annullamento by the Recipient, allowed up to the DAC day included (italy.md §10.4, §13.11). */
export interface Cancellation extends MessageBase {
  type: 'ANNULLAMENTO';
  sentDate: IsoDate;
  notes?: string;
}

/** Rimodulazione DAC by the Recipient: a new requested migration date. */
export interface Reschedule extends MessageBase {
  type: 'RIMODULAZIONE';
  sentDate: IsoDate;
  dac: IsoDate;
  notes?: string;
}

export type RecipientMessage = MigrationRequest | Cancellation | Reschedule;
export type CommunicationType = RecipientMessage['type'];
export const COMMUNICATION_TYPES: readonly CommunicationType[] = ['RICHIESTA', 'ANNULLAMENTO', 'RIMODULAZIONE'];

// ---------------------------------------------------------------------------------------------
// Donating → Recipient (xml2, xml3 records)

interface AnswerBase extends MessageBase {
  result: 'OK' | 'KO';
  /** KO only */
  rejection?: Rejection;
  /** echoed code parts (`CodiceOLODonating`, `CodiceRisorsa1/2`, `CodiceServizio2`) */
  secret?: string;
  resources?: ResourceCode[];
}

/** xml2 "ValidazioneFormale": decided by the Donating's gateway on receipt. */
export interface FormalValidation extends AnswerBase {
  type: 'VALIDAZIONE_FORMALE';
  /** which communication it answers (the request, a cancellation or a reschedule) */
  answers: CommunicationType;
}

/** xml3 "ValidazioneGestionale": decided by the Donating's CRM; OK carries the session code. */
export interface ManagerialValidation extends AnswerBase {
  type: 'VALIDAZIONE_GESTIONALE';
  answers: 'RICHIESTA';
  /** `CodiceSessione`: opaque, ≤50 characters, quoted by the Recipient in Fase 3 */
  sessionCode?: string;
}

export type DonatingMessage = FormalValidation | ManagerialValidation;
export type AgcomMessage = RecipientMessage | DonatingMessage;
export type AgcomMessageType = AgcomMessage['type'];

export const isRecipientMessage = (m: AgcomMessage): m is RecipientMessage =>
  m.type === 'RICHIESTA' || m.type === 'ANNULLAMENTO' || m.type === 'RIMODULAZIONE';

/** The party that sends a message type. */
export const senderPartyOf = (type: AgcomMessageType): AgcomParty =>
  type === 'VALIDAZIONE_FORMALE' || type === 'VALIDAZIONE_GESTIONALE' ? 'donating' : 'recipient';
