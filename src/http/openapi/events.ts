/**
 * The catalogue of event types the gateway appends to the feed (`GET /v1/events`, webhooks), one
 * component per type, discriminated by `type`. A type missing here fails the contract test that
 * validates every event of its flows against `Event` (test/integration/openapi-contract.test.ts).
 */
import type { JsonSchema } from './request-schemas.js';

interface EventDoc {
  type: string;
  description: string;
  /** the properties of `data` worth naming (the object may carry more) */
  data?: Record<string, JsonSchema>;
  required?: string[];
}

const str: JsonSchema = { type: 'string' };
const strOrNull: JsonSchema = { type: ['string', 'null'] };
const date: JsonSchema = { type: 'string', description: 'calendar date YYYY-MM-DD' };
const codes: JsonSchema = { type: 'array', items: { type: 'string' } };
const messageRef = { messageId: str, type: { type: 'string', description: 'message type, e.g. VA-KUE-MRN, RUEM-VA, xml1' } };
const change: JsonSchema = { type: 'object', description: 'the change request (TVS-VA, STR-AUF, STR-AEN; AGCOM annullamento / rimodulazione)' };
const issues: JsonSchema = { type: 'array', items: { $ref: '#/components/schemas/Issue' } };
const wholesale = (what: string): EventDoc => ({
  type: `wholesale.${what}`,
  description: `phase 3: the wholesale order ${what.replace(/-/g, ' ')} (see the case's wholesaleOrder)`,
  data: { orderState: str },
});

export const EVENT_CATALOGUE: readonly EventDoc[] = [
  // case lifecycle: the state machines' effects (WBCI and AGCOM), one event each
  { type: 'case.case-opened', description: 'a case was opened (sent or received VA / AGCOM request)', data: { kind: { const: 'case-opened' }, vaId: str, orderId: str, vaType: str, procedure: str, requestedDate: date, dac: date } },
  { type: 'case.agreed', description: 'WBCI: the donating side accepted (RUEM-VA); the switch date is agreed', data: { kind: { const: 'agreed' }, switchDate: date } },
  { type: 'case.rejected', description: 'WBCI: the VA was rejected (ABBM) with these codes', data: { kind: { const: 'rejected' }, codes } },
  { type: 'case.tr-notified', description: 'WBCI: resource handover notified (AKM-TR)', data: { kind: { const: 'tr-notified' }, attempt: { type: 'integer' } } },
  { type: 'case.tr-rejected', description: 'WBCI: the AKM-TR was rejected (ABBM-TR)', data: { kind: { const: 'tr-rejected' }, codes } },
  { type: 'case.change-opened', description: 'a change request (reschedule, cancellation) is open', data: { kind: { const: 'change-opened' }, change } },
  { type: 'case.change-closed', description: 'a change request was answered (accepted, rejected) or superseded', data: { kind: { const: 'change-closed' }, change, result: { enum: ['accepted', 'rejected', 'superseded'] }, codes } },
  { type: 'case.switch-date-changed', description: 'WBCI: the agreed switch date moved', data: { kind: { const: 'switch-date-changed' }, from: date, to: date } },
  { type: 'case.dac-changed', description: 'AGCOM: the DAC (data di attivazione concordata) moved', data: { kind: { const: 'dac-changed' }, from: date, to: date } },
  { type: 'case.formal-validated', description: 'AGCOM: formal validation (xml2) OK or KO', data: { kind: { const: 'formal-validated' }, result: { enum: ['OK', 'KO'] }, rejection: { type: 'object' } } },
  { type: 'case.managerial-validated', description: 'AGCOM: managerial validation (xml3) OK (with the session code) or KO', data: { kind: { const: 'managerial-validated' }, result: { enum: ['OK', 'KO'] }, sessionCode: str, rejection: { type: 'object' } } },
  { type: 'case.closed', description: 'the case reached a final state', data: { kind: { const: 'closed' }, state: str } },
  { type: 'case.successor-expected', description: 'WBCI: after an agreed STR-AEN a successor VA is expected by dueAt', data: { kind: { const: 'successor-expected' }, dueAt: str } },
  { type: 'case.successor-linked', description: 'WBCI: a successor VA was linked to the VA it replaces (automatically or by the CRM)', data: { successor: str, replaces: str, by: str } },
  { type: 'case.warning', description: 'a rule produced a warning (e.g. a short lead time); the step went through', data: { path: str, rule: str, code: str, message: str, severity: str } },
  { type: 'wbci.akm-tr-finding', description: 'WBCI (wbci.akmTrChecks "event"): what the gateway would have answered with ABBM-TR, for the CRM to decide', data: { kind: { const: 'akm-tr-finding' }, code: str, path: str, message: str } },
  { type: 'wbci.clarification', description: 'WBCI: received content a person has to look at (Klärfall)', data: { kind: { const: 'clarification' }, finding: str, path: str, message: str } },
  { type: 'wbci.successor-ambiguous', description: 'WBCI: a new VA might succeed one of several cancelled VAs; link it with POST /v1/switches/{id}/link', data: { kind: { const: 'successor-ambiguous' }, candidates: codes, reason: str } },
  { type: 'deadline.overdue', description: 'a deadline of the case lapsed (announced once)', data: { name: str, dueAt: str, party: strOrNull, ref: strOrNull }, required: ['name', 'dueAt'] },
  // messages and their delivery
  { type: 'message.queued', description: 'a message to the peer was stored and queued for delivery', data: { ...messageRef, businessId: strOrNull }, required: ['messageId', 'type'] },
  { type: 'message.received', description: 'a message from the peer (or the network operator) was received and applied', data: { ...messageRef, businessId: strOrNull }, required: ['messageId', 'type'] },
  { type: 'message.refused', description: 'a received message was refused by the procedure; the answer (e.g. ABBM) is queued', data: { ...messageRef, issues, reply: { type: ['object', 'null'] } } },
  { type: 'message.delivered', description: 'the peer acknowledged a queued message', data: messageRef, required: ['messageId', 'type'] },
  { type: 'delivery.dead-lettered', description: 'a delivery gave up; see GET /v1/dead-letters', data: { ...messageRef, reason: str } },
  { type: 'delivery.replayed', description: 'a dead-lettered delivery was put back into the outbox', data: { deadLetterId: { type: ['integer', 'string'] }, messageId: strOrNull } },
  { type: 'delivery.set-aside', description: "an operator closed a dead letter without sending it again; the case's later messages to the destination go out", data: { deadLetterId: { type: ['integer', 'string'] }, messageId: strOrNull, note: strOrNull } },
  // phase 3 (wholesale)
  { type: 'wholesale.order-queued', description: 'phase 3: the wholesale order was placed (queued to the provider)', data: { orderType: str, orderState: str } },
  { type: 'wholesale.order-blocked', description: 'phase 3: the order cannot be built from the case; the issues say why', data: { issues } },
  wholesale('acknowledged'),
  wholesale('accepted'),
  wholesale('rejected'),
  wholesale('in-progress'),
  wholesale('rescheduled'),
  wholesale('completed'),
  wholesale('failed'),
  wholesale('cancelled'),
  wholesale('cancellation-rejected'),
  wholesale('reschedule-rejected'),
  wholesale('cancellation-queued'),
  wholesale('reschedule-queued'),
  wholesale('suspended'),
  wholesale('resumed'),
  wholesale('resume-queued'),
  wholesale('resume-rejected'),
  { type: 'wholesale.attention', description: 'phase 3: something needs a person (e.g. an ABBM-TR after the order was placed)', data: { reason: str, codes, orderState: str } },
  { type: 'wholesale.not-propagated', description: 'phase 3: a change of the case could not be passed on to the order', data: { reason: str } },
  { type: 'wholesale.verification-answered', description: 'the wholesale provider asked the donating side to verify a phase 2; the answer given', data: { result: { enum: ['OK', 'KO'] }, code: str } },
  // AGCOM number portability and FTTH
  { type: 'np.notice-queued', description: 'AGCOM: a number-portability notice (01/02/03) was queued to the Donor', data: { tipoNotifica: str, donor: str, numbers: { type: 'integer' } } },
  { type: 'np.donor-unknown', description: 'AGCOM: no Donor is known for some numbers; no notice went out for them', data: { tipoNotifica: str, numbers: { type: 'integer' } } },
  { type: 'np.rejected', description: 'AGCOM: the Donor refused a number-portability notice (N13 KO)', data: { code: str, reason: str } },
  { type: 'agcom.ftth.session-checked', description: 'AGCOM FTTH: the network operator asked (N8) and the Donating answered the session check (N12)', data: { esito: str } },
  { type: 'np.notice-invalid', description: 'AGCOM: our own data could not make an N11 for a Donor; reported, the case goes on', data: { tipoNotifica: str, donor: str, problem: str } },
  { type: 'np.notice-received', description: 'AGCOM FTTH: as Donor, a Recipient\'s N11 (01/02/03) was recorded (on the matching donating case, or as a notice of its own)', data: { recipient: str, codiceOrdineWHS: str, tipoNotifica: str, idNotifica: str, numbers: { type: 'integer' }, notice: str } },
  { type: 'np.release-refused', description: 'AGCOM FTTH: as Donor, numbers of an N11 we cannot release; an N13 KO with the reason went back (sent=false when the Recipient has no SOAP service to answer at)', data: { code: str, reason: str, sent: { type: 'boolean' } } },
  { type: 'agcom.ftth.refused', description: 'AGCOM FTTH: as Recipient, an N4–N7 the order state machine refused (answered by an N12 NACK, nothing changed)', data: { messageId: str, type: str, code: str, reason: str, ftthState: str } },
  { type: 'agcom.ftth.donating-notified', description: 'AGCOM FTTH: the network operator notified the Donating of an outcome (N10)', data: { event: str, date, time: str } },
  // interconnection with TIM
  ...['created', 'received', 'submitted', 'in-progress', 'completed', 'rejected', 'annulled'].map((what) => ({
    type: `interconnect.request.${what}`,
    description: `interconnection: an access request was ${what.replace('-', ' ')}`,
    data: { type: str, state: str, completionDate: date, reimbursement: str },
  })),
  ...['opened', 'received', 'diagnosed', 'closed'].map((what) => ({ type: `interconnect.fault.${what}`, description: `interconnection: a fault report was ${what}`, data: { state: str } })),
  ...['requested', 'received', 'event'].map((what) => ({
    type: `interconnect.project.${what}`,
    description: what === 'event' ? 'interconnection: a project event was recorded' : `interconnection: a project was ${what}`,
    data: { state: str, event: str },
  })),
  { type: 'interconnect.access.changed', description: 'interconnection: an access (port, link, CAC modules) was activated, changed or ceased', data: { accessId: str } },
  { type: 'interconnect.fee.mismatch', description: 'interconnection: a fee TIM stated differs from the configured tariff', data: { fee: str, expected: str, stated: str } },
];

const componentName = (type: string) => 'Event' + type.replace(/(^|[-.])([a-z0-9])/g, (_m, _s, c: string) => c.toUpperCase());

/** `Event` (oneOf + discriminator) and one `Event…` component per type. */
export function eventComponents(): Record<string, JsonSchema> {
  const out: Record<string, JsonSchema> = {};
  const mapping: Record<string, string> = {};
  for (const e of EVENT_CATALOGUE) {
    const name = componentName(e.type);
    mapping[e.type] = `#/components/schemas/${name}`;
    out[name] = {
      type: 'object',
      description: e.description,
      required: ['cursor', 'type', 'caseId', 'data', 'at'],
      properties: {
        cursor: { type: 'string', description: 'pass as `after` to read what follows' },
        type: { const: e.type },
        caseId: { type: ['string', 'null'] },
        data: { type: 'object', ...(e.data ? { properties: e.data } : {}), ...(e.required ? { required: e.required } : {}) },
        at: { type: 'string', format: 'date-time' },
      },
    };
  }
  out.Event = {
    description: 'One event of the feed; `type` names it (the catalogue is the list of Event… components).',
    oneOf: Object.values(mapping).map(($ref) => ({ $ref })),
    discriminator: { propertyName: 'type', mapping },
  };
  return out;
}
