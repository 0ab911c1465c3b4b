import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Kysely } from 'kysely';
import { ConflictError, ForbiddenError, IntegrityError, NotFoundError, describeIssues } from '../../core/errors.js';
import { ReleaseView, type ArtifactPlatform, type CreateReleaseRequest, type ReleaseState, type Rollout } from '../../protocol/fleet-releases.js';
import type { Logger } from '../../platform/log.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { AdminActor } from '../auth/admin-actor.js';
import type { ServerDb } from '../db/schema.js';
import { isUniqueViolation } from '../db/portable.js';
import type { BlobStore } from '../storage/blob-store.js';
import { receiveArtifact } from './artifact-upload.js';

type ReleaseRow = ServerDb['fleet_releases'];
type ArtifactRow = ServerDb['fleet_release_artifacts'];

export interface ReleaseServiceOptions {
  /** Where uploads are received before they are stored. */
  uploadDir: string;
  maxArtifactBytes: number;
}

/** A transition: the states it may start from, the state it leaves, and its audit action. */
const TRANSITIONS = {
  pause: { from: ['active'], to: 'paused' },
  resume: { from: ['paused'], to: 'active' },
  rollback: { from: ['active', 'paused'], to: 'rolled_back' },
} as const satisfies Record<string, { from: readonly ReleaseState[]; to: ReleaseState }>;
export type ReleaseTransition = keyof typeof TRANSITIONS;

/**
 * Booth software releases. A release is created as a draft, gets one artifact per platform
 * (SHA-512 and size computed from the bytes as they are stored, never recomputed from the store,
 * so a stored file changed later fails the booth's verification), is published to a rollout, and
 * may be paused, resumed, re-scoped or rolled back. Artifacts of a published release never change.
 * Only head-office admins (scope `'*'`) manage releases: they reach every booth.
 */
export class ReleaseService {
  constructor(
    private readonly db: Kysely<ServerDb>,
    private readonly store: BlobStore,
    private readonly audit: AuditLog,
    private readonly opts: ReleaseServiceOptions,
    private readonly log: Logger,
  ) {}

  async create(actor: AdminActor, req: CreateReleaseRequest): Promise<ReleaseView> {
    headOffice(actor);
    const now = new Date().toISOString();
    const releaseId = randomUUID();
    try {
      await this.db
        .insertInto('fleet_releases')
        .values({ release_id: releaseId, version: req.version, channel: req.channel, notes: req.notes, state: 'draft', rollout_percent: 0, rollout_branches_json: null, created_at: now, created_by: actor.createdBy, published_at: null, updated_at: now })
        .execute();
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictError('release.exists', `a release of version ${req.version} already exists; versions are never reused (publish a higher one)`);
      throw err;
    }
    await this.audit.append({ actor: actor.audit, action: 'fleet.release.create', target: `release:${req.version}`, details: { releaseId, channel: req.channel } });
    return this.get(releaseId);
  }

  /** Receives one platform's artifact of a draft release; `expectedSha512` (base64) guards the transfer. */
  async uploadArtifact(actor: AdminActor, releaseId: string, platform: ArtifactPlatform, fileName: string, body: Readable, expectedSha512: string | null): Promise<ReleaseView> {
    headOffice(actor);
    const release = await this.row(releaseId);
    if (release.state !== 'draft') throw new ConflictError('release.not_draft', `release ${release.version} is ${release.state}; artifacts can only be added before it is published`);
    const existing = await this.db.selectFrom('fleet_release_artifacts').select('file_name').where('release_id', '=', releaseId).where('platform', '=', platform).executeTakeFirst();
    if (existing) throw new ConflictError('release.artifact_exists', `release ${release.version} already has a ${platform} artifact (${existing.file_name})`);
    const file = await receiveArtifact(body, this.opts.uploadDir, this.opts.maxArtifactBytes, expectedSha512);
    try {
      const key = `releases/${releaseId}/${platform}/${fileName}`;
      await this.store.putFile(key, file.path);
      const now = new Date().toISOString();
      try {
        await this.db
          .insertInto('fleet_release_artifacts')
          .values({ release_id: releaseId, platform, file_name: fileName, storage_key: key, sha512: file.sha512, size: file.size, uploaded_at: now, uploaded_by: actor.createdBy })
          .execute();
      } catch (err) {
        if (isUniqueViolation(err)) throw new ConflictError('release.artifact_exists', `release ${release.version} already has a ${platform} artifact`);
        throw err;
      }
      await this.db.updateTable('fleet_releases').set({ updated_at: now }).where('release_id', '=', releaseId).execute();
      this.log.info({ releaseId, version: release.version, platform, fileName, size: file.size }, 'release artifact stored');
      await this.audit.append({ actor: actor.audit, action: 'fleet.release.upload', target: `release:${release.version}`, details: { releaseId, platform, fileName, size: file.size, sha512: file.sha512 } });
    } finally {
      await file.discard();
    }
    return this.get(releaseId);
  }

  async publish(actor: AdminActor, releaseId: string, rollout: Rollout): Promise<ReleaseView> {
    headOffice(actor);
    const release = await this.row(releaseId);
    const artifacts = await this.db.selectFrom('fleet_release_artifacts').select('platform').where('release_id', '=', releaseId).execute();
    if (artifacts.length === 0) throw new ConflictError('release.no_artifacts', `release ${release.version} has no artifact yet; upload one before publishing`);
    await this.transition(actor, release, ['draft'], 'active', 'fleet.release.publish', { rollout }, { published_at: new Date().toISOString(), ...rolloutColumns(rollout) });
    return this.get(releaseId);
  }

  async setRollout(actor: AdminActor, releaseId: string, rollout: Rollout): Promise<ReleaseView> {
    headOffice(actor);
    const release = await this.row(releaseId);
    await this.transition(actor, release, ['active', 'paused'], release.state as ReleaseState, 'fleet.release.rollout', { rollout, from: rolloutOf(release) }, rolloutColumns(rollout));
    return this.get(releaseId);
  }

  /** pause: offered to no new booth; resume; rollback: withdrawn, booths on it go back to the newest release before it. */
  async change(actor: AdminActor, releaseId: string, what: ReleaseTransition): Promise<ReleaseView> {
    headOffice(actor);
    const release = await this.row(releaseId);
    const t = TRANSITIONS[what];
    await this.transition(actor, release, t.from, t.to, `fleet.release.${what}`, {}, {});
    return this.get(releaseId);
  }

  async list(): Promise<ReleaseView[]> {
    const rows = await this.db.selectFrom('fleet_releases').selectAll().orderBy('created_at', 'desc').execute();
    const artifacts = await this.db.selectFrom('fleet_release_artifacts').selectAll().execute();
    return rows.map((r) => toView(r, artifacts.filter((a) => a.release_id === r.release_id)));
  }

  async get(releaseId: string): Promise<ReleaseView> {
    const r = await this.row(releaseId);
    const artifacts = await this.db.selectFrom('fleet_release_artifacts').selectAll().where('release_id', '=', releaseId).execute();
    return toView(r, artifacts);
  }

  private async row(releaseId: string): Promise<ReleaseRow> {
    const r = await this.db.selectFrom('fleet_releases').selectAll().where('release_id', '=', releaseId).executeTakeFirst();
    if (!r) throw new NotFoundError('release.not_found', `no release ${releaseId}`);
    return r;
  }

  private async transition(actor: AdminActor, release: ReleaseRow, from: readonly ReleaseState[], to: ReleaseState, action: string, details: Record<string, unknown>, set: Partial<ReleaseRow>): Promise<void> {
    const now = new Date().toISOString();
    const r = await this.db
      .updateTable('fleet_releases')
      .set({ ...set, state: to, updated_at: now })
      .where('release_id', '=', release.release_id)
      .where('state', 'in', [...from])
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) === 0) {
      const current = await this.row(release.release_id);
      throw new ConflictError('release.state', `release ${release.version} is ${current.state}; ${action.split('.').at(-1)} needs it ${from.join(' or ')}`);
    }
    this.log.info({ releaseId: release.release_id, version: release.version, from: release.state, to, ...details }, action);
    await this.audit.append({ actor: actor.audit, action, target: `release:${release.version}`, details: { releaseId: release.release_id, from: release.state, to, ...details } });
  }
}

function headOffice(actor: AdminActor): void {
  if (actor.scope !== '*') throw new ForbiddenError('auth.head_office', `only head-office admins (branch scope '*') manage releases; ${actor.name} is scoped to ${actor.scope.join(', ')}`);
}

function rolloutColumns(r: Rollout): Pick<ReleaseRow, 'rollout_percent' | 'rollout_branches_json'> {
  return { rollout_percent: r.percent, rollout_branches_json: r.branches === null ? null : JSON.stringify(r.branches) };
}

export function rolloutOf(r: Pick<ReleaseRow, 'rollout_percent' | 'rollout_branches_json'>): Rollout {
  return { percent: r.rollout_percent, branches: r.rollout_branches_json === null ? null : (JSON.parse(r.rollout_branches_json) as string[]) };
}

function toView(r: ReleaseRow, artifacts: ArtifactRow[]): ReleaseView {
  const parsed = ReleaseView.safeParse({
    releaseId: r.release_id,
    version: r.version,
    channel: r.channel,
    notes: r.notes,
    state: r.state,
    rollout: rolloutOf(r),
    artifacts: artifacts
      .map((a) => ({ platform: a.platform, fileName: a.file_name, sha512: a.sha512, size: Number(a.size), uploadedAt: a.uploaded_at }))
      .sort((a, b) => a.platform.localeCompare(b.platform)),
    createdAt: r.created_at,
    createdBy: r.created_by,
    publishedAt: r.published_at,
    updatedAt: r.updated_at,
  });
  if (!parsed.success) throw new IntegrityError('release.bad_row', `stored release ${r.release_id} is invalid: ${describeIssues(parsed.error.issues)}`);
  return parsed.data;
}
