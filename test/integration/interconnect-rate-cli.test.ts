/**
 * `switchgate interconnect rate FILE [--config path]`: the same rating as the REST import, printed
 * as JSON; malformed lines on stderr with exit 1; a time-band table with a gap refused (exit 78, EX_CONFIG)
 * naming the key.
 */
import { TARIFFS } from '../support/interconnect-pair.js';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = new URL('../../', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'switchgate-rate-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { cwd: ROOT, env: { ...process.env, LOG_LEVEL: 'silent' } }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

const bands = (extra: object[] = []) => [
  { name: 'day', days: ['weekday', 'saturday', 'holiday'], from: '07:00', to: '22:00' },
  { name: 'night', days: ['weekday', 'saturday', 'holiday'], from: '00:00', to: '07:00' },
  ...extra,
];
const writeConfig = (name: string, timeBands: object[]) => {
  const path = join(dir, name);
  writeFileSync(
    path,
    JSON.stringify({
      self: { carrierCode: 'ITA.OAO', profiles: ['interconnect'], holidayRegion: 'IT' },
      peers: [{ carrierCode: 'ITA.TIM', protocol: 'interconnect-json', url: 'http://127.0.0.1:9/interconnect/v1', auth: { type: 'none' } }],
      interconnect: { tariffs: TARIFFS, timeBands },
    }),
  );
  return path;
};

describe('switchgate interconnect rate', () => {
  it('prints the rating of a file with the configured bands', async () => {
    const file = join(dir, 'ok.csv');
    writeFileSync(file, 'callId,start,durationSeconds\nc1,2026-01-14T06:59:30+01:00,90\nc2,2026-01-14T21:59:00+01:00,60\n');
    const config = writeConfig('ok.json', bands([{ name: 'night', days: ['weekday', 'saturday', 'holiday'], from: '22:00', to: '24:00' }]));
    const r = await cli(['interconnect', 'rate', file, '--config', config]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ calls: 2, months: [{ month: '2026-01', bands: { day: { seconds: 120, calls: 2 }, night: { seconds: 30, calls: 1 } } }] });
  }, 60_000);

  it('reports malformed lines by number and exits 1', async () => {
    const file = join(dir, 'bad.csv');
    writeFileSync(file, 'c1,2026-01-14T06:59:30+01:00,90\nc2,2026-01-14T06:59:30,90\n');
    const r = await cli(['interconnect', 'rate', file]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`${file}:2: start: must be a date-time with offset`);
  }, 60_000);

  it('refuses time bands with a gap, naming the key, exit 78', async () => {
    const file = join(dir, 'ok2.csv');
    writeFileSync(file, 'c1,2026-01-14T06:59:30+01:00,90\n');
    const r = await cli(['interconnect', 'rate', file, '--config', writeConfig('gap.json', bands())]);
    expect(r.code).toBe(78);
    expect(r.stderr).toContain('interconnect.timeBands: leaves weekday 22:00–24:00 uncovered');
  }, 60_000);
});
