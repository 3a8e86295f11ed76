/**
 * The README stays true (issue #13 point 5):
 * - its quick-start block is run as written — two real gateways started by `npm start`, the date
 *   from `switchgate requested-date`, the VA by curl, read back at the second operator — with only
 *   the ports, the data directories and the configuration copies moved to scratch space;
 * - every relative link, and every spec file it names, exists in the repository.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/http-pair.js';

const root = new URL('../../', import.meta.url).pathname;
const readme = readFileSync(join(root, 'README.md'), 'utf8');

/** The fenced block after the README's quick-start marker, with its continuation lines joined. */
export function quickStartCommands(text: string): string[] {
  const marker = text.indexOf('<!-- quick-start:');
  if (marker < 0) throw new Error('README.md has no quick-start marker');
  const block = /```sh\n([\s\S]*?)```/.exec(text.slice(marker));
  if (!block) throw new Error('no ```sh block after the quick-start marker');
  const lines: string[] = [];
  let pending = '';
  for (const line of block[1]!.split('\n')) {
    if (!pending && (line.trim() === '' || line.trim().startsWith('#'))) continue;
    pending += line;
    // a trailing backslash or an open single-quoted string continues the command
    const quotes = (pending.match(/'/g) ?? []).length;
    if (pending.endsWith('\\') || quotes % 2 === 1) pending += '\n';
    else {
      lines.push(pending);
      pending = '';
    }
  }
  if (pending) lines.push(pending);
  return lines;
}

describe('README quick-start', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'switchgate-readme-'));
  const children: ChildProcess[] = [];
  afterAll(async () => {
    for (const child of children) {
      if (child.exitCode === null && child.pid) {
        const exited = new Promise((r) => child.once('exit', r));
        process.kill(-child.pid, 'SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
        if (child.exitCode === null) process.kill(-child.pid, 'SIGKILL');
      }
    }
    rmSync(scratch, { recursive: true, force: true });
  });

  it('starts with the gateways, asks for the date, and uses the shipped second operator', () => {
    const commands = quickStartCommands(readme);
    expect(commands.filter((c) => /(^|\s)npm start$/.test(c))).toHaveLength(2);
    expect(commands.some((c) => c.includes('config/peer-b.json'))).toBe(true);
    expect(commands.some((c) => c.includes('switchgate requested-date'))).toBe(true);
    expect(readme).not.toMatch(/"requestedDate": "20\d\d-\d\d-\d\d"/);
  });

  it('runs as written against two real gateways: the first VA arrives at the second operator', { timeout: 300_000 }, async () => {
    const [portA, portB] = [await freePort(), await freePort()];
    const configA = join(scratch, 'default.json');
    const configB = join(scratch, 'peer-b.json');
    const moved = (s: string) => s.replaceAll('127.0.0.1:8080', `127.0.0.1:${portA}`).replaceAll('127.0.0.1:8081', `127.0.0.1:${portB}`);
    writeFileSync(configA, moved(readFileSync(join(root, 'config/default.json'), 'utf8')));
    writeFileSync(configB, moved(readFileSync(join(root, 'config/peer-b.json'), 'utf8')));
    const localize = (c: string) =>
      moved(c)
        .replace(/\bPORT=8081\b/, `PORT=${portB}`)
        .replace('DATA_DIR=./data-b', `DATA_DIR=${join(scratch, 'data-b')}`)
        .replace('SWITCHGATE_CONFIG=config/peer-b.json', `SWITCHGATE_CONFIG=${configB}`);
    // operator A is what a bare `npm start` runs: the defaults, moved to scratch space
    const env = { PATH: process.env.PATH, HOME: process.env.HOME, PORT: String(portA), DATA_DIR: join(scratch, 'data'), SWITCHGATE_CONFIG: configA, LOG_LEVEL: 'warn' };

    const commands = quickStartCommands(readme).map(localize);
    const servers = commands.filter((c) => /(^|\s)npm start$/.test(c));
    const script = commands.filter((c) => !servers.includes(c));
    for (const server of servers) {
      const child = spawn('bash', ['-c', server], { cwd: root, env, stdio: ['ignore', 'ignore', 'pipe'], detached: true });
      let stderr = '';
      child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
      child.once('exit', (code) => code && code !== 0 && console.error(`${server} exited ${code}: ${stderr}`));
      children.push(child);
    }
    for (const port of [portA, portB]) await untilLive(port, children);

    const run = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolveRun) => {
      const child = spawn('bash', ['-c', ['set -euxo pipefail', ...script].join('\n')], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      child.on('exit', (code) => resolveRun({ code, stdout, stderr }));
    });
    expect(run.code, run.stderr + run.stdout).toBe(0);
    const atB = JSON.parse(run.stdout.trim()) as { id: string; role: string; peer: string; state: string; requestedDate: string };
    expect(atB).toMatchObject({ id: expect.stringMatching(/^DEU\.EKPA\.V\d+$/), role: 'donating', peer: 'DEU.EKPA' });
    // the date the README computed was accepted by both sides without a warning
    const atA = await fetch(`http://127.0.0.1:${portA}/v1/events`, { headers: { authorization: 'Bearer dev-key-change-me' } }).then((r) => r.json() as Promise<{ items: { type: string }[] }>);
    expect(atA.items.map((e) => e.type)).not.toContain('case.warning');
    expect(atA.items.map((e) => e.type)).toContain('message.queued');
  });
});

async function untilLive(port: number, children: ChildProcess[]): Promise<void> {
  for (let i = 0; i < 1200; i++) {
    if (children.some((c) => c.exitCode !== null)) throw new Error('a gateway of the quick-start exited');
    try {
      const r = await fetch(`http://127.0.0.1:${port}/health/live`);
      if (r.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`nothing listens on ${port}`);
}

describe('README links', () => {
  it('every relative link resolves to a file in the repository', () => {
    const links = [...readme.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!).filter((href) => !/^([a-z]+:|#)/i.test(href));
    expect(links.length).toBeGreaterThan(0);
    const missing = links.filter((href) => !existsSync(resolve(root, decodeURIComponent(href.split('#')[0]!))));
    expect(missing).toEqual([]);
  });

  it('every file it names by a path or a .md name exists (no citation of documents the repository lacks)', () => {
    const named = [...readme.matchAll(/(?<![\w/.-])((?:[\w.-]+\/)*[\w.-]+\.(?:md|json|ts|png|xsd|wsdl))(?![\w/])/g)].map((m) => m[1]!);
    const candidates = [...new Set(named)].filter((p) => p.endsWith('.md') || p.startsWith('config/') || p.startsWith('docs/') || p.startsWith('src/') || p.startsWith('schemas/'));
    expect(candidates).toContain('config/peer-b.json');
    const missing = candidates.filter((p) => !existsSync(join(root, p)));
    expect(missing).toEqual([]);
  });
});
