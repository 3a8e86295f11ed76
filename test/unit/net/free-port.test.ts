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
  // 1,500 draws from ~12,000 numbers: without the memory of handed-out ports, ~90 would repeat
  const ports: number[] = [];
  for (let i = 0; i < 1_500; i++) ports.push(await freePort());
  expect(new Set(ports).size).toBe(ports.length);
});
