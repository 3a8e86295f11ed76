/**
 * The response components of the contract: what src/http/views.ts, the interconnection views and
 * the problem documents produce. Fastify does not serialize with these (its response schemas stay
 * loose, so nothing the gateway sends is dropped); the contract tests validate every answer of
 * their flows against them instead.
 */
import { MAX_PROBLEM_ERRORS } from '../problem.js';
import type { JsonSchema } from './request-schemas.js';

const ref = (name: string): JsonSchema => ({ $ref: `#/components/schemas/${name}` });
const nullable = (s: JsonSchema): JsonSchema => ({ oneOf: [s, { type: 'null' }] });
const str: JsonSchema = { type: 'string' };
const strOrNull: JsonSchema = { type: ['string', 'null'] };
const dateTime: JsonSchema = { type: 'string', format: 'date-time' };
const date: JsonSchema = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' };
const dateOrNull: JsonSchema = { type: ['string', 'null'], pattern: '^\\d{4}-\\d{2}-\\d{2}$' };
const list = (item: string, paged: boolean, description: string): JsonSchema => ({
  type: 'object',
  description,
  required: paged ? ['items', 'nextCursor'] : ['items'],
  properties: {
    items: { type: 'array', items: ref(item) },
    ...(paged ? { nextCursor: { type: ['string', 'null'], description: 'pass as `cursor` for the next page; null on the last page' } } : {}),
  },
});

const caseCore = (procedure: JsonSchema, type: JsonSchema): Record<string, JsonSchema> => ({
  id: { type: 'string', description: 'VA-ID (WBCI) or order code (AGCOM)' },
  procedure,
  type,
  role: { enum: ['recipient', 'donating'] },
  peer: { type: 'string', description: 'carrier code of the other operator' },
  state: { type: 'string', description: 'state of the procedure\'s machine, e.g. AWAITING_ANSWER, AGREED, TR_NOTIFIED, COMPLETED' },
  requestedDate: dateOrNull,
  switchDate: dateOrNull,
  openChange: nullable(ref('OpenChange')),
  deadlines: { type: 'array', items: ref('Deadline') },
  overdue: { type: 'boolean', description: 'some deadline is overdue' },
  wholesaleOrder: nullable(ref('WholesaleOrder')),
  agreement: { type: ['object', 'null'], description: 'what the donating side confirmed (numbers, resources, technology)' },
  replaces: strOrNull,
  replacedBy: strOrNull,
  createdAt: dateTime,
  updatedAt: dateTime,
  warnings: { type: 'array', items: ref('Warning'), description: 'in the answer of a command: warnings it produced (e.g. a short lead time)' },
});
const CASE_REQUIRED = ['id', 'procedure', 'type', 'role', 'peer', 'state', 'requestedDate', 'switchDate', 'openChange', 'deadlines', 'overdue', 'wholesaleOrder', 'createdAt', 'updatedAt'];

export function responseComponents(): Record<string, JsonSchema> {
  return {
    Issue: {
      type: 'object',
      description: 'one offending field',
      required: ['path', 'rule', 'code', 'message'],
      properties: {
        path: { type: 'string', description: 'JSON pointer into the request (body fields plain, others under /querystring, /params, /headers)' },
        rule: { type: 'string', description: 'the rule or JSON Schema keyword that failed' },
        code: { type: 'string', description: 'machine code (SG_SCHEMA for schema violations, else the procedure\'s code)' },
        message: str,
        severity: { type: 'string' },
      },
    },
    Problem: {
      type: 'object',
      description: `RFC 9457 problem document (application/problem+json). \`code\` is stable; \`errors\` lists at most ${MAX_PROBLEM_ERRORS} issues.`,
      required: ['type', 'title', 'status', 'code'],
      properties: {
        type: { type: 'string', format: 'uri' },
        title: str,
        status: { type: 'integer', minimum: 400, maximum: 599 },
        detail: str,
        instance: str,
        code: { type: 'string', description: 'stable machine code, e.g. SG_INVALID_REQUEST, SG_NOT_FOUND, or a procedure code such as 8141' },
        errors: { type: 'array', maxItems: MAX_PROBLEM_ERRORS, items: ref('Issue') },
      },
    },
    Warning: {
      type: 'object',
      description: 'a warning a command produced; the command went through',
      required: ['code', 'message'],
      properties: { code: str, message: str, path: str },
    },
    Deadline: {
      type: 'object',
      required: ['name', 'dueAt', 'overdue'],
      properties: {
        name: { type: 'string', description: 'e.g. answer, akmTrRejection, formalAnswer, managerialAnswer' },
        dueAt: dateTime,
        party: { type: 'string', description: 'who has to act' },
        ref: { type: 'string', description: 'the message or case the deadline belongs to' },
        overdue: { type: 'boolean' },
      },
    },
    OpenChange: {
      type: 'object',
      description: 'an open change request: TVS-VA, STR-AUF, STR-AEN (WBCI), annullamento / rimodulazione (AGCOM); answer it with POST /v1/switches/{id}/changes/{changeId}/answer',
      required: ['id'],
      properties: { id: str, type: str, direction: str },
    },
    WholesaleOrder: {
      type: 'object',
      description: 'phase 3: the order placed with the wholesale provider',
      required: ['externalId', 'state'],
      properties: {
        externalId: str,
        providerOrderId: strOrNull,
        procedure: str,
        orderType: str,
        orderTypeBasis: str,
        requestedCompletionDate: date,
        state: { type: 'string', description: 'placed, acknowledged, accepted, inProgress, completed, rejected, failed, cancelled, …' },
        dac: dateOrNull,
        failure: { type: ['object', 'null'] },
        cancellation: { type: ['object', 'null'] },
        reschedule: { type: ['object', 'null'] },
        messageId: str,
        placedAt: dateTime,
        updatedAt: dateTime,
      },
    },
    WholesaleOrderView: {
      allOf: [ref('WholesaleOrder'), { type: 'object', properties: { deliveries: { type: 'array', items: { type: 'object' }, description: 'each request sent for the order with its delivery state' } } }],
    },
    WholesaleOrderPlaced: {
      type: 'object',
      required: ['messageId', 'wholesaleOrder'],
      properties: { messageId: str, wholesaleOrder: ref('WholesaleOrder') },
    },
    WbciCase: {
      type: 'object',
      description: 'a WBCI case (German pre-coordination); `terminationDate` on the donating side',
      required: CASE_REQUIRED,
      properties: { ...caseCore({ const: 'wbci' }, { enum: ['VA-KUE-MRN', 'VA-KUE-ORN', 'VA-RRNP'] }), terminationDate: dateOrNull },
    },
    AgcomCase: {
      type: 'object',
      description: 'an AGCOM case (Italian migrazione / attivazione) with its procedure details under `agcom`',
      required: [...CASE_REQUIRED, 'agcom'],
      properties: {
        ...caseCore({ const: 'agcom' }, { enum: ['migrazione', 'attivazione'] }),
        agcom: {
          type: 'object',
          required: ['orderId', 'recipient', 'donating'],
          properties: {
            orderId: str,
            procedure: str,
            recipient: str,
            donating: str,
            dac: dateOrNull,
            sessionCode: strOrNull,
            formalAt: strOrNull,
            managerialAt: strOrNull,
            rejection: { type: ['object', 'null'] },
            changes: { type: 'array', items: { type: 'object' } },
            lineKeys: { type: 'array', items: str },
            numbers: { type: 'array', items: str },
            resources: { type: 'array', items: { type: 'object', properties: { cor: str, cos: strOrNull } } },
            contact: { type: ['object', 'null'] },
            phase3: { type: ['object', 'null'], description: 'what phase 3 needs, once VALIDATED' },
          },
        },
      },
    },
    Case: {
      description: 'a case of the procedure named by `procedure`',
      oneOf: [ref('WbciCase'), ref('AgcomCase')],
      discriminator: { propertyName: 'procedure', mapping: { wbci: '#/components/schemas/WbciCase', agcom: '#/components/schemas/AgcomCase' } },
    },
    CaseList: list('Case', true, 'a page of cases, newest first'),
    CommandAccepted: {
      type: 'object',
      description: 'the command became one outbound message, queued for delivery; `case` is the case after it',
      required: ['messageId', 'case'],
      properties: { messageId: str, case: ref('Case'), warnings: { type: 'array', items: ref('Warning') } },
    },
    Message: {
      type: 'object',
      required: ['messageId', 'type', 'direction', 'status', 'at'],
      properties: {
        messageId: str,
        type: { type: 'string', description: 'e.g. VA-KUE-MRN, RUEM-VA, AKM-TR, ABBM, TVS-VA, ERLM; xml1/xml2/xml3 records for AGCOM' },
        direction: { enum: ['in', 'out'] },
        status: { type: 'string', description: 'out: queued, delivered, failed (a dead letter), set_aside (a dead letter closed without being sent again); in: received, refused' },
        at: dateTime,
        deliveredAt: { type: ['string', 'null'], format: 'date-time' },
        peer: strOrNull,
        businessId: strOrNull,
        body: { description: 'the message as parsed (the procedure\'s JSON form)' },
        signature: { type: 'object', description: 'WS-Security signature of a received SOAP message, as verified' },
        raw: { type: ['string', 'null'], description: 'with ?raw=true: the wire form' },
        rawFormat: { type: ['string', 'null'] },
      },
    },
    MessageList: list('Message', false, 'the timeline of a case, both directions, oldest first'),
    EventPage: {
      type: 'object',
      required: ['items', 'nextCursor'],
      properties: {
        items: { type: 'array', items: ref('Event') },
        nextCursor: { type: ['string', 'null'], description: 'pass as `after`; when nothing new arrived it is the cursor given (null at the very start)' },
      },
    },
    DeadLetter: {
      type: 'object',
      required: ['id', 'kind', 'destination', 'reason', 'attempts', 'at', 'replayedAt'],
      properties: {
        id: { type: 'string', pattern: '^[0-9]+$' },
        kind: { enum: ['peer', 'wholesale', 'webhook'] },
        messageId: strOrNull,
        caseId: strOrNull,
        type: strOrNull,
        webhook: strOrNull,
        eventId: { type: ['string', 'integer', 'null'] },
        redeliveredAt: { type: ['string', 'null'], format: 'date-time' },
        destination: str,
        reason: str,
        attempts: { type: 'integer' },
        at: dateTime,
        replayedAt: { type: ['string', 'null'], format: 'date-time' },
        setAsideAt: { type: ['string', 'null'], format: 'date-time', description: 'closed without being sent again (POST …/set-aside)' },
        setAsideNote: { type: ['string', 'null'], description: 'the reason given when it was set aside' },
      },
    },
    DeadLetterList: {
      type: 'object',
      description: 'dead letters, newest first; `nextCursor` pages like every list',
      required: ['items'],
      properties: { items: { type: 'array', items: ref('DeadLetter') }, nextCursor: { type: ['string', 'null'] } },
    },
    Replayed: { type: 'object', required: ['id', 'status'], properties: { id: str, status: { const: 'replayed' } } },
    SetAside: { type: 'object', required: ['id', 'status'], properties: { id: str, status: { const: 'set_aside' } } },
    MigrationCodeValidation: {
      type: 'object',
      required: ['valid', 'errors'],
      properties: {
        valid: { type: 'boolean' },
        parts: { type: 'object', properties: { cow: str, cor: str, cos: str, checkChar: str } },
        errors: { type: 'array', items: { type: 'object', required: ['code', 'message'], properties: { code: str, message: str } } },
        warnings: { type: 'array', items: { type: 'object' } },
        normalized: str,
        layout: str,
        service: { type: 'object' },
      },
    },
    InterconnectRequest: interconnectObject('an access request to TIM (port / joint activation, reconfiguration, cessation, CAC expansion)', { type: str, data: { type: 'object' }, orderDate: dateOrNull }),
    InterconnectFault: interconnectObject('a fault report', { pdi: str, accessId: strOrNull, description: str }),
    InterconnectProject: interconnectObject('a migration / new-supply project with its clocks', { kind: str, traffic: str, deadlines: { type: 'array', items: ref('Deadline') } }),
    InterconnectRequestList: list('InterconnectRequest', true, 'a page of access requests'),
    InterconnectFaultList: list('InterconnectFault', true, 'a page of fault reports'),
    InterconnectProjectList: list('InterconnectProject', true, 'a page of projects'),
    InterconnectStatement: { type: 'object', description: 'a computed statement (amounts are decimal strings in euro, computed in integer cents)' },
    Liveness: { type: 'object', required: ['status'], properties: { status: { const: 'ok' } } },
    Readiness: {
      type: 'object',
      required: ['status', 'database'],
      properties: { status: { enum: ['ok', 'unavailable'] }, database: { enum: ['ok', 'unreachable'] }, migrations: { type: 'object', properties: { pending: { type: 'array', items: str } } }, error: str },
    },
    WbciJsonTeq: {
      type: 'object',
      description: 'the Quittung (TEQ) of the JSON wire: positions[0].code OK, or a negative code with the reason',
      required: ['quittung'],
      properties: { quittung: { type: 'object', required: ['sender', 'vaIdRef', 'positions'], properties: { sender: str, vaIdRef: str, positions: { type: 'array', items: { type: 'object', required: ['code', 'text'], properties: { code: str, text: str } } } } } },
    },
    AgcomJsonReply: {
      type: 'object',
      description: 'the Reply of the AGCOM procedure as JSON (Codice 00 accepted, 01–06 refused)',
      required: ['Reply'],
      properties: {
        Reply: {
          type: 'object',
          required: ['OPERATOREMittente', 'NomeFile', 'TipoFile', 'Codice', 'Descrizione'],
          properties: { OPERATOREMittente: str, NomeFile: str, TipoFile: str, Codice: { enum: ['00', '01', '02', '03', '04', '05', '06'] }, Descrizione: str, Classe: str },
        },
      },
    },
    WholesaleNotificationOutcome: { type: 'object', required: ['eventId', 'status', 'orderState'], properties: { eventId: str, status: { enum: ['accepted', 'duplicate'] }, orderState: str } },
  };
}

function interconnectObject(description: string, extra: Record<string, JsonSchema>): JsonSchema {
  return {
    type: 'object',
    description,
    required: ['id', 'role', 'counterpart', 'state', 'createdAt', 'updatedAt'],
    properties: {
      id: str,
      role: { enum: ['operator', 'tim'] },
      counterpart: str,
      state: str,
      ...extra,
      createdAt: dateTime,
      updatedAt: dateTime,
      warnings: { type: 'array', items: ref('Warning'), description: 'in the answer of a command: warnings it produced' },
    },
  };
}
