/**
 * Application errors carry everything an RFC 9457 problem document needs: HTTP status, a stable
 * machine code, a title, and for validation failures the offending fields.
 */
import { errorsOnly, type Issue } from '../domain/issues.js';

export class AppError extends Error {
  readonly status: number;
  readonly code: string;
  readonly issues: Issue[];
  constructor(status: number, code: string, message: string, issues: Issue[] = []) {
    super(message);
    this.name = 'AppError';
    this.status = status;
    this.code = code;
    this.issues = issues;
  }
}

export const notFound = (what: string, id: string) =>
  new AppError(404, 'SG_NOT_FOUND', `${what} ${JSON.stringify(id)} does not exist`);

/** Content that breaks a field or code rule of the procedure. */
export const invalidContent = (issues: Issue[]) =>
  horizonRefusal(issues) ?? new AppError(422, 'SG_VALIDATION', describeIssues('the message breaks the procedure\'s field rules', issues), issues);

/** A date outside `deadlines.maxRequestedDateHorizonDays` (or before 2000) is content, never "not now": 422 SG_DATE_HORIZON. */
function horizonRefusal(issues: Issue[]): AppError | undefined {
  const first = errorsOnly(issues)[0];
  if (first?.code !== 'SG_DATE_HORIZON') return undefined;
  return new AppError(422, 'SG_DATE_HORIZON', describeIssues('the date lies outside the accepted range', [first]), errorsOnly(issues));
}

/** A step the state machine does not allow now; the code is the WBCI code where one exists. */
export const refusedByStateMachine = (issues: Issue[]) => {
  const horizon = horizonRefusal(issues);
  if (horizon) return horizon;
  // The machine also reports warnings found along the way (e.g. a short lead time): they stay in
  // the list, after the errors, but the problem's code and detail are the first error's.
  const ordered = [...errorsOnly(issues), ...issues.filter((i) => i.severity === 'warning')];
  return new AppError(409, ordered[0]?.code ?? 'SG_STATE_NOT_ALLOWED', describeIssues('the procedure does not allow this step now', ordered), ordered);
};

function describeIssues(prefix: string, issues: Issue[]): string {
  const first = issues[0];
  return first ? `${prefix}: ${first.path || '/'}: ${first.message}` : prefix;
}
