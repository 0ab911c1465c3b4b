import { randomUUID } from 'node:crypto';
import { createPublicKey } from 'node:crypto';
import type { Writable } from 'node:stream';
import { canonicalJson } from '../../../core/canonical-json.js';
import { sha256Hex } from '../../../core/chain.js';
import { openSegment } from '../../../core/envelope.js';
import { ConflictError, IntegrityError } from '../../../core/errors.js';
import type { FfmpegInfo } from '../../../platform/ffmpeg.js';
import { SessionManifest } from '../../../protocol/envelope.js';
import type { ChainFile, PackageIndex } from '../../../protocol/evidence-package.js';
import { verifyArchivedSession } from '../../archive/verify.js';
import type { AdminActor } from '../../auth/admin-actor.js';
import { buildAuditExcerpt } from '../../audit/audit-excerpt.js';
import { segmentKey } from '../../ingest/views.js';
import type { KeyProvider } from '../../keys/key-provider.js';
import { listEvidenceFiles, readArchivedSession } from '../evidence-files.js';
import { assertScope } from '../scope.js';
import type { EvidenceDeps, RetentionService } from '../retention.js';
import { PackageWriter } from './package-writer.js';
import { packageReadme } from './readme.js';

export interface ExportDeps extends EvidenceDeps {
  keys: KeyProvider;
  ff: FfmpegInfo;
  retention: RetentionService;
  /** Longest run of other audit entries carried between two of the session's (see audit-excerpt.ts). */
  excerptMaxGap?: number;
}

export interface ExportOptions {
  /** Include each segment's decrypted MPEG-TS, whose SHA-256 the booth signed (default true). */
  segments?: boolean;
}

/** What export() found before the first byte is written (so a route can still answer 4xx). */
export interface PreparedExport {
  sessionId: string;
  packageId: string;
  fileName: string;
  /** Writes the package; resolves to its index. */
  write(out: Writable): Promise<PackageIndex>;
}

/**
 * Prepares the evidence package of an archived session for `actor` (branch scope checked) and
 * records the export in the audit log, then write() streams it: the recording and its derived
 * files exactly as stored, the booth-signed manifest with the booth's key, the segment chain, the
 * decrypted segments (optional), the audit excerpt that includes this export, the server's own
 * verification at export time, and the signed index and signature line (package-writer.ts).
 */
export async function prepareExport(deps: ExportDeps, actor: AdminActor, sessionId: string, opts: ExportOptions = {}): Promise<PreparedExport> {
  const s = await readArchivedSession(deps.db, sessionId);
  assertScope(actor, await deps.retention.branchOf(sessionId), `session ${sessionId}`);
  const retention = await deps.retention.ensureRecorded(sessionId);
  if (retention.deletion_started_at) throw new ConflictError('evidence.deleted', `the evidence of session ${sessionId} has been deleted (retention ended); there is nothing to export`);
  const row = await deps.db.selectFrom('sessions as s').innerJoin('booths as b', 'b.booth_id', 's.booth_id').select(['s.manifest_json', 's.signature', 'b.public_key']).where('s.session_id', '=', sessionId).executeTakeFirstOrThrow();
  if (!row.manifest_json || !row.signature) throw new IntegrityError('evidence.no_manifest', `archived session ${sessionId} has no signed manifest`);
  const manifest = SessionManifest.parse(JSON.parse(row.manifest_json));
  const files = await listEvidenceFiles(deps.db, s, deps.derived);
  const packageId = randomUUID();
  const createdAt = new Date(Math.floor(Date.now() / 1000) * 1000);
  await deps.audit.append({
    actor: actor.audit,
    action: 'evidence.export',
    target: `session:${sessionId}`,
    branchId: retention.branch_id,
    details: { packageId, segments: opts.segments !== false, recordingSha256: s.mp4Sha256 },
  });
  return {
    sessionId,
    packageId,
    fileName: `${sessionId}.evidence.tar`,
    async write(out) {
      try {
        return await writePackage(out);
      } catch (err) {
        await deps.audit.append({ actor: actor.audit, action: 'evidence.export_failed', target: `session:${sessionId}`, branchId: retention.branch_id, details: { packageId, error: (err as Error).message.slice(0, 500) } });
        throw err;
      }
    },
  };

  async function writePackage(out: Writable): Promise<PackageIndex> {
    const report = await verifyArchivedSession(deps, deps.ff, sessionId);
    const excerpt = await buildAuditExcerpt(deps.db, `session:${sessionId}`, deps.excerptMaxGap);
    const w = new PackageWriter(out, createdAt);
    await w.addBuffer('readme.txt', 'readme', Buffer.from(packageReadme(sessionId, packageId)));
    await w.addBuffer('session/manifest.json', 'manifest', Buffer.from(canonicalJson(manifest)));
    await w.addBuffer('session/manifest.sig', 'manifest-signature', Buffer.from(row.signature!, 'base64'));
    const boothKey = createPublicKey({ key: Buffer.from(row.public_key, 'base64'), format: 'der', type: 'spki' });
    await w.addBuffer('session/booth-public-key.pem', 'booth-public-key', Buffer.from(boothKey.export({ format: 'pem', type: 'spki' })));
    await w.addBuffer('session/record.json', 'archive-record', await deps.store.get(s.recordKey));
    await w.addBuffer('chain/segments.json', 'chain', Buffer.from(`${canonicalJson(await chainFile(deps, manifest))}\n`));
    const recordingSha = await w.addStream('recording/recording.mp4', 'recording', await deps.store.size(s.mp4Key), await deps.store.stream(s.mp4Key));
    if (recordingSha !== s.mp4Sha256) deps.log.warn({ sessionId, recordingSha, recorded: s.mp4Sha256 }, 'exported recording differs from its archive record; the package will not verify');
    // Decrypted segments only when the server could decrypt and check every one of them.
    if (opts.segments !== false && report.ok) await addPlaintextSegments(deps, w, manifest);
    for (const f of files.filter((x) => x.kind === 'derived')) {
      await w.addStream(`recording/derived/${f.name}`, 'derived', await deps.store.size(f.key), await deps.store.stream(f.key));
    }
    await w.addBuffer('audit/excerpt.json', 'audit-excerpt', Buffer.from(`${canonicalJson(excerpt)}\n`));
    // Without the server's local path.
    const recording = { durationSec: report.recording.durationSec, mediaDurationSec: report.recording.mediaDurationSec };
    await w.addBuffer('report/verification.json', 'verification-report', Buffer.from(`${canonicalJson({ ...report, recording, verifiedAt: new Date().toISOString() })}\n`));
    return w.finish({ packageId, sessionId, createdAt: createdAt.toISOString(), createdBy: actor.audit, archiveSigningKeyId: deps.keys.signingKeyId }, (d) => deps.keys.sign(d));
  }
}

async function chainFile(deps: ExportDeps, manifest: SessionManifest): Promise<ChainFile> {
  const rows = await deps.db.selectFrom('segments').select(['seq', 'prev_link']).where('session_id', '=', manifest.sessionId).orderBy('seq').execute();
  const prev = new Map(rows.map((r) => [Number(r.seq), r.prev_link]));
  return {
    sessionId: manifest.sessionId,
    genesisLink: manifest.genesisLink,
    finalLink: manifest.finalLink,
    segments: manifest.segments.map((m) => ({ seq: m.seq, cipherSha256: m.cipherSha256, plainSha256: m.plainSha256, prevLink: prev.get(m.seq) ?? '', link: m.link, bytes: m.bytes })),
  };
}

async function addPlaintextSegments(deps: ExportDeps, w: PackageWriter, manifest: SessionManifest): Promise<void> {
  const key = await deps.keys.unwrap(manifest.keyWrap);
  try {
    for (const m of manifest.segments) {
      const { plaintext } = openSegment(key, await deps.store.get(segmentKey(manifest.sessionId, m.seq)));
      if (sha256Hex(plaintext) !== m.plainSha256) throw new IntegrityError('evidence.segment_mismatch', `segment ${m.seq} of ${manifest.sessionId} decrypts to bytes the manifest does not name`);
      await w.addBuffer(`recording/segments/${String(m.seq).padStart(6, '0')}.ts`, 'segment-plaintext', plaintext, { seq: m.seq });
    }
  } finally {
    key.fill(0);
  }
}
