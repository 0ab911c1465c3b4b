// A write error mid-session on a real booth: the vault folder stops being writable (replaced by a
// file, as when a disk is remounted or a path vanishes). `disk.write_error` must follow within 5 s,
// the session must stop with its sealed part kept, and once the folder is back that part syncs.
import { rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, waitFor, type Stack } from '../helpers/stack.js';
import { query } from './processes.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ segmentSeconds: 1, booth: { vault: { checkEveryMs: 500 } } });
});
afterAll(async () => {
  await stack?.close();
});

describe('write error', () => {
  it('raises disk.write_error within 5 s, stops the session, and syncs the sealed part later', async () => {
    const booth = stack.booth;
    const boothDir = join(stack.dataDir, 'booth');
    const vault = join(boothDir, 'vault');
    const { sessionId } = (await booth.handle({ type: 'startSession', productId: 'io-fund' })) as { sessionId: string };
    await waitFor(async () => ((await booth.state()).session?.segmentsAcknowledged ?? 0) >= 2, 20_000, 'two acknowledged segments');

    await rename(vault, `${vault}.away`);
    await writeFile(vault, 'not a folder');
    const brokenAt = Date.now();
    const fault = await waitFor(async () => booth.faults.active().find((f) => f.kind === 'disk.write_error'), 10_000, 'disk.write_error');
    expect(Date.parse(fault.since) - brokenAt).toBeLessThan(5000);
    expect(fault.severity).toBe('critical');
    await waitFor(async () => (await booth.state()).session?.phase === 'syncing', 15_000, 'the session stopped');
    const s = query<{ end_reason: string }>(join(boothDir, 'booth.sqlite'), 'SELECT end_reason FROM sessions WHERE session_id = ?', sessionId)[0]!;
    expect(s.end_reason).toBe('emergency-stop');

    await rm(vault);
    await rename(`${vault}.away`, vault);
    await waitFor(async () => (await booth.state()).session?.phase === 'archived', 60_000, 'the sealed part archived');
    await waitFor(async () => !booth.faults.active().some((f) => f.kind === 'disk.write_error' && f.sessionId === null), 5000, 'the booth-wide write error cleared');
    const rows = query<{ seq: number; cipher_sha256: string; state: string }>(join(boothDir, 'booth.sqlite'), 'SELECT seq, cipher_sha256, state FROM segments WHERE session_id = ? ORDER BY seq', sessionId);
    expect(rows.length).toBeGreaterThanOrEqual(2);
    expect(rows.every((r) => r.state === 'acknowledged')).toBe(true);
    const stored = await stack.server.archive.db.selectFrom('segments').select(['seq', 'sha256']).where('session_id', '=', sessionId).orderBy('seq').execute();
    expect(stored.map((r) => [r.seq, r.sha256])).toEqual(rows.map((r) => [r.seq, r.cipher_sha256]));
  });
});
