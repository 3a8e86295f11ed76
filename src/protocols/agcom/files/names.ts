/** File names (italy.md §9.2): `<TipoFile>_<op>_<op>_<AAAAMMGG>_<progressivo>.xml`. */
import { toEpochDay } from '../../../domain/calendar.js';
import { type IsoDate, type OperatorCode } from '../types.js';
import { ALNUM3, type FileType } from './layouts.js';
import { type FileIssue } from './records.js';

// File names (italy.md §9.2): `<TipoFile>_<op>_<op>_<AAAAMMGG>_<progressivo>.xml`

/**
 * Which operator comes first, per partner: the public example puts the sender first, a commented
 * line of the same code builds `N_<OpDonating>_<OpRecipient>_…` (§14).
 */
export type OperatorOrder = 'sender-first' | 'receiver-first' | 'donating-first' | 'recipient-first';

export interface FileNaming {
  order: OperatorOrder;
  /** digits of the progressive number, zero-padded */
  progressiveWidth: number;
}

export const DEFAULT_FILE_NAMING: Readonly<FileNaming> = Object.freeze({ order: 'sender-first', progressiveWidth: 5 });

export interface FileName {
  fileType: FileType;
  sender: OperatorCode;
  receiver: OperatorCode;
  /** the date in the name */
  date: IsoDate;
  progressive: number;
}

/** true when the sender's code comes first for this file type. */
export function senderFirst(fileType: FileType, order: OperatorOrder): boolean {
  switch (order) {
    case 'sender-first':
      return true;
    case 'receiver-first':
      return false;
    // N files are sent by the Recipient, R files by the Donating
    case 'donating-first':
      return fileType === 'R';
    case 'recipient-first':
      return fileType === 'N';
  }
}

export function buildFileName(f: FileName, naming: FileNaming = DEFAULT_FILE_NAMING): string {
  if (!ALNUM3.test(f.sender) || !ALNUM3.test(f.receiver)) throw new RangeError(`operator codes must be 3 characters A–Z 0–9: ${f.sender}, ${f.receiver}`);
  const limit = 10 ** naming.progressiveWidth;
  if (!Number.isInteger(f.progressive) || f.progressive < 1 || f.progressive >= limit) {
    throw new RangeError(`progressive ${f.progressive} does not fit ${naming.progressiveWidth} digits`);
  }
  const [a, b] = senderFirst(f.fileType, naming.order) ? [f.sender, f.receiver] : [f.receiver, f.sender];
  return `${f.fileType}_${a}_${b}_${f.date.replaceAll('-', '')}_${String(f.progressive).padStart(naming.progressiveWidth, '0')}.xml`;
}

export type ParsedFileName = { ok: true; name: FileName } | { ok: false; issue: FileIssue };

export function parseFileName(raw: string, naming: FileNaming = DEFAULT_FILE_NAMING): ParsedFileName {
  const name = raw.trim();
  const bad = (rule: string, message: string): ParsedFileName => ({
    ok: false,
    issue: { path: '/FileName', rule, code: 'SG_AGCOM_FILE_NAME', message: `file name ${JSON.stringify(name)}: ${message}`, severity: 'error', file: name },
  });
  const m = /^([A-Z])_([A-Z0-9]{3})_([A-Z0-9]{3})_(\d{8})_(\d+)\.xml$/.exec(name);
  if (!m) return bad('pattern', `expected <TipoFile>_<op>_<op>_<AAAAMMGG>_<${'n'.repeat(naming.progressiveWidth)}>.xml`);
  const [, type, a, b, ymd, prog] = m;
  if (type !== 'N' && type !== 'R') return bad('fileType', `TipoFile ${type} is neither N nor R`);
  const date = `${ymd.slice(0, 4)}-${ymd.slice(4, 6)}-${ymd.slice(6, 8)}`;
  try {
    toEpochDay(date);
  } catch {
    return bad('date', `${ymd} is not a date AAAAMMGG`);
  }
  if (prog.length !== naming.progressiveWidth) return bad('progressiveWidth', `the progressive ${prog} must have ${naming.progressiveWidth} digits`);
  const progressive = Number(prog);
  if (progressive < 1) return bad('progressive', 'the progressive starts at 1');
  const fileType: FileType = type;
  const [sender, receiver] = senderFirst(fileType, naming.order) ? [a, b] : [b, a];
  return { ok: true, name: { fileType, sender, receiver, date, progressive } };
}

// ---------------------------------------------------------------------------------------------
