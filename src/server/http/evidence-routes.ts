import type { FastifyInstance } from 'fastify';
import { createPublicKey } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { parseOrThrow } from '../../core/validate.js';
import {
  ArchiveListQuery,
  AuditListQuery,
  AuditVerifyQuery,
  ExportRequest,
  ExtendRetentionRequest,
  FileParams,
  HoldParams,
  ReleaseHoldRequest,
  SessionParams,
  SetHoldRequest,
  type ArchiveList,
  type ArchivedSessionDetail,
  type AuditList,
  type AuditVerifyResponse,
  type HoldView,
  type RetentionView,
} from '../../protocol/evidence-api.js';
import { API_PREFIX } from '../../protocol/server-api.js';
import { verifyCheckpoints } from '../audit/audit-checkpoint.js';
import { staffActor } from '../auth/admin-actor.js';
import type { StaffGuard } from '../auth/guard.js';
import { staffRoute } from '../auth/route-config.js';
import type { EvidenceServices } from '../evidence/evidence-services.js';
import { retentionView } from '../evidence/retention.js';

const READERS = staffRoute('reviewer', 'supervisor');
const SUPERVISOR = staffRoute('supervisor');
const AUDIT_READERS = staffRoute('supervisor', 'admin');
const ADMIN = staffRoute('admin');

/**
 * Archived evidence for staff, always within their branch scope and always audited: list and read
 * archived sessions, download their files, export an evidence package (reviewer, supervisor);
 * set and release legal holds, extend a retention (supervisor); read the audit log in scope
 * (supervisor, admin) and verify its chain (admin). No route deletes or overwrites evidence.
 */
export function registerEvidenceRoutes(app: FastifyInstance, deps: { guard: StaffGuard; evidence: EvidenceServices }): void {
  const { guard, evidence } = deps;
  const actor = (req: Parameters<StaffGuard['principal']>[0]) => staffActor(guard.principal(req));

  app.get(`${API_PREFIX}/archive/sessions`, READERS, async (req): Promise<ArchiveList> => {
    const q = parseOrThrow(ArchiveListQuery, req.query ?? {}, 'archive query');
    return { sessions: await evidence.reader.list(actor(req), q) };
  });

  app.get(`${API_PREFIX}/archive/sessions/:sessionId`, READERS, async (req): Promise<ArchivedSessionDetail> => {
    const { sessionId } = parseOrThrow(SessionParams, req.params, 'session id');
    return evidence.reader.read(actor(req), sessionId);
  });

  app.get(`${API_PREFIX}/archive/sessions/:sessionId/files/:name`, READERS, async (req, reply) => {
    const { sessionId, name } = parseOrThrow(FileParams, req.params, 'file address');
    const { file, size, body } = await evidence.reader.download(actor(req), sessionId, name);
    void reply.header('content-type', file.mediaType).header('content-length', size).header('content-disposition', `attachment; filename="${sessionId}-${file.name}"`);
    if (file.sha256) void reply.header('x-dualrec-sha256', file.sha256);
    return reply.send(body);
  });

  app.post(`${API_PREFIX}/archive/sessions/:sessionId/export`, READERS, async (req, reply) => {
    const { sessionId } = parseOrThrow(SessionParams, req.params, 'session id');
    const body = parseOrThrow(ExportRequest, req.body ?? {}, 'export request');
    const prepared = await evidence.prepareExport(actor(req), sessionId, { segments: body.segments });
    const out = new PassThrough();
    prepared.write(out).then(
      () => out.end(),
      (err: unknown) => {
        req.log.error({ err, sessionId, packageId: prepared.packageId }, 'evidence export failed while streaming');
        out.destroy(err as Error);
      },
    );
    return reply
      .header('content-type', 'application/x-tar')
      .header('content-disposition', `attachment; filename="${prepared.fileName}"`)
      .header('x-dualrec-package-id', prepared.packageId)
      .send(out);
  });

  app.post(`${API_PREFIX}/archive/sessions/:sessionId/holds`, SUPERVISOR, async (req, reply): Promise<HoldView> => {
    const { sessionId } = parseOrThrow(SessionParams, req.params, 'session id');
    const { reason } = parseOrThrow(SetHoldRequest, req.body, 'legal hold');
    return reply.status(201).send(await evidence.holds.set(actor(req), sessionId, reason));
  });

  app.post(`${API_PREFIX}/archive/holds/:holdId/release`, SUPERVISOR, async (req): Promise<HoldView> => {
    const { holdId } = parseOrThrow(HoldParams, req.params, 'hold id');
    const { reason } = parseOrThrow(ReleaseHoldRequest, req.body, 'hold release');
    return evidence.holds.release(actor(req), holdId, reason);
  });

  app.post(`${API_PREFIX}/archive/sessions/:sessionId/retention`, SUPERVISOR, async (req): Promise<RetentionView> => {
    const { sessionId } = parseOrThrow(SessionParams, req.params, 'session id');
    const { retainUntil, reason } = parseOrThrow(ExtendRetentionRequest, req.body, 'retention extension');
    return retentionView(await evidence.retention.extend(actor(req), sessionId, retainUntil, reason));
  });

  app.get(`${API_PREFIX}/audit`, AUDIT_READERS, async (req): Promise<AuditList> => {
    const q = parseOrThrow(AuditListQuery, req.query ?? {}, 'audit query');
    const p = guard.principal(req);
    const entries = await evidence.audit.list({ fromSeq: q.fromSeq, limit: q.limit, target: q.target, branches: guard.branchFilter(p) });
    await evidence.audit.append({ actor: `staff:${p.staffId}`, action: 'audit.read', target: 'audit', branchId: null, details: { fromSeq: q.fromSeq, target: q.target ?? null, count: entries.length } });
    return { entries };
  });

  app.get(`${API_PREFIX}/audit/verify`, ADMIN, async (req): Promise<AuditVerifyResponse> => {
    const q = parseOrThrow(AuditVerifyQuery, req.query ?? {}, 'audit verify query');
    const result = await evidence.audit.verify(q);
    const checkpoints = await verifyCheckpoints(evidence.audit, createPublicKey({ key: evidence.exportDeps.keys.signingPublicKeyDer, format: 'der', type: 'spki' }));
    await evidence.audit.append({ actor: `staff:${guard.principal(req).staffId}`, action: 'audit.verify', target: 'audit', branchId: null, details: { ok: result.ok, fromSeq: result.fromSeq, toSeq: result.toSeq, firstBroken: result.firstBroken, checkpoints: checkpoints.checked, checkpointBroken: checkpoints.broken } });
    return { ...result, checkpoints };
  });
}
