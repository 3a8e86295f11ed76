/** Checks of the structures several messages share: parties, location, numbers, porting, technology. */
import { type Issue } from '../../../domain/issues.js';
import { FIELD, checkCharset, checkList, checkPattern, checkPhoneNumber, checkText, isRecord, issue, present, softSeverity, typeIssue } from './checks.js';
import { KNOWN_TECHNOLOGY_VALUES, LIMITS, type ValidationMode, blockFromShapePattern, blockToShapePattern, technologyPattern, technologyValue } from './formats.js';

// ---------------------------------------------------------------------------------------------
// Composite checks

export function checkParty(out: Issue[], value: unknown, path: string): void {
  if (!isRecord(value)) {
    typeIssue(out, path, 'a person or company object');
    return;
  }
  const name = { max: LIMITS.name, required: true };
  const optName = { max: LIMITS.name, required: false };
  if (value.kind === 'person') {
    if (!present(value.salutation)) {
      out.push(issue(`${path}/salutation`, 'required', 'SG_FIELD_REQUIRED', `${path}/salutation is required: Herr, Frau or keine.`));
    } else if (value.salutation !== 'Herr' && value.salutation !== 'Frau' && value.salutation !== 'keine') {
      out.push(issue(`${path}/salutation`, 'oneOf', 'SG_FIELD_RANGE', `${path}/salutation of a person must be Herr, Frau or keine; got ${JSON.stringify(value.salutation)}.`));
    }
    checkText(out, value.firstName, `${path}/firstName`, optName);
    checkText(out, value.lastName, `${path}/lastName`, name);
  } else if (value.kind === 'company') {
    if (present(value.salutation) && value.salutation !== 'Firma' && value.salutation !== 'keine') {
      out.push(issue(`${path}/salutation`, 'oneOf', 'SG_FIELD_RANGE', `${path}/salutation of a company must be Firma or keine; got ${JSON.stringify(value.salutation)}.`));
    }
    checkText(out, value.companyName, `${path}/companyName`, name);
    checkText(out, value.companyNameSecondPart, `${path}/companyNameSecondPart`, optName);
  } else {
    out.push(issue(`${path}/kind`, 'oneOf', 'SG_FIELD_RANGE', `${path}/kind must be person or company; got ${JSON.stringify(value.kind)}.`));
  }
}

export function checkLocation(out: Issue[], value: unknown, path: string): void {
  if (!isRecord(value)) {
    typeIssue(out, path, 'a location object { street, houseNumber, postalCode, city }');
    return;
  }
  checkText(out, value.street, `${path}/street`, { max: LIMITS.street, required: true });
  checkPattern(out, value.houseNumber, `${path}/houseNumber`, FIELD.houseNumber, true);
  checkText(out, value.houseNumberSuffix, `${path}/houseNumberSuffix`, { max: LIMITS.houseNumberSuffix, required: false });
  checkPattern(out, value.postalCode, `${path}/postalCode`, FIELD.postalCode, true);
  checkText(out, value.city, `${path}/city`, { max: LIMITS.city, required: true });
}

export function checkProject(out: Issue[], value: unknown, path: string): void {
  if (!isRecord(value)) {
    typeIssue(out, path, 'a project object { id, couplingId? }');
    return;
  }
  checkText(out, value.id, `${path}/id`, { max: LIMITS.projectId, required: true });
  checkText(out, value.couplingId, `${path}/couplingId`, { max: LIMITS.projectId, required: false });
}

/**
 * The §9.1 block rules: von < bis, same length, von = digit + zeros, bis = digit + nines, no two
 * blocks overlapping. Overlap is only decidable between blocks of equal length: blocks of
 * different lengths address extensions of different lengths.
 */
export function checkBlocks(out: Issue[], blocks: readonly unknown[], path: string, mode: ValidationMode, withPki: boolean): void {
  const sev = softSeverity(mode);
  const ranges: ({ from: string; to: string } | undefined)[] = [];
  for (let i = 0; i < blocks.length; i++) {
    const p = `${path}/${i}`;
    const b = blocks[i];
    ranges.push(undefined);
    if (!isRecord(b)) {
      typeIssue(out, p, 'a block object { from, to }');
      continue;
    }
    const okFrom = checkPattern(out, b.from, `${p}/from`, FIELD.blockEnd, true);
    const okTo = checkPattern(out, b.to, `${p}/to`, FIELD.blockEnd, true);
    if (withPki) checkPattern(out, b.pkiAbg, `${p}/pkiAbg`, FIELD.pki, true);
    if (!okFrom || !okTo) continue;
    const from = b.from as string;
    const to = b.to as string;
    if (!blockFromShapePattern.test(from)) {
      out.push(issue(`${p}/from`, 'blockShape', 'SG_FIELD_FORMAT', `${p}/from must be one digit followed only by zeros (e.g. 00, 20, 300); got ${JSON.stringify(from)}.`, sev));
    }
    if (!blockToShapePattern.test(to)) {
      out.push(issue(`${p}/to`, 'blockShape', 'SG_FIELD_FORMAT', `${p}/to must be one digit followed only by nines (e.g. 49, 29, 499); got ${JSON.stringify(to)}.`, sev));
    }
    if (from.length !== to.length) {
      out.push(issue(`${p}/to`, 'sameLength', 'SG_FIELD_LENGTH', `${p}/to must have the same number of digits as from (${from.length}); got ${to.length}.`, sev));
      continue;
    }
    if (from >= to) {
      out.push(issue(p, 'ascending', 'SG_FIELD_RANGE', `${p}/from must be lower than to; got ${from}-${to}.`, sev));
      continue;
    }
    ranges[i] = { from, to };
  }
  for (let j = 1; j < ranges.length; j++) {
    const b = ranges[j];
    if (!b) continue;
    for (let i = 0; i < j; i++) {
      const a = ranges[i];
      if (!a || a.from.length !== b.from.length) continue;
      // equal-length digit strings compare like numbers
      if (a.from <= b.to && b.from <= a.to) {
        out.push(issue(`${path}/${j}`, 'overlap', 'SG_FIELD_RANGE', `${path}/${j} (${b.from}-${b.to}) overlaps ${path}/${i} (${a.from}-${a.to}); blocks must not overlap.`, sev));
        break;
      }
    }
  }
}

/** `rufnummernPortierung` of a VA-KUE-MRN / VA-RRNP. */
export function checkRequestPorting(out: Issue[], value: unknown, path: string, mode: ValidationMode): void {
  if (!isRecord(value)) {
    typeIssue(out, path, 'a number porting object (kind single or block)');
    return;
  }
  checkPattern(out, value.portingWindow, `${path}/portingWindow`, FIELD.portingWindow, true);
  if (value.kind === 'single') {
    const list = checkList(out, value.list, `${path}/list`, 1, LIMITS.singleNumbers, 'numbers');
    if (list) for (let i = 0; i < list.length; i++) checkPhoneNumber(out, list[i], `${path}/list/${i}`);
    if (present(value.allNumbers) && typeof value.allNumbers !== 'boolean') typeIssue(out, `${path}/allNumbers`, 'a boolean');
  } else if (value.kind === 'block') {
    checkPbxHead(out, value, path);
    const blocks = checkList(out, value.blocks, `${path}/blocks`, 1, LIMITS.blocks, 'number blocks');
    if (blocks) checkBlocks(out, blocks, `${path}/blocks`, mode, false);
  } else {
    out.push(issue(`${path}/kind`, 'oneOf', 'SG_FIELD_RANGE', `${path}/kind must be single or block; got ${JSON.stringify(value.kind)}.`));
  }
}

export function checkPbxHead(out: Issue[], value: Record<string, unknown>, path: string): void {
  checkPattern(out, value.areaCode, `${path}/areaCode`, FIELD.areaCode, true);
  checkPattern(out, value.baseNumber, `${path}/baseNumber`, FIELD.baseNumber, true);
  checkPattern(out, value.operatorPosition, `${path}/operatorPosition`, FIELD.operatorPosition, true);
}

/** RUEM-VA `rufnummernPortierung`: the confirmed numbers, each with PKIabg. */
export function checkConfirmedPorting(out: Issue[], value: unknown, path: string, mode: ValidationMode): void {
  if (!isRecord(value)) {
    typeIssue(out, path, 'a confirmed porting object (kind single or block)');
    return;
  }
  if (value.kind === 'single') {
    const list = checkList(out, value.list, `${path}/list`, 1, LIMITS.singleNumbers, 'numbers');
    if (list) {
      for (let i = 0; i < list.length; i++) {
        const p = `${path}/list/${i}`;
        checkPhoneNumber(out, list[i], p);
        if (isRecord(list[i])) checkPattern(out, (list[i] as Record<string, unknown>).pkiAbg, `${p}/pkiAbg`, FIELD.pki, true);
      }
    }
  } else if (value.kind === 'block') {
    checkPbxHead(out, value, path);
    const blocks = checkList(out, value.blocks, `${path}/blocks`, 1, LIMITS.blocks, 'number blocks');
    if (blocks) checkBlocks(out, blocks, `${path}/blocks`, mode, true);
  } else {
    out.push(issue(`${path}/kind`, 'oneOf', 'SG_FIELD_RANGE', `${path}/kind must be single or block; got ${JSON.stringify(value.kind)}.`));
  }
}

export function checkTechnology(out: Issue[], value: unknown, path: string): void {
  if (!present(value)) return;
  if (typeof value !== 'string') {
    typeIssue(out, path, 'a technology string such as "001 TAL ISDN"');
    return;
  }
  let ok = true;
  if (value.length > LIMITS.technology) {
    out.push(issue(path, 'maxLength', 'SG_FIELD_LENGTH', `${path} must be at most ${LIMITS.technology} characters; got ${value.length}.`));
    ok = false;
  }
  if (!technologyPattern.test(value)) {
    out.push(issue(path, 'pattern', 'SG_FIELD_FORMAT', `${path} must be three digits, a space and a name ([0-9]{3} .*) such as "001 TAL ISDN"; got ${JSON.stringify(value)}.`));
    ok = false;
  }
  if (!checkCharset(out, value, path, false)) ok = false;
  if (ok && !KNOWN_TECHNOLOGY_VALUES.has(value)) {
    const known = technologyValue(value.slice(0, 3));
    out.push(
      issue(
        path,
        'knownValue',
        'SG_FIELD_RANGE',
        known
          ? `${path} ${JSON.stringify(value)} differs from the agreed value ${JSON.stringify(known)}.`
          : `${path} ${JSON.stringify(value)} is not one of the agreed technologies 001-021; passed through.`,
        'warning',
      ),
    );
  }
}
