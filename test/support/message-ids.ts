/** A fixed message id for tests: a UUID (message ids are stored as uuid since 0027), readable by its number. */
export const messageIdNo = (n: number): string => `00000000-0000-7000-8000-${String(n).padStart(12, '0')}`;
