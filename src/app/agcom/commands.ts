/**
 * Northbound commands → AGCOM Fase 2 messages. Pure translation: the REST bodies become the
 * messages this gateway will send, and the codes the customer gave are taken apart into their
 * parts (COW/COR/COS/CC, or CS/number/CC). Only what the CRM's body alone can tell is refused here
 * (a malformed code, a wrong check character, numbers that do not match the code); whether the
 * message may be sent is decided afterwards by the field rules and the state machine.
 */
import type { Issue } from '../../domain/issues.js';
import type { AgcomCaseState } from '../../protocols/agcom/case-state.js';
import type { CosTable } from '../../protocols/agcom/cos.js';
import { validateMigrationCode, type MigrationCodeParts } from '../../protocols/agcom/migration-code.js';
import { migrationCodeOptions, type AgcomRules } from '../../protocols/agcom/rules.js';
import { normalizeItalianNumber, validateSecretCode } from '../../protocols/agcom/secret-code.js';
import type {
  Cancellation,
  IsoDate,
  KoCategory,
  ManagerialValidation,
  MigrationRequest,
  OperatorCode,
  Procedure,
  Rejection,
  Reschedule,
  ResourceCode,
} from '../../protocols/agcom/types.js';

export interface AgcomCustomerInput {
  firstName?: string;
  lastName?: string;
  companyName?: string;
  /** codice fiscale or partita IVA */
  taxCode?: string;
}

/** How the Recipient reaches the customer (phase 3 needs it: FTTH N1 RECAPITO_TELEFONICO_CLIENTE_1). */
export interface AgcomContactInput {
  phone: string;
  altPhone?: string;
  email?: string;
}

/** `POST /v1/switches` with `"procedure": "agcom"` (schemas/rest/start-switch-agcom.json). */
export interface StartAgcomSwitch {
  procedure: 'agcom';
  /** derived from the code given when absent: migrationCode → migrazione, secretCode → attivazione */
  type?: Procedure;
  /** the Donating: its carrier code (`ITA.OLB`) or its AGCOM operator code (`OLB`) */
  donating: string;
  /** migrazione: the codice di migrazione (also called codice di trasferimento utenza) */
  migrationCode?: string;
  /** migrazione, operators with separate voice and data codes: the second one (same COW) */
  secondMigrationCode?: string;
  /** attivazione: TIM's codice segreto `CS ‖ number ‖ CC` */
  secretCode?: string;
  pin?: string;
  /** the numbers on the access (DirectoryNumber1..10) */
  numbers?: string[];
  /** the requested migration date (DAC) */
  requestedDate: IsoDate;
  customer: AgcomCustomerInput;
  contact: AgcomContactInput;
  correlationId?: string;
  totalRequests?: number;
  notes?: string;
}

export type AgcomAnswerInput =
  | { result: 'accept' | 'OK'; sessionCode?: string }
  | { result: 'reject' | 'KO'; category: KoCategory; reason?: string; reasonCode?: string; cause?: string; wrongNumbers?: string[] };

export interface AgcomCancelInput {
  reason?: string;
}

export interface AgcomRescheduleInput {
  requestedDate: IsoDate;
  reason?: string;
}

export interface CodeContext {
  rules: AgcomRules;
  cosTable: CosTable;
}

/** What the CRM's codes say, or why they are refused. */
export type ParsedStart =
  | { ok: true; procedure: Procedure; secret: string; resources: ResourceCode[]; numbers: string[]; warnings: Issue[] }
  | { ok: false; issues: Issue[] };

const issue = (path: string, rule: string, code: string, message: string): Issue => ({ path, rule, code, message, severity: 'error' });

const stripCodeIssue = (i: Issue & { part?: string; expected?: string; found?: string }): Issue => {
  const { path, rule, code, message, severity } = i;
  return { path, rule, code, message, severity: severity ?? 'error' };
};

function resourceOf(parts: MigrationCodeParts): ResourceCode {
  const r: ResourceCode = { cor: parts.cor ?? '' };
  if (parts.cos) r.cos = parts.cos;
  if (parts.checkChar) r.checkChar = parts.checkChar;
  return r;
}

/** Takes the customer's code(s) apart and checks the numbers against them. */
export function parseStartCodes(input: StartAgcomSwitch, c: CodeContext): ParsedStart {
  const errors: Issue[] = [];
  const warnings: Issue[] = [];
  const has = (v: string | undefined) => v !== undefined && v.trim() !== '';
  if (has(input.migrationCode) === has(input.secretCode)) {
    return {
      ok: false,
      issues: [
        issue(
          has(input.migrationCode) ? '/secretCode' : '/migrationCode',
          'exactlyOneOf',
          'SG_AGCOM_CODE_REQUIRED',
          'give exactly one of migrationCode (migrazione) and secretCode (attivazione from TIM retail)',
        ),
      ],
    };
  }
  const procedure: Procedure = has(input.migrationCode) ? 'migrazione' : 'attivazione';
  if (input.type !== undefined && input.type !== procedure) {
    return {
      ok: false,
      issues: [issue('/type', 'matchesCode', 'SG_AGCOM_TYPE_MISMATCH', `a ${input.type} is started with ${input.type === 'migrazione' ? 'a migrationCode' : 'a secretCode'}, not with ${procedure === 'migrazione' ? 'a migrationCode' : 'a secretCode'}`)],
    };
  }
  if (procedure === 'attivazione' && input.secondMigrationCode !== undefined) {
    return { ok: false, issues: [issue('/secondMigrationCode', 'onlyWithMigrationCode', 'SG_AGCOM_FORMAT', 'a second code exists only next to a migrationCode')] };
  }
  const numbers = (input.numbers ?? []).map(normalizeItalianNumber);
  const opts = migrationCodeOptions(c.rules, c.cosTable);

  if (procedure === 'migrazione') {
    const first = validateMigrationCode(input.migrationCode!, { ...opts, path: '/migrationCode' });
    errors.push(...first.errors.map(stripCodeIssue));
    warnings.push(...first.warnings.map(stripCodeIssue));
    const resources: ResourceCode[] = [];
    if (first.valid) resources.push(resourceOf(first.parts));
    if (input.secondMigrationCode !== undefined) {
      const second = validateMigrationCode(input.secondMigrationCode, { ...opts, path: '/secondMigrationCode' });
      errors.push(...second.errors.map(stripCodeIssue));
      warnings.push(...second.warnings.map(stripCodeIssue));
      if (second.valid) {
        if (first.valid && second.parts.cow !== first.parts.cow) {
          errors.push(issue('/secondMigrationCode', 'sameSecret', 'SG_AGCOM_SECRET_MISMATCH', `the two codes of one line share the COW: ${second.parts.cow} is not ${first.parts.cow}`));
        }
        resources.push(resourceOf(second.parts));
      }
    }
    if (numbers.length === 0) errors.push(issue('/numbers', 'required', 'SG_AGCOM_REQUIRED', 'the numbers on the access are required (DirectoryNumber1..10)'));
    if (errors.length) return { ok: false, issues: errors };
    return { ok: true, procedure, secret: first.parts.cow!, resources, numbers, warnings };
  }

  const code = validateSecretCode(input.secretCode!, {
    minPhoneLength: c.rules.minCorLength,
    maxPhoneLength: c.rules.maxCorLength,
    checkCharMismatch: c.rules.checkCharMismatchIsError ? 'error' : 'warning',
    path: '/secretCode',
  });
  errors.push(...code.errors.map(stripCodeIssue));
  warnings.push(...code.warnings.map(stripCodeIssue));
  if (errors.length) return { ok: false, issues: errors };
  const phone = code.parts.phoneNumber!;
  // the codice segreto names the line: the numbers the CRM sends must include it
  if (numbers.length > 0 && !numbers.includes(phone)) {
    return {
      ok: false,
      issues: [issue('/numbers', 'includesCodeNumber', 'SG_AGCOM_NUMBERS_MISMATCH', `the codice segreto is for ${phone}, which is not among the numbers (${numbers.join(', ')})`)],
    };
  }
  const resource: ResourceCode = { cor: phone };
  if (code.parts.checkChar) resource.checkChar = code.parts.checkChar;
  return { ok: true, procedure, secret: code.parts.secret!, resources: [resource], numbers: numbers.length ? numbers : [phone], warnings };
}

export interface RequestContext {
  orderId: string;
  recipient: OperatorCode;
  donating: OperatorCode;
  sentDate: IsoDate;
}

export function buildRequest(input: StartAgcomSwitch, parsed: Extract<ParsedStart, { ok: true }>, r: RequestContext): MigrationRequest {
  const customer: MigrationRequest['customer'] = { lastNameOrCompany: input.customer.companyName ?? input.customer.lastName ?? '' };
  if (input.customer.firstName !== undefined && input.customer.companyName === undefined) customer.firstName = input.customer.firstName;
  if (input.customer.taxCode !== undefined) customer.taxCode = input.customer.taxCode.toUpperCase();
  const req: MigrationRequest = {
    type: 'RICHIESTA',
    procedure: parsed.procedure,
    recipient: r.recipient,
    donating: r.donating,
    sender: r.recipient,
    orderId: r.orderId,
    sentDate: r.sentDate,
    secret: parsed.secret,
    resources: parsed.resources,
    customer,
    numbers: parsed.numbers,
    dac: input.requestedDate,
  };
  if (input.pin !== undefined) req.pin = input.pin;
  if (input.correlationId !== undefined) req.correlationId = input.correlationId;
  if (input.totalRequests !== undefined) req.totalRequests = String(input.totalRequests);
  if (input.notes !== undefined) req.notes = input.notes;
  return req;
}

/** The body path of a domain-message path: issues name what the CRM sent. */
export function startBodyPath(input: StartAgcomSwitch): (p: string) => string {
  const code = input.secretCode !== undefined && input.migrationCode === undefined ? '/secretCode' : '/migrationCode';
  const name = input.customer.companyName !== undefined ? '/customer/companyName' : '/customer/lastName';
  return (p) => {
    if (p === '/secret' || /^\/resources\/0(\/|$)/.test(p) || p === '/resources') return code;
    if (/^\/resources\/1(\/|$)/.test(p)) return '/secondMigrationCode';
    if (p === '/dac') return '/requestedDate';
    if (p === '/customer/lastNameOrCompany') return name;
    return p;
  };
}

const parties = (s: AgcomCaseState, sender: OperatorCode) => ({ recipient: s.recipient, donating: s.donating, sender, orderId: s.orderId, procedure: s.procedure });

export const isAccept = (a: AgcomAnswerInput): a is Extract<AgcomAnswerInput, { result: 'accept' | 'OK' }> => a.result === 'accept' || a.result === 'OK';

/** The managerial validation (xml3) the Donating's CRM decided. */
export function buildManagerial(s: AgcomCaseState, input: AgcomAnswerInput, self: OperatorCode, newSessionCode: () => string): ManagerialValidation {
  const base = { type: 'VALIDAZIONE_GESTIONALE' as const, answers: 'RICHIESTA' as const, ...parties(s, self) };
  const echo = { secret: s.request.secret, resources: s.request.resources.map((r): ResourceCode => (r.cos ? { cor: r.cor, cos: r.cos } : { cor: r.cor })) };
  if (isAccept(input)) return { ...base, ...echo, result: 'OK', sessionCode: input.sessionCode ?? newSessionCode() };
  const rejection: Rejection = { category: input.category };
  if (input.reason !== undefined) rejection.text = input.reason;
  if (input.reasonCode !== undefined) rejection.reasonCode = input.reasonCode;
  if (input.cause !== undefined) rejection.cause = input.cause;
  if (input.wrongNumbers !== undefined) rejection.wrongNumbers = input.wrongNumbers.map(normalizeItalianNumber);
  return { ...base, ...echo, result: 'KO', rejection };
}

export function buildCancellation(s: AgcomCaseState, input: AgcomCancelInput, self: OperatorCode, today: IsoDate): Cancellation {
  const m: Cancellation = { type: 'ANNULLAMENTO', ...parties(s, self), sentDate: today };
  if (input.reason !== undefined) m.notes = input.reason;
  return m;
}

export function buildReschedule(s: AgcomCaseState, input: AgcomRescheduleInput, self: OperatorCode, today: IsoDate): Reschedule {
  const m: Reschedule = { type: 'RIMODULAZIONE', ...parties(s, self), sentDate: today, dac: input.requestedDate };
  if (input.reason !== undefined) m.notes = input.reason;
  return m;
}

/** Body paths of the answer: the rejection's fields are flat in the body. */
export const answerBodyPath = (p: string): string =>
  p === '/rejection/text' ? '/reason' : p.startsWith('/rejection/') ? `/${p.slice('/rejection/'.length)}` : p === '/rejection' ? '/category' : p;

export const changeBodyPath = (p: string): string => (p === '/dac' ? '/requestedDate' : p === '/notes' ? '/reason' : p);
