/**
 * A precise complaint about input: which field, which rule, which machine code.
 * Used by every validator in the domain; the HTTP layer turns a list of these into an
 * RFC 9457 problem document, the wire layer into an ABBM/negative TEQ.
 */
export interface Issue {
  /** JSON-pointer-like path of the offending field in the domain message, e.g. `/numbers/list/0/areaCode` */
  path: string;
  /** short stable rule name, e.g. `pattern`, `maxLength`, `exactlyOneOf`, `notBefore` */
  rule: string;
  /** machine code: a WBCI Meldungscode (`8141`) where one fits, else a switchgate code (`SG_FIELD_FORMAT`) */
  code: string;
  message: string;
  /** a warning does not block (e.g. KWT 7–10 WD ahead, unknown Meldungscode) */
  severity?: 'error' | 'warning';
}

export const errorsOnly = (issues: readonly Issue[]): Issue[] =>
  issues.filter((i) => (i.severity ?? 'error') === 'error');
