/**
 * The part of `npm run demo` where the partner is `switchgate simulate peer`: one of the demo's
 * gateways sends requests to a simulated partner scripted per number — one accepted, one rejected,
 * one never answered — and the demo then moves that gateway's clock past the answer deadline to
 * show the silence turning overdue. Used by the WBCI demo (part 6) and the AGCOM demo.
 */
import pino from 'pino';
import type { Clock } from '../domain/clock.js';
import type { Gateway } from '../gateway.js';
import type { PeerSimulator } from '../peer-simulator/simulator.js';
import { call, type Json } from './api.js';
export { call };

/** The system clock, which the demo may move forward (to show deadlines passing without waiting days). */
export class MovableClock implements Clock {
  #offsetMs = 0;
  now(): Date {
    return new Date(Date.now() + this.#offsetMs);
  }
  moveTo(t: Date): void {
    this.#offsetMs = Math.max(this.#offsetMs, t.getTime() - Date.now());
  }
}

export interface DemoNode {
  code: string;
  url: string;
  key: string;
  gw: Gateway;
}


export async function until<T>(what: string, f: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  for (const end = Date.now() + timeoutMs; ; ) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface ScriptedRequest {
  /** what the partner's script does with it, as the simulator was told (e.g. `reject:8117`) */
  behaviour: string;
  /** the number it is scripted by, as printed */
  number: string;
  /** the `POST /v1/switches` body */
  body: Record<string, unknown>;
  /** the state the case ends in at the sender, once the partner has acted (silent: the state it stays in) */
  endState: string;
}

export interface ScriptedPartnerPart {
  node: DemoNode;
  sim: PeerSimulator;
  clock: MovableClock;
  requests: ScriptedRequest[];
  /** the deadline the silence misses (WBCI `answer`, AGCOM `managerialAnswer`) */
  deadline: string;
  /** one message of the case as a line of detail */
  detail(m: Json): string;
}

const pad = (s: string, n: number) => s.padEnd(n);

/** Runs the part: starts every request, waits for the scripted outcomes, prints them, then shows the silence overdue; returns the case ids. */
export async function runScriptedPartnerPart(p: ScriptedPartnerPart): Promise<string[]> {
  const { node, sim } = p;
  const ids: string[] = [];
  for (const r of p.requests) ids.push((await call(node, 'POST', '/v1/switches', r.body)).id as string);
  for (const [i, r] of p.requests.entries()) {
    const id = ids[i]!;
    await until(`${id} to reach ${r.endState}`, async () => ((await call(node, 'GET', `/v1/switches/${encodeURIComponent(id)}`)).state === r.endState ? true : undefined));
    if (r.behaviour === 'silent') await until(`the partner's silence on ${id}`, async () => (sim.actions.some((a) => a.caseId === id && a.behaviour === 'silent') ? true : undefined));
    // the partner's answers (and, for silence, the gateway's own formal answer) are in by now
    const { items } = await call(node, 'GET', `/v1/switches/${encodeURIComponent(id)}/messages`);
    console.log(`  number ${r.number}, script "${r.behaviour}" → case ${id}`);
    for (const m of items as Json[]) {
      const arrow = m.direction === 'out' ? `${node.code} ──${m.type}──▶ ${sim.gateway.config.self.carrierCode}` : `${node.code} ◀──${m.type}── ${sim.gateway.config.self.carrierCode}`;
      console.log(`    ${pad(arrow, 52)} ${p.detail(m)}`);
    }
    console.log(`    ${node.code}: ${r.endState}\n`);
  }

  const silentIndex = p.requests.findIndex((r) => r.behaviour === 'silent');
  if (silentIndex < 0) return ids;
  const silent = ids[silentIndex]!;
  const c = await call(node, 'GET', `/v1/switches/${encodeURIComponent(silent)}`);
  const due = (c.deadlines as { name: string; dueAt: string }[]).find((d) => d.name === p.deadline);
  if (!due) throw new Error(`case ${silent} has no ${p.deadline} deadline`);
  console.log(`  The partner never answers ${silent}; its ${p.deadline} deadline is due ${due.dueAt}.`);
  console.log(`  The demo moves ${node.code}'s clock just past it (instead of waiting working days) and lets the gateway tick:`);
  p.clock.moveTo(new Date(Date.parse(due.dueAt) + 60_000));
  await node.gw.tick();
  const late = await call(node, 'GET', `/v1/switches/${encodeURIComponent(silent)}`);
  const overdue = (late.deadlines as { name: string; overdue: boolean }[]).filter((d) => d.overdue).map((d) => d.name);
  const events = (await call(node, 'GET', '/v1/events?limit=1000')).items as { type: string; caseId: string | null; data: { name?: string } }[];
  const announced = events.filter((e) => e.type === 'deadline.overdue' && e.caseId === silent).map((e) => e.data.name);
  const listed = (await call(node, 'GET', `/v1/switches?overdue=true`)).items.map((x: { id: string }) => x.id) as string[];
  console.log(`    ${node.code}: ${late.state}, overdue=${late.overdue} (${overdue.join(', ')}); event deadline.overdue ${announced.join(', ')}; GET /v1/switches?overdue=true lists ${listed.includes(silent) ? 'it' : 'NOT it'}\n`);
  return ids;
}

export const demoLog = () => pino({ level: process.env.LOG_LEVEL ?? 'silent' });
