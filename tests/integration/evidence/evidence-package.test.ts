// A real recorded session (FFmpeg lavfi capture, sealing, upload, archive) exported as an evidence
// package and checked with only the archive's public key: it verifies, and a flipped byte anywhere
// (every member's header, first/middle/last byte and padding, the index and its signature, the
// tar's end blocks, the signature line) fails, naming what broke.
import { createPublicKey, type KeyObject } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { finished } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_ACTOR } from '../../../src/server/auth/admin-actor.js';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { sha256Hex } from '../../../src/core/chain.js';
import type { DerivedFileSource } from '../../../src/server/evidence/evidence-files.js';
import { createEvidenceServices, type EvidenceServices } from '../../../src/server/evidence/evidence-services.js';
import { packageLayout } from '../../helpers/package-layout.js';
import { staffLogin } from '../../helpers/staff.js';
import { verifyPackage } from '../../../src/server/evidence/package/verify-package.js';
import { PACKAGE_TRAILER_BYTES, type PackageIndex } from '../../../src/protocol/evidence-package.js';
import { silent } from '../../helpers/vault-fixture.js';
import { startStack, waitFor, type Stack } from '../../helpers/stack.js';

let stack: Stack;
let evidence: EvidenceServices;
let dir: string;
let pkgPath: string;
let original: Buffer;
let index: PackageIndex;
let publicKey: KeyObject;
let sessionId: string;
const execFileAsync = promisify(execFile);

beforeAll(async () => {
  stack = await startStack({ segmentSeconds: 2 });
  sessionId = ((await stack.booth.handle({ type: 'startSession', productId: 'demo-fund-001' })) as { sessionId: string }).sessionId;
  await waitFor(async () => ((await stack.booth.state()).session?.segmentsAcknowledged ?? 0) >= 2, 30_000, 'two acknowledged segments');
  await stack.booth.handle({ type: 'stopSession' });
  await waitFor(async () => (await stack.booth.state()).session?.phase === 'archived', 60_000, 'the session to be archived');
  // A derived file as the finalize step would add it (the audio track, cut out with FFmpeg).
  const archive = stack.server.archive;
  const row = await archive.db.selectFrom('archives').select('mp4_key').where('session_id', '=', sessionId).executeTakeFirstOrThrow();
  const audioDir = await mkdtemp(join(tmpdir(), 'dualrec-derived-'));
  await execFileAsync(stack.server.ffmpeg.ffmpeg, ['-v', 'error', '-i', archive.store.localPath(row.mp4_key)!, '-vn', '-c:a', 'copy', join(audioDir, 'audio.m4a')]);
  const audioKey = `archive/${sessionId}/derived/audio.m4a`;
  await archive.store.putFile(audioKey, join(audioDir, 'audio.m4a'));
  const audio = await archive.store.get(audioKey);
  await rm(audioDir, { recursive: true, force: true });
  const derived: DerivedFileSource = async (id) => (id === sessionId ? [{ kind: 'audio', key: audioKey, sha256: sha256Hex(audio), bytes: audio.length, mediaType: 'audio/mp4' }] : []);
  evidence = createEvidenceServices({ db: archive.db, store: archive.store, keys: archive.keys, ff: stack.server.ffmpeg, log: silent, derived });
  publicKey = createPublicKey({ key: stack.server.archive.keys.signingPublicKeyDer, format: 'der', type: 'spki' });
  dir = await mkdtemp(join(tmpdir(), 'dualrec-package-'));
  pkgPath = join(dir, 'evidence.tar');
  const prepared = await evidence.prepareExport(CLI_ACTOR, sessionId);
  const out = createWriteStream(pkgPath);
  index = await prepared.write(out);
  out.end();
  await finished(out);
  original = await readFile(pkgPath);
});

afterAll(async () => {
  await stack?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('evidence package', () => {
  it('verifies with only the archive public key, and holds every part of the evidence', async () => {
    const r = await verifyPackage(pkgPath, publicKey);
    expect(r.problems).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.sessionId).toBe(sessionId);
    expect(r.checks.map((c) => c.name)).toEqual(['package signature', 'container', 'index signature', 'members', 'manifest signature', 'chain', 'segments', 'recording', 'audit excerpt', 'archive verification']);
    const names = index.members.map((m) => m.name);
    expect(names).toEqual(expect.arrayContaining(['readme.txt', 'session/manifest.json', 'session/manifest.sig', 'session/booth-public-key.pem', 'session/record.json', 'chain/segments.json', 'recording/recording.mp4', 'recording/segments/000000.ts', 'recording/derived/audio.m4a', 'audit/excerpt.json', 'report/verification.json']));
    const rows = await stack.server.archive.db.selectFrom('archives').select('mp4_sha256').where('session_id', '=', sessionId).executeTakeFirstOrThrow();
    expect(index.members.find((m) => m.name === 'recording/recording.mp4')!.sha256).toBe(rows.mp4_sha256);
    // The export is in the audit log, and the excerpt in the package carries it.
    const exported = (await evidence.audit.list({ limit: 100, target: `session:${sessionId}` })).filter((e) => e.action === 'evidence.export');
    expect(exported.map((e) => e.details.packageId)).toEqual([index.packageId]);
  });

  it('fails with another archive key, naming the key', async () => {
    const { generateKeyPairSync } = await import('node:crypto');
    const r = await verifyPackage(pkgPath, generateKeyPairSync('ed25519').publicKey);
    expect(r.ok).toBe(false);
    expect(r.problems.join('\n')).toMatch(/package signature: the package is signed by archive key [0-9a-f]{16}…, not by the given key/);
    expect(r.problems.join('\n')).toMatch(/index signature: dualrec\/index.json: the archive signature over the index does not verify/);
  });

  it('fails for any single flipped byte, naming what broke', async () => {
    const parts = packageLayout(original);
    expect(parts.map((p) => p.name)).toEqual([...index.members.map((m) => m.name), 'dualrec/index.json', 'dualrec/index.sig']);
    const positions: Array<{ at: number; what: string; expect: RegExp }> = [];
    const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    for (const p of parts) {
      positions.push({ at: p.header + 7, what: `${p.name} header (name)`, expect: /package signature: the package bytes are not what the archive signed/ });
      positions.push({ at: p.header + 140, what: `${p.name} header (mtime)`, expect: /package signature: the package bytes are not what the archive signed/ });
      const memberMsg = p.name.startsWith('dualrec/') ? /index signature: .*does not verify|index: dualrec\/index.json is not a valid package index/ : new RegExp(`${esc(p.name)}: SHA-256 [0-9a-f]{16}… \\(\\d+ bytes\\) does not match the index`);
      for (const at of new Set([p.start, p.start + Math.floor(p.size / 2), p.start + p.size - 1])) positions.push({ at, what: `${p.name} content @${at - p.start}`, expect: memberMsg });
      if (p.size % 512) positions.push({ at: p.start + p.size, what: `${p.name} padding`, expect: /package signature: the package bytes are not what the archive signed/ });
    }
    const tarEnd = original.length - PACKAGE_TRAILER_BYTES;
    positions.push({ at: tarEnd - 1, what: 'tar end block', expect: /package signature: the package bytes are not what the archive signed/ });
    positions.push({ at: tarEnd + 5, what: 'signature line magic', expect: /package signature: the file does not end in a well-formed dualrec package signature line/ });
    positions.push({ at: tarEnd + 40, what: 'signature line key id', expect: /package signature: / });
    positions.push({ at: original.length - 10, what: 'signature line signature', expect: /package signature: / });
    const flipped = join(dir, 'flipped.tar');
    const failures: string[] = [];
    for (const pos of positions) {
      const copy = Buffer.from(original);
      copy[pos.at]! ^= 0x01;
      await writeFile(flipped, copy);
      const r = await verifyPackage(flipped, publicKey);
      const text = r.problems.join('\n');
      if (r.ok) failures.push(`${pos.what}: still verifies`);
      else if (!pos.expect.test(text)) failures.push(`${pos.what}: ${text}`);
    }
    expect(failures).toEqual([]);
    expect(positions.length).toBeGreaterThan(60);
  });

  it('is exported over HTTP by a supervisor, streamed, audited with their id, and verifies', async () => {
    const sup = await staffLogin(stack.server, { roles: ['supervisor'], branches: '*' });
    const res = await stack.server.http.inject({ method: 'POST', url: `/api/v1/archive/sessions/${sessionId}/export`, headers: sup.headers, payload: { segments: false } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/x-tar');
    expect(res.headers['content-disposition']).toBe(`attachment; filename="${sessionId}.evidence.tar"`);
    const file = join(dir, 'http.tar');
    await writeFile(file, res.rawPayload);
    const r = await verifyPackage(file, publicKey);
    expect(r.problems).toEqual([]);
    expect(r.packageId).toBe(res.headers['x-dualrec-package-id']);
    expect(r.checks.find((c) => c.name === 'segments')!.detail).toBe('decrypted segments are not included');
    const entry = (await stack.server.evidence.audit.list({ limit: 100, target: `session:${sessionId}` })).find((e) => e.details.packageId === r.packageId)!;
    expect(entry).toMatchObject({ action: 'evidence.export', actor: `staff:${sup.principal.staffId}`, details: { segments: false } });
    const reviewerElsewhere = await staffLogin(stack.server, { roles: ['reviewer'], branches: ['br-x'] });
    expect((await stack.server.http.inject({ method: 'POST', url: `/api/v1/archive/sessions/${sessionId}/export`, headers: reviewerElsewhere.headers })).statusCode).toBe(403);
  });

  it('records an export that could not be written', async () => {
    const prepared = await evidence.prepareExport(CLI_ACTOR, sessionId);
    const out = new PassThrough();
    out.destroy();
    await expect(prepared.write(out)).rejects.toThrow(/the package output was closed/);
    const entries = await evidence.audit.list({ limit: 1000, target: `session:${sessionId}` });
    expect(entries.filter((e) => e.details.packageId === prepared.packageId).map((e) => e.action)).toEqual(['evidence.export', 'evidence.export_failed']);
  });

  it('fails when a member is missing or one is added, and for a truncated file', async () => {
    const copy = join(dir, 'cut.tar');
    await writeFile(copy, original.subarray(0, original.length - 1));
    expect((await verifyPackage(copy, publicKey)).problems.join('\n')).toMatch(/package signature/);
    await writeFile(copy, original.subarray(0, 1000));
    const r = await verifyPackage(copy, publicKey);
    expect(r.ok).toBe(false);
    await copyFile(pkgPath, copy);
    expect((await verifyPackage(copy, publicKey)).ok).toBe(true);
  });
});
