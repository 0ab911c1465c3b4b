import { z } from 'zod';
import { Base64, IsoTime } from './ids.js';
import { ReleaseChannel, Semver } from './fleet.js';
import { BranchId } from './staff.js';

/**
 * Booth software releases and the update feed. Admins upload a release (one artifact per
 * platform), publish it to a share of the fleet, pause or roll it back; booths read the feed in
 * electron-updater's generic-provider format (latest.yml, latest-linux.yml, latest-mac.yml).
 */

/** Platforms and the feed file electron-updater's generic provider asks for on each. */
export const ArtifactPlatform = z.enum(['linux', 'win', 'mac']);
export type ArtifactPlatform = z.infer<typeof ArtifactPlatform>;

export const FEED_FILES: Record<ArtifactPlatform, string> = { win: 'latest.yml', linux: 'latest-linux.yml', mac: 'latest-mac.yml' };

/** Booth route prefix of the feed (the booth's electron-updater `url`). */
export const UPDATE_FEED_PATH = '/api/v1/booth/update-feed';

/** Headers the booth's updater sends with every feed request (besides its bearer token). */
export const APP_VERSION_HEADER = 'x-dualrec-app-version';
/** Expected SHA-512 (base64, as in latest.yml) of an uploaded artifact. */
export const ARTIFACT_SHA512_HEADER = 'x-dualrec-sha512';

/** An artifact file name as electron-builder writes it; the extension tells the updater its kind. */
export const ArtifactFileName = z
  .string()
  .max(200)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._+-]*\.(AppImage|deb|rpm|exe|zip|dmg)$/, 'must be a file name ending in .AppImage, .deb, .rpm, .exe, .zip or .dmg (letters, digits, . _ + -)');

export const Sha512Base64 = Base64.length(88, 'must be a base64 SHA-512 (88 characters)');

export const ReleaseState = z.enum(['draft', 'active', 'paused', 'rolled_back']);
export type ReleaseState = z.infer<typeof ReleaseState>;

export const ReleaseId = z.uuid({ message: 'release id must be a UUID' });

export const Rollout = z.strictObject({
  /** Booths whose rollout bucket (0-99, a stable hash of the booth id) is below this see the release. */
  percent: z.number().int().min(0).max(100),
  /** Only booths of these branches; null: every branch. */
  branches: z.array(BranchId).min(1).max(1000).nullable(),
});
export type Rollout = z.infer<typeof Rollout>;

/** POST /api/v1/fleet/releases */
export const CreateReleaseRequest = z.strictObject({
  version: Semver,
  channel: ReleaseChannel,
  notes: z.string().max(20_000).default(''),
});
export type CreateReleaseRequest = z.infer<typeof CreateReleaseRequest>;

/** POST /api/v1/fleet/releases/:releaseId/publish and PUT .../rollout */
export const RolloutRequest = z.strictObject({ rollout: Rollout });
export type RolloutRequest = z.infer<typeof RolloutRequest>;

export const ArtifactView = z.strictObject({
  platform: ArtifactPlatform,
  fileName: ArtifactFileName,
  sha512: Sha512Base64,
  size: z.number().int().min(1),
  uploadedAt: IsoTime,
});
export type ArtifactView = z.infer<typeof ArtifactView>;

export const ReleaseView = z.strictObject({
  releaseId: ReleaseId,
  version: Semver,
  channel: ReleaseChannel,
  notes: z.string(),
  state: ReleaseState,
  rollout: Rollout,
  artifacts: z.array(ArtifactView),
  createdAt: IsoTime,
  createdBy: z.string(),
  publishedAt: IsoTime.nullable(),
  updatedAt: IsoTime,
});
export type ReleaseView = z.infer<typeof ReleaseView>;

export const ReleaseListResponse = z.strictObject({ releases: z.array(ReleaseView) });

export const ReleaseParams = z.strictObject({ releaseId: ReleaseId });
export const ArtifactParams = z.strictObject({ releaseId: ReleaseId, platform: ArtifactPlatform });
export const ArtifactQuery = z.strictObject({ name: ArtifactFileName });

/** What the booth's updater reports after a step (POST /api/v1/booth/update-events). */
export const UpdateOutcome = z.enum(['downloaded', 'download-failed', 'installing', 'install-failed', 'installed', 'start-failed']);
export type UpdateOutcome = z.infer<typeof UpdateOutcome>;

export const UpdateEvent = z.strictObject({
  version: Semver,
  outcome: UpdateOutcome,
  message: z.string().max(2000).nullable(),
  at: IsoTime,
});
export type UpdateEvent = z.infer<typeof UpdateEvent>;

export const UpdateEventsRequest = z.strictObject({ events: z.array(UpdateEvent).min(1).max(100) });
export type UpdateEventsRequest = z.infer<typeof UpdateEventsRequest>;

export const UpdateEventsResponse = z.strictObject({ accepted: z.number().int().min(0) });
