/**
 * Safe by default: the shipped configuration (published development key, a peer without inbound
 * authentication) refuses to start on a public HOST — the real CLI, spawned: non-zero exit, one
 * line naming the problem and the fix, nothing bound, no database opened.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/http-pair.js';

const root = new URL('../../', import.meta.url).pathname;
const scratch = mkdtempSync(join(tmpdir(), 'switchgate-safe-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function runCli(env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/switchgate.js', 'start'], { cwd: root, env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the CLI did not exit: ${stdout}${stderr}`));
    }, 80_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const refusesConnection = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(false)));
    s.once('error', () => resolve(true));
  });

describe('start-up on a public HOST with the shipped config/default.json', () => {
  it('refuses: exit 78, one line naming the published key, the open peer and the fix; nothing bound or opened', { timeout: 90_000 }, async () => {
    const port = await freePort();
    const dataDir = join(scratch, 'data');
    const { code, stdout, stderr } = await runCli({ HOST: '0.0.0.0', PORT: String(port), DATA_DIR: dataDir, LOG_LEVEL: 'info' });
    expect(code, stdout + stderr).toBe(78);
    const lines = stderr.split('\n').filter((l) => l.trim() !== '');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^switchgate: refusing to start on HOST=0\.0\.0\.0: /);
    expect(lines[0]).toContain('apiKeys[0] ("dev") is the published development key');
    expect(lines[0]).toContain('peers[0] (DEU.EKPB) has no inbound authentication');
    expect(lines[0]).toContain('printf %s "$KEY" | sha256sum');
    expect(lines[0]).toContain('SWITCHGATE_ALLOW_INSECURE=1');
    expect(stdout).not.toContain('listening');
    expect(await refusesConnection(port)).toBe(true);
    expect(existsSync(dataDir)).toBe(false);
  });
});
