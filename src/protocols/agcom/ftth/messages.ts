/**
 * The FTTH multi-operator message model N1–N13 (italy.md §10.3) as one shape table.
 *
 * The table is the single description of every message: the codec encodes and checks against it,
 * and the XSDs and WSDLs in schemas/agcom-ftth and wsdl/agcom-ftth are rendered from it
 * (contracts.ts; a test keeps the committed files equal to the rendering), so encoder, decoder and
 * contract cannot drift apart. Element order is the row order of the §10.3 tables.
 */

/** m = mandatory, o = optional, c = conditional (see `when`) */
export type Presence = 'm' | 'o' | 'c';

export type FieldType =
  | { kind: 'text'; max: number }
  | { kind: 'enum'; values: readonly string[] }
  | { kind: 'dateTime' }
  | { kind: 'date' }
  | { kind: 'time' }
  /** an aggregate of text children, e.g. DATI_MIGRAZIONE */
  | { kind: 'group'; fields: readonly FieldSpec[] }
  /** a list of up to `maxItems` text items named `item`, e.g. NUMERAZIONI/DN */
  | { kind: 'list'; item: string; maxItems: number; max: number }
  /** an aggregate the network operator defines (empty in the public WSDL): carried, not interpreted */
  | { kind: 'opaque' };

export interface FieldSpec {
  name: string;
  presence: Presence;
  type: FieldType;
  /** for presence 'c': the field is required exactly when `field` has `value`, absent otherwise */
  when?: { field: string; value: string };
}

export type FieldValue = string | readonly string[] | Readonly<Record<string, string>>;
/** A message as element name → value; opaque aggregates are carried as '' (present, empty). */
export type FtthMessage = Readonly<Record<string, FieldValue | undefined>>;

const text = (max: number): FieldType => ({ kind: 'text', max });
const oneOf = (...values: string[]): FieldType => ({ kind: 'enum', values });
const DATE_TIME: FieldType = { kind: 'dateTime' };
const DATE: FieldType = { kind: 'date' };
const TIME: FieldType = { kind: 'time' };
const OPAQUE: FieldType = { kind: 'opaque' };
const numbers = (item: string): FieldType => ({ kind: 'list', item, maxItems: 10, max: 20 });

const m = (name: string, type: FieldType): FieldSpec => ({ name, presence: 'm', type });
const o = (name: string, type: FieldType): FieldSpec => ({ name, presence: 'o', type });

const OP = text(3);
const ORDER = text(18);
const NOTIFICATION_ID = text(100);
const REASON_CODE = text(3);
const REASON = text(255);

const HEADER_A_B = [m('CODICE_OPERATORE_REC', OP), m('CODICE_ORDINE_REC', ORDER), m('CODICE_OPERATORE_WHS', OP)];
const HEADER_B_A = [...HEADER_A_B, m('CODICE_ORDINE_WHS', ORDER)];
const NOTIFICATION = [m('ID_NOTIFICA', NOTIFICATION_ID), m('DATA_NOTIFICA', DATE_TIME)];
const CUSTOMER_CHANGE = [o('NOME_CLIENTE', text(20)), o('COGNOME_CLIENTE', text(70)), o('RECAPITO_TELEFONICO_CLIENTE_1', text(20)), o('RECAPITO_TELEFONICO_CLIENTE_2', text(20))];
const TRAILER = (servizio: Presence): FieldSpec[] => [{ name: 'SERVIZIO_FTTH', presence: servizio, type: OPAQUE }, o('SERVIZI_OPZIONALI', OPAQUE), o('NOTE', REASON)];

export const MESSAGE_IDS = ['N1', 'N2', 'N3', 'N4', 'N5', 'N6', 'N7', 'N8', 'N9', 'N10', 'N11', 'N12', 'N13'] as const;
export type MessageId = (typeof MESSAGE_IDS)[number];

export const FIELDS: Record<MessageId, readonly FieldSpec[]> = {
  N1: [
    ...HEADER_A_B,
    ...NOTIFICATION,
    o('NOME_REFERENTE_TECNICO_OLO', text(50)),
    m('COGNOME_REFERENTE_TECNICO_OLO', text(50)),
    m('TELEFONO_REFERENTE_TECNICO_OLO', text(20)),
    m('EMAIL_REFERENTE_TECNICO_OLO', text(255)),
    o('TELEFONO_REFERENTE_OLO_ONFIELD_NOTECH', text(20)),
    o('COMPETENZA_QUARTO_REFERENTE', oneOf('1', '2', '3')),
    o('NOME_CLIENTE', text(20)),
    m('COGNOME_CLIENTE', text(70)),
    m('RECAPITO_TELEFONICO_CLIENTE_1', text(20)),
    o('RECAPITO_TELEFONICO_CLIENTE_2', text(20)),
    o('CONTATTO_VIRTUALE', oneOf('0', '1')),
    { name: 'MODALITA_CONTATTO_VIRTUALE', presence: 'c', type: text(255), when: { field: 'CONTATTO_VIRTUALE', value: '1' } },
    o('DATA_PREVISTA_ATTIVAZIONE', DATE),
    o('ID_BUILDING', text(150)),
    o('SCALA_PALAZZINA', text(21)),
    m('DATI_MIGRAZIONE', { kind: 'group', fields: [m('CODICE_SESSIONE', text(50)), m('COR', text(12)), m('COW', text(3)), m('COS', text(3))] }),
    o('NUMERAZIONI', numbers('DN')),
    ...TRAILER('m'),
  ],
  N2: [
    ...HEADER_A_B,
    ...NOTIFICATION,
    ...CUSTOMER_CHANGE,
    o('DATA_PREVISTA_ATTIVAZIONE', DATE),
    o('ORARIO_APPUNTAMENTO', TIME),
    m('AZIONE', oneOf('0', '1')),
    o('CODICE_MOTIVAZIONE', REASON_CODE),
    o('MOTIVAZIONE', REASON),
    ...TRAILER('o'),
  ],
  N3: [
    ...HEADER_A_B,
    ...NOTIFICATION,
    ...CUSTOMER_CHANGE,
    m('DATA_PREVISTA_ATTIVAZIONE', DATE),
    m('ORARIO_APPUNTAMENTO', TIME),
    m('CODICE_MOTIVAZIONE', REASON_CODE),
    m('MOTIVAZIONE', REASON),
    ...TRAILER('o'),
  ],
  N4: [
    ...HEADER_B_A,
    ...NOTIFICATION,
    o('DATA_PREVISTA_ATTIVAZIONE', DATE),
    o('ORARIO_APPUNTAMENTO', TIME),
    o('ID_BUILDING', text(150)),
    o('CODICE_MOTIVAZIONE', REASON_CODE),
    o('MOTIVAZIONE', REASON),
    m('STATO_ORDINE', oneOf('0', '1', '2', '3', '4', '5')),
    o('FLAG_DESOSPENSIONE', oneOf('SI', 'NO')),
    ...TRAILER('o'),
  ],
  N5: [
    ...HEADER_B_A,
    ...NOTIFICATION,
    m('DATA_PREVISTA_ATTIVAZIONE', DATE),
    o('ORARIO_APPUNTAMENTO', TIME),
    m('CODICE_MOTIVAZIONE', REASON_CODE),
    m('MOTIVAZIONE', REASON),
    ...TRAILER('o'),
  ],
  N6: [...HEADER_B_A, ...NOTIFICATION, m('DATA_AVVIO_POLICY_CONTATTO', DATE_TIME), m('TIPOLOGIA_EVENTO', oneOf('0')), o('NOTE', REASON)],
  N7: [
    ...HEADER_B_A,
    ...NOTIFICATION,
    o('CODICE_MOTIVAZIONE', REASON_CODE),
    o('MOTIVAZIONE', REASON),
    m('STATO_ORDINE', oneOf('0', '1')),
    o('COR', text(12)),
    o('COS', text(3)),
    m('DATA_ESPLETAMENTO_ORDINE', DATE),
    o('ORARIO_ESPLETAMENTO_ORDINE', TIME),
    ...TRAILER('o'),
  ],
  N8: [
    m('CODICE_OPERATORE_REC', OP),
    m('CODICE_OPERATORE_WHS', OP),
    m('CODICE_ORDINE_WHS', ORDER),
    ...NOTIFICATION,
    m('CODICE_SESSIONE', text(50)),
    m('COR', text(12)),
    o('NOTE', REASON),
    o('NUMERAZIONI', numbers('DN')),
  ],
  N9: [m('CODICE_ORDINE_WHS', ORDER), ...NOTIFICATION, m('ESITO', oneOf('OK', 'KO')), o('CODICE_MOTIVAZIONE', REASON_CODE), o('MOTIVAZIONE', REASON), o('NOTE', REASON)],
  N10: [
    m('CODICE_OPERATORE_REC', OP),
    m('CODICE_OPERATORE_WHS', OP),
    m('CODICE_ORDINE_WHS', ORDER),
    ...NOTIFICATION,
    m('COR', text(12)),
    o('EVENTO', oneOf('0', '1', '2', '3')),
    o('DATA', DATE),
    o('ORA', TIME),
    o('NOTE', REASON),
  ],
  N11: [
    m('codiceOperatoreRec', OP),
    m('codiceOrdineWHS', ORDER),
    m('idNotifica', NOTIFICATION_ID),
    m('dataNotifica', DATE_TIME),
    m('tipoNotifica', oneOf('01', '02', '03')),
    o('routingNumber', text(18)),
    o('numerazioni', numbers('dn')),
    o('note', REASON),
  ],
  N12: [m('ID_NOTIFICA', NOTIFICATION_ID), m('ESITO', oneOf('0', '1')), o('CODICE_MOTIVAZIONE', REASON_CODE), o('MOTIVAZIONE', REASON)],
  N13: [
    m('codiceOperatoreDonor', OP),
    m('codiceOrdineWHS', ORDER),
    m('idNotifica', NOTIFICATION_ID),
    m('dataNotifica', DATE_TIME),
    m('tipoNotifica', oneOf('01', '02', '03')),
    m('numerazioniScartate', numbers('dn')),
    m('codiceMotivazione', REASON_CODE),
    m('motivazione', REASON),
    o('note', REASON),
  ],
};

/** The services of §10.3, who hosts them, and their operations (request element = operation name). */
export const SERVICES = {
  RecipientMigrationService: { host: 'B', operations: { Rec_MigrationSetup: 'N1', Rec_StatusUpdateMig: 'N2', Rec_RescheduleMig: 'N3' } },
  RecipientMigrationNotify_OLO: { host: 'A', operations: { WHS_StatusUpdateMig: 'N4', WHS_RescheduleMig: 'N5', WHS_Event: 'N6', WHS_CompletionOrderMig: 'N7' } },
  DonatingMigrationNotify_OLO: { host: 'E', operations: { WHS_Check_sessione: 'N8', WHS_Msg_Donating: 'N10' } },
  DonatingMigrationService: { host: 'D', operations: { Don_Check_sessione: 'N9' } },
  'O2ONPFibra.OLO_NPRequestService': { host: 'Donor', operations: { OLO_NPRequest: 'N11' } },
  OLO_NPNotificationService: { host: 'A', operations: { OLO_NPNotification: 'N13' } },
} as const satisfies Record<string, { host: string; operations: Record<string, Exclude<MessageId, 'N12'>> }>;

export type ServiceName = keyof typeof SERVICES;
export const SERVICE_NAMES = Object.keys(SERVICES) as ServiceName[];
/** The services an operator's gateway hosts as Recipient (A), Donating (E) and Donor; B's are the simulator's. */
export const GATEWAY_SERVICES: readonly ServiceName[] = ['RecipientMigrationNotify_OLO', 'OLO_NPNotificationService', 'DonatingMigrationNotify_OLO', 'O2ONPFibra.OLO_NPRequestService'];

export type Operation = { [S in ServiceName]: keyof (typeof SERVICES)[S]['operations'] }[ServiceName];

export const OPERATION_MESSAGE: Record<Operation, Exclude<MessageId, 'N12'>> = Object.assign(
  {},
  ...SERVICE_NAMES.map((s) => SERVICES[s].operations),
) as Record<Operation, Exclude<MessageId, 'N12'>>;

export const OPERATIONS = Object.keys(OPERATION_MESSAGE) as Operation[];

export function serviceOperations(service: ServiceName): Operation[] {
  return Object.keys(SERVICES[service].operations) as Operation[];
}

/** The notification id of a message (upper-case in the A/B/D/E messages, camel-case in N11/N13). */
export function notificationId(msg: FtthMessage): string | undefined {
  const v = msg.ID_NOTIFICA ?? msg.idNotifica;
  return typeof v === 'string' ? v : undefined;
}
