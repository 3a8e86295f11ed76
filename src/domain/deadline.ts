/**
 * When a deadline counts as missed, for every procedure: a due instant is the last instant of
 * its day, so the deadline is overdue only strictly after it.
 */
export const isOverdue = (d: { dueAt: string }, now: Date): boolean => now.getTime() > Date.parse(d.dueAt);
