/**
 * Content validation of WBCI messages: the simple types of wbci.md §8/§9.1 (fields/formats.ts),
 * the issue-producing primitives (fields/checks.ts), shared structures (fields/composites.ts) and
 * the per-message rules of §9.2/§9.3 (fields/messages.ts).
 */
export { type ValidationMode, type Severity, carrierCodePattern, vaIdPattern, stornoIdPattern, changeIdPattern, lineIdPattern, idKind, idPrefix, areaCodePattern, phoneNumberPattern, nationalNumberPattern, baseNumberPattern, operatorPositionPattern, blockEndPattern, blockFromShapePattern, blockToShapePattern, portingWindowPattern, pkiPattern, technologyPattern, houseNumberPattern, postalCodePattern, isoDatePattern, releasePattern, restrictedTextPattern, freeTextPattern, LIMITS, TECHNOLOGIES, technologyValue, isCarrierCode, isVaId, isStornoId, isChangeId, isLineId, isAreaCode, isPhoneNumber, isBaseNumber, isOperatorPosition, isPortingWindow, isPki, isHouseNumber, isPostalCode, isRestrictedText, isKnownTechnology, isTechnology, isFreeText, isText, isCalendarDate } from './fields/formats.js';
export { type FieldSpec, FIELD, issue, withArticle, present, isBlank, checkPattern, type TextOptions, checkText, checkCharset, checkDate, checkPhoneNumber, checkList } from './fields/checks.js';
export { checkBlocks } from './fields/composites.js';
export { validateMessage } from './fields/messages.js';
