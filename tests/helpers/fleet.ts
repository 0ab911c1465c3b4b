// Fleet test helpers: booths enrolled through the real enrollment API, releases uploaded and
// published through the real admin API, and a booth's view of the update feed.
import { createHash, generateKeyPairSync } from 'node:crypto';
import { CLI_ACTOR } from '../../src/server/auth/admin-actor.js';
import type { Server } from '../../src/server/server.js';
import { APP_VERSION_HEADER, UPDATE_FEED_PATH, type ArtifactPlatform, type ReleaseView, type Rollout } from '../../src/protocol/fleet-releases.js';
import type { ReleaseChannel } from '../../src/protocol/fleet.js';

export interface TestBooth {
  boothId: string;
  token: string;
  branchId: string | null;
  headers: { authorization: string };
}

/** Enrolls a booth into `branchId` with a fresh one-time code and key. */
export async function enrollBooth(server: Server, branchId: string, name = 'fleet-booth'): Promise<TestBooth> {
  const { code } = await server.auth.branches.createEnrollmentCode(CLI_ACTOR, branchId, 1);
  const publicKey = generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
  const res = await server.http.inject({ method: 'POST', url: '/api/v1/booths/enroll', payload: { code, name, publicKey } });
  if (res.statusCode !== 201) throw new Error(`enrollment failed: ${res.statusCode} ${res.body}`);
  const { boothId, token } = res.json<{ boothId: string; token: string }>();
  return { boothId, token, branchId, headers: { authorization: `Bearer ${token}` } };
}

export const sha512b64 = (b: Uint8Array): string => createHash('sha512').update(b).digest('base64');

export const FILE_NAME: Record<ArtifactPlatform, (v: string) => string> = {
  linux: (v) => `dualrec-${v}.AppImage`,
  win: (v) => `dualrec-Setup-${v}.exe`,
  mac: (v) => `dualrec-${v}-mac.zip`,
};

/** Creates a release, uploads one artifact per entry of `artifacts` and (unless `rollout` is null) publishes it, over the admin API. */
export async function releaseVia(
  server: Server,
  admin: { authorization: string },
  o: { version: string; channel?: ReleaseChannel; artifacts: Partial<Record<ArtifactPlatform, Buffer>>; rollout: Rollout | null; notes?: string },
): Promise<ReleaseView> {
  const created = await server.http.inject({ method: 'POST', url: '/api/v1/fleet/releases', headers: admin, payload: { version: o.version, channel: o.channel ?? 'stable', notes: o.notes ?? `release ${o.version}` } });
  if (created.statusCode !== 201) throw new Error(`create release: ${created.statusCode} ${created.body}`);
  let release = created.json<ReleaseView>();
  for (const [platform, bytes] of Object.entries(o.artifacts) as Array<[ArtifactPlatform, Buffer]>) {
    const up = await server.http.inject({
      method: 'PUT',
      url: `/api/v1/fleet/releases/${release.releaseId}/artifacts/${platform}?name=${encodeURIComponent(FILE_NAME[platform](o.version))}`,
      headers: { ...admin, 'content-type': 'application/octet-stream', 'x-dualrec-sha512': sha512b64(bytes) },
      payload: bytes,
    });
    if (up.statusCode !== 200) throw new Error(`upload ${platform}: ${up.statusCode} ${up.body}`);
    release = up.json<ReleaseView>();
  }
  if (o.rollout) {
    const pub = await server.http.inject({ method: 'POST', url: `/api/v1/fleet/releases/${release.releaseId}/publish`, headers: admin, payload: { rollout: o.rollout } });
    if (pub.statusCode !== 200) throw new Error(`publish: ${pub.statusCode} ${pub.body}`);
    release = pub.json<ReleaseView>();
  }
  return release;
}

/** The booth's feed access as its updater uses it: URL, bearer token and app version. */
export function feedOf(base: URL | string, booth: TestBooth, appVersion: string): { url: string; headers: Record<string, string> } {
  return { url: `${String(base).replace(/\/$/, '')}${UPDATE_FEED_PATH}`, headers: { ...booth.headers, [APP_VERSION_HEADER]: appVersion } };
}
