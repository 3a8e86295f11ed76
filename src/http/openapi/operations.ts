/**
 * What the route schemas cannot say, per operation ("METHOD /path" as in the document): request
 * body component, every status with its schema, headers, security and the machine codes a status
 * can carry. document.ts merges this with the parameters fastify derives from each route's own
 * querystring/params/headers schemas.
 */
import { encodeJsonReply, encodeSoapFault as encodeAgcomFault, replyOf } from '../../app/agcom/wire.js';
import { encodeReply } from '../../protocols/agcom/files.js';
import { jsonTeq } from '../../protocols/wbci/json-codec.js';
import { encodeSoapFault, encodeTeq, positiveTeq } from '../../protocols/wbci/soap-codec.js';
import type { JsonSchema } from './request-schemas.js';

export type Security = 'none' | 'apiKey' | 'peer' | 'wholesale' | 'numberPortability' | 'ftthOperator';

export interface Answer {
  description: string;
  /** component name (JSON), or an inline schema */
  schema?: string | JsonSchema;
  contentType?: string;
  /** machine codes (problem documents) this status can carry on this route */
  codes?: readonly string[];
  headers?: Record<string, { description: string; schema: JsonSchema }>;
  /** for answers no captured run produces (see examples.json): built by the gateway's own encoders where it has one */
  example?: unknown;
}

export interface OperationDoc {
  tags?: string[];
  security: Security;
  summary?: string;
  description?: string;
  /** request body: component name(s) (application/json; several: the case's procedure decides) or the wire formats */
  body?: string | { anyOf: string[] } | { contentType: string; schema: JsonSchema; description: string }[];
  bodyRequired?: boolean;
  /** a request example for operations no captured run performs (the TIM side of the interconnection) */
  requestExample?: unknown;
  responses: Record<string, Answer>;
  /** Idempotency-Key (every POST that starts or changes something) */
  idempotent?: boolean;
  /** If-Match against the case's ETag (commands on a case) */
  ifMatch?: boolean;
  /** the answer carries the case's ETag */
  etag?: boolean;
  externalDocs?: { description: string; url: string };
  /** the `scope` an API key needs */
  scope?: string;
}

const REPO = 'https://github.com/switchgate/switchgate/blob/main/';
const file = (path: string, description: string) => ({ description, url: REPO + path });

// ------------------------------------------------------------------ shared answers

const AUTH = { 401: { description: 'no or an unknown API key', schema: 'Problem', codes: ['SG_UNAUTHENTICATED'] }, 403: { description: 'the API key lacks the scope', schema: 'Problem', codes: ['SG_FORBIDDEN'] } } as const;
const UNAVAILABLE = { 503: { description: 'database unreachable, overloaded or the request took too long; retry later', schema: 'Problem', codes: ['SG_DATABASE_UNAVAILABLE', 'SG_OVERLOADED', 'SG_TIMEOUT'] } } as const;
const BAD_QUERY = { 400: { description: 'a query or path parameter is invalid, or unknown', schema: 'Problem', codes: ['SG_INVALID_REQUEST', 'SG_INVALID_CURSOR', 'SG_BAD_URL', 'SG_CONTROL_CHARACTER'] } } as const;
const BAD_BODY = {
  400: { description: 'the body does not match its schema (unknown fields are refused), is not JSON, or a parameter is invalid', schema: 'Problem', codes: ['SG_INVALID_REQUEST', 'SG_MALFORMED_BODY', 'SG_BODY_INCOMPLETE', 'SG_TOO_DEEP', 'SG_TOO_MANY_ITEMS', 'SG_BAD_URL'] },
  413: { description: 'the body is larger than the limit', schema: 'Problem', codes: ['SG_BODY_TOO_LARGE'] },
  415: { description: 'not application/json in UTF-8, or compressed', schema: 'Problem', codes: ['SG_UNSUPPORTED_MEDIA_TYPE', 'SG_UNSUPPORTED_CHARSET', 'SG_UNSUPPORTED_CONTENT_ENCODING'] },
} as const;
const NOT_FOUND = (what: string, codes: readonly string[] = ['SG_NOT_FOUND']) => ({ 404: { description: `no such ${what}`, schema: 'Problem', codes } });
const IDEMPOTENCY = {
  409: { description: 'the procedure does not allow this step now, or a request with the same Idempotency-Key is still in flight', schema: 'Problem' },
  422: { description: 'the body breaks the procedure\'s field rules, or the Idempotency-Key was used with another body', schema: 'Problem' },
} as const;
const PRECONDITION = { 412: { description: 'If-Match does not match the case\'s current ETag', schema: 'Problem', codes: ['SG_PRECONDITION_FAILED'] } } as const;
const ETAG = { etag: { description: 'the case\'s version; send it as If-Match with a command', schema: { type: 'string' } } };
const REPLAYED = { 'idempotent-replayed': { description: '"true" when this is the stored answer of an earlier request with the same Idempotency-Key', schema: { type: 'string', enum: ['true'] } } };

const WBCI_STATE = ['SG_STATE_NOT_ALLOWED', 'SG_STATE_WRONG_PARTY', 'SG_STATE_WRONG_DIRECTION', 'SG_STATE_CLOSED', 'SG_STATE_NOT_AGREED', 'SG_STATE_ALREADY_ANSWERED', 'SG_STATE_NO_OPEN_CHANGE', 'SG_STATE_CHANGE_CLOSED', 'SG_STATE_UNKNOWN_CHANGE', 'SG_STATE_NO_AKM_TR', 'SG_STATE_STR_AEN_BEFORE_ANSWER', 'SG_STATE_ANSWER_VA_FIRST', 'SG_STATE_DATE_MISMATCH', '8141', '8142', 'SG_IDEMPOTENCY_IN_FLIGHT', 'SG_AGCOM_WRONG_PARTY', 'SG_AGCOM_CLOSED', 'SG_AGCOM_CHANGE_OPEN', 'SG_AGCOM_NO_OPEN_CHANGE', 'SG_AGCOM_ALREADY_ANSWERED', 'SG_AGCOM_NOT_FORMALLY_VALIDATED', 'SG_AGCOM_AFTER_DAC'];
const WBCI_FIELDS = ['SG_VALIDATION', 'SG_IDEMPOTENCY_KEY_REUSED', 'SG_CONTROL_CHARACTER', 'SG_INVALID_ENCODING', 'SG_DATE_LEAD_TIME', 'SG_DATE_NOT_WORKING_DAY', 'SG_DATE_HORIZON', 'SG_DATE_BEFORE_KWT', 'SG_CODE_UNKNOWN', 'SG_CODE_RULE', 'SG_NUMBERS_NOT_CONFIRMED', 'SG_NUMBERS_NOT_REQUESTED', 'SG_RRNP_AFTER_CONTRACT_END', 'SG_FIELD_REQUIRED', 'SG_FIELD_FORBIDDEN', 'SG_FIELD_FORMAT', 'SG_FIELD_LENGTH', 'SG_FIELD_RANGE', 'SG_AGCOM_DAC_LEAD_TIME', 'SG_AGCOM_DAC_NOT_WORKING_DAY', 'SG_AGCOM_DAC_HORIZON', 'SG_AGCOM_KO_WITHOUT_REASON', 'SG_AGCOM_OK_WITH_REASON', 'SG_AGCOM_SESSION_CODE_FORMAT', 'SG_AGCOM_DAC_UNCHANGED'];
const IC_STATE = ['SG_IC_WRONG_ROLE', 'SG_IC_WRONG_STATE', 'SG_IC_CLOSED', 'SG_IC_NOT_SUBMITTED', 'SG_IC_ALREADY_IN_PROGRESS', 'SG_IC_ALREADY_DELIVERED', 'SG_IC_FAULT_CLOSED', 'SG_IC_PROJECT_STATE', 'SG_IC_NOT_ALLOWED', 'SG_IC_PHASE_NOT_LAPSED', 'SG_IC_NOT_BLOCKING', 'SG_IC_WINDOW_CLOSED', 'SG_IDEMPOTENCY_IN_FLIGHT'];
const IC_FIELDS = ['SG_VALIDATION', 'SG_IDEMPOTENCY_KEY_REUSED', 'SG_UNKNOWN_PEER', 'SG_IC_TD_REQUIRED', 'SG_IC_TD_NOT_ALLOWED', 'SG_IC_RDC_POSITION', 'SG_IC_CODEC', 'SG_IC_BAD_IP', 'SG_IC_BG_IP_IN_USE', 'SG_IC_BG_IP_DUPLICATE', 'SG_IC_UNKNOWN_ACCESS', 'SG_IC_ACCESS_CEASED', 'SG_IC_ACCESS_NOT_ACTIVE', 'SG_IC_PORT_COUNT', 'SG_IC_CAC_COUNT', 'SG_IC_DATE_PAST', 'SG_IC_COMPLETION_DATE', 'SG_IC_ANNUL_DATE', 'SG_IC_ANNUL_CESSATION', 'SG_IC_PARTIAL_ANNULMENT', 'SG_IC_DIAGNOSIS_REQUIRED', 'SG_IC_REJECT_ONLY_CESSATION', 'SG_IC_PDI_MISMATCH'];

/** A read on /v1. */
function read(scope: string, ok: Answer, notFound?: string, extra: Partial<OperationDoc> = {}): OperationDoc {
  return { security: 'apiKey', scope, responses: { 200: ok, ...BAD_QUERY, ...AUTH, ...(notFound ? NOT_FOUND(notFound) : {}), ...UNAVAILABLE }, ...extra };
}

/** A command (POST) on /v1 with a JSON body. */
function command(scope: string, body: string | undefined, ok: [number, Answer], opts: { notFound?: string; state?: readonly string[]; fields?: readonly string[]; idempotent?: boolean; ifMatch?: boolean; etag?: boolean; extra?: Record<string, Answer> } = {}): OperationDoc {
  const idempotent = opts.idempotent ?? true;
  const okAnswer: Answer = { ...ok[1], headers: { ...ok[1].headers, ...(idempotent ? REPLAYED : {}), ...(opts.etag ? ETAG : {}) } };
  return {
    security: 'apiKey',
    scope,
    body,
    idempotent,
    ifMatch: opts.ifMatch,
    etag: opts.etag,
    responses: {
      [ok[0]]: okAnswer,
      ...BAD_BODY,
      ...AUTH,
      ...(opts.notFound ? NOT_FOUND(opts.notFound) : {}),
      409: { ...IDEMPOTENCY[409], codes: opts.state ?? ['SG_IDEMPOTENCY_IN_FLIGHT'] },
      ...(opts.ifMatch ? PRECONDITION : {}),
      422: { ...IDEMPOTENCY[422], codes: opts.fields ?? ['SG_VALIDATION', 'SG_IDEMPOTENCY_KEY_REUSED'] },
      ...UNAVAILABLE,
      ...opts.extra,
    },
  };
}

/** a command on a case; `agcom`: the body an AGCOM case takes instead (agcom-switches.ts picks by the case) */
const caseCommand = (body: string, agcom?: string, fields = WBCI_FIELDS): OperationDoc => ({
  ...caseCommandOf(body, fields),
  ...(agcom ? { body: { anyOf: [body, agcom] } } : {}),
});
const caseCommandOf = (body: string, fields: readonly string[]) =>
  command('switches:write', body, [202, { description: 'the message is queued; the case after it', schema: 'CommandAccepted' }], { notFound: 'case', state: WBCI_STATE, fields, ifMatch: true, etag: true });

const icCommand = (body: string, requestExample?: unknown): OperationDoc => ({
  ...command('interconnect:write', body, [200, { description: 'the object after the step', schema: 'InterconnectRequest' }], { notFound: 'object', state: IC_STATE, fields: IC_FIELDS, ifMatch: true, etag: true }),
  ...(requestExample !== undefined ? { requestExample } : {}),
});
const faultStep = (body: string, requestExample: unknown): OperationDoc => {
  const op = icCommand(body, requestExample);
  return { ...op, responses: { ...op.responses, 200: { description: 'the fault report after the step', schema: 'InterconnectFault' } } };
};

// ------------------------------------------------------------------ wire formats

const xmlBody = (description: string) => [
  { contentType: 'text/xml', schema: { type: 'string' }, description },
  { contentType: 'application/soap+xml', schema: { type: 'string' }, description: `${description} (SOAP 1.2)` },
];
// examples of the XML answers, from the gateway's own encoders
const soapFault = (description: string, server = false): Answer => ({ description, contentType: 'text/xml', schema: { type: 'string', description: 'SOAP Fault' }, example: encodeSoapFault(server ? 'Server' : 'Client', description) });
const agcomFault = (description: string, server = false): Answer => ({ description, contentType: 'text/xml', schema: { type: 'string', description: 'SOAP Fault' }, example: encodeAgcomFault(server ? 'Server' : 'Client', description) });
const agcomXmlReply = (description: string, code: '00' | '01' | '02' | '06'): Answer => ({
  description,
  contentType: 'application/xml',
  schema: { type: 'string', description: 'Reply (schemas/agcom/reply.xsd)' },
  example: encodeReply(replyOf({ Operatore: 'OLB', FileName: 'OLB_OLA_20261201_090000_xml2.xml', TipoFile: 'xml2' }, code)),
});
const wsdlDocument = (what: string): Answer => ({ description: `the ${what}`, contentType: 'text/xml', schema: { type: 'string' }, example: '<?xml version="1.0" encoding="UTF-8"?>\n<wsdl:definitions xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" …>…</wsdl:definitions>' });
const QUITTUNG = encodeTeq('request', positiveTeq('DEU.EKPB', 'DEU.EKPA.V000000001'), { timestamp: '2026-11-23T08:00:00.000Z', major: '02', minor: '00' });
const jsonProblem = (description: string, codes: readonly string[]): Answer => ({ description, schema: 'Problem', codes });
const agcomReply = (code: '00' | '01' | '02' | '06', description?: string) => encodeJsonReply(replyOf({ Operatore: 'OLB', FileName: 'OLB_OLA_20261201_090000_xml2.xml', TipoFile: 'xml2' }, code, description));
const agcomJsonReply = (description: string, code: '00' | '01' | '02' | '06'): Answer => ({ description, schema: 'AgcomJsonReply', example: agcomReply(code) });
const WIRE_AUTH_PROBLEMS = { 401: jsonProblem('no or an unknown peer token / client certificate', ['SG_UNAUTHENTICATED']), 403: jsonProblem('the caller is not the peer it names, or not configured for this protocol', ['SG_FORBIDDEN']) };

export const OPERATIONS: Record<string, OperationDoc> = {
  // ---------------------------------------------------------------- operations
  'GET /health/live': { security: 'none', responses: { 200: { description: 'the process runs', schema: 'Liveness' } } },
  'GET /health/ready': {
    security: 'none',
    responses: {
      200: { description: 'database reachable, migrations applied', schema: 'Readiness' },
      503: { description: 'not ready: database unreachable or migrations pending', schema: 'Readiness', example: { status: 'unavailable', database: 'unreachable', error: 'connect ECONNREFUSED 127.0.0.1:5432' }, headers: { 'retry-after': { description: 'seconds', schema: { type: 'string' } } } },
    },
  },
  'GET /metrics': {
    security: 'none',
    responses: {
      200: { description: 'Prometheus text exposition format', contentType: 'text/plain', schema: { type: 'string' }, example: '# HELP process_cpu_user_seconds_total Total user CPU time spent in seconds.\n# TYPE process_cpu_user_seconds_total counter\nprocess_cpu_user_seconds_total 1.93\n' },
    },
  },

  // ---------------------------------------------------------------- switches
  'POST /v1/switches': command('switches:write', 'StartSwitchBody', [201, {
    description: 'the case (its id is the VA-ID / order code)',
    schema: 'Case',
    headers: { location: { description: 'the case\'s URL', schema: { type: 'string' } } },
  }], {
    state: ['SG_IDEMPOTENCY_IN_FLIGHT', 'SG_STATE_SUCCESSOR_TYPE', 'SG_STATE_NOT_REPLACED', 'SG_STATE_ALREADY_REPLACED', 'SG_AGCOM_DUPLICATE', 'SG_AGCOM_ORDER_ID_IN_USE'],
    fields: ['SG_VALIDATION', 'SG_UNKNOWN_PEER', 'SG_PROCEDURE_NOT_ENABLED', 'SG_IDEMPOTENCY_KEY_REUSED', 'SG_CONTROL_CHARACTER', 'SG_INVALID_ENCODING', 'SG_DATE_LEAD_TIME', 'SG_DATE_SHORT_LEAD', 'SG_DATE_NOT_WORKING_DAY', 'SG_DATE_HORIZON', 'SG_FIELD_REQUIRED', 'SG_FIELD_FORBIDDEN', 'SG_FIELD_FORMAT', 'SG_FIELD_LENGTH', 'SG_MC_CHECK_CHAR', 'SG_MC_COS_UNKNOWN', 'SG_AGCOM_SECRET_FORMAT', 'SG_AGCOM_CODE_REQUIRED', 'SG_AGCOM_DAC_LEAD_TIME', 'SG_AGCOM_NUMBER_FORMAT'],
    etag: true,
  }),
  'GET /v1/switches': read('switches:read', { description: 'a page of cases', schema: 'CaseList' }),
  'GET /v1/switches/{id}': read('switches:read', { description: 'the case', schema: 'Case', headers: ETAG }, 'case'),
  'GET /v1/switches/{id}/messages': read('switches:read', { description: 'the timeline of messages both ways', schema: 'MessageList' }, 'case'),
  'POST /v1/switches/{id}/answer': { ...caseCommand('AnswerBody', 'AgcomAnswerBody'), description: 'WBCI cases: answer.json (RUEM-VA / ABBM). AGCOM cases: AgcomAnswerBody (xml3 OK / KO), chosen by the case\'s procedure.' },
  'POST /v1/switches/{id}/resource-handover': caseCommand('ResourceHandoverBody'),
  'POST /v1/switches/{id}/resource-handover/answer': caseCommand('ResourceHandoverAnswerBody'),
  'POST /v1/switches/{id}/reschedule': { ...caseCommand('RescheduleBody', 'AgcomRescheduleBody'), description: 'WBCI cases: TVS-VA. AGCOM cases: AgcomRescheduleBody (rimodulazione of the DAC).' },
  'POST /v1/switches/{id}/cancel': { ...caseCommand('CancelBody', 'AgcomCancelBody'), description: 'WBCI cases: STR-AUF / STR-AEN. AGCOM cases: AgcomCancelBody (annullamento).' },
  'POST /v1/switches/{id}/changes/{changeId}/answer': caseCommand('ChangeAnswerBody'),
  'POST /v1/switches/{id}/link': command('switches:write', 'LinkBody', [200, { description: 'the case, linked; nothing is sent', schema: 'Case' }], {
    notFound: 'case',
    state: ['SG_SUCCESSOR_ALREADY_LINKED', 'SG_SUCCESSOR_MISMATCH', 'SG_STATE_CLOSED', 'SG_IDEMPOTENCY_IN_FLIGHT'],
    fields: ['SG_VALIDATION', 'SG_SUCCESSOR_UNKNOWN', 'SG_SUCCESSOR_DATE_OFFSET', 'SG_WRONG_PROCEDURE', 'SG_IDEMPOTENCY_KEY_REUSED'],
    ifMatch: true,
    etag: true,
  }),
  'POST /v1/switches/{id}/wholesale-order': command('switches:write', undefined, [202, { description: 'the order is placed (queued to the provider)', schema: 'WholesaleOrderPlaced' }], {
    notFound: 'case',
    state: ['SG_WHOLESALE_PHASE2_PENDING', 'SG_WHOLESALE_PHASE2_REJECTED', 'SG_WHOLESALE_PHASE2_CANCELLED', 'SG_WHOLESALE_AKM_TR_MISSING', 'SG_WHOLESALE_AKM_TR_WINDOW_OPEN', 'SG_WHOLESALE_AKM_TR_REJECTED', 'SG_WHOLESALE_ORDER_EXISTS', 'SG_WHOLESALE_STORNO_OPEN', 'SG_WHOLESALE_SWITCH_DATE_PASSED', 'SG_WHOLESALE_NOT_RECIPIENT', 'SG_WHOLESALE_CASE_COMPLETED', 'SG_IDEMPOTENCY_IN_FLIGHT'],
    fields: ['SG_WHOLESALE_ORDER_INCOMPLETE', 'SG_WHOLESALE_NOT_CONFIGURED', 'SG_WHOLESALE_PROCEDURE_NOT_SUPPORTED', 'SG_IDEMPOTENCY_KEY_REUSED'],
    ifMatch: true,
    etag: true,
  }),
  'POST /v1/switches/{id}/wholesale-order/resume': {
    ...command('switches:write', undefined, [
        202,
        {
          description: 'the desospensione is queued (N2 AZIONE=0 to the network operator)',
          schema: { type: 'object', required: ['wholesaleOrder'], properties: { wholesaleOrder: { $ref: '#/components/schemas/WholesaleOrder' } } },
          // an FTTH order as the three-gateway test leaves it after the network operator's N4 Sospeso
          example: {
            wholesaleOrder: {
              protocol: 'agcom-ftth',
              procedure: 'agcom',
              externalId: 'OLA_0000000042',
              providerOrderId: 'WHS-000000017',
              state: 'accepted',
              dac: '2026-12-16',
              requestedCompletionDate: '2026-12-16',
              ftth: { state: 'accettato', codiceOrdineWhs: 'WHS-000000017' },
              history: [
                { at: '2026-12-01T08:00:00.000Z', event: 'N1', from: null, to: 'submitted' },
                { at: '2026-12-01T08:00:01.000Z', event: 'N4 acquisito', from: 'submitted', to: 'acknowledged' },
                { at: '2026-12-01T08:00:02.000Z', event: 'N4 accettato', from: 'acknowledged', to: 'accepted' },
                { at: '2026-12-01T08:00:03.000Z', event: 'N4 sospeso', from: 'accepted', to: 'suspended' },
                { at: '2026-12-01T09:30:00.000Z', event: 'N2 desospensione', from: 'suspended', to: 'accepted' },
              ],
              failure: null,
              cancellation: null,
              reschedule: null,
              placedAt: '2026-12-01T08:00:00.000Z',
              updatedAt: '2026-12-01T09:30:00.000Z',
            },
          },
        },
      ], {
      notFound: 'case',
      state: ['SG_WHOLESALE_NOT_SUSPENDED', 'SG_WHOLESALE_RESUME_NOT_SUPPORTED', 'SG_IDEMPOTENCY_IN_FLIGHT'],
      fields: ['SG_VALIDATION', 'SG_IDEMPOTENCY_KEY_REUSED'],
    }),
    body: [{ contentType: 'application/json', schema: { type: 'object', additionalProperties: false, properties: { reason: { type: 'string', minLength: 1, maxLength: 255, description: 'MOTIVAZIONE of the N2' } } }, description: 'optional: the reason sent to the network operator' }],
    bodyRequired: false,
  },
  'GET /v1/switches/{id}/wholesale-order': read('switches:read', { description: 'the order, with the delivery state of each request sent for it', schema: 'WholesaleOrderView' }, 'case or order'),

  // ---------------------------------------------------------------- feed, dead letters, tools
  'GET /v1/events': read('events:read', { description: 'events after the cursor, oldest first (long-polls up to `wait` seconds when there are none)', schema: 'EventPage' }),
  'GET /v1/dead-letters': read('dead-letters:read', { description: 'deliveries that gave up', schema: 'DeadLetterList' }),
  'POST /v1/dead-letters/{id}/replay': command('dead-letters:write', undefined, [202, { description: 'back in the outbox', schema: 'Replayed', example: { id: '17', status: 'replayed' } }], { notFound: 'dead letter (or it was replayed or set aside already)' }),
  'POST /v1/dead-letters/{id}/set-aside': command('dead-letters:write', 'DeadLetterSetAsideBody', [200, { description: "closed without being sent again; the message shows status set_aside and the case's later messages to the destination go out", schema: 'SetAside', example: { id: '17', status: 'set_aside' } }], { notFound: 'dead letter (or it was replayed or set aside already)' }),
  'POST /v1/tools/migration-code/validate': command('tools:use', 'MigrationCodeValidateBody', [200, { description: 'the verdict; an invalid code is a 200 with valid=false and its errors', schema: 'MigrationCodeValidation' }], { idempotent: false }),

  // ---------------------------------------------------------------- interconnection
  'POST /v1/interconnect/requests': command('interconnect:write', 'InterconnectRequestBody', [201, { description: 'the access request', schema: 'InterconnectRequest', headers: { location: { description: 'its URL', schema: { type: 'string' } } } }], { state: IC_STATE, fields: IC_FIELDS, etag: true }),
  'GET /v1/interconnect/requests': read('interconnect:read', { description: 'a page of access requests', schema: 'InterconnectRequestList' }),
  'GET /v1/interconnect/requests/{id}': read('interconnect:read', { description: 'the access request', schema: 'InterconnectRequest', headers: ETAG }, 'access request'),
  'POST /v1/interconnect/requests/{id}/submit': icCommand('InterconnectActionsEmpty'),
  'POST /v1/interconnect/requests/{id}/progress': icCommand('InterconnectActionsEmpty'),
  'POST /v1/interconnect/requests/{id}/complete': icCommand('InterconnectActionsComplete', { completionDate: '2026-12-10', tds: { port: 'TD-RM-P-0042' } }),
  'POST /v1/interconnect/requests/{id}/reject': icCommand('InterconnectActionsReject', { reason: 'cessation without the access ids of the ports' }),
  'POST /v1/interconnect/requests/{id}/annulment': icCommand('InterconnectActionsAnnulment'),
  'POST /v1/interconnect/faults': command('interconnect:write', 'InterconnectActionsFault', [201, { description: 'the fault report', schema: 'InterconnectFault', headers: { location: { description: 'its URL', schema: { type: 'string' } } } }], { state: IC_STATE, fields: IC_FIELDS, etag: true }),
  'GET /v1/interconnect/faults': read('interconnect:read', { description: 'a page of fault reports', schema: 'InterconnectFaultList' }),
  'GET /v1/interconnect/faults/{id}': read('interconnect:read', { description: 'the fault report', schema: 'InterconnectFault', headers: ETAG }, 'fault report'),
  'POST /v1/interconnect/faults/{id}/diagnosis': faultStep('InterconnectActionsDiagnosis', { diagnosis: 'codec mismatch on the SBC' }),
  'POST /v1/interconnect/faults/{id}/close': faultStep('InterconnectActionsFaultClose', { outcome: 'a', diagnosis: 'codec list corrected on the SBC' }),
  'POST /v1/interconnect/projects': command('interconnect:write', 'InterconnectActionsProject', [201, { description: 'the project', schema: 'InterconnectProject', headers: { location: { description: 'its URL', schema: { type: 'string' } } } }], { state: IC_STATE, fields: IC_FIELDS, etag: true }),
  'GET /v1/interconnect/projects': read('interconnect:read', { description: 'a page of projects', schema: 'InterconnectProjectList' }),
  'GET /v1/interconnect/projects/{id}': read('interconnect:read', { description: 'the project with its clocks', schema: 'InterconnectProject', headers: ETAG }, 'project'),
  'POST /v1/interconnect/projects/{id}/events': { ...icCommand('InterconnectActionsProjectEvent'), responses: { ...icCommand('InterconnectActionsProjectEvent').responses, 200: { description: 'the project after the event', schema: 'InterconnectProject' } } },
  'POST /v1/interconnect/traffic': {
    ...command('interconnect:write', undefined, [200, { description: 'seconds and calls per month and time band', schema: 'InterconnectStatement' }], { idempotent: false, fields: ['SG_CSV_INVALID', 'SG_CSV_LINE_TOO_LONG'] }),
    body: [{ contentType: 'text/csv', schema: { type: 'string' }, description: 'call records: callId,start,durationSeconds[,service], one per line' }],
  },
  'POST /v1/interconnect/netting': command('interconnect:write', 'InterconnectNettingBody', [200, { description: 'the netting statement', schema: 'InterconnectStatement' }], { idempotent: false, fields: ['SG_VALIDATION', 'SG_NETTING_RESIDUAL', 'SG_NETTING_DUPLICATE', 'SG_NETTING_DUE_DATE', 'SG_NETTING_DISPUTED', 'SG_BAD_AMOUNT', 'SG_BAD_DATE'] }),
  'POST /v1/interconnect/payments/allocate': command('interconnect:write', 'InterconnectPaymentAllocateBody', [200, { description: 'the allocation of the payment', schema: 'InterconnectStatement' }], { idempotent: false, fields: ['SG_VALIDATION', 'SG_DUPLICATE_DEBT', 'SG_BAD_AMOUNT', 'SG_BAD_DATE'] }),
  'GET /v1/interconnect/invoices/access-services': read('interconnect:read', { description: 'the access-services invoice of the month', schema: 'InterconnectStatement' }),

  // ---------------------------------------------------------------- wholesale provider (southbound callbacks)
  'POST /wholesale/v1/notifications': {
    security: 'wholesale',
    body: 'WholesaleNotification',
    responses: {
      200: { description: 'applied (accepted) or a repeat of an event already applied (duplicate)', schema: 'WholesaleNotificationOutcome', example: { eventId: 'EV-000123', status: 'accepted', orderState: 'accepted' } },
      400: jsonProblem('the body does not match schemas/wholesale/notification.json', ['SG_INVALID_REQUEST', 'SG_MALFORMED_BODY']),
      401: jsonProblem('no or an unknown provider token, or no client certificate', ['SG_UNAUTHENTICATED']),
      403: jsonProblem('the client certificate is not the provider\'s', ['SG_FORBIDDEN']),
      404: jsonProblem('no order with this externalId', ['SG_WHOLESALE_ORDER_UNKNOWN']),
      409: jsonProblem('a transition the order lifecycle refuses; the event changes nothing', ['SG_WHOLESALE_STATE_SKIPPED', 'SG_WHOLESALE_STATE_PASSED', 'SG_WHOLESALE_ORDER_CLOSED', 'SG_WHOLESALE_EVENT_ID_REUSED', 'SG_WHOLESALE_ORDER_ID_MISMATCH', 'SG_WHOLESALE_NO_CANCELLATION_PENDING', 'SG_WHOLESALE_NO_RESCHEDULE_PENDING']),
      ...UNAVAILABLE,
    },
  },
  'POST /wholesale/v1/verifications': {
    security: 'wholesale',
    body: 'WholesaleVerificationRequest',
    responses: {
      200: { description: 'OK, or KO with the reason', schema: 'WholesaleVerificationResponse' },
      400: jsonProblem('the body does not match schemas/wholesale/verification-request.json', ['SG_INVALID_REQUEST', 'SG_MALFORMED_BODY']),
      401: jsonProblem('no or an unknown provider token', ['SG_UNAUTHENTICATED']),
      403: jsonProblem('the client certificate is not the provider\'s', ['SG_FORBIDDEN']),
      ...UNAVAILABLE,
    },
  },

  // ---------------------------------------------------------------- east-west (operator to operator)
  'GET /wbci/v1': {
    tags: ['east-west'],
    security: 'none',
    summary: 'WBCI WSDL (?wsdl) and its XSDs (?xsd=name)',
    externalDocs: file('wsdl/wbci.wsdl', 'wsdl/wbci.wsdl and schemas/wbci/*.xsd'),
    responses: { 200: wsdlDocument('WSDL or XSD'), 400: soapFault('neither ?wsdl nor ?xsd'), 404: soapFault('no such XSD') },
  },
  'POST /wbci/v1': {
    tags: ['east-west'],
    security: 'peer',
    summary: 'WBCI v2 SOAP 1.1/1.2 document/literal: a partner operator\'s messages, each answered with a Quittung (TEQ)',
    description: 'Business refusals travel back later as messages (ABBM, ABBM-TR), never as HTTP errors: a message that breaks a rule is answered with a negative TEQ (0993/0995) in a 200.',
    externalDocs: file('wsdl/wbci.wsdl', 'wsdl/wbci.wsdl, schemas/wbci/wbci-request.xsd, wbci-message.xsd'),
    body: xmlBody('SOAP envelope with one WBCI request (schemas/wbci/wbci-request.xsd)'),
    responses: {
      200: { description: 'Quittung (TEQ), positive or negative', contentType: 'text/xml', schema: { type: 'string' }, example: QUITTUNG },
      400: soapFault('not a SOAP envelope of this WSDL'),
      401: soapFault('no or an unknown peer token / client certificate'),
      403: soapFault('the caller is not the peer it names'),
      413: soapFault('the body is larger than the limit'),
      415: soapFault('not text/xml or application/soap+xml'),
      500: soapFault('SOAP fault (SOAP 1.1 §6.2: faults travel with HTTP 500), e.g. a WS-Security signature that does not verify'),
      503: soapFault('database unreachable; retry later', true),
    },
  },
  'POST /wbci/v1/json': {
    tags: ['east-west'],
    security: 'peer',
    summary: 'WBCI as JSON (peers with protocol wbci-json), answered with a JSON TEQ',
    externalDocs: file('schemas/wbci-json/wbci-json.json', 'schemas/wbci-json/wbci-json.json'),
    body: [{ contentType: 'application/json', schema: { type: 'object', description: 'one WBCI message (schemas/wbci-json/wbci-json.json)' }, description: 'one WBCI message' }],
    responses: {
      200: { description: 'TEQ: OK, or a negative code (0993 wrong sender, 0995 invalid) with the reason', schema: 'WbciJsonTeq', example: jsonTeq('DEU.EKPA', 'DEU.EKPA.V000000001', 'OK', 'OK') },
      ...WIRE_AUTH_PROBLEMS,
      400: jsonProblem('not JSON', ['SG_MALFORMED_BODY']),
      413: jsonProblem('the body is larger than the limit', ['SG_BODY_TOO_LARGE']),
      415: jsonProblem('not application/json', ['SG_UNSUPPORTED_MEDIA_TYPE']),
      ...UNAVAILABLE,
    },
  },
  'GET /agcom/v1': {
    tags: ['east-west'],
    security: 'none',
    summary: 'AGCOM WSDL (?wsdl) and its XSDs (?xsd=xml1.xsd …)',
    externalDocs: file('wsdl/agcom.wsdl', 'wsdl/agcom.wsdl and schemas/agcom/*.xsd'),
    responses: { 200: wsdlDocument('WSDL or XSD'), 400: agcomFault('neither ?wsdl nor ?xsd'), 404: agcomFault('no such XSD') },
  },
  'POST /agcom/v1': {
    tags: ['east-west'],
    security: 'peer',
    summary: 'AGCOM phase 2 over SOAP: an xml1/xml2/xml3 file in an envelope, answered with a Reply (00–06)',
    externalDocs: file('wsdl/agcom.wsdl', 'wsdl/agcom.wsdl, schemas/agcom/xml1.xsd, xml2.xsd, xml3.xsd, reply.xsd'),
    body: [{ contentType: 'text/xml', schema: { type: 'string' }, description: 'SOAP envelope carrying one AGCOM file' }],
    responses: {
      200: { description: 'Reply 00 (accepted) or a refusal code in the Reply', contentType: 'text/xml', schema: { type: 'string' }, example: encodeReply(replyOf({ Operatore: 'OLB', FileName: 'OLB_OLA_20261201_090000_xml2.xml', TipoFile: 'xml2' }, '00')) },
      400: agcomFault('Reply 01/03–06: malformed file or records'),
      401: agcomFault('Reply 02: not authenticated'),
      403: agcomFault('Reply 02: not this partner'),
      413: agcomFault('the body is larger than the limit'),
      500: agcomFault('SOAP fault', true),
      503: agcomFault('database unreachable; retry later', true),
    },
  },
  'POST /agcom/v1/upload': {
    tags: ['east-west'],
    security: 'peer',
    summary: 'AGCOM phase 2 file upload (the servlet form of the procedure): one xml1/xml2/xml3 file',
    externalDocs: file('schemas/agcom/xml1.xsd', 'schemas/agcom/xml1.xsd, xml2.xsd, xml3.xsd; answer schemas/agcom/reply.xsd'),
    body: [
      { contentType: 'multipart/form-data', schema: { type: 'object', properties: { file: { type: 'string', contentMediaType: 'application/xml' } } }, description: 'the file, with the upload parameters in the query' },
      { contentType: 'application/xml', schema: { type: 'string' }, description: 'the file as the body' },
    ],
    responses: {
      200: agcomXmlReply('Reply 00: accepted', '00'),
      400: agcomXmlReply('Reply 01/03–05: refused file', '01'),
      401: agcomXmlReply('Reply 02: not authenticated', '02'),
      403: agcomXmlReply('Reply 02: not this partner', '02'),
      413: agcomXmlReply('too large', '01'),
      503: agcomXmlReply('Reply 06: try again later', '06'),
    },
  },
  'POST /agcom/v1/json': {
    tags: ['east-west'],
    security: 'peer',
    summary: 'AGCOM phase 2 as JSON (peers with protocol agcom-json), answered with a JSON Reply',
    externalDocs: file('schemas/agcom/agcom-json.json', 'schemas/agcom/agcom-json.json'),
    body: [{ contentType: 'application/json', schema: { type: 'object', description: 'schemas/agcom/agcom-json.json' }, description: 'one AGCOM file as JSON' }],
    responses: {
      200: agcomJsonReply('Reply 00: accepted', '00'),
      400: agcomJsonReply('Reply 01/03–05: refused file', '01'),
      401: agcomJsonReply('Reply 02: not authenticated', '02'),
      403: agcomJsonReply('Reply 02: not this partner', '02'),
      413: jsonProblem('too large', ['SG_BODY_TOO_LARGE']),
      503: agcomJsonReply('Reply 06: try again later', '06'),
    },
  },
  'POST /agcom/v1/np-notifications': {
    tags: ['east-west'],
    security: 'numberPortability',
    summary: 'AGCOM number portability: the Donor\'s answer (N13 KO) to a notice we sent',
    externalDocs: file('schemas/agcom/np-ko.json', 'schemas/agcom/np-ko.json'),
    body: [{ contentType: 'application/json', schema: { type: 'object', description: 'schemas/agcom/np-ko.json' }, description: 'the Donor\'s KO' }],
    responses: {
      202: { description: 'recorded (or a duplicate of one recorded)', schema: { type: 'object', required: ['status'], properties: { status: { enum: ['accepted', 'duplicate'] }, messageId: { type: 'string' } } }, example: { status: 'accepted', messageId: '5b0e6a52-3c1f-4f0e-9a51-0d8e2f7f3a10' } },
      400: jsonProblem('the body does not match schemas/agcom/np-ko.json', ['SG_INVALID_REQUEST', 'SG_MALFORMED_BODY']),
      401: jsonProblem('no or an unknown Donor token', ['SG_UNAUTHENTICATED']),
      404: jsonProblem('no such notice', ['SG_NOT_FOUND']),
      ...UNAVAILABLE,
    },
  },
  'GET /agcom/ftth/v1/DonatingMigrationNotify_OLO': {
    tags: ['east-west'],
    security: 'none',
    summary: 'AGCOM FTTH: WSDL (?wsdl) and XSD (?xsd=ftth.xsd) of the service the network operator calls on the Donating',
    externalDocs: file('wsdl/agcom-ftth', 'wsdl/agcom-ftth and schemas/agcom-ftth/ftth.xsd'),
    responses: { 200: wsdlDocument('WSDL or XSD'), 404: agcomFault('no such document') },
  },
  'POST /agcom/ftth/v1/DonatingMigrationNotify_OLO': {
    tags: ['east-west'],
    security: 'ftthOperator',
    summary: 'AGCOM FTTH: the network operator\'s N8 (session check) and N10 (outcome) to us as Donating',
    externalDocs: file('schemas/agcom-ftth/ftth.xsd', 'schemas/agcom-ftth/ftth.xsd'),
    body: [{ contentType: 'text/xml', schema: { type: 'string' }, description: 'SOAP envelope with N8 or N10' }],
    responses: {
      200: { description: 'N12 answer / acknowledgement', contentType: 'text/xml', schema: { type: 'string' }, example: '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>…N12 (schemas/agcom-ftth/ftth.xsd)…</soapenv:Body></soapenv:Envelope>' },
      400: agcomFault('not a message of this service'),
      401: agcomFault('no or an unknown network-operator token'),
      500: agcomFault('SOAP fault', true),
      503: agcomFault('database unreachable; retry later', true),
    },
  },
  'GET /agcom/ftth/v1/RecipientMigrationNotify_OLO': {
    tags: ['east-west'],
    security: 'none',
    summary: 'AGCOM FTTH: WSDL (?wsdl) and XSD (?xsd=ftth.xsd) of RecipientMigrationNotify_OLO',
    externalDocs: file('wsdl/agcom-ftth', 'wsdl/agcom-ftth and schemas/agcom-ftth/ftth.xsd'),
    responses: { 200: wsdlDocument('WSDL or XSD'), 404: agcomFault('no such document') },
  },
  'POST /agcom/ftth/v1/RecipientMigrationNotify_OLO': {
    tags: ['east-west'],
    security: 'ftthOperator',
    summary: 'AGCOM FTTH: the network operator\'s N4 (order state), N5 (its rimodulazione), N6 (event) and N7 (completion) to us as Recipient',
    externalDocs: file('schemas/agcom-ftth/ftth.xsd', 'schemas/agcom-ftth/ftth.xsd'),
    body: [{ contentType: 'text/xml', schema: { type: 'string' }, description: 'SOAP envelope with N4, N5, N6 or N7' }],
    responses: {
      200: { description: 'N12 answer (ACK, or NACK naming the field / the state that refused it)', contentType: 'text/xml', schema: { type: 'string' }, example: '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>…N12 (schemas/agcom-ftth/ftth.xsd)…</soapenv:Body></soapenv:Envelope>' },
      400: agcomFault('not a message of this service'),
      401: agcomFault('no or an unknown network-operator token'),
      500: agcomFault('SOAP fault', true),
      503: agcomFault('database unreachable; retry later', true),
    },
  },
  'GET /agcom/ftth/v1/O2ONPFibra.OLO_NPRequestService': {
    tags: ['east-west'],
    security: 'none',
    summary: 'AGCOM FTTH: WSDL (?wsdl) and XSD (?xsd=ftth.xsd) of O2ONPFibra.OLO_NPRequestService',
    externalDocs: file('wsdl/agcom-ftth', 'wsdl/agcom-ftth and schemas/agcom-ftth/ftth.xsd'),
    responses: { 200: wsdlDocument('WSDL or XSD'), 404: agcomFault('no such document') },
  },
  'POST /agcom/ftth/v1/O2ONPFibra.OLO_NPRequestService': {
    tags: ['east-west'],
    security: 'numberPortability',
    summary: 'AGCOM FTTH number portability: a Recipient\'s N11 (01/02/03) to us as Donor',
    externalDocs: file('schemas/agcom-ftth/ftth.xsd', 'schemas/agcom-ftth/ftth.xsd'),
    body: [{ contentType: 'text/xml', schema: { type: 'string' }, description: 'SOAP envelope with N11' }],
    responses: {
      200: { description: 'N12 answer (ACK, or NACK naming the field / the state that refused it)', contentType: 'text/xml', schema: { type: 'string' }, example: '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>…N12 (schemas/agcom-ftth/ftth.xsd)…</soapenv:Body></soapenv:Envelope>' },
      400: agcomFault('not a message of this service'),
      401: agcomFault('no or an unknown token of a configured agcom.numberPortability.donors entry'),
      500: agcomFault('SOAP fault', true),
      503: agcomFault('database unreachable; retry later', true),
    },
  },
  'GET /agcom/ftth/v1/OLO_NPNotificationService': {
    tags: ['east-west'],
    security: 'none',
    summary: 'AGCOM FTTH: WSDL (?wsdl) and XSD (?xsd=ftth.xsd) of OLO_NPNotificationService',
    externalDocs: file('wsdl/agcom-ftth', 'wsdl/agcom-ftth and schemas/agcom-ftth/ftth.xsd'),
    responses: { 200: wsdlDocument('WSDL or XSD'), 404: agcomFault('no such document') },
  },
  'POST /agcom/ftth/v1/OLO_NPNotificationService': {
    tags: ['east-west'],
    security: 'numberPortability',
    summary: 'AGCOM FTTH number portability: a Donor\'s N13 KO to us as Recipient',
    externalDocs: file('schemas/agcom-ftth/ftth.xsd', 'schemas/agcom-ftth/ftth.xsd'),
    body: [{ contentType: 'text/xml', schema: { type: 'string' }, description: 'SOAP envelope with N13' }],
    responses: {
      200: { description: 'N12 answer (ACK, or NACK naming the field / the state that refused it)', contentType: 'text/xml', schema: { type: 'string' }, example: '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>…N12 (schemas/agcom-ftth/ftth.xsd)…</soapenv:Body></soapenv:Envelope>' },
      400: agcomFault('not a message of this service'),
      401: agcomFault('no or an unknown token of a configured agcom.numberPortability.donors entry'),
      500: agcomFault('SOAP fault', true),
      503: agcomFault('database unreachable; retry later', true),
    },
  },
  'POST /interconnect/v1': {
    tags: ['east-west'],
    security: 'peer',
    summary: 'Interconnection with TIM: the counterpart\'s envelope (request, fault or project message)',
    externalDocs: file('schemas/interconnect/wire.json', 'schemas/interconnect/wire.json and wire-bodies.json'),
    body: [{ contentType: 'application/json', schema: { type: 'object', description: 'schemas/interconnect/wire.json' }, description: 'one envelope' }],
    responses: {
      200: { description: 'applied (or a repeat of one applied)', schema: { type: 'object', required: ['status', 'id'], properties: { status: { enum: ['accepted', 'duplicate'] }, id: { type: 'string' } } }, example: { status: 'accepted', id: 'ITA.OLA.V000000002' } },
      400: jsonProblem('the envelope does not match schemas/interconnect/wire.json', ['SG_INVALID_REQUEST', 'SG_MALFORMED_BODY', 'SG_IC_WIRE']),
      ...WIRE_AUTH_PROBLEMS,
      409: jsonProblem('the step is not allowed now', IC_STATE),
      413: jsonProblem('the body is larger than the limit', ['SG_BODY_TOO_LARGE']),
      422: jsonProblem('the content breaks the procedure\'s rules', ['SG_IC_REFUSED', 'SG_IC_UNKNOWN_OBJECT', 'SG_IC_ID_IN_USE']),
      ...UNAVAILABLE,
    },
  },
};
