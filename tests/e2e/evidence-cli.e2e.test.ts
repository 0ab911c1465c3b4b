// Evidence export as an operator does it, and verification as an outside party does it: `dualrec
// demo` archives a real session; `dualrec export` writes its package; the package and the
// archive's public key (nothing else) are copied to a fresh folder and `dualrec verify` runs there
// in its own process; OpenSSL and tar check the same package by hand; flipped bytes fail by name.
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageLayout } from '../helpers/package-layout.js';

const run = promisify(execFile);
const BIN = resolve(import.meta.dirname, '../../bin/dualrec.cjs');

async function sh(cmd: string, args: string[], cwd?: string, timeout = 150_000): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(cmd, args, { timeout, cwd, env: { ...process.env, DISPLAY: '' }, maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}
const dualrec = (args: string[], cwd?: string) => sh(process.execPath, [BIN, ...args], cwd);

let dir: string;
let serverData: string;
let sessionId: string;
let clean: string;
let pkg: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dualrec-evidence-cli-'));
  const demo = await dualrec(['demo', '--seconds', '6', '--data', join(dir, 'demo')]);
  if (demo.code !== 0) throw new Error(`demo failed: ${demo.stdout}${demo.stderr}`);
  sessionId = /session ([0-9a-f-]{36}) recording/.exec(demo.stdout)![1]!;
  serverData = /dualrec verify \S+ --data (\S+)/.exec(demo.stdout)![1]!;
  const exported = await dualrec(['export', sessionId, '--data', serverData, '--out', join(dir, 'evidence.tar')]);
  if (exported.code !== 0) throw new Error(`export failed: ${exported.stdout}${exported.stderr}`);
  const key = await dualrec(['evidence', 'public-key', '--data', serverData, '--out', join(dir, 'archive-signing.pem')]);
  if (key.code !== 0) throw new Error(`public-key failed: ${key.stderr}`);
  // The outside party's machine: the package and the public key, nothing else.
  clean = await mkdtemp(join(tmpdir(), 'dualrec-verifier-'));
  pkg = join(clean, 'evidence.tar');
  await copyFile(join(dir, 'evidence.tar'), pkg);
  await copyFile(join(dir, 'archive-signing.pem'), join(clean, 'archive-signing.pem'));
}, 240_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  await rm(clean, { recursive: true, force: true });
});

describe('dualrec export and verify of an evidence package', () => {
  it('verifies in a separate process on a fresh folder with only the archive public key', async () => {
    expect((await readdir(clean)).sort()).toEqual(['archive-signing.pem', 'evidence.tar']);
    const r = await dualrec(['verify', 'evidence.tar', '--archive-public-key', 'archive-signing.pem'], clean);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('evidence.tar: VERIFIED');
    for (const check of ['package signature', 'index signature', 'members', 'manifest signature', 'chain', 'segments', 'recording', 'audit excerpt', 'archive verification']) expect(r.stdout).toMatch(new RegExp(`ok {3}${check}: `));
    const json = JSON.parse((await dualrec(['verify', pkg, '--archive-public-key', join(clean, 'archive-signing.pem'), '--json'])).stdout) as { ok: boolean; sessionId: string };
    expect(json).toMatchObject({ ok: true, sessionId });
  });

  it('checks by hand with tar, sha256sum and OpenSSL as its readme says', async () => {
    const out = join(clean, 'x');
    await mkdir(out);
    expect((await sh('tar', ['-xf', pkg, '-C', out])).code).toBe(0);
    const ossl = (key: string, data: string, sig: string) => sh('openssl', ['pkeyutl', '-verify', '-pubin', '-inkey', key, '-rawin', '-in', data, '-sigfile', sig], out);
    const index = await ossl(join(clean, 'archive-signing.pem'), 'dualrec/index.json', 'dualrec/index.sig');
    expect(index.stdout + index.stderr).toContain('Signature Verified Successfully');
    const manifest = await ossl('session/booth-public-key.pem', 'session/manifest.json', 'session/manifest.sig');
    expect(manifest.stdout + manifest.stderr).toContain('Signature Verified Successfully');
    const members = (JSON.parse(await readFile(join(out, 'dualrec/index.json'), 'utf8')) as { members: Array<{ name: string; sha256: string }> }).members;
    const sums = await sh('sha256sum', members.map((m) => m.name), out);
    expect(sums.stdout.trim().split('\n').map((l) => l.split(/\s+/).reverse().join(' '))).toEqual(members.map((m) => `${m.name} ${m.sha256}`));
  });

  it('fails in a separate process for flipped bytes, naming what broke', async () => {
    const original = await readFile(pkg);
    const at = (name: string) => packageLayout(original).find((p) => p.name === name)!.start;
    const cases: Array<[number, RegExp]> = [
      [at('recording/recording.mp4') + 4000, /FAIL recording\/recording\.mp4: SHA-256 [0-9a-f]{16}… \(\d+ bytes\) does not match the index/],
      [at('dualrec/index.json') + 30, /FAIL index signature: dualrec\/index\.json: the archive signature over the index does not verify|FAIL index: /],
      [original.length - 20, /FAIL package signature: /],
    ];
    const flipped = join(clean, 'flipped.tar');
    for (const [at, expected] of cases) {
      const copy = Buffer.from(original);
      copy[at]! ^= 0x04;
      await writeFile(flipped, copy);
      const r = await dualrec(['verify', 'flipped.tar', '--archive-public-key', 'archive-signing.pem'], clean);
      expect(r.code).toBe(1);
      expect(r.stdout).toContain('flipped.tar: FAILED');
      expect(r.stdout).toMatch(expected);
    }
  });

  it('explains bad arguments', async () => {
    const again = await dualrec(['export', sessionId, '--data', serverData, '--out', join(dir, 'evidence.tar')]);
    expect([again.code, again.stderr]).toEqual([1, expect.stringContaining('already exists; choose another --out')]);
    const unknown = await dualrec(['export', '6f1c2b1e-8a4e-4c55-9d36-0c0f5d1b9a01', '--data', serverData, '--out', join(dir, 'x.tar')]);
    expect([unknown.code, unknown.stderr]).toEqual([1, expect.stringContaining('unknown session 6f1c2b1e')]);
    await writeFile(join(clean, 'rsa.pem'), (await import('node:crypto')).generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'pem', type: 'spki' }));
    const rsa = await dualrec(['verify', 'evidence.tar', '--archive-public-key', 'rsa.pem'], clean);
    expect([rsa.code, rsa.stderr]).toEqual([1, expect.stringContaining("is an rsa key; give the archive's Ed25519 signing key")]);
    const missing = await dualrec(['verify', 'nothing.tar', '--archive-public-key', 'archive-signing.pem'], clean);
    expect([missing.code, missing.stderr]).toEqual([1, expect.stringContaining('package nothing.tar does not exist')]);
  });

  it('refuses to delete evidence under retention, and names an edited audit entry', async () => {
    const del = await dualrec(['evidence', 'delete-expired', sessionId, '--data', serverData]);
    expect([del.code, del.stderr]).toEqual([1, expect.stringMatching(/is retained until \d{4}-.* \(banking-wm\); it cannot be deleted before then \[evidence\.retained\]/)]);
    const ok = await dualrec(['evidence', 'audit-verify', '--data', serverData]);
    expect([ok.code, ok.stdout]).toEqual([0, expect.stringContaining('audit log VERIFIED')]);
    const db = new Database(join(serverData, 'server.sqlite'));
    try {
      db.prepare('UPDATE audit_log SET details_json = ? WHERE seq = 2').run('{"edited":true}');
    } finally {
      db.close();
    }
    const broken = await dualrec(['evidence', 'audit-verify', '--data', serverData]);
    expect([broken.code, broken.stdout.split('\n')[0]]).toEqual([1, 'audit log FAILED at entry 2: entry 2 was altered: its content does not hash to its recorded content hash']);
  });
});
