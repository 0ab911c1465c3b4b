// The `dualrec` command as a user runs it (bin/dualrec.cjs on the built dist/): `demo` records a
// ~20 s session with real FFmpeg through a real server and booth, and `verify` re-checks it.
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const BIN = resolve(import.meta.dirname, '../../bin/dualrec.cjs');

async function dualrec(args: string[], timeout = 150_000): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { timeout, env: { ...process.env, DISPLAY: '' } });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

let dir: string;
let demo: { code: number; stdout: string; stderr: string };
let sessionId: string;
let serverData: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dualrec-cli-'));
  demo = await dualrec(['demo', '--data', dir]);
  sessionId = /session ([0-9a-f-]{36}) recording/.exec(demo.stdout)?.[1] ?? '';
  serverData = /dualrec verify \S+ --data (\S+)/.exec(demo.stdout)?.[1] ?? '';
}, 180_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('dualrec demo and verify', () => {
  it('demo records about 20 s, archives and verifies, and exits 0', () => {
    expect(demo.code, demo.stdout + demo.stderr).toBe(0);
    expect(demo.stdout).toContain(`session ${sessionId}: VERIFIED`);
    expect(demo.stdout).toMatch(/final recording: \S+recording\.mp4/);
    const m = /recording ([\d.]+) s vs recorded media ([\d.]+) s/.exec(demo.stdout);
    expect(m).not.toBeNull();
    expect(Number(m![2])).toBeGreaterThan(18);
    expect(Math.abs(Number(m![1]) - Number(m![2]))).toBeLessThanOrEqual(0.2);
  });

  it('verify accepts the archived session', async () => {
    const r = await dualrec(['verify', sessionId, '--data', serverData]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('VERIFIED');
    const json = await dualrec(['verify', sessionId, '--data', serverData, '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ sessionId, ok: true, problems: [] });
  });

  it('verify fails, naming the segment, when one byte of a stored segment flips', async () => {
    const path = join(serverData, 'store', 'segments', sessionId, '000002.seg');
    const original = await readFile(path);
    const flipped = Buffer.from(original);
    flipped[original.length - 5]! ^= 0x80;
    await chmod(path, 0o644);
    await writeFile(path, flipped);
    try {
      const r = await dualrec(['verify', sessionId, '--data', serverData]);
      expect(r.code).toBe(1);
      expect(r.stdout).toContain('FAILED');
      expect(r.stdout).toMatch(/FAIL segment 2: stored file SHA-256 .* does not match the manifest/);
    } finally {
      await writeFile(path, original);
    }
  });

  it('verify explains bad arguments', async () => {
    const bad = await dualrec(['verify', '../../etc/passwd', '--data', serverData]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('invalid session id: session id must be a UUID');
    const noData = await dualrec(['verify', sessionId, '--data', join(dir, 'nowhere')]);
    expect(noData.code).toBe(1);
    expect(noData.stderr).toMatch(/archive key .* does not exist; is .* the server's data folder\?/);
  });
});
