/**
 * Starts ONE throwaway PostgreSQL cluster for the whole test run and hands its admin URL to the
 * tests (`inject('pgAdminUrl')` and `process.env.SWITCHGATE_TEST_PG_URL`). Each test database is
 * created inside it by test/support/backends.ts.
 *
 * - SWITCHGATE_TEST_PG_URL already set: that server is used and nothing is started.
 * - No PostgreSQL installed: with CI=true that is an error; otherwise the postgres backend
 *   tests are skipped with a warning.
 */
import type { TestProject } from 'vitest/node';
import { findPostgresBin, PG_ROOT, startCluster } from './pg-cluster.js';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const preset = process.env.SWITCHGATE_TEST_PG_URL;
  if (preset) {
    project.provide('pgAdminUrl', preset);
    return async () => {};
  }

  const bin = findPostgresBin();
  if (!bin) {
    const message = `no PostgreSQL found under ${PG_ROOT}/*/bin (install the "postgresql" package)`;
    if (process.env.CI === 'true') throw new Error(`${message}; PostgreSQL is required in CI`);
    console.warn(`\n[global-setup] WARNING: ${message} — postgres backend tests are SKIPPED\n`);
    project.provide('pgAdminUrl', null);
    return async () => {};
  }

  const started = Date.now();
  const cluster = await startCluster(bin);
  const ms = Date.now() - started;
  console.log(`[global-setup] PostgreSQL (${bin}) on 127.0.0.1:${cluster.port} started in ${ms} ms`);
  process.env.SWITCHGATE_TEST_PG_URL = cluster.url;
  project.provide('pgAdminUrl', cluster.url);

  // Last resort if teardown never runs (e.g. the runner is killed by a signal it handles).
  const onExit = (): void => cluster.stopSync();
  process.once('exit', onExit);
  return async () => {
    process.off('exit', onExit);
    cluster.stopSync();
    delete process.env.SWITCHGATE_TEST_PG_URL;
  };
}
