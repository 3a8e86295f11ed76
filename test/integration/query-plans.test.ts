/**
 * The hot queries — inbound receipt, list pages (deep and filtered), deadline and wholesale tick
 * candidates, a case's messages, the feed from a position, the outbox retention sweep and the outbox
 * worker's claim from a backlog — must not plan a sequential scan of a
 * table that grows with the cases, nor an index scan that reads and throws away a growing number of
 * rows (a keyset condition the index cannot seek to). Runs the real repository functions against a
 * seeded PostgreSQL database, captures the SQL they send, and asks PostgreSQL for each plan
 * (EXPLAIN ANALYZE: the queries are reads).
 */
import { Kysely, PostgresDialect, type CompiledQuery } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgres, type Store } from '../../src/store/connect.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import type { Database } from '../../src/store/schema.js';
import { caseExists, caseHistory, casesAwaitingOrder, casesDueBy, listCases, loadCase } from '../../src/store/repos/cases.js';
import { CASE_VIEW_DATA } from '../../src/http/views.js';
import { businessIdUsed, messagesOfCase, readInboundContext } from '../../src/store/repos/messages.js';
import { readEvents } from '../../src/store/repos/events.js';
import { claimDue, deleteDeliveredOlderThan } from '../../src/store/repos/outbox.js';
import { createTestDatabase, pgAdminUrl, type TestDatabase } from '../support/backends.js';

const CASES = 40_000;
const GROWING = ['cases', 'messages', 'events', 'outbox'];
const caseId = (n: number) => `DEU.EKPA.V${String(n).padStart(9, '0')}`;

/** Realistic shape: most cases finished, a few open, two messages and three events per case. */
const SEED = [
  `insert into cases (id, procedure, type, role, peer, state, requested_date, data, deadlines, next_due_at, overdue, wholesale_order, created_at, updated_at)
   select 'DEU.EKPA.V' || lpad(g::text, 9, '0'),
          case when g % 10 = 0 then 'agcom' else 'wbci' end,
          'VA-KUE-MRN',
          case when g % 2 = 0 then 'recipient' else 'donating' end,
          'DEU.EKP' || chr(66 + g % 6),
          case when g % 100 = 0 then 'TR_NOTIFIED' when g % 100 = 1 then 'VALIDATED' when g % 100 = 2 then 'REPLACED'
               when g % 100 < 10 then 'SENT' when g % 100 < 15 then 'REJECTED' else 'COMPLETED' end,
          '2026-12-15',
          jsonb_build_object('akmTr', jsonb_build_object('at', '2026-11-01T00:00:00.000Z')),
          '[]'::jsonb,
          case when g % 100 < 10 then now() + (g % 97) * interval '1 hour' end,
          g % 200 = 0,
          case when g % 100 >= 15 then '{"state": "completed"}'::jsonb end,
          now() - g * interval '1 minute',
          now() - g * interval '30 seconds'
     from generate_series(1, ${CASES}) g`,
  `insert into messages (message_id, case_id, type, direction, peer, business_id, status, body, dedupe_key)
   select ('00000000-0000-7000-8000-' || lpad(g::text, 12, '0'))::uuid, 'DEU.EKPA.V' || lpad((1 + g % ${CASES})::text, 9, '0'), 'VA-KUE-MRN',
          case when g % 2 = 0 then 'in' else 'out' end, 'DEU.EKPB',
          'DEU.EKPB.T' || lpad(g::text, 9, '0'), 'delivered', '{}'::jsonb,
          encode(substr(sha256(convert_to('dedupe-' || g, 'UTF8')), 1, 16), 'hex')::uuid
     from generate_series(1, ${CASES * 2}) g`,
  // two history entries per case, in the case row (0020)
  `update cases set history = '[null,"SENT",null,1764547200000],["SENT","COMPLETED","AKM-TR",1764547260000]'`,
  `insert into events (type, case_id, data)
   select 'case.state-changed', 'DEU.EKPA.V' || lpad((1 + g % ${CASES})::text, 9, '0'), '{}'::jsonb
     from generate_series(1, ${CASES * 3}) g`,
  // donating cases cancelled by STR-AEN (REPLACED) pile up per peer: every inbound VA from that
  // peer looks for the newest of them (the receipt context's successor lookup)
  `insert into cases (id, procedure, type, role, peer, state, requested_date, data, deadlines, created_at, updated_at)
   select 'DEU.EKPB.V' || lpad(g::text, 9, '0'), 'wbci', 'VA-KUE-MRN', 'donating', 'DEU.EKPB', 'REPLACED', '2026-12-15', '{}'::jsonb, '[]'::jsonb,
          now() - g * interval '1 minute', now() - g * interval '30 seconds'
     from generate_series(1, ${CASES / 40}) g`,
  // a week of delivered outbox rows (what the retention keeps) and a few past it
  `insert into outbox (message_id, case_id, kind, destination, status, created_at, delivered_at)
   select ('00000000-0000-7000-8000-' || lpad(g::text, 12, '0'))::uuid, 'DEU.EKPA.V' || lpad((1 + g % ${CASES})::text, 9, '0'), 'peer', 'DEU.EKP' || chr(66 + g % 6), 'delivered',
          now() - g * interval '15 seconds', now() - g * interval '15 seconds'
     from generate_series(1, ${CASES}) g`,
  // a backlog for a peer that was down (a VA and a STR-AUF per case, the STR-AUF behind its VA):
  // what a worker claims from when the peer is back
  `insert into outbox (message_id, case_id, kind, destination, status, created_at)
   select ('00000000-0000-7000-8000-' || lpad((${CASES} + g)::text, 12, '0'))::uuid, 'DEU.EKPA.V' || lpad((1 + (g + 1) / 2)::text, 9, '0'), 'peer', 'DEU.EKPF', 'pending', now() - interval '1 hour'
     from generate_series(1, ${CASES / 4}) g`,
  `analyze`,
];

/** Rows one query may read from a growing table: a page or a due batch, far fewer than the table holds. */
const MAX_READ = CASES / 20;
/** Rows one query may sort: a page or a batch; more means the order did not come from an index. */
const MAX_SORTED = 200;

interface PlanNode {
  'Index Name'?: string;
  'Node Type': string;
  'Relation Name'?: string;
  'Rows Removed by Filter'?: number;
  'Rows Removed by Index Recheck'?: number;
  'Actual Rows'?: number;
  'Actual Loops'?: number;
  Plans?: PlanNode[];
}

/** Rows the scans of growing tables produced or threw away (by filter or recheck). */
function rowsRead(node: PlanNode): number {
  const own =
    node['Relation Name'] && GROWING.includes(node['Relation Name'])
      ? (node['Actual Rows'] ?? 0) * (node['Actual Loops'] ?? 1) + (node['Rows Removed by Filter'] ?? 0) + (node['Rows Removed by Index Recheck'] ?? 0)
      : 0;
  return own + (node.Plans ?? []).reduce((n, p) => n + rowsRead(p), 0);
}

/** The most rows any Sort node of the plan was fed. */
function sortedRows(node: PlanNode): number {
  const own = node['Node Type'] === 'Sort' || node['Node Type'] === 'Incremental Sort'
    ? (node.Plans ?? []).reduce((n, p) => n + (p['Actual Rows'] ?? 0) * (p['Actual Loops'] ?? 1), 0)
    : 0;
  return Math.max(own, ...(node.Plans ?? []).map(sortedRows));
}

/** The indexes the plan reads. */
function indexesUsed(node: PlanNode): string[] {
  const own = node['Index Name'] ? [node['Index Name']] : [];
  return [...own, ...(node.Plans ?? []).flatMap(indexesUsed)];
}

function seqScans(node: PlanNode): string[] {
  const own = node['Node Type'] === 'Seq Scan' && node['Relation Name'] && GROWING.includes(node['Relation Name']) ? [node['Relation Name']] : [];
  return [...own, ...(node.Plans ?? []).flatMap(seqScans)];
}

describe.skipIf(!pgAdminUrl())('hot queries use indexes [postgres]', () => {
  let database: TestDatabase;
  let store: Store;
  let pool: pg.Pool;
  let db: Kysely<Database>;
  let captured: CompiledQuery[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    store = await openPostgres(database.url, { poolSize: 2 });
    await migrateToLatest(store.db);
    pool = new pg.Pool({ connectionString: database.url, max: 2 });
    for (const statement of SEED) await pool.query(statement);
    db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), log: (e) => void captured.push(e.query) });
    for (const position of [second, middle, deep]) {
      const { rows } = await pool.query<{ us: string }>(`select (extract(epoch from created_at) * 1000000)::bigint::text as us from cases where id = $1`, [position.id]);
      position.createdUs = rows[0]!.us;
    }
  }, 120_000);

  afterAll(async () => {
    await db?.destroy();
    await store?.close();
    await database?.drop();
  });

  async function plansOf(run: () => Promise<unknown>): Promise<{ sql: string; scans: string[]; read: number; sorted: number; indexes: string[] }[]> {
    captured = [];
    await run();
    expect(captured.length).toBeGreaterThan(0);
    const out = [];
    for (const q of captured) {
      const { rows } = await pool.query<{ 'QUERY PLAN': { Plan: PlanNode }[] }>(`EXPLAIN (ANALYZE, FORMAT JSON) ${q.sql}`, q.parameters as unknown[]);
      const plan = rows[0]!['QUERY PLAN'][0]!.Plan;
      if (process.env.SHOW_PLANS) console.log(q.sql, JSON.stringify(plan, null, 1));
      out.push({ sql: q.sql, scans: seqScans(plan), read: rowsRead(plan), sorted: sortedRows(plan), indexes: indexesUsed(plan) });
    }
    return out;
  }

  // the list is ordered by creation, oldest first: case CASES - 50 ends the first page, case
  // CASES / 2 is in the middle (the worst place for a keyset condition that cannot seek), case 100
  // is near the end
  const second = { createdUs: '', id: caseId(CASES - 50) };
  const middle = { createdUs: '', id: caseId(CASES / 2) };
  const deep = { createdUs: '', id: caseId(100) };
  const hot: [string, () => Promise<unknown>][] = [
    ['inbound receipt context (dedupe, case, id already used, successor lookup)', () =>
      readInboundContext(db, { dedupeKey: 'dedupe-77', caseId: caseId(77), ownId: 'DEU.EKPB.T000000001', replacedFrom: 'DEU.EKPB' })],
    ['business id already used', () => businessIdUsed(db, 'DEU.EKPB.T000000077', 'in')],
    ['first list page', () => listCases(db, { limit: 50 })],
    ['second list page', () => listCases(db, { limit: 50, after: second })],
    ['middle list page', () => listCases(db, { limit: 50, after: middle })],
    ['deep list page', () => listCases(db, { limit: 50, after: deep })],
    ['list filtered by state, middle page', () => listCases(db, { limit: 50, state: 'COMPLETED', after: middle })],
    ['list filtered by state, deep', () => listCases(db, { limit: 50, state: 'SENT', after: deep })],
    ['list filtered by peer', () => listCases(db, { limit: 50, peer: 'DEU.EKPC' })],
    ['list filtered by role, deep', () => listCases(db, { limit: 50, role: 'donating', after: deep })],
    ['list of overdue cases', () => listCases(db, { limit: 50, overdue: true })],
    // as GET /v1/switches reads a page: only the data keys the view shows
    ['REST list page (view projection)', () => listCases(db, { limit: 51 }, { data: CASE_VIEW_DATA })],
    ['REST list filtered by peer and state, deep (view projection)', () => listCases(db, { limit: 51, peer: 'DEU.EKPC', state: 'SENT', after: deep }, { data: CASE_VIEW_DATA })],
    ['REST list filtered by peer and state, middle (view projection)', () => listCases(db, { limit: 51, peer: 'DEU.EKPB', state: 'COMPLETED', after: middle }, { data: CASE_VIEW_DATA })],
    ['a case by id', () => loadCase(db, caseId(1234))],
    ['whether a case exists (the timeline of a case without messages)', () => caseExists(db, caseId(1234))],
    ['deadline tick candidates', () => casesDueBy(db, new Date(), 100)],
    ['wholesale tick candidates (WBCI)', () => casesAwaitingOrder(db, { procedure: 'wbci', state: 'TR_NOTIFIED', akmTrAtOrBefore: '2026-12-01T00:00:00.000Z', limit: 100 })],
    ['wholesale tick candidates (AGCOM)', () => casesAwaitingOrder(db, { procedure: 'agcom', state: 'VALIDATED', limit: 100 })],
    ['a case\'s messages', () => messagesOfCase(db, caseId(1234))],
    ['a case\'s history', () => caseHistory(db, caseId(1234))],
    ['the feed from a position', () => readEvents(db, { tx: '1', seq: CASES }, 100)],
    // every replica's tick, every 30 s: the rows past the retention, not the week it keeps
    ['delivered outbox rows past their retention (the tick\'s sweep)', () => deleteDeliveredOlderThan(db, 160, 1000)],
    // whenever a delivery slot frees up: the next rows of a backlog of 10,000 pending
    ['the outbox worker\'s claim', () => claimDue(db, { workerId: 'plans', leaseMs: 60_000, limit: 32 })],
  ];

  // 0017: equality lookups of a handful of rows, through a hash index half the size of the B-tree;
  // 0020: the history is in the case row
  it('a case\'s messages are found through the hash index on case_id, its history by the case\'s key', async () => {
    const used = async (run: () => Promise<unknown>) => (await plansOf(run)).flatMap((p) => p.indexes);
    expect(await used(() => messagesOfCase(db, caseId(1234)))).toContain('messages_case_hash_idx');
    expect(await used(() => caseHistory(db, caseId(1234)))).toContain('cases_pkey');
  });

  it.each(hot)('%s', async (_name, run) => {
    for (const plan of await plansOf(run)) {
      expect(plan.scans, plan.sql).toEqual([]);
      expect(plan.read, plan.sql).toBeLessThan(MAX_READ);
      expect(plan.sorted, plan.sql).toBeLessThan(MAX_SORTED);
    }
  });
});
