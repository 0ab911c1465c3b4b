// Sessions of real media, made quickly: FFmpeg renders a test pattern with a camera inset and a
// tone as the booth records them (H.264 + AAC MPEG-TS segments cut on keyframes), the booth's
// SessionSealer seals each segment, the manifest is signed with the booth's device key, and the
// server's IngestService takes the session as its HTTP routes would (enroll, register, segments
// in order, finish). Only type imports here: tests pass the code from src/ (session-code.ts),
// benches from dist/, and Node runs this file as it is.
import { execFile } from 'node:child_process';
import type { KeyObject } from 'node:crypto';
import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Kysely } from 'kysely';
import type * as MigrationsM from '../../src/booth/db/migrations/index.js';
import type { BoothDb } from '../../src/booth/db/schema.js';
import type * as IdentityM from '../../src/booth/identity.js';
import type * as RowsM from '../../src/booth/session-rows.js';
import type * as SealerM from '../../src/booth/vault/sealer.js';
import type * as EnvelopeM from '../../src/core/envelope.js';
import type * as KeysM from '../../src/core/keys.js';
import type * as DbM from '../../src/platform/db.js';
import type * as LogM from '../../src/platform/log.js';
import type { FfmpegInfo } from '../../src/platform/ffmpeg.js';
import type * as ProtocolM from '../../src/protocol/envelope.js';
import type { IngestService } from '../../src/server/ingest/ingest-service.js';

const execFileAsync = promisify(execFile);

/** The booth code a session is sealed with: from src/ in tests, from dist/ in benches. */
export interface SessionCode {
  SessionSealer: typeof SealerM.SessionSealer;
  openSqlite: typeof DbM.openSqlite;
  boothMigrations: typeof MigrationsM.boothMigrations;
  loadOrCreateDeviceKey: typeof IdentityM.loadOrCreateDeviceKey;
  insertNewSession: typeof RowsM.insertNewSession;
  newDataKey: typeof EnvelopeM.newDataKey;
  wrapDataKey: typeof KeysM.wrapDataKey;
  signManifest: typeof KeysM.signManifest;
  SessionManifest: typeof ProtocolM.SessionManifest;
  createLogger: typeof LogM.createLogger;
}

/**
 * Signs a recorded session off as the session service does: the manifest lists the sealed
 * segments, the media ends where the last segment ends; stored with its signature in the booth DB.
 */
export async function signSessionOff(
  code: SessionCode,
  db: Kysely<BoothDb>,
  boothId: string,
  privateKey: KeyObject,
  sessionId: string,
  extra: { timeline?: unknown[]; gaps?: ProtocolM.ManifestGap[]; endReason?: ProtocolM.SessionManifest['endReason'] } = {},
): Promise<{ manifest: ProtocolM.SessionManifest; signature: string }> {
  const s = await db.selectFrom('sessions').selectAll().where('session_id', '=', sessionId).executeTakeFirstOrThrow();
  const rows = await db.selectFrom('segments').selectAll().where('session_id', '=', sessionId).orderBy('seq').execute();
  const segments = rows.map((r) => ({ seq: r.seq, cipherSha256: r.cipher_sha256, plainSha256: r.plain_sha256, link: r.link, bytes: r.bytes, startSec: r.start_sec, durationSec: r.duration_sec }));
  const last = segments.at(-1);
  const manifest = code.SessionManifest.parse({
    v: 1,
    sessionId,
    boothId,
    productId: s.product_id,
    startedAt: s.started_at,
    endedAt: new Date().toISOString(),
    endReason: extra.endReason ?? 'completed',
    keyWrap: JSON.parse(s.key_wrap_json) as unknown,
    genesisLink: s.genesis_link,
    finalLink: rows.at(-1)?.link ?? s.genesis_link,
    mediaDurationSec: last ? last.startSec + last.durationSec : 0,
    segments,
    gaps: extra.gaps ?? [],
    ...(extra.timeline ? { timeline: extra.timeline } : {}),
  });
  const signature = code.signManifest(manifest, privateKey);
  await db
    .updateTable('sessions')
    .set({ phase: 'syncing', ended_at: manifest.endedAt, end_reason: manifest.endReason, manifest_json: JSON.stringify(manifest), signature })
    .where('session_id', '=', sessionId)
    .execute();
  return { manifest, signature };
}

export interface MediaSessionOptions {
  seconds: number;
  width?: number;
  height?: number;
  fps?: number;
  segmentSeconds?: number;
  /** The session's recorded start (ISO); default now. */
  startedAt?: string;
  boothName?: string;
  /** Enroll the booth into this (existing) branch; default none. */
  branchId?: string | null;
  /** A hole of this many seconds in the middle of the timeline (a recorder restart); default none. */
  gapSec?: number;
  /** Audio track (default true); false records like a booth without microphone. */
  audio?: boolean;
  /** A video file shown as the camera (the inset, or the whole picture with `cameraOnly`) instead of the test pattern; at least `seconds` (+ gap) long. */
  camera?: string;
  /** Record the camera alone (no screen), as a booth with capture.screen none: the picture is the camera at its size. */
  cameraOnly?: boolean;
  /** An audio file the microphone hears instead of the tone (padded with silence). */
  micAudio?: string;
  /** The kiosk timeline signed into the manifest, made from the session's start time. */
  timeline?: (startedAt: string, sessionId: string) => unknown[];
  endReason?: ProtocolM.SessionManifest['endReason'];
}

export interface MediaSession {
  sessionId: string;
  boothId: string;
  manifest: ProtocolM.SessionManifest;
  /** Wall seconds to render the segments with FFmpeg, and to seal, upload and finish them. */
  seconds: { render: number; sealAndIngest: number };
}

/**
 * Records a finished session of `seconds` of media into the server behind `ingest`, working in
 * `dir` (booth database, device key, spool, vault). The archive job is queued, not run.
 */
export async function recordMediaSession(code: SessionCode, ff: FfmpegInfo, ingest: IngestService, dir: string, o: MediaSessionOptions): Promise<MediaSession> {
  const s = await record(code, ff, ingest, dir, o, true);
  if (!s.manifest) throw new Error('the session was not finished');
  return { ...s, manifest: s.manifest };
}

/** Like recordMediaSession, but the session is left recording: its segments uploaded, no manifest, not finished. */
export async function recordOpenMediaSession(code: SessionCode, ff: FfmpegInfo, ingest: IngestService, dir: string, o: MediaSessionOptions): Promise<{ sessionId: string; boothId: string }> {
  return record(code, ff, ingest, dir, o, false);
}

async function record(code: SessionCode, ff: FfmpegInfo, ingest: IngestService, dir: string, o: MediaSessionOptions, finish: boolean): Promise<Omit<MediaSession, 'manifest'> & { manifest: ProtocolM.SessionManifest | null }> {
  const { width = 1280, height = 720, fps = 15, segmentSeconds = 4, audio = true } = o;
  const boothDir = join(dir, `booth-${randomUUID().slice(0, 8)}`);
  const spool = join(boothDir, 'spool');
  await mkdir(spool, { recursive: true });

  const r0 = process.hrtime.bigint();
  const pip = Math.round((width * 0.3125) / 2) * 2;
  const pipHeight = Math.round((pip * 3) / 8) * 2;
  // Each run starts its inputs at its own offset into them: what the camera and microphone gave at that moment.
  const inputsAt = (offset: number) => {
    const at = ['-ss', String(offset)];
    const list = ['-f', 'lavfi', ...at, '-i', `testsrc2=s=${width}x${height}:r=${fps}`];
    list.push(...(o.camera ? [...at, '-i', o.camera] : ['-f', 'lavfi', ...at, '-i', `testsrc=s=${pip}x${pipHeight}:r=${fps}`]));
    if (audio) list.push(...(o.micAudio ? [...at, '-i', o.micAudio] : ['-f', 'lavfi', ...at, '-i', 'sine=f=440:r=48000']));
    return list;
  };
  const video = o.cameraOnly ? `[1:v]fps=${fps},scale=640:480,format=yuv420p[v]` : `[1:v]fps=${fps},scale=${pip}:${pipHeight}[pip];[0:v][pip]overlay=W-w-16:H-h-16,format=yuv420p[v]`;
  const graph = audio ? `${video};[2:a]aresample=48000,apad[a]` : video;
  // With a gap: two recorder runs, the second continuing the timeline after the hole as the
  // supervisor restarts FFmpeg (-output_ts_offset).
  const runs = o.gapSec ? [{ name: 'a', seconds: o.seconds / 2, offset: 0 }, { name: 'b', seconds: o.seconds / 2, offset: o.seconds / 2 + o.gapSec }] : [{ name: 'a', seconds: o.seconds, offset: 0 }];
  for (const run of runs) {
    await execFileAsync(
      ff.ffmpeg,
      [
        '-hide_banner', '-v', 'error', ...inputsAt(run.offset), '-t', String(run.seconds),
        '-filter_complex', graph, '-map', '[v]', ...(audio ? ['-map', '[a]'] : []),
        '-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'zerolatency', '-crf', '26', '-force_key_frames', `expr:gte(t,n_forced*${segmentSeconds})`,
        ...(audio ? ['-c:a', 'aac', '-b:a', '96k', '-ar', '48000', '-ac', '1'] : []),
        '-output_ts_offset', String(run.offset),
        '-f', 'segment', '-segment_time', String(segmentSeconds), '-segment_format', 'mpegts', join(spool, `${run.name}-%06d.ts`),
      ],
      { timeout: 30 * 60_000 },
    );
  }
  const render = Number(process.hrtime.bigint() - r0) / 1e9;

  const s0 = process.hrtime.bigint();
  const { code: enrollCode } = await ingest.createEnrollmentCode(1, o.branchId ?? null);
  const deviceKey = code.loadOrCreateDeviceKey(boothDir);
  const publicKey = deviceKey.publicKeyDer.toString('base64');
  const name = o.boothName ?? 'test-booth';
  const enrolled = await ingest.enroll({ code: enrollCode, name, publicKey });
  const booth = { boothId: enrolled.boothId, name, publicKey, branchId: o.branchId ?? null };
  const db = await code.openSqlite<BoothDb>(join(boothDir, 'booth.sqlite'), code.boothMigrations);
  try {
    const sessionId = randomUUID();
    const dataKey = code.newDataKey();
    const keyWrap = code.wrapDataKey(dataKey, Buffer.from(enrolled.archivePublicKey, 'base64'));
    const startedAt = o.startedAt ?? new Date().toISOString();
    await code.insertNewSession(db, { sessionId, productId: 'fund-1', phase: 'recording', keyWrap, startedAt });
    await ingest.createSession(booth, { sessionId, productId: 'fund-1', startedAt, keyWrap });
    const vaultDir = join(boothDir, 'vault');
    const sealer = new code.SessionSealer(db, vaultDir, ff, sessionId, enrolled.boothId, dataKey, (await db.selectFrom('sessions').select('genesis_link').where('session_id', '=', sessionId).executeTakeFirstOrThrow()).genesis_link, code.createLogger('session', 'silent'));
    const files = (await readdir(spool)).filter((f) => f.endsWith('.ts')).sort();
    for (const [i, f] of files.entries()) {
      const info = await sealer.seal({ path: join(spool, f), listStartSec: i * segmentSeconds, listEndSec: (i + 1) * segmentSeconds });
      const body = await readFile(join(vaultDir, sessionId, `${String(info.seq).padStart(6, '0')}.seg`));
      await ingest.putSegment(booth, sessionId, info.seq, body, info.cipherSha256);
    }
    sealer.destroy();
    if (!finish) return { sessionId, boothId: enrolled.boothId, manifest: null, seconds: { render, sealAndIngest: Number(process.hrtime.bigint() - s0) / 1e9 } };
    const gaps = o.gapSec ? [{ afterSeq: files.filter((f) => f.startsWith('a-')).length - 1, startSec: o.seconds / 2, durationSec: o.gapSec, reason: 'recorder restarted (test)' }] : [];
    const { manifest, signature } = await signSessionOff(code, db, enrolled.boothId, deviceKey.privateKey, sessionId, { timeline: o.timeline?.(startedAt, sessionId), gaps, endReason: o.endReason });
    await ingest.finish(booth, sessionId, { manifest, signature });
    return { sessionId, boothId: enrolled.boothId, manifest, seconds: { render, sealAndIngest: Number(process.hrtime.bigint() - s0) / 1e9 } };
  } finally {
    await db.destroy();
  }
}

