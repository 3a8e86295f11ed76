/**
 * Content validation of WBCI messages per type (wbci.md §9.2/§9.3); no state-machine logic (what
 * may follow what) lives here.
 *
 * Severity policy (wbci.md §13 and §5): a rule the receiving side cannot judge, or one that only
 * one operator applies to its *outgoing* messages, is an error when we send and a warning when we
 * receive. Everything normative is an error both ways.
 */
import { type Issue } from '../../../domain/issues.js';
import { validatePositions } from '../codes.js';
import { type Abbm, type AbbmTr, type AkmTr, CHANGE_TYPES, type Erlm, type Meldung, type RuemVa, type Storno, type TvsVa, VA_TYPES, type VaRequest, type WbciMessage } from '../types.js';
import { FIELD, type FieldSpec, checkDate, checkList, checkPattern, checkPhoneNumber, checkText, forbid, isBlank, isRecord, issue, present, softSeverity, typeIssue, withArticle } from './checks.js';
import { checkConfirmedPorting, checkLocation, checkParty, checkProject, checkRequestPorting, checkTechnology } from './composites.js';
import { LIMITS, type Severity, type ValidationMode, idPrefix } from './formats.js';

// ---------------------------------------------------------------------------------------------
// Per message type

/** Carrier codes of the parties; the sender must be one of them. */
export function checkParties(out: Issue[], msg: WbciMessage): { recipient?: string; donating?: string; sender?: string } {
  const r = checkPattern(out, msg.recipient, '/recipient', FIELD.carrierCode, true);
  const d = checkPattern(out, msg.donating, '/donating', FIELD.carrierCode, true);
  const s = checkPattern(out, msg.sender, '/sender', FIELD.carrierCode, true);
  if (r && d && s && msg.sender !== msg.recipient && msg.sender !== msg.donating) {
    out.push(
      issue(
        '/sender',
        'oneOf',
        'SG_FIELD_RANGE',
        `/sender must be the recipient ${msg.recipient} or the donating ${msg.donating} carrier; got ${JSON.stringify(msg.sender)}.`,
      ),
    );
  }
  return { recipient: r ? msg.recipient : undefined, donating: d ? msg.donating : undefined, sender: s ? msg.sender : undefined };
}

/** An id field: pattern, then its carrier prefix (when the owning party's code is known). */
export function checkId(out: Issue[], value: unknown, path: string, spec: FieldSpec, required: boolean, owner: string | undefined, ownerRole: string): void {
  if (!checkPattern(out, value, path, spec, required)) return;
  if (owner === undefined) return;
  const prefix = idPrefix(value);
  if (prefix !== owner) {
    out.push(
      issue(path, 'idPrefix', 'SG_FIELD_FORMAT', `${path} must start with the carrier code of ${ownerRole} (${owner}); got ${JSON.stringify(value)}.`),
    );
  }
}

export const LOCATION = 'a location (street, houseNumber, postalCode, city)';
export const NUMBERS = 'the numbers to port (kind single or block, with portingWindow)';

export function checkVa(out: Issue[], msg: VaRequest, parties: { recipient?: string }, mode: ValidationMode): void {
  checkId(out, msg.vaId, '/vaId', FIELD.vaId, true, parties.recipient, 'the recipient (EKPauf)');
  checkDate(out, msg.requestedDate, '/requestedDate', true);
  if (!present(msg.customer)) {
    out.push(issue('/customer', 'required', 'SG_FIELD_REQUIRED', '/customer is required: a person or company.'));
  } else {
    checkParty(out, msg.customer, '/customer');
  }
  const holders = checkList(out, msg.furtherHolders, '/furtherHolders', 0, LIMITS.furtherHolders, 'further line holders');
  if (holders) for (let i = 0; i < holders.length; i++) checkParty(out, holders[i], `/furtherHolders/${i}`);
  if (present(msg.project)) checkProject(out, msg.project, '/project');

  const where = `a ${msg.type}`;
  switch (msg.type) {
    case 'VA-KUE-MRN':
      if (requireObject(out, msg.location, '/location', LOCATION)) checkLocation(out, msg.location, '/location');
      if (requireObject(out, msg.numbers, '/numbers', NUMBERS)) checkRequestPorting(out, msg.numbers, '/numbers', mode);
      forbid(out, msg, 'lineIdentification', where);
      forbid(out, msg, 'pkiAuf', where);
      break;
    case 'VA-KUE-ORN':
      if (requireObject(out, msg.location, '/location', LOCATION)) checkLocation(out, msg.location, '/location');
      if (present(msg.lineIdentification)) checkPhoneNumber(out, msg.lineIdentification, '/lineIdentification');
      forbid(out, msg, 'numbers', `${where} (no number porting)`);
      forbid(out, msg, 'pkiAuf', where);
      break;
    case 'VA-RRNP':
      if (requireObject(out, msg.numbers, '/numbers', NUMBERS)) checkRequestPorting(out, msg.numbers, '/numbers', mode);
      checkPattern(out, msg.pkiAuf, '/pkiAuf', FIELD.pki, true);
      forbid(out, msg, 'location', `${where} (the line is not taken over)`);
      forbid(out, msg, 'lineIdentification', where);
      break;
  }
}

export function requireObject(out: Issue[], value: unknown, path: string, what: string): boolean {
  if (present(value)) return true;
  out.push(issue(path, 'required', 'SG_FIELD_REQUIRED', `${path} is required: ${what}.`));
  return false;
}

export function checkTvsVa(out: Issue[], msg: TvsVa, parties: { recipient?: string }): void {
  checkId(out, msg.changeId, '/changeId', FIELD.changeId, true, parties.recipient, 'the recipient (EKPauf)');
  checkId(out, msg.vaIdRef, '/vaIdRef', FIELD.vaId, true, parties.recipient, 'the recipient (EKPauf)');
  if (present(msg.name)) checkParty(out, msg.name, '/name');
  checkDate(out, msg.requestedDate, '/requestedDate', true);
  forbid(out, msg, 'location', 'a TVS-VA');
  forbid(out, msg, 'reason', 'a TVS-VA');
  forbid(out, msg, 'stornoId', 'a TVS-VA');
}

export function checkStorno(out: Issue[], msg: Storno, parties: { recipient?: string; donating?: string; sender?: string }, mode: ValidationMode): void {
  checkId(out, msg.stornoId, '/stornoId', FIELD.stornoId, true, parties.sender, 'the sender');
  checkId(out, msg.vaIdRef, '/vaIdRef', FIELD.vaId, true, parties.recipient, 'the recipient (EKPauf)');
  if (present(msg.name)) checkParty(out, msg.name, '/name');
  if (present(msg.location)) checkLocation(out, msg.location, '/location');
  forbid(out, msg, 'changeId', `a ${msg.type}`);

  const from = parties.sender === undefined ? undefined : msg.sender === msg.donating ? 'abg' : msg.sender === msg.recipient ? 'auf' : undefined;
  if (from === 'abg') {
    if (!present(msg.reason) || (typeof msg.reason === 'string' && isBlank(msg.reason))) {
      out.push(
        issue('/reason', 'required', 'SG_FIELD_REQUIRED', `/reason (stornogrund, 1-${LIMITS.freeText} characters) is required in a ${msg.type} sent by the donating party.`),
      );
      return;
    }
  } else if (from === 'auf') {
    const where = `a ${msg.type} sent by the recipient party`;
    if (msg.type === 'STR-AUF') {
      forbid(out, msg, 'reason', where);
      // §9.2 lists only stornoId and vaIdRef for STR-AUF by Auf; §4 is less explicit
      forbid(out, msg, 'name', where, softSeverity(mode));
      forbid(out, msg, 'location', where, softSeverity(mode));
      if (present(msg.reason)) return;
    } else {
      // §9.2 has no stornogrund for STR-AEN by Auf, §4 does not forbid it
      forbid(out, msg, 'reason', where, softSeverity(mode));
    }
  }
  checkText(out, msg.reason, '/reason', { max: LIMITS.freeText, required: false, multiline: true });
}

export function checkMeldungBase(out: Issue[], msg: Meldung, parties: { recipient?: string }): void {
  checkId(out, msg.vaIdRef, '/vaIdRef', FIELD.vaId, true, parties.recipient, 'the recipient (EKPauf)');
  if (!present(msg.businessCase)) {
    out.push(issue('/businessCase', 'required', 'SG_FIELD_REQUIRED', '/businessCase is required: one of VA-KUE-MRN, VA-KUE-ORN, VA-RRNP, TVS-VA, STR-AUF, STR-AEN.'));
  } else if (!isVaBc(msg.businessCase) && !isChangeBc(msg.businessCase)) {
    out.push(
      issue('/businessCase', 'oneOf', 'SG_FIELD_RANGE', `/businessCase must be one of VA-KUE-MRN, VA-KUE-ORN, VA-RRNP, TVS-VA, STR-AUF, STR-AEN; got ${JSON.stringify(msg.businessCase)}.`),
    );
  }
}

export const isVaBc = (bc: unknown): boolean => (VA_TYPES as readonly unknown[]).includes(bc);
export const isChangeBc = (bc: unknown): boolean => (CHANGE_TYPES as readonly unknown[]).includes(bc);

export function businessCaseIssue(out: Issue[], msg: Meldung, expected: string, severity: Severity = 'error'): void {
  out.push(issue('/businessCase', 'businessCase', 'SG_FIELD_RANGE', `/businessCase of ${withArticle(msg.type)} must be ${expected}; got ${JSON.stringify(msg.businessCase)}.`, severity));
}

export function checkRuemVa(out: Issue[], msg: RuemVa, mode: ValidationMode): void {
  const bc = msg.businessCase;
  if (isChangeBc(bc)) businessCaseIssue(out, msg, 'the VA business case (VA-KUE-MRN, VA-KUE-ORN or VA-RRNP)');
  checkDate(out, msg.switchDate, '/switchDate', true);
  checkTechnology(out, msg.technology, '/technology');
  const resources = checkList(out, msg.resources, '/resources', 0, LIMITS.resources, 'technical resources');
  if (resources) for (let i = 0; i < resources.length; i++) checkResource(out, resources[i], `/resources/${i}`);
  if (present(msg.numbers)) checkConfirmedPorting(out, msg.numbers, '/numbers', mode);

  const where = `a RUEM-VA answering ${bc}`;
  if (bc === 'VA-KUE-MRN' || bc === 'VA-KUE-ORN') {
    if (!present(msg.technology)) {
      out.push(issue('/technology', 'required', 'SG_FIELD_REQUIRED', `/technology is required in ${where}: e.g. "001 TAL ISDN".`));
    }
    if (bc === 'VA-KUE-MRN') requireObject(out, msg.numbers, '/numbers', `the confirmed numbers with PKIabg in ${where}`);
    else forbid(out, msg, 'numbers', `${where} (no number porting)`);
  } else if (bc === 'VA-RRNP') {
    forbid(out, msg, 'technology', where);
    if (resources && resources.length > 0) {
      out.push(issue('/resources', 'forbidden', 'SG_FIELD_FORBIDDEN', `/resources is not allowed in ${where}: the line is not taken over.`));
    }
    requireObject(out, msg.numbers, '/numbers', `the confirmed numbers with PKIabg in ${where}`);
  }
  forbid(out, msg, 'reason', 'a RUEM-VA');
  forbid(out, msg, 'changeIdRef', 'a RUEM-VA');
  forbid(out, msg, 'stornoIdRef', 'a RUEM-VA');
}

export function checkResource(out: Issue[], value: unknown, path: string): void {
  if (!isRecord(value)) {
    typeIssue(out, path, 'a resource object { contractNumber | lineId | identifier }');
    return;
  }
  checkText(out, value.contractNumber, `${path}/contractNumber`, { max: LIMITS.contractNumber, required: false });
  checkPattern(out, value.lineId, `${path}/lineId`, FIELD.lineId, false);
  checkText(out, value.identifier, `${path}/identifier`, { max: LIMITS.identifier, required: false });
  checkPattern(out, value.tnbId, `${path}/tnbId`, FIELD.pki, false);
  const c = present(value.contractNumber);
  const l = present(value.lineId);
  if (c && l) {
    out.push(issue(path, 'exactlyOne', 'SG_FIELD_FORBIDDEN', `${path} must carry exactly one of contractNumber or lineId, not both.`));
  } else if (!c && !l && !present(value.identifier)) {
    out.push(issue(path, 'exactlyOne', 'SG_FIELD_REQUIRED', `${path} must carry exactly one of contractNumber or lineId, or else an identifier.`));
  }
}

/** The reference fields of an ABBM/ERLM depend on what it answers (wbci.md §4 schema notes). */
export function checkAnswerRefs(out: Issue[], msg: Abbm | Erlm, parties: { recipient?: string; donating?: string; sender?: string }): void {
  const bc = msg.businessCase;
  const where = `${withArticle(msg.type)} answering ${bc}`;
  if (bc === 'TVS-VA') {
    checkId(out, msg.changeIdRef, '/changeIdRef', FIELD.changeId, true, parties.recipient, 'the recipient (EKPauf)');
    // An ERLM always carries the new date. An ABBM repeats the original date only when there is
    // one: a TV refused before the RUEM-VA (8141) or for an unknown VA-ID (8140) has none. Whether
    // a date was agreed is state, so the state machine checks the ABBM's date, not this rule.
    checkDate(out, msg.switchDate, '/switchDate', msg.type === 'ERLM');
    forbid(out, msg, 'stornoIdRef', where);
    return;
  }
  if (bc === 'STR-AUF' || bc === 'STR-AEN') {
    // the Storno was sent by the party this Meldung goes to
    const stornoSender =
      parties.sender === undefined ? undefined : msg.sender === msg.recipient ? parties.donating : msg.sender === msg.donating ? parties.recipient : undefined;
    checkId(out, msg.stornoIdRef, '/stornoIdRef', FIELD.stornoId, true, stornoSender, 'the party that sent the Storno');
    forbid(out, msg, 'changeIdRef', where);
  } else if (isVaBc(bc)) {
    forbid(out, msg, 'changeIdRef', where);
    forbid(out, msg, 'stornoIdRef', where);
  }
  checkDate(out, msg.switchDate, '/switchDate', false);
}

export function checkAbbm(out: Issue[], msg: Abbm, parties: { recipient?: string; donating?: string; sender?: string }): void {
  checkAnswerRefs(out, msg, parties);
  checkText(out, msg.reason, '/reason', { max: LIMITS.freeText, required: false, multiline: true });
}

export function checkErlm(out: Issue[], msg: Erlm, parties: { recipient?: string; donating?: string; sender?: string }): void {
  if (isVaBc(msg.businessCase)) businessCaseIssue(out, msg, 'the answered change request (TVS-VA, STR-AUF or STR-AEN)');
  checkAnswerRefs(out, msg, parties);
  forbid(out, msg, 'reason', 'an ERLM');
}

/** AKM-TR and ABBM-TR exist for KUE business cases only (wbci.md §4; "not used for RRNP" is O). */
export function checkTrBusinessCase(out: Issue[], msg: AkmTr | AbbmTr, mode: ValidationMode): void {
  const expected = 'VA-KUE-MRN or VA-KUE-ORN';
  if (isChangeBc(msg.businessCase)) businessCaseIssue(out, msg, expected);
  else if (msg.businessCase === 'VA-RRNP') businessCaseIssue(out, msg, expected, softSeverity(mode));
}

export function checkAkmTr(out: Issue[], msg: AkmTr, mode: ValidationMode): void {
  checkTrBusinessCase(out, msg, mode);
  for (const key of ['takeOver', 'safeHarbour'] as const) {
    const v = msg[key];
    if (!present(v)) out.push(issue(`/${key}`, 'required', 'SG_FIELD_REQUIRED', `/${key} is required: true or false.`));
    else if (typeof v !== 'boolean') typeIssue(out, `/${key}`, 'a boolean');
  }
  const lines = checkList(out, msg.lines, '/lines', 0, LIMITS.akmTrLines, 'lines');
  if (lines) {
    for (let i = 0; i < lines.length; i++) {
      const p = `/lines/${i}`;
      const line = lines[i];
      if (!isRecord(line)) {
        typeIssue(out, p, 'a line object { lineId | contractNumber }');
        continue;
      }
      checkPattern(out, line.lineId, `${p}/lineId`, FIELD.lineId, false);
      checkText(out, line.contractNumber, `${p}/contractNumber`, { max: LIMITS.contractNumber, required: false });
      const l = present(line.lineId);
      const c = present(line.contractNumber);
      if (l && c) out.push(issue(p, 'exactlyOne', 'SG_FIELD_FORBIDDEN', `${p} must carry exactly one of lineId or contractNumber, not both.`));
      else if (!l && !c) out.push(issue(p, 'exactlyOne', 'SG_FIELD_REQUIRED', `${p} must carry exactly one of lineId or contractNumber.`));
    }
  }
  checkPattern(out, msg.pkiAuf, '/pkiAuf', FIELD.pki, false);
  forbid(out, msg, 'reason', 'an AKM-TR');
}

/**
 * Every content rule of wbci.md §8, §9 and §5 for one message. Errors block; warnings
 * (severity `warning`) are things to log and pass through.
 */
export function validateMessage(msg: WbciMessage, mode: ValidationMode): Issue[] {
  const out: Issue[] = [];
  if (typeof msg !== 'object' || msg === null) {
    out.push(issue('', 'type', 'SG_FIELD_FORMAT', 'The message must be an object.'));
    return out;
  }
  const parties = checkParties(out, msg);
  switch (msg.type) {
    case 'VA-KUE-MRN':
    case 'VA-KUE-ORN':
    case 'VA-RRNP':
      checkVa(out, msg, parties, mode);
      return out;
    case 'TVS-VA':
      checkTvsVa(out, msg, parties);
      return out;
    case 'STR-AUF':
    case 'STR-AEN':
      checkStorno(out, msg, parties, mode);
      return out;
    case 'RUEM-VA':
      checkMeldungBase(out, msg, parties);
      checkRuemVa(out, msg, mode);
      break;
    case 'ABBM':
      checkMeldungBase(out, msg, parties);
      checkAbbm(out, msg, parties);
      break;
    case 'AKM-TR':
      checkMeldungBase(out, msg, parties);
      checkAkmTr(out, msg, mode);
      break;
    case 'ABBM-TR':
      checkMeldungBase(out, msg, parties);
      checkTrBusinessCase(out, msg, mode);
      forbid(out, msg, 'reason', 'an ABBM-TR');
      break;
    case 'ERLM':
      checkMeldungBase(out, msg, parties);
      checkErlm(out, msg, parties);
      break;
    default: {
      const t: unknown = (msg as { type?: unknown }).type;
      out.push(issue('/type', 'oneOf', 'SG_FIELD_RANGE', `/type must be a WBCI message type (VA-KUE-MRN … ERLM); got ${JSON.stringify(t)}.`));
      return out;
    }
  }
  const positionIssues = validatePositions(msg, mode);
  for (let i = 0; i < positionIssues.length; i++) out.push(positionIssues[i]);
  return out;
}
