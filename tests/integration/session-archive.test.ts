// The whole data path with real parts: FFmpeg (lavfi test pattern + tone), SQLite on both sides,
// AES-GCM sealing, HTTP on 127.0.0.1, the archive worker and independent verification.
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeMedia, decodeErrors } from '../../src/platform/probe.js';
import { verifyArchivedSession } from '../../src/server/archive/verify.js';
import { segmentKey } from '../../src/server/ingest/views.js';
import { Archiver, archiveKeys } from '../../src/server/archive/archiver.js';
import { boothBranchWatermark } from '../../src/server/archive/watermark.js';
import { createLogger } from '../../src/platform/log.js';
import type { BoothState } from '../../src/protocol/booth-api.js';
import { startStack, waitFor, type Stack } from '../helpers/stack.js';

let stack: Stack;
let sessionId: string;
let liveStatus: { first: { elapsedSec: number; bytesWritten: number }; later: { elapsedSec: number; bytesWritten: number } };

beforeAll(async () => {
  stack = await startStack({ segmentSeconds: 2 });
  const res = (await stack.booth.handle({ type: 'startSession', productId: 'demo-fund-001' })) as { sessionId: string };
  sessionId = res.sessionId;
  // The live recorder status reaches the booth state, fresh every second or two.
  const first = await waitFor(async () => (await stack.booth.state()).session?.recording, 10_000, 'recorder status');
  await new Promise((r) => setTimeout(r, 2100));
  const later = (await stack.booth.state()).session!.recording!;
  liveStatus = { first, later };
  await waitFor(async () => ((await stack.booth.state()).session?.segmentsAcknowledged ?? 0) >= 3, 30_000, 'three acknowledged segments');
  await stack.booth.handle({ type: 'stopSession' });
  await waitFor(async () => (await stack.booth.state()).session?.phase === 'archived', 60_000, 'the session to be archived');
});

afterAll(async () => {
  await stack?.close();
});

describe('one session from booth to archive', () => {
  it('reports the archived session on the booth with every segment acknowledged', async () => {
    const state: BoothState = await stack.booth.state();
    expect(state.session).toMatchObject({ sessionId, phase: 'archived', error: null });
    expect(state.session!.segmentsSealed).toBeGreaterThanOrEqual(4);
    expect(state.session!.segmentsAcknowledged).toBe(state.session!.segmentsSealed);
    expect(state.sync).toMatchObject({ online: true, pendingSegments: 0, lastError: null });
  });

  it('archives one MP4 whose duration matches the recorded media and which decodes cleanly', async () => {
    const report = await verifyArchivedSession(stack.server.archive, stack.server.ffmpeg, sessionId);
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
    const probe = await probeMedia(stack.server.ffmpeg, report.recording.path!);
    expect(probe.streams.map((s) => s.codec_type).sort()).toEqual(['audio', 'video']);
    expect(Math.abs(probe.format.duration! - report.recording.mediaDurationSec!)).toBeLessThanOrEqual(0.2);
    expect(await decodeErrors(stack.server.ffmpeg, report.recording.path!)).toEqual([]);
  });

  it('reported the recorder status while recording', () => {
    expect(liveStatus.later.elapsedSec - liveStatus.first.elapsedSec).toBeGreaterThanOrEqual(1);
    expect(liveStatus.later.bytesWritten).toBeGreaterThan(liveStatus.first.bytesWritten);
  });

  it('keeps no plaintext on the booth', async () => {
    const { readdir } = await import('node:fs/promises');
    const spool = await readdir(`${stack.dataDir}/booth/spool/${sessionId}`);
    expect(spool.filter((f) => f.endsWith('.ts'))).toEqual([]);
  });

  it('fails verification naming the segment when one byte of any stored segment flips', async () => {
    const rows = await stack.server.archive.db.selectFrom('segments').select('seq').where('session_id', '=', sessionId).orderBy('seq').execute();
    expect(rows.length).toBeGreaterThanOrEqual(4);
    for (const { seq } of [rows[0]!, rows[2]!, rows.at(-1)!]) {
      const path = stack.server.archive.store.localPath(segmentKey(sessionId, seq))!;
      const original = await readFile(path);
      const flipped = Buffer.from(original);
      flipped[Math.floor(flipped.length / 2)]! ^= 0x01;
      await chmod(path, 0o644);
      await writeFile(path, flipped);
      try {
        const report = await verifyArchivedSession(stack.server.archive, stack.server.ffmpeg, sessionId);
        expect(report.ok).toBe(false);
        expect(report.problems.join('\n')).toMatch(new RegExp(`segment ${seq}: stored file SHA-256 [0-9a-f]{16}… does not match the manifest`));
      } finally {
        await writeFile(path, original);
      }
    }
    expect((await verifyArchivedSession(stack.server.archive, stack.server.ffmpeg, sessionId)).ok).toBe(true);
  });

  it('fails verification when the archived MP4 is altered', async () => {
    const report = await verifyArchivedSession(stack.server.archive, stack.server.ffmpeg, sessionId);
    const path = report.recording.path!;
    const original = await readFile(path);
    const altered = Buffer.from(original);
    altered[altered.length - 1000]! ^= 0x10;
    await chmod(path, 0o644);
    await writeFile(path, altered);
    try {
      const bad = await verifyArchivedSession(stack.server.archive, stack.server.ffmpeg, sessionId);
      expect(bad.problems.join('\n')).toMatch(/recording hash: recording\.mp4 SHA-256 .* does not match the archive record/);
    } finally {
      await writeFile(path, original);
    }
  });

  it('archives idempotently: a rerun after a crash keeps the archived session and its stored files', async () => {
    const { db, store } = stack.server.archive;
    const archiver = new Archiver(
      { ...stack.server.archive, ff: stack.server.ffmpeg, workDir: `${stack.dataDir}/work`, finalize: stack.server.config.finalize, watermark: boothBranchWatermark(db) },
      createLogger('test', 'silent'),
    );
    const before = await db.selectFrom('archives').selectAll().where('session_id', '=', sessionId).executeTakeFirstOrThrow();
    const derivedBefore = await db.selectFrom('derived_files').selectAll().where('session_id', '=', sessionId).orderBy('kind').execute();
    expect(derivedBefore.map((d) => d.kind)).toEqual(['audio', 'final-video', 'thumbnail-index', 'thumbnails']);
    expect(await archiver.finalize(sessionId)).toBeNull();
    // Crash after the files were stored but before the database commit: rows gone, files stay.
    await db.deleteFrom('derived_files').where('session_id', '=', sessionId).execute();
    await db.deleteFrom('archives').where('session_id', '=', sessionId).execute();
    await db.updateTable('sessions').set({ status: 'archiving' }).where('session_id', '=', sessionId).execute();
    const record = await store.get(archiveKeys(sessionId).record);
    await archiver.finalize(sessionId);
    const after = await db.selectFrom('archives').selectAll().where('session_id', '=', sessionId).executeTakeFirstOrThrow();
    expect(after).toEqual(before);
    expect(await db.selectFrom('derived_files').selectAll().where('session_id', '=', sessionId).orderBy('kind').execute()).toEqual(derivedBefore);
    expect((await store.get(archiveKeys(sessionId).record)).equals(record)).toBe(true);
    expect((await db.selectFrom('sessions').select('status').where('session_id', '=', sessionId).executeTakeFirstOrThrow()).status).toBe('archived');
  });
});
