/** The synchronous warnings of a command, as its answer carries them (the feed has them as `case.warning`). */
import type { Issue } from '../domain/issues.js';

export interface WarningView {
  code: string;
  message: string;
  path?: string;
}

/** Only warnings (an error would have refused the command), paths in request-body terms when given. */
export function warningsView(issues: readonly Issue[], toBody: (p: string) => string = (p) => p): WarningView[] {
  return issues
    .filter((i) => i.severity === 'warning')
    .map((i) => {
      const path = i.path ? toBody(i.path) : '';
      return { code: i.code, message: path && path !== i.path ? i.message.split(i.path).join(path) : i.message, ...(path ? { path } : {}) };
    });
}

export const warningsSchema = {
  type: 'array',
  description: 'what the command found without refusing it (e.g. SG_DATE_SHORT_LEAD); also on the event feed as case.warning',
  items: {
    type: 'object',
    required: ['code', 'message'],
    properties: { code: { type: 'string' }, message: { type: 'string' }, path: { type: 'string' } },
  },
} as const;
