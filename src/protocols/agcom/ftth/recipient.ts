/**
 * What the Recipient (A) sends the network operator (italy.md §10.3): N1 built from a validated
 * Fase 2 case, N2 (desospensione / annullamento) and N3 (rimodulazione) built from the order.
 * Pure: the caller supplies ids and time. A case that cannot fill a mandatory N1 field is refused
 * here with the field that is missing or too long, so the order is never sent half-filled.
 */
import type { Issue } from '../../../domain/issues.js';
import type { AgcomCaseState } from '../case-state.js';
import { checkMessage } from './codec.js';
import type { FtthOrder, OrderState } from './machine.js';
import type { FtthMessage } from './messages.js';

/** How the Recipient reaches the customer (the REST request's `contact`). */
export interface CustomerContact {
  phone: string;
  altPhone?: string;
  email?: string;
}

/** `agcom.ftth.technicalContact`: the Recipient's technical referent named in every N1. */
export interface TechnicalContact {
  name?: string;
  surname: string;
  phone: string;
  email: string;
}

export interface RecipientSettings {
  /** this gateway's operator code (CODICE_OPERATORE_REC) */
  operatorCode: string;
  /** the network operator's code (CODICE_OPERATORE_WHS, `agcom.wholesale.operatorCode`) */
  networkOperatorCode: string | undefined;
  technicalContact: TechnicalContact | undefined;
  /** N3's mandatory CODICE_MOTIVAZIONE and ORARIO_APPUNTAMENTO (`agcom.ftth.rimodulazione`) */
  rimodulazione: { reasonCode: string; appointmentTime: string };
}

/**
 * N3 defaults (`agcom.ftth.rimodulazione`): the reason list ("Allegato 5") is not public, so the
 * code says what a Recipient's rimodulazione always is, the customer asked (`CLI`); the time is
 * only used when the network operator never gave an appointment.
 */
export const DEFAULT_RIMODULAZIONE = { reasonCode: 'CLI', appointmentTime: '09:00:00' } as const;

export interface Notification {
  id: string;
  /** xsd:dateTime */
  at: string;
}

/** N1 RECAPITO_TELEFONICO_CLIENTE_* and the REST phone: the separators the REST schema admits are dropped. */
export const wirePhone = (phone: string): string => phone.replace(/[ ./-]/g, '');

const LIMITS = { phone: 20, firstName: 20, lastName: 70 } as const;

const issue = (path: string, rule: string, code: string, message: string): Issue => ({ path, rule, code, message, severity: 'error' });

/**
 * What the FTTH N1 needs of a new request that the REST schema does not already demand: the
 * customer's phone (RECAPITO_TELEFONICO_CLIENTE_1, mandatory, ≤20) and the name lengths of
 * NOME_CLIENTE (≤20) / COGNOME_CLIENTE (≤70). Checked at intake so the CRM hears it at once,
 * not days later when the order cannot be built.
 */
export function ftthIntakeIssues(input: { customer: { firstName?: string; lastName?: string; companyName?: string }; contact?: Partial<CustomerContact> }): Issue[] {
  const out: Issue[] = [];
  const phone = input.contact?.phone;
  if (phone === undefined || wirePhone(phone) === '') {
    out.push(issue('/contact/phone', 'required', 'SG_AGCOM_FTTH_CONTACT_REQUIRED', 'the FTTH order (N1 RECAPITO_TELEFONICO_CLIENTE_1) needs the customer\'s phone number'));
  } else if (wirePhone(phone).length > LIMITS.phone) {
    out.push(issue('/contact/phone', 'maxLength', 'SG_AGCOM_FTTH_FIELD_TOO_LONG', `N1 RECAPITO_TELEFONICO_CLIENTE_1 holds at most ${LIMITS.phone} characters without separators; ${wirePhone(phone)} has ${wirePhone(phone).length}`));
  }
  const alt = input.contact?.altPhone;
  if (alt !== undefined && wirePhone(alt).length > LIMITS.phone) {
    out.push(issue('/contact/altPhone', 'maxLength', 'SG_AGCOM_FTTH_FIELD_TOO_LONG', `N1 RECAPITO_TELEFONICO_CLIENTE_2 holds at most ${LIMITS.phone} characters without separators; ${wirePhone(alt)} has ${wirePhone(alt).length}`));
  }
  const c = input.customer;
  const [surnamePath, surname] = c.companyName !== undefined ? ['/customer/companyName', c.companyName] : ['/customer/lastName', c.lastName];
  if (surname !== undefined && [...surname].length > LIMITS.lastName) {
    out.push(issue(surnamePath, 'maxLength', 'SG_AGCOM_FTTH_FIELD_TOO_LONG', `N1 COGNOME_CLIENTE holds at most ${LIMITS.lastName} characters; this one has ${[...surname].length}`));
  }
  if (c.firstName !== undefined && c.companyName === undefined && [...c.firstName].length > LIMITS.firstName) {
    out.push(issue('/customer/firstName', 'maxLength', 'SG_AGCOM_FTTH_FIELD_TOO_LONG', `N1 NOME_CLIENTE holds at most ${LIMITS.firstName} characters; this one has ${[...c.firstName].length}`));
  }
  return out;
}

export type BuiltN1 = { ok: true; msg: FtthMessage } | { ok: false; issues: Issue[] };

/** N1 Rec_MigrationSetup for a validated Fase 2 case (the caller checked readiness). */
export function buildN1(s: AgcomCaseState & { contact?: CustomerContact }, cfg: RecipientSettings, n: Notification): BuiltN1 {
  const issues: Issue[] = [];
  const missing = (path: string, message: string) => issues.push(issue(path, 'required', 'SG_WHOLESALE_ORDER_INCOMPLETE', message));
  if (!cfg.networkOperatorCode) missing('agcom.wholesale.operatorCode', 'the network operator\'s code (CODICE_OPERATORE_WHS) is not configured');
  if (!cfg.technicalContact) missing('agcom.ftth.technicalContact', 'the technical referent of N1 (COGNOME/TELEFONO/EMAIL_REFERENTE_TECNICO_OLO) is not configured');
  if (!s.sessionCode) missing('/sessionCode', 'the case has no CodiceSessione');
  if (!s.contact?.phone) missing('/contact/phone', 'the case has no customer phone (N1 RECAPITO_TELEFONICO_CLIENTE_1)');
  const resource = s.request.resources[0];
  if (!resource?.cos) missing('/request/resources/0/cos', 'DATI_MIGRAZIONE needs the COS, which this code does not carry');
  if (issues.length) return { ok: false, issues };
  const t = cfg.technicalContact!;
  const c = s.request.customer;
  const numbers = s.request.numbers.slice(0, 10);
  const msg: Record<string, unknown> = {
    CODICE_OPERATORE_REC: cfg.operatorCode,
    CODICE_ORDINE_REC: s.orderId,
    CODICE_OPERATORE_WHS: cfg.networkOperatorCode,
    ID_NOTIFICA: n.id,
    DATA_NOTIFICA: n.at,
    ...(t.name ? { NOME_REFERENTE_TECNICO_OLO: t.name } : {}),
    COGNOME_REFERENTE_TECNICO_OLO: t.surname,
    TELEFONO_REFERENTE_TECNICO_OLO: t.phone,
    EMAIL_REFERENTE_TECNICO_OLO: t.email,
    ...(c.firstName ? { NOME_CLIENTE: c.firstName } : {}),
    COGNOME_CLIENTE: c.lastNameOrCompany,
    RECAPITO_TELEFONICO_CLIENTE_1: wirePhone(s.contact!.phone),
    ...(s.contact!.altPhone ? { RECAPITO_TELEFONICO_CLIENTE_2: wirePhone(s.contact!.altPhone) } : {}),
    ...(s.dac ? { DATA_PREVISTA_ATTIVAZIONE: s.dac } : {}),
    DATI_MIGRAZIONE: { CODICE_SESSIONE: s.sessionCode, COR: resource!.cor, COW: s.request.secret, COS: resource!.cos },
    ...(numbers.length ? { NUMERAZIONI: numbers } : {}),
    SERVIZIO_FTTH: '',
  };
  // the table is the last word (lengths of codes the case got from Fase 2, the order id's 18 characters)
  const p = checkMessage('N1', msg as FtthMessage);
  if (p) return { ok: false, issues: [issue(`N1/${p.field}`, p.rule, 'SG_WHOLESALE_ORDER_INCOMPLETE', `the N1 cannot carry this case: ${p.message}`)] };
  return { ok: true, msg: msg as FtthMessage };
}

const header = (o: FtthOrder, cfg: RecipientSettings, n: Notification) => ({
  CODICE_OPERATORE_REC: cfg.operatorCode,
  CODICE_ORDINE_REC: o.codiceOrdineRec,
  CODICE_OPERATORE_WHS: cfg.networkOperatorCode ?? '',
  ID_NOTIFICA: n.id,
  DATA_NOTIFICA: n.at,
});

/** N2 Rec_StatusUpdateMig: AZIONE 0 desospensione, 1 annullamento. */
export function buildN2(o: FtthOrder, cfg: RecipientSettings, n: Notification, azione: '0' | '1', reason?: string): FtthMessage {
  return { ...header(o, cfg, n), AZIONE: azione, ...(reason ? { MOTIVAZIONE: [...reason].slice(0, 255).join('') } : {}) };
}

/** N3 Rec_RescheduleMig: the new DAC, with the appointment in force (or the configured one) and the reason. */
export function buildN3(o: FtthOrder, cfg: RecipientSettings, n: Notification, dac: string, reason: string): FtthMessage {
  return {
    ...header(o, cfg, n),
    DATA_PREVISTA_ATTIVAZIONE: dac,
    ORARIO_APPUNTAMENTO: o.appointment ?? cfg.rimodulazione.appointmentTime,
    CODICE_MOTIVAZIONE: cfg.rimodulazione.reasonCode,
    MOTIVAZIONE: [...reason].slice(0, 255).join(''),
  };
}

/**
 * The order state as the generic wholesale order shows it (`wholesaleOrder.state` in the case
 * view and the console), so an FTTH order reads like any other; the FTTH state itself stays in
 * `wholesaleOrder.ftth.state`. Sospeso has no generic twin and is shown as `suspended`; a pending
 * annullamento keeps the state it interrupted (the request is in `cancellation`).
 */
export function genericState(s: OrderState, before: string): string {
  switch (s) {
    case 'submitted':
      return 'submitted';
    case 'acquisito':
      return 'acknowledged';
    case 'accettato':
      return 'accepted';
    case 'sospeso':
      return 'suspended';
    case 'cancelPending':
      return before;
    case 'annullato':
      return 'cancelled';
    case 'espletatoOk':
      return 'completed';
    case 'espletatoKo':
      return 'failed';
    case 'rejectedSync':
    case 'acquisitoKo':
    case 'accettatoKo':
      return 'rejected';
  }
}
