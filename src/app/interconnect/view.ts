/**
 * The JSON shapes of `GET /v1/interconnect/requests|faults|projects[/{id}]`: the object as both
 * sides keep it, with the case's timestamps and (projects) the running clocks.
 */
import type { CaseRow } from '../../store/schema.js';
import type { Stored, StoredDeadline } from './core.js';

export function interconnectView(row: CaseRow, now: Date) {
  const { object: _object, ...value } = row.data as unknown as Stored;
  void _object;
  const deadlines = ((row.deadlines ?? []) as unknown as StoredDeadline[]).map((d) => ({ name: d.name, dueAt: d.dueAt, overdue: Date.parse(d.dueAt) < now.getTime() }));
  return {
    ...value,
    ...(deadlines.length || (row.data as { object?: string }).object === 'project' ? { deadlines, overdue: deadlines.some((d) => d.overdue) } : {}),
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}
