import { randomUUID } from 'node:crypto';
import { sql, type KyselyPlugin } from 'kysely';
import { expect, it } from 'vitest';
import { describeEachBackend } from '../support/backends.js';
import { StepBatcher } from '../../src/store/repos/step-batcher.js';
import { writeCaseOpenings, writeCaseStep, type CaseStep } from '../../src/store/repos/case-writes.js';
import { caseHistory, type CaseSnapshot } from '../../src/store/repos/cases.js';
import { withCaseData } from '../../src/store/case-data.js';
import { withRawWire } from '../../src/store/wire-codec.js';
import type { MessageRow } from '../../src/store/schema.js';
import { allEvents } from '../support/events.js';
import { countHistory } from '../support/history.js';

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
    history: [{ from: null, to: 'AWAITING_ANSWER', note: 'test' }],
    events: [{ type: 'message.queued', caseId: id, data: { messageId } }],
    ...over,
  };
};

describeEachBackend('group commit (StepBatcher)', ({ backend, open }) => {
  it('writes concurrent steps of different cases, each with its own result', async () => {
    const store = await open();
    const batcher = new StepBatcher(store.db, { maxInFlight: 1 });
    const ids = Array.from({ length: 20 }, (_, i) => `DEU.EKPA.V${String(i + 1).padStart(9, '0')}`);
    const results = await Promise.all(ids.map((id) => batcher.write(step(id))));
    expect(results.every((r) => r.version === 1 && r.seqs.length === 1 && !r.conflict)).toBe(true);
    expect(new Set(results.map((r) => r.seqs[0])).size).toBe(20);
    const counts = await Promise.all(
      (['cases', 'messages', 'outbox', 'events'] as const).map(async (t) => Number((await store.db.selectFrom(t).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n)),
    );
    expect([...counts, await countHistory(store.db)]).toEqual([20, 20, 20, 20, 20]);
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
  it('new cases written together (one fixed-shape statement) are the rows the general step statement writes', async () => {
    const store = await open();
    const rich = (id: string): CaseStep => {
      const s = step(id, {}, `dedupe-${id}`);
      const messageId = s.messages[0]!.messageId;
      return {
        ...s,
        snapshot: { ...snapshot(id), openChange: { kind: 'TVS-VA', text: 'Grüße "quoted" \\ \n' }, deadlines: [{ name: 'answer', dueAt: '2026-12-10T10:00:00.000Z' }], nextDueAt: new Date('2026-12-10T10:00:00.000Z'), overdue: true, switchDate: '2026-12-20' },
        messages: [{ ...s.messages[0]!, raw: '<x>ä</x>', rawFormat: 'soap', signature: { alg: 'rsa-sha256' } }],
        history: [{ from: null, to: 'AWAITING_ANSWER', note: 'VA-KUE-MRN' }, { from: 'AWAITING_ANSWER', to: 'AGREED', note: null }],
        events: [{ type: 'message.queued', caseId: id, data: { messageId } }, { type: 'case.warning', caseId: id, data: { path: '/x' } }],
      };
    };
    const together = ['DEU.EKPA.V000000001', 'DEU.EKPA.V000000002', 'DEU.EKPA.V000000003'].map(rich);
    const alone = ['DEU.EKPA.V000000011', 'DEU.EKPA.V000000012', 'DEU.EKPA.V000000013'].map(rich);
    const results = await writeCaseOpenings(store.db, together);
    for (const s of alone) await writeCaseStep(store.db, s);
    expect(results.map((r) => [r.version, r.conflict, r.seqs.length])).toEqual([[1, false, 1], [1, false, 1], [1, false, 1]]);
    // the seqs returned are the messages' own
    const seqs = await store.db.selectFrom('messages').select(['message_id', 'seq']).execute();
    expect(results.map((r) => r.seqs[0])).toEqual(together.map((s) => Number(seqs.find((m) => m.message_id === s.messages[0]!.messageId)!.seq)));
    // the same content, whichever statement wrote it (ids, seqs and instants aside)
    const strip = (rows: Record<string, unknown>[], omit: string[]) =>
      rows.map((r) => JSON.parse(JSON.stringify(Object.fromEntries(Object.entries(r).filter(([k]) => !omit.includes(k)))).replace(/V00000001(\d)/g, 'V00000000$1')) as unknown);
    const table = async (t: 'cases' | 'messages' | 'outbox' | 'events', order: string, omit: string[], where: (id: string) => boolean) => {
      // events: their rows (how many events each) and the events they hold, decoded
      const stored = t === 'events'
        ? [...(await store.db.selectFrom('events').select(['case_id', 'n']).orderBy('seq').execute()), ...(await allEvents(store.db)).map((e) => ({ case_id: e.caseId, type: e.type }))]
        : ((await store.db.selectFrom(t).selectAll().orderBy(order as never).execute()) as Record<string, unknown>[]);
      // a case's data is compared whole: its compressed part depends on the dictionary learned by then;
      // a wire form as text: it is compressed with its row's case and message ids (`wireContext`)
      const rows =
        t === 'cases'
          ? await withCaseData(store.db, stored as { data: unknown }[])
          : t === 'messages'
            ? (await withRawWire(store.db, stored as unknown as MessageRow[])).map(({ raw_z: _z, ...r }) => r)
            : stored;
      return strip(rows.filter((r) => where(String(r.case_id ?? r.id))), omit);
    };
    const first = (id: string) => id < 'DEU.EKPA.V000000010';
    const second = (id: string) => !first(id);
    const messageOmit = ['seq', 'message_id', 'created_at', 'delivered_at', 'dedupe_key', 'body', 'body_z', 'body_dict'];
    for (const [t, order, omit] of [
      // the history's times differ between the two statements: compared below
      ['cases', 'id', ['created_at', 'updated_at', 'history']],
      ['messages', 'seq', messageOmit],
      ['outbox', 'id', ['id', 'message_id', 'created_at', 'next_attempt_at']],
      ['events', 'seq', []],
    ] as const) {
      expect(await table(t, order, [...omit], first), t).toEqual(await table(t, order, [...omit], second));
    }
    // each case's history: the step's entries in order, stamped with the time of the transaction that wrote the case
    for (const c of await store.db.selectFrom('cases').select(['id', 'created_at']).orderBy('id').execute()) {
      const history = await caseHistory(store.db, c.id);
      expect(history.map((h) => [h.from_state, h.to_state, h.note]), c.id).toEqual([[null, 'AWAITING_ANSWER', 'VA-KUE-MRN'], ['AWAITING_ANSWER', 'AGREED', null]]);
      // the same instant (the drivers round microseconds to milliseconds, the history floors them)
      for (const h of history) expect(Math.abs(h.at.getTime() - c.created_at.getTime()), c.id).toBeLessThanOrEqual(1);
    }
    await store.close();
  });

  it('one statement at a time while it is quick: the steps that arrive meanwhile go together in the next', async () => {
    const store = await open();
    let statements = 0;
    const counting: KyselyPlugin = { transformQuery: (args) => args.node, transformResult: async (args) => (statements++, args.result) };
    const batcher = new StepBatcher(store.db.withPlugin(counting), { stallMs: 60_000 });
    const ids = Array.from({ length: 10 }, (_, i) => `DEU.EKPA.V${String(i + 1).padStart(9, '0')}`);
    const results = await Promise.all(ids.map((id) => batcher.write(step(id))));
    expect(results.every((r) => r.version === 1 && !r.conflict)).toBe(true);
    // the first step alone, at once; the nine that came while it was out, in one statement
    expect(statements).toBe(2);
    await store.close();
  });

  it('a statement waiting on a row lock holds up the other steps only until it counts as stalled', async ({ skip }) => {
    if (backend !== 'postgres') skip(); // PGlite has one connection: no other session can hold a lock
    const store = await open();
    const batcher = new StepBatcher(store.db, { stallMs: 50 });
    const x = 'DEU.EKPA.V000000001';
    await batcher.write(step(x));
    // another transaction (a command's, the tick's) holds case x
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let locked!: () => void;
    const isLocked = new Promise<void>((r) => (locked = r));
    const holder = store.db.transaction().execute(async (trx) => {
      await trx.selectFrom('cases').select('id').where('id', '=', x).forUpdate().execute();
      locked();
      await held;
    });
    await isLocked;
    const blocked = batcher.write({ ...step(x), caseWrite: 'update', snapshot: snapshot(x, 'AGREED'), expectedVersion: 1, history: [] });
    const other = batcher.write(step('DEU.EKPA.V000000002'));
    // without the stall rule the other step would wait for the lock; the holder lets go after 10 s at the latest
    const giveUp = setTimeout(release, 10_000);
    const first = await Promise.race([other.then(() => 'other'), blocked.then(() => 'blocked')]);
    expect(first).toBe('other');
    release();
    clearTimeout(giveUp);
    await holder;
    expect(await blocked).toMatchObject({ conflict: false, version: 2 });
    await store.close();
  });

  it('the openings statement has one text for any batch, prepared once per PostgreSQL connection', async ({ skip }) => {
    if (backend !== 'postgres') skip();
    const store = await open();
    const ids = Array.from({ length: 12 }, (_, i) => `DEU.EKPA.V${String(i + 1).padStart(9, '0')}`);
    const plans = await store.db.connection().execute(async (conn) => {
      // batches of 1, 2, 3 and 6 steps, each step with one or no message, history, outbox row and event
      let at = 0;
      for (const size of [1, 2, 3, 6]) {
        const steps = ids.slice(at, at + size).map((id, k) => (k % 2 ? step(id, { messages: [], outbox: [], history: [{ from: null, to: 'AWAITING_ANSWER', note: null }], events: [] }) : step(id)));
        at += size;
        await writeCaseOpenings(conn, steps);
      }
      return (await sql<{ name: string; calls: number }>`SELECT name, (generic_plans + custom_plans)::int AS calls FROM pg_prepared_statements WHERE name LIKE 'sg\_%'`.execute(conn)).rows;
    });
    expect(plans).toEqual([{ name: expect.stringMatching(/^sg_[0-9a-f]{24}$/), calls: 4 }]);
    expect(await store.db.selectFrom('cases').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).toEqual({ n: 12 });
    await store.close();
  });
});

