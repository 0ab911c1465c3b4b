import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { Semver } from '../src/protocol/fleet.js';
import { IsoTime } from '../src/protocol/ids.js';
import { readJsonFile, writeFileDurable } from '../src/platform/fs.js';
import type { FeedAccess } from '../src/booth/fleet/updates.js';

/**
 * The start marker: `<userData>/dualrec-update.json`, written (durably, mode 0600) just before an
 * update is installed and checked by the next start of the app.
 *
 * - The new version starts: the marker names it, so this start is a trial. Each trial start
 *   counts; when the booth comes up healthy the marker is removed (`installed`). A version that
 *   does not come up within the confirm time, or has been started `maxStarts` times without
 *   coming up (it crashes before it can), is a failed start: `fallback`.
 * - The old version starts again: the installer did not replace it (`install-failed`).
 *
 * The marker keeps the feed address and booth token, so a new version whose booth services cannot
 * even open (a migration or native module failing) can still report the failure and fetch the
 * previous release. It is as sensitive as the booth database, which holds the same token.
 */
export const MarkerFile = z.strictObject({
  v: z.literal(1),
  from: Semver,
  to: Semver,
  at: IsoTime,
  /** Starts of `to` so far. */
  starts: z.number().int().min(0),
  feed: z.strictObject({ url: z.url(), headers: z.record(z.string(), z.string()) }),
});
export type MarkerFile = z.infer<typeof MarkerFile>;

export type BootDecision =
  | { kind: 'normal' }
  /** This is a trial start of `version`: confirm it once the booth is healthy. */
  | { kind: 'verify'; version: string; from: string; feed: FeedAccess }
  /** `version` failed to start: report it and go back. */
  | { kind: 'fallback'; version: string; from: string; feed: FeedAccess; reason: string }
  /** The install of `version` did not take: this is still `from`. */
  | { kind: 'install-failed'; version: string; feed: FeedAccess };

export class StartMarker {
  readonly path: string;

  constructor(
    userDataDir: string,
    /** A trial start beyond this many is a failed start (the version keeps crashing). */
    private readonly maxStarts = 3,
  ) {
    this.path = join(userDataDir, 'dualrec-update.json');
  }

  /** Written right before quitAndInstall. */
  async beforeInstall(from: string, to: string, feed: FeedAccess): Promise<void> {
    const m: MarkerFile = { v: 1, from, to, at: new Date().toISOString(), starts: 0, feed };
    await writeFileDurable(this.path, Buffer.from(JSON.stringify(MarkerFile.parse(m))), { mode: 0o600 });
  }

  /** Called once at every app start, before the booth is opened. */
  async onBoot(appVersion: string): Promise<BootDecision> {
    const m = await this.read();
    if (!m) return { kind: 'normal' };
    if (m.to === appVersion) {
      const starts = m.starts + 1;
      await writeFileDurable(this.path, Buffer.from(JSON.stringify({ ...m, starts })), { mode: 0o600 });
      if (starts > this.maxStarts) return { kind: 'fallback', version: m.to, from: m.from, feed: m.feed, reason: `version ${m.to} was started ${starts - 1} times without coming up` };
      return { kind: 'verify', version: m.to, from: m.from, feed: m.feed };
    }
    await this.clear();
    if (m.from === appVersion) return { kind: 'install-failed', version: m.to, feed: m.feed };
    return { kind: 'normal' };
  }

  /** The trial start came up healthy (or was handled): nothing to check at the next start. */
  async clear(): Promise<void> {
    await rm(this.path, { force: true });
  }

  private async read(): Promise<MarkerFile | null> {
    const r = await readJsonFile(this.path, MarkerFile);
    if (r.kind === 'ok') return r.value;
    // A torn or foreign file is no marker (the durable write never leaves half of one): dropped, not trusted.
    if (r.kind === 'invalid') await this.clear();
    return null;
  }
}
