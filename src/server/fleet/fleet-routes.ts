import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ValidationError } from '../../core/errors.js';
import { parseOrThrow } from '../../core/validate.js';
import { BoothId } from '../../protocol/ids.js';
import { FleetListQuery, SetFleetConfigRequest } from '../../protocol/fleet.js';
import { ARTIFACT_SHA512_HEADER, ArtifactParams, ArtifactQuery, CreateReleaseRequest, ReleaseParams, RolloutRequest, Sha512Base64 } from '../../protocol/fleet-releases.js';
import { API_PREFIX } from '../../protocol/server-api.js';
import { BranchParams } from '../../protocol/staff-api.js';
import { staffActor } from '../auth/admin-actor.js';
import type { StaffGuard } from '../auth/guard.js';
import { staffRoute } from '../auth/route-config.js';
import type { FleetServices } from './fleet-services.js';
import type { ReleaseTransition } from './releases.js';

const ADMIN = staffRoute('admin');
/** Supervisors watch the fleet of their branches; only admins change it. */
const READ = staffRoute('admin', 'supervisor');

const BoothParams = z.strictObject({ boothId: BoothId });

/**
 * The fleet console API: booths with their heartbeat and alerts, remote config per branch and per
 * booth (read: admin, supervisor; change: admin, in their branch scope), and releases (head-office
 * admins). Artifact uploads are streamed (application/octet-stream), never buffered.
 */
export async function registerFleetRoutes(app: FastifyInstance, deps: FleetServices & { guard: StaffGuard }): Promise<void> {
  const { guard } = deps;
  const P = `${API_PREFIX}/fleet`;
  const actor = (req: FastifyRequest) => staffActor(guard.principal(req));

  app.get(`${P}/booths`, READ, async (req) => deps.view.list(guard.principal(req).branches, parseOrThrow(FleetListQuery, req.query, 'fleet filter')));

  app.get(`${P}/config/branches/:branchId`, READ, async (req) => {
    const { branchId } = parseOrThrow(BranchParams, req.params, 'branch id');
    return deps.config.branchLayer(actor(req), branchId);
  });

  app.put(`${P}/config/branches/:branchId`, ADMIN, async (req) => {
    const { branchId } = parseOrThrow(BranchParams, req.params, 'branch id');
    // Scope first: another branch's admin learns nothing about what the body would have been.
    guard.assertBranch(guard.principal(req), branchId);
    return deps.config.setBranch(actor(req), branchId, parseOrThrow(SetFleetConfigRequest, req.body, 'fleet config'));
  });

  app.get(`${P}/config/booths/:boothId`, READ, async (req) => {
    const { boothId } = parseOrThrow(BoothParams, req.params, 'booth id');
    return deps.config.boothLayer(actor(req), boothId);
  });

  app.put(`${P}/config/booths/:boothId`, ADMIN, async (req) => {
    const { boothId } = parseOrThrow(BoothParams, req.params, 'booth id');
    await deps.config.boothLayer(actor(req), boothId);
    return deps.config.setBooth(actor(req), boothId, parseOrThrow(SetFleetConfigRequest, req.body, 'fleet config'));
  });

  app.get(`${P}/releases`, ADMIN, async () => ({ releases: await deps.releases.list() }));

  app.post(`${P}/releases`, ADMIN, async (req, reply) => reply.status(201).send(await deps.releases.create(actor(req), parseOrThrow(CreateReleaseRequest, req.body, 'release'))));

  app.get(`${P}/releases/:releaseId`, ADMIN, async (req) => deps.releases.get(parseOrThrow(ReleaseParams, req.params, 'release id').releaseId));

  app.post(`${P}/releases/:releaseId/publish`, ADMIN, async (req) => {
    const { releaseId } = parseOrThrow(ReleaseParams, req.params, 'release id');
    return deps.releases.publish(actor(req), releaseId, parseOrThrow(RolloutRequest, req.body, 'rollout').rollout);
  });

  app.put(`${P}/releases/:releaseId/rollout`, ADMIN, async (req) => {
    const { releaseId } = parseOrThrow(ReleaseParams, req.params, 'release id');
    return deps.releases.setRollout(actor(req), releaseId, parseOrThrow(RolloutRequest, req.body, 'rollout').rollout);
  });

  for (const what of ['pause', 'resume', 'rollback'] as const satisfies readonly ReleaseTransition[]) {
    app.post(`${P}/releases/:releaseId/${what}`, ADMIN, async (req) => deps.releases.change(actor(req), parseOrThrow(ReleaseParams, req.params, 'release id').releaseId, what));
  }

  await app.register(async (scope) => {
    // Inside this scope an octet-stream body reaches the handler as the request stream.
    scope.removeContentTypeParser('application/octet-stream');
    scope.addContentTypeParser('application/octet-stream', (_req, payload, done) => done(null, payload));
    scope.put(`${P}/releases/:releaseId/artifacts/:platform`, ADMIN, async (req) => {
      const { releaseId, platform } = parseOrThrow(ArtifactParams, req.params, 'artifact address');
      const { name } = parseOrThrow(ArtifactQuery, req.query, 'artifact');
      const sha = req.headers[ARTIFACT_SHA512_HEADER];
      const expected = sha === undefined ? null : parseOrThrow(Sha512Base64, sha, `${ARTIFACT_SHA512_HEADER} header`);
      if (!(req.body instanceof Readable)) throw new ValidationError('request.bad_content_type', 'upload the artifact as its raw bytes with content-type application/octet-stream');
      return deps.releases.uploadArtifact(actor(req), releaseId, platform, name, req.body, expected);
    });
  });
}
