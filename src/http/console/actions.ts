/**
 * The console's case actions: a form becomes the JSON body the REST API takes, is checked by the
 * same JSON Schema and handed to the same application command, and the same issues come back
 * (field paths in request-body terms), mapped to the form field they belong to.
 */
import type { ErrorObject } from 'ajv';
import type { CaseRow } from '../../store/schema.js';
import type { WbciService } from '../../app/wbci/service.js';
import type { AgcomService } from '../../app/agcom/service.js';
import type {
  AnswerInput,
  CancelInput,
  ChangeAnswerInput,
  RescheduleInput,
  ResourceHandoverAnswerInput,
  ResourceHandoverInput,
} from '../../app/wbci/commands.js';
import type { AgcomAnswerInput, AgcomCancelInput, AgcomRescheduleInput } from '../../app/agcom/commands.js';
import { AppError } from '../../app/errors.js';
import type { Issue } from '../../domain/issues.js';
import { allowedMessages, type MessageKind } from '../../protocols/wbci/machine.js';
import type { WbciCaseState } from '../../protocols/wbci/case-state.js';
import { allowedMessages as agcomAllowed } from '../../protocols/agcom/machine.js';
import type { AgcomCaseState } from '../../protocols/agcom/case-state.js';
import { createValidatorCompiler, loadRestSchemas } from '../schemas.js';
import { schemaIssues } from '../problem.js';
import { answerPath, inBodyTerms, positionsAsCodes } from '../routes/switches.js';

export type ActionName = 'answer' | 'resource-handover' | 'resource-handover-answer' | 'reschedule' | 'cancel' | 'change-answer';
export const ACTIONS: readonly ActionName[] = ['answer', 'resource-handover', 'resource-handover-answer', 'reschedule', 'cancel', 'change-answer'];

export type Form = Record<string, string | string[] | undefined>;

export interface ActionFailure {
  status: number;
  code: string;
  message: string;
  /** form field → messages */
  fields: Record<string, string[]>;
  /** issues that belong to no field */
  general: string[];
}

export type ActionResult = { ok: true; messageId: string } | { ok: false; failure: ActionFailure };

const text = (form: Form, name: string): string | undefined => {
  const v = form[name];
  const s = (Array.isArray(v) ? v[0] : v)?.trim();
  return s === '' ? undefined : s;
};
const lines = (form: Form, name: string): string[] =>
  (text(form, name) ?? '')
    .split(/[\n,]/)
    .map((s) => s.trim())
    .filter(Boolean);
const codes = (form: Form) => lines(form, 'codes').map((code) => ({ code }));
const dropUndefined = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

/** The REST body for an action on a case of a procedure; fields the user left empty are left out. */
export function bodyOf(procedure: string, action: ActionName, form: Form): unknown {
  const result = text(form, 'result');
  if (procedure === 'agcom') {
    switch (action) {
      case 'answer':
        return result === 'reject'
          ? dropUndefined({ result, category: text(form, 'category'), reason: text(form, 'reason') })
          : dropUndefined({ result, sessionCode: text(form, 'sessionCode') });
      case 'cancel':
        return dropUndefined({ kind: 'ANNULLAMENTO', reason: text(form, 'reason') });
      case 'reschedule':
        return dropUndefined({ requestedDate: text(form, 'requestedDate'), reason: text(form, 'reason') });
      default:
        return {};
    }
  }
  switch (action) {
    case 'answer':
      if (result === 'reject') return dropUndefined({ result, codes: codes(form), reason: text(form, 'reason') });
      return dropUndefined({
        result,
        code: text(form, 'code'),
        switchDate: text(form, 'switchDate'),
        technology: text(form, 'technology'),
        pkiAbg: text(form, 'pkiAbg'),
        resources: lines(form, 'contractNumbers').length ? lines(form, 'contractNumbers').map((contractNumber) => ({ contractNumber })) : undefined,
      });
    case 'resource-handover':
      return dropUndefined({
        takeOver: text(form, 'takeOver') === 'true',
        lines: lines(form, 'contractNumbers').length ? lines(form, 'contractNumbers').map((contractNumber) => ({ contractNumber })) : undefined,
      });
    case 'resource-handover-answer':
      return { result: 'reject', codes: codes(form) };
    case 'reschedule':
      return dropUndefined({ requestedDate: text(form, 'requestedDate') });
    case 'cancel':
      return dropUndefined({ kind: text(form, 'kind'), reason: text(form, 'reason') });
    case 'change-answer':
      return result === 'reject' ? dropUndefined({ result, codes: codes(form), reason: text(form, 'reason') }) : { result };
  }
}

const SCHEMA: Record<string, Partial<Record<ActionName, string>>> = {
  wbci: {
    answer: 'answer.json',
    'resource-handover': 'resource-handover.json',
    'resource-handover-answer': 'resource-handover-answer.json',
    reschedule: 'reschedule.json',
    cancel: 'cancel.json',
    'change-answer': 'change-answer.json',
  },
  agcom: { answer: 'agcom-answer.json', cancel: 'agcom-cancel.json', reschedule: 'agcom-reschedule.json' },
};

/** Body paths (first segment) → the form field that produced them. */
const FIELD_OF: Record<string, string> = {
  result: 'result',
  code: 'code',
  codes: 'codes',
  corrections: 'code',
  switchDate: 'switchDate',
  technology: 'technology',
  resources: 'contractNumbers',
  lines: 'contractNumbers',
  takeOver: 'takeOver',
  requestedDate: 'requestedDate',
  kind: 'kind',
  reason: 'reason',
  category: 'category',
  sessionCode: 'sessionCode',
  pkiAbg: 'pkiAbg',
  numbers: 'pkiAbg',
};

type Validate = ((data: unknown) => boolean) & { errors?: ErrorObject[] | null };

export interface ActionDeps {
  wbci: WbciService;
  agcom?: AgcomService;
}

export class ConsoleActions {
  readonly #compile = createValidatorCompiler(loadRestSchemas());
  readonly #validators = new Map<string, Validate>();
  readonly #d: ActionDeps;

  constructor(deps: ActionDeps) {
    this.#d = deps;
  }

  /** What the case allows now: the procedure's state machine decides, as for the REST API. */
  available(row: CaseRow): ActionName[] {
    if (row.procedure === 'agcom') {
      if (!this.#d.agcom) return [];
      const kinds = new Set(agcomAllowed(row.data as unknown as AgcomCaseState, row.role as 'recipient' | 'donating', 'out'));
      const out: ActionName[] = [];
      if (kinds.has('MANAGERIAL')) out.push('answer');
      if (kinds.has('RIMODULAZIONE')) out.push('reschedule');
      if (kinds.has('ANNULLAMENTO')) out.push('cancel');
      return out;
    }
    if (row.procedure !== 'wbci') return [];
    const state = row.data as unknown as WbciCaseState;
    const kinds = new Set<MessageKind>(allowedMessages(state, row.role === 'recipient' ? 'auf' : 'abg', 'out'));
    const out: ActionName[] = [];
    if (kinds.has('RUEM-VA') || kinds.has('ABBM-VA')) out.push('answer');
    if (kinds.has('AKM-TR')) out.push('resource-handover');
    if (kinds.has('ABBM-TR')) out.push('resource-handover-answer');
    if (kinds.has('TVS-VA')) out.push('reschedule');
    if (kinds.has('STR-AUF') || kinds.has('STR-AEN')) out.push('cancel');
    if ((kinds.has('ERLM-CHANGE') || kinds.has('ABBM-CHANGE')) && row.open_change) out.push('change-answer');
    return out;
  }

  async run(row: CaseRow, action: ActionName, form: Form): Promise<ActionResult> {
    const schema = SCHEMA[row.procedure]?.[action];
    if (!schema || (row.procedure === 'agcom' && !this.#d.agcom)) {
      return fail(new AppError(409, 'SG_WRONG_PROCEDURE', `${action} is not an action of a ${row.procedure} case`));
    }
    const body = bodyOf(row.procedure, action, form);
    const validate = this.#validator(schema);
    if (!validate(body)) {
      const issues = schemaIssues(validate.errors ?? [], 'body');
      return fail(new AppError(400, 'SG_INVALID_REQUEST', issues[0] ? `${issues[0].path || '/'}: ${issues[0].message}` : 'invalid input', issues));
    }
    try {
      const sent = await this.#command(row, action, body, form);
      return { ok: true, messageId: sent.messageId };
    } catch (err) {
      const mapped = row.procedure === 'wbci' ? inBodyTerms(err, this.#bodyPath(action, body)) : err;
      if (mapped instanceof AppError) return fail(mapped);
      throw err;
    }
  }

  #bodyPath(action: ActionName, body: unknown): (p: string) => string {
    if (action === 'answer') return answerPath(body as AnswerInput);
    if (action === 'resource-handover-answer') return positionsAsCodes;
    if (action === 'change-answer' && (body as ChangeAnswerInput).result === 'reject') return positionsAsCodes;
    return (p) => p;
  }

  #command(row: CaseRow, action: ActionName, body: unknown, form: Form): Promise<{ messageId: string }> {
    const { wbci, agcom } = this.#d;
    if (row.procedure === 'agcom') {
      if (action === 'answer') return agcom!.answer(row.id, body as AgcomAnswerInput);
      if (action === 'cancel') return agcom!.cancel(row.id, body as AgcomCancelInput);
      return agcom!.reschedule(row.id, body as AgcomRescheduleInput);
    }
    switch (action) {
      case 'answer':
        return wbci.answer(row.id, body as AnswerInput);
      case 'resource-handover':
        return wbci.resourceHandover(row.id, body as ResourceHandoverInput);
      case 'resource-handover-answer':
        return wbci.answerResourceHandover(row.id, body as ResourceHandoverAnswerInput);
      case 'reschedule':
        return wbci.reschedule(row.id, body as RescheduleInput);
      case 'cancel':
        return wbci.cancel(row.id, body as CancelInput);
      case 'change-answer':
        return wbci.answerChange(row.id, text(form, 'changeId') ?? '', body as ChangeAnswerInput);
    }
  }

  #validator(schema: string): Validate {
    let v = this.#validators.get(schema);
    if (!v) {
      v = this.#compile({ schema: { $ref: schema }, method: 'POST', url: '', httpPart: 'body' }) as Validate;
      this.#validators.set(schema, v);
    }
    return v;
  }
}

function fail(err: AppError): ActionResult {
  const fields: Record<string, string[]> = {};
  const general: string[] = [];
  for (const issue of err.issues as Issue[]) {
    const first = issue.path.split('/')[1] ?? '';
    const field = FIELD_OF[first];
    const message = `${issue.message}${issue.code ? ` (${issue.code})` : ''}`;
    if (field) (fields[field] ??= []).push(message);
    else general.push(issue.path ? `${issue.path}: ${message}` : message);
  }
  if (!err.issues.length) general.push(err.message);
  return { ok: false, failure: { status: err.status, code: err.code, message: err.message, fields, general } };
}
