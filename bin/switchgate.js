#!/usr/bin/env node
// Runs the compiled gateway (dist/, built by `npm ci` through `prepare` or by `npm run build`) when
// it is at least as new as every source file; otherwise the TypeScript sources through tsx, so that
// an edited checkout never runs stale code and a fresh clone works even before a build.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const stamp = join(root, 'dist', '.built');

function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}

function compiledIsFresh() {
  if (process.env.SWITCHGATE_FROM_SOURCE === '1' || !existsSync(stamp)) return false;
  const built = statSync(stamp).mtimeMs;
  // A container image has no sources next to dist/: the compiled output is all there is.
  const sources = ['src', 'migrations', 'schemas', 'wsdl'].map((d) => join(root, d)).filter((d) => existsSync(d));
  return sources.every((d) => newestSource(d) <= built);
}

if (compiledIsFresh()) {
  await import(join(root, 'dist', 'src', 'cli.js'));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli.ts');
}
