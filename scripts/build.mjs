#!/usr/bin/env node
// Compiles src/ and migrations/ to dist/ (run by `npm ci` through `prepare`, and by `npm run build`),
// so that the gateway starts without compiling TypeScript at run time. The compiled modules find
// schemas/, wsdl/ and package.json by relative URL exactly as the sources do, one level deeper, so
// those are copied next to them, and so are the non-TypeScript files under src/ (templates, assets). The stamp tells bin/switchgate.js that dist/ is complete.
import { execFileSync } from 'node:child_process';
import { cpSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
rmSync(join(dist, '.built'), { force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
for (const dir of ['schemas', 'wsdl']) {
  rmSync(join(dist, dir), { recursive: true, force: true });
  cpSync(join(root, dir), join(dist, dir), { recursive: true });
}
cpSync(join(root, 'package.json'), join(dist, 'package.json'));
// the configuration validator as code, so that start-up does not compile the schema (src/config/config-validator.ts)
const { configValidatorSource, PRECOMPILED_CONFIG_VALIDATOR } = await import(pathToFileURL(join(dist, 'src', 'config', 'config-validator.js')).href);
writeFileSync(join(dist, 'src', 'config', PRECOMPILED_CONFIG_VALIDATOR), configValidatorSource());
// files the sources read at run time next to themselves (the console's templates and assets)
cpSync(join(root, 'src'), join(dist, 'src'), { recursive: true, filter: (path) => !path.endsWith('.ts') });
writeFileSync(join(dist, '.built'), `${new Date().toISOString()}\n`);
