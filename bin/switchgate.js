#!/usr/bin/env node
// Runs the TypeScript sources directly (no build step), so `npx switchgate …` works on a fresh clone.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli.ts');
