// `dualrec release …` against a real server on 127.0.0.1: an IT admin uploads electron-builder
// output (checked against the sha512 in its latest-linux.yml), publishes to a share of the fleet,
// widens it, pauses and rolls back; a damaged upload is refused.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { dump } from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import { openApiFixture, type ApiFixture } from '../helpers/api-fixture.js';
import { staffLogin } from '../helpers/staff.js';

let fx: ApiFixture;
let login: { username: string; password: string };
let out: string[];
let err: string[];

const run = async (...args: string[]) => {
  out = [];
  err = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  const error = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
  try {
    return await main(['release', ...args, '--server', fx.base.origin, '--user', login.username]);
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
};

beforeAll(async () => {
  fx = await openApiFixture();
  login = await staffLogin(fx.server, { roles: ['admin'], branches: '*' });
  process.env.DUALREC_PASSWORD = login.password;
});
afterAll(async () => {
  delete process.env.DUALREC_PASSWORD;
  await fx?.close();
});

/** What electron-builder leaves in release/: the artifact and latest-linux.yml naming its sha512. */
async function buildOutput(version: string, feedSha?: string): Promise<string> {
  const dir = join(fx.dir, `release-${version}`);
  await mkdir(dir, { recursive: true });
  const bytes = randomBytes(70_000);
  const name = `dualrec-${version}.AppImage`;
  await writeFile(join(dir, name), bytes);
  const sha512 = feedSha ?? createHash('sha512').update(bytes).digest('base64');
  await writeFile(join(dir, 'latest-linux.yml'), dump({ version, files: [{ url: name, sha512, size: bytes.length }], path: name, sha512 }));
  return join(dir, name);
}

describe('dualrec release', () => {
  it('publishes to a staged rollout, widens it, pauses, resumes and rolls back', async () => {
    const file = await buildOutput('1.4.0');
    expect(await run('publish', file, '--version', '1.4.0', '--notes', 'faster sync', '--percent', '10', '--branches', 'br-a')).toBe(0);
    expect(out[0]).toMatch(/^uploaded dualrec-1\.4\.0\.AppImage \(linux, sha512 from .*latest-linux\.yml\)$/);
    expect(out[1]).toBe('1.4.0 [stable] active, 10% of branches br-a; linux:dualrec-1.4.0.AppImage');
    expect(await run('rollout', '1.4.0', '--percent', '100')).toBe(0);
    expect(out).toEqual(['1.4.0 [stable] active, 100% of all branches; linux:dualrec-1.4.0.AppImage']);
    expect(await run('pause', '1.4.0')).toBe(0);
    expect(await run('resume', '1.4.0')).toBe(0);
    expect(await run('rollback', '1.4.0')).toBe(0);
    expect(out[0]).toMatch(/^1\.4\.0 \[stable\] rolled_back/);
    expect(await run('list')).toBe(0);
    expect(out).toHaveLength(1);
  });

  it('refuses an upload that does not match the build output, a bad percentage, and a missing password', async () => {
    const file = await buildOutput('1.5.0', createHash('sha512').update('something else').digest('base64'));
    expect(await run('publish', file, '--version', '1.5.0')).toBe(1);
    expect(err[0]).toMatch(/the uploaded bytes hash to sha512 .* not .* as the uploader declared; the transfer was damaged \[release\.sha512_mismatch\]$/);
    // The release stays a draft without artifacts; publishing the right build continues it.
    const good = await buildOutput('1.5.0');
    expect(await run('publish', good, '--version', '1.5.0', '--percent', '0')).toBe(0);
    expect(out.at(-1)).toBe('1.5.0 [stable] active, 0% of all branches; linux:dualrec-1.5.0.AppImage');
    expect(await run('publish', file, '--version', '1.6.0', '--percent', '150')).toBe(1);
    expect(err[0]).toMatch(/--percent must be a whole number from 0 to 100/);
    expect(await run('publish', join(fx.dir, 'notes.txt'), '--version', '1.6.0')).toBe(1);
    expect(err[0]).toMatch(/notes\.txt: must be a file name ending in \.AppImage/);
    delete process.env.DUALREC_PASSWORD;
    expect(await run('list')).toBe(1);
    expect(err[0]).toMatch(/set DUALREC_PASSWORD/);
    process.env.DUALREC_PASSWORD = login.password;
  });
});
