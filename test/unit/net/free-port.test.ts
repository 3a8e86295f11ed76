import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { expect, it } from 'vitest';
import { freePort } from '../../../src/net/free-port.js';

it('draws ports below the kernel\'s ephemeral range, which outgoing connections take from, and each one binds', async () => {
  const ports = await Promise.all(Array.from({ length: 20 }, () => freePort()));
  for (const port of ports) {
    expect(port).toBeGreaterThanOrEqual(20_000);
    expect(port).toBeLessThan(32_000);
  }
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(ports[0], '127.0.0.1', resolve));
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

it('never hands out the same port twice in a row of draws: callers draw several before they listen', async () => {
  // 1,500 draws from ~12,000 numbers: without the reservations, ~90 would repeat
  const ports: number[] = [];
  for (let i = 0; i < 1_500; i++) ports.push(await freePort());
  expect(new Set(ports).size).toBe(ports.length);
});

const MODULE = new URL('../../../src/net/free-port.ts', import.meta.url).href;

function drawIn(child: number): Promise<number[]> {
  const script = `const { freePort } = await import(${JSON.stringify(MODULE)});
const ports = []; for (let i = 0; i < 600; i++) ports.push(await freePort());
process.stdout.write(JSON.stringify(ports));`;
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
    proc.on('error', reject);
    proc.on('close', (code) => (code === 0 ? resolve(JSON.parse(out) as number[]) : reject(new Error(`child ${child} exited ${code}: ${err}`))));
  });
}

it('never hands the same port to two processes drawing at once (test workers are processes)', async () => {
  // 600 draws each from ~12,000 numbers: without a reservation both can see, ~30 would be shared
  const [a, b] = await Promise.all([drawIn(1), drawIn(2)]);
  expect(a).toHaveLength(600);
  expect(b).toHaveLength(600);
  const inB = new Set(b);
  const shared = a.filter((port) => inB.has(port));
  expect(shared).toEqual([]);
}, 30_000);
