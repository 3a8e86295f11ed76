/**
 * Starts one throwaway PostgreSQL cluster per test worker (vitest `maxWorkers`) and hands their
 * admin URLs to the tests (`inject('pgAdminUrls')`; the first also as
 * `process.env.SWITCHGATE_TEST_PG_URL`). Each worker uses its own (test/support/backends.ts), so the
 * test files running at the same time never share a cluster: the event feed's visibility rule
 * (pg_snapshot_xmin) is cluster-wide, and another file's open transaction would hold back what a
 * test reads right after its own commit. Each test database is created inside its worker's cluster.
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
    project.provide('pgAdminUrls', [preset]);
    return async () => {};
  }

  const bin = findPostgresBin();
  if (!bin) {
    const message = `no PostgreSQL found under ${PG_ROOT}/*/bin (install the "postgresql" package)`;
    if (process.env.CI === 'true') throw new Error(`${message}; PostgreSQL is required in CI`);
    console.warn(`\n[global-setup] WARNING: ${message} — postgres backend tests are SKIPPED\n`);
    project.provide('pgAdminUrls', []);
    return async () => {};
  }

  const started = Date.now();
  const workers = Math.max(1, Number(project.config.maxWorkers) || 1);
  const clusters = await Promise.all(Array.from({ length: workers }, () => startCluster(bin)));
  const ms = Date.now() - started;
  console.log(`[global-setup] PostgreSQL (${bin}) on 127.0.0.1:${clusters.map((c) => c.port).join(', ')} (one per worker) started in ${ms} ms`);
  process.env.SWITCHGATE_TEST_PG_URL = clusters[0]!.url;
  project.provide('pgAdminUrls', clusters.map((c) => c.url));

  // Last resort if teardown never runs (e.g. the runner is killed by a signal it handles).
  const onExit = (): void => clusters.forEach((c) => c.stopSync());
  process.once('exit', onExit);
  return async () => {
    process.off('exit', onExit);
    clusters.forEach((c) => c.stopSync());
    delete process.env.SWITCHGATE_TEST_PG_URL;
  };
}
