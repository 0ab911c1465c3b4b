import { pipeline, Transform, type Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { dump } from 'js-yaml';
import type { Kysely } from 'kysely';
import semver from 'semver';
import { NotFoundError } from '../../core/errors.js';
import { inRollout } from '../../core/fleet.js';
import { TokenBucket } from '../../core/token-bucket.js';
import type { ArtifactPlatform, UpdateEventsRequest } from '../../protocol/fleet-releases.js';
import type { Logger } from '../../platform/log.js';
import type { ServerDb } from '../db/schema.js';
import type { BlobStore } from '../storage/blob-store.js';
import type { FleetConfigService } from './fleet-config.js';
import { rolloutOf } from './releases.js';

/** The booth asking, as the feed sees it: its id and branch (from its token) and the version it runs (from its updater). */
export interface FeedBooth {
  boothId: string;
  branchId: string | null;
  /** The app version the booth's updater sent; null if it sent none (then nothing is sticky and nothing is a downgrade). */
  appVersion: string | null;
}

/** The release a booth is offered on one platform. */
export interface OfferedRelease {
  releaseId: string;
  version: string;
  notes: string;
  publishedAt: string;
  fileName: string;
  storageKey: string;
  sha512: string;
  size: number;
}

/**
 * The update feed as each booth sees it, in electron-updater's generic-provider format. A booth is
 * offered the newest release it is eligible for: active releases of its channel (pilot booths
 * also see stable) whose rollout covers it, plus the release it already runs if that is active or
 * paused (so pausing or narrowing a rollout never pulls a booth back). A version that failed to
 * start on the booth is never offered to it again. Only rollback moves booths down: a booth on a
 * rolled-back (or failed) version is offered the newest eligible release below it, which its
 * updater accepts because it runs with `allowDowngrade` (see main/updater.ts).
 */
export class UpdateFeed {
  constructor(
    private readonly db: Kysely<ServerDb>,
    private readonly store: BlobStore,
    private readonly config: FleetConfigService,
    private readonly log: Logger,
  ) {}

  async offered(booth: FeedBooth, platform: ArtifactPlatform): Promise<OfferedRelease | null> {
    const { settings } = await this.config.effectiveFor(booth);
    const channels = settings.updateChannel === 'pilot' ? ['stable', 'pilot'] : ['stable'];
    const rows = await this.db
      .selectFrom('fleet_releases as r')
      .innerJoin('fleet_release_artifacts as a', 'a.release_id', 'r.release_id')
      .select(['r.release_id', 'r.version', 'r.notes', 'r.state', 'r.published_at', 'r.rollout_percent', 'r.rollout_branches_json', 'a.file_name', 'a.storage_key', 'a.sha512', 'a.size'])
      .where('a.platform', '=', platform)
      .where('r.state', 'in', ['active', 'paused', 'rolled_back'])
      .where('r.channel', 'in', channels)
      .execute();
    const failed = new Set(
      (await this.db.selectFrom('fleet_update_events').select('version').where('booth_id', '=', booth.boothId).where('outcome', '=', 'start-failed').execute()).map((r) => r.version),
    );
    const runs = (v: string) => booth.appVersion !== null && semver.eq(v, booth.appVersion);
    const eligible = rows.filter((r) => !failed.has(r.version) && ((r.state === 'active' && inRollout(booth, rolloutOf(r))) || (r.state !== 'rolled_back' && runs(r.version))));
    const best = eligible.sort((a, b) => semver.rcompare(a.version, b.version))[0];
    if (!best) return null;
    if (booth.appVersion !== null && semver.lt(best.version, booth.appVersion)) {
      const current = rows.find((r) => runs(r.version));
      const withdrawn = current?.state === 'rolled_back' || failed.has(booth.appVersion);
      if (!withdrawn) return null;
    }
    return {
      releaseId: best.release_id,
      version: best.version,
      notes: best.notes,
      publishedAt: best.published_at ?? new Date(0).toISOString(),
      fileName: best.file_name,
      storageKey: best.storage_key,
      sha512: best.sha512,
      size: Number(best.size),
    };
  }

  /** latest.yml / latest-linux.yml / latest-mac.yml for this booth; 404 `update.none` when nothing is offered. */
  async feedFile(booth: FeedBooth, platform: ArtifactPlatform): Promise<string> {
    const r = await this.offered(booth, platform);
    if (!r) throw new NotFoundError('update.none', `no release is offered to this booth on ${platform}`);
    const url = artifactPath(r.releaseId, r.fileName);
    return dump(
      { version: r.version, files: [{ url, sha512: r.sha512, size: r.size }], path: url, sha512: r.sha512, releaseDate: r.publishedAt, ...(r.notes ? { releaseNotes: r.notes } : {}) },
      { lineWidth: -1, noRefs: true },
    );
  }

  /**
   * The artifact bytes, only for the release this booth is offered now (a paused or rolled-back
   * release stops downloading at once), paced to the booth's update bandwidth cap if it has one.
   */
  async artifact(booth: FeedBooth, releaseId: string, fileName: string): Promise<{ stream: Readable; size: number; bytesPerSec: number | null }> {
    const a = await this.db.selectFrom('fleet_release_artifacts').selectAll().where('release_id', '=', releaseId).where('file_name', '=', fileName).executeTakeFirst();
    const offered = a ? await this.offered(booth, a.platform as ArtifactPlatform) : null;
    if (!a || offered?.releaseId !== releaseId) throw new NotFoundError('update.not_offered', `${fileName} of release ${releaseId} is not offered to this booth`);
    const { settings } = await this.config.effectiveFor(booth);
    const bytesPerSec = settings.bandwidth?.updateBytesPerSec ?? null;
    const stream = await this.store.stream(a.storage_key);
    this.log.info({ boothId: booth.boothId, version: offered.version, fileName, bytesPerSec }, 'serving update artifact');
    if (bytesPerSec === null) return { stream, size: Number(a.size), bytesPerSec };
    const out = paced(bytesPerSec);
    pipeline(stream, out, (err) => {
      if (err) this.log.warn({ boothId: booth.boothId, fileName, err: err.message }, 'update artifact download ended early');
    });
    return { stream: out, size: Number(a.size), bytesPerSec };
  }

  /** Stores what the booth's updater reports; a repeat of the same event changes nothing. */
  async recordEvents(booth: { boothId: string }, req: UpdateEventsRequest): Promise<number> {
    const receivedAt = new Date().toISOString();
    let accepted = 0;
    for (const e of req.events) {
      const r = await this.db
        .insertInto('fleet_update_events')
        .values({ booth_id: booth.boothId, version: e.version, outcome: e.outcome, message: e.message, at: e.at, received_at: receivedAt })
        .onConflict((oc) => oc.doNothing())
        .executeTakeFirst();
      accepted += Number(r.numInsertedOrUpdatedRows ?? 0);
      this.log.info({ boothId: booth.boothId, version: e.version, outcome: e.outcome, message: e.message }, 'booth update outcome');
    }
    return accepted;
  }
}

/** The artifact's path relative to the feed URL, as latest.yml names it. */
export function artifactPath(releaseId: string, fileName: string): string {
  return `releases/${releaseId}/${fileName}`;
}

/** A pass-through that releases bytes no faster than `bytesPerSec` (one bucket per download). */
function paced(bytesPerSec: number): Transform {
  const bucket = new TokenBucket(bytesPerSec, Date.now());
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      const wait = bucket.take(chunk.length, Date.now());
      if (wait === 0) return done(null, chunk);
      sleep(wait).then(
        () => done(null, chunk),
        (err: unknown) => done(err as Error),
      );
    },
  });
}
