import { randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import { describeEachBackend } from '../support/backends.js';
import { StepBatcher } from '../../src/store/repos/step-batcher.js';
import type { CaseStep } from '../../src/store/repos/case-writes.js';
import type { CaseSnapshot } from '../../src/store/repos/cases.js';

const snapshot = (id: string, state = 'AWAITING_ANSWER'): CaseSnapshot => ({
  id,
  procedure: 'wbci',
  type: 'VA-KUE-MRN',
  role: 'recipient',
  peer: 'DEU.EKPB',
  state,
  requestedDate: '2026-12-15',
  switchDate: null,
  openChange: null,
  data: { vaId: id },
  deadlines: [],
  nextDueAt: null,
  overdue: false,
});

const step = (id: string, over: Partial<CaseStep> = {}, dedupeKey: string | null = null): CaseStep => {
  const messageId = randomUUID();
  return {
    caseWrite: 'insert',
    snapshot: snapshot(id),
    messages: [{ messageId, caseId: id, type: 'VA-KUE-MRN', direction: 'out', peer: 'DEU.EKPB', businessId: id, status: 'queued', body: { id }, dedupeKey }],
    outbox: [{ message: 0, kind: 'peer', destination: 'DEU.EKPB' }],
    history: [{ from: null, to: 'AWAITING_ANSWER', message: 0, note: 'test' }],
    events: [{ type: 'message.queued', caseId: id, data: { messageId } }],
    ...over,
  };
};

describeEachBackend('group commit (StepBatcher)', ({ open }) => {
  it('writes concurrent steps of different cases, each with its own result', async () => {
    const store = await open();
    const batcher = new StepBatcher(store.db, { maxInFlight: 1 });
    const ids = Array.from({ length: 20 }, (_, i) => `DEU.EKPA.V${String(i + 1).padStart(9, '0')}`);
    const results = await Promise.all(ids.map((id) => batcher.write(step(id))));
    expect(results.every((r) => r.version === 1 && r.seqs.length === 1 && !r.conflict)).toBe(true);
    expect(new Set(results.map((r) => r.seqs[0])).size).toBe(20);
    const counts = await Promise.all(
      (['cases', 'messages', 'outbox', 'case_history', 'events'] as const).map(async (t) => Number((await store.db.selectFrom(t).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n)),
    );
    expect(counts).toEqual([20, 20, 20, 20, 20]);
    await store.close();
  });

  it('a step that breaks a unique key fails alone; the others of its batch are written', async () => {
    const store = await open();
    const batcher = new StepBatcher(store.db, { maxInFlight: 1 });
    await batcher.write(step('DEU.EKPA.V000000001', {}, 'same-key'));
    const outcomes = await Promise.allSettled([
      batcher.write(step('DEU.EKPA.V000000002')),
      batcher.write(step('DEU.EKPA.V000000003', {}, 'same-key')),
      batcher.write(step('DEU.EKPA.V000000004')),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((outcomes[1] as PromiseRejectedResult).reason).toMatchObject({ code: '23505' });
    const ids = (await store.db.selectFrom('cases').select('id').orderBy('id').execute()).map((r) => r.id);
    expect(ids).toEqual(['DEU.EKPA.V000000001', 'DEU.EKPA.V000000002', 'DEU.EKPA.V000000004']);
    await store.close();
  });

  it('never puts two steps of one case into one statement: the second sees the first\'s version', async () => {
    const store = await open();
    const batcher = new StepBatcher(store.db, { maxInFlight: 1 });
    const id = 'DEU.EKPA.V000000001';
    await batcher.write(step(id));
    const update = (state: string): CaseStep => ({ ...step(id), caseWrite: 'update', snapshot: snapshot(id, state), expectedVersion: 1, history: [] });
    const [a, b] = await Promise.all([batcher.write(update('AGREED')), batcher.write(update('REJECTED'))]);
    // exactly one of the two version-1 updates wins; the other is a clean conflict that wrote nothing
    expect([a.conflict, b.conflict].sort()).toEqual([false, true]);
    const messages = await store.db.selectFrom('messages').select('message_id').execute();
    expect(messages).toHaveLength(2);
    await store.close();
  });
});
