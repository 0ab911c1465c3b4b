import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Command, Option } from 'commander';
import { load } from 'js-yaml';
import { ValidationError } from '../../core/errors.js';
import { ReleaseChannel } from '../../protocol/fleet.js';
import { ArtifactFileName, FEED_FILES, type ArtifactPlatform, type ReleaseView, type Rollout } from '../../protocol/fleet-releases.js';
import { BranchId } from '../../protocol/staff.js';
import { ReleaseClient } from './release-client.js';

const PLATFORM_OF: Record<string, ArtifactPlatform> = { AppImage: 'linux', deb: 'linux', rpm: 'linux', exe: 'win', zip: 'mac', dmg: 'mac' };

/** The platform an electron-builder artifact is for, from its extension. */
export function platformOf(file: string): ArtifactPlatform {
  const name = ArtifactFileName.safeParse(basename(file));
  if (!name.success) throw new ValidationError('release.bad_file', `${basename(file)}: ${name.error.issues[0]?.message ?? 'not an artifact name'}`);
  return PLATFORM_OF[name.data.split('.').at(-1)!]!;
}

/**
 * The artifact's SHA-512 (base64): from electron-builder's feed file next to it (latest-linux.yml,
 * latest.yml, latest-mac.yml) when that names the file, so the server checks the upload against
 * what the build produced; else computed here (then it guards only the transfer).
 */
export async function artifactSha512(file: string, platform: ArtifactPlatform): Promise<{ sha512: string; from: string }> {
  const feed = join(dirname(file), FEED_FILES[platform]);
  try {
    const yml = load(await readFile(feed, 'utf8')) as { files?: Array<{ url?: unknown; sha512?: unknown }> };
    const entry = yml.files?.find((f) => f.url === basename(file));
    if (typeof entry?.sha512 === 'string') return { sha512: entry.sha512, from: feed };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new ValidationError('release.bad_feed_file', `cannot read ${feed}: ${(err as Error).message}`);
  }
  const h = createHash('sha512');
  await pipeline(createReadStream(file), h);
  return { sha512: h.digest('base64'), from: 'computed here' };
}

function rolloutOf(o: { percent: string; branches?: string }): Rollout {
  const percent = Number(o.percent);
  if (!Number.isInteger(percent) || percent < 0 || percent > 100) throw new ValidationError('release.bad_percent', `--percent must be a whole number from 0 to 100, not ${o.percent}`);
  const branches = o.branches ? o.branches.split(',').map((b) => b.trim()) : null;
  for (const b of branches ?? []) if (!BranchId.safeParse(b).success) throw new ValidationError('release.bad_branch', `not a branch id: ${b}`);
  return { percent, branches };
}

async function signIn(o: { server: string; user: string }): Promise<ReleaseClient> {
  const password = process.env.DUALREC_PASSWORD;
  if (!password) throw new ValidationError('release.no_password', 'set DUALREC_PASSWORD to the admin password (it is never taken as an argument)');
  return ReleaseClient.login(o.server, o.user, password);
}

function show(r: ReleaseView): void {
  const scope = r.rollout.branches ? `branches ${r.rollout.branches.join(',')}` : 'all branches';
  console.log(`${r.version} [${r.channel}] ${r.state}, ${r.rollout.percent}% of ${scope}; ${r.artifacts.map((a) => `${a.platform}:${a.fileName}`).join(' ') || 'no artifacts'}`);
}

const serverOpts = (c: Command) =>
  c.requiredOption('--server <url>', 'the central server, https://…').requiredOption('--user <username>', 'an admin with branch scope * (password from DUALREC_PASSWORD)');

/** `dualrec release …`: upload and steer booth software releases on the central server (IT). */
export function releaseCommand(): Command {
  const cmd = new Command('release').description('booth software releases on the central server: publish, staged rollout, pause, rollback');

  serverOpts(cmd.command('publish <artifacts...>'))
    .description('upload electron-builder artifacts (one per platform: .AppImage/.deb, .exe, .zip) as a release and publish it to a rollout')
    .requiredOption('--version <semver>', 'the version the artifacts were built as (package.json version)')
    .addOption(new Option('--channel <channel>', 'release channel').choices(ReleaseChannel.options).default('stable'))
    .option('--notes <text>', 'release notes', '')
    .option('--percent <n>', 'share of booths (by rollout bucket) that get it', '10')
    .option('--branches <ids>', 'only booths of these branches (comma-separated)')
    .option('--draft', 'upload only; publish later with `dualrec release rollout`')
    .action(async (files: string[], o: { server: string; user: string; version: string; channel: string; notes: string; percent: string; branches?: string; draft?: boolean }) => {
      const rollout = rolloutOf(o);
      const platforms = files.map(platformOf);
      if (new Set(platforms).size !== platforms.length) throw new ValidationError('release.duplicate_platform', 'give one artifact per platform');
      const client = await signIn(o);
      // A draft left by an interrupted publish is continued: artifacts it has are not sent again.
      const draft = (await client.list()).find((x) => x.version === o.version && x.state === 'draft');
      let r = draft ?? (await client.create(o.version, o.channel, o.notes));
      for (const [i, file] of files.entries()) {
        const { sha512, from } = await artifactSha512(file, platforms[i]!);
        const have = r.artifacts.find((a) => a.platform === platforms[i]);
        if (have && have.sha512 === sha512 && have.fileName === basename(file)) {
          console.log(`${basename(file)} is already uploaded`);
          continue;
        }
        r = await client.upload(r.releaseId, platforms[i]!, file, basename(file), sha512);
        console.log(`uploaded ${basename(file)} (${platforms[i]}, sha512 from ${from})`);
      }
      if (!o.draft) r = await client.publish(r.releaseId, rollout);
      show(r);
    });

  serverOpts(cmd.command('rollout <version>'))
    .description('publish a draft, or change the share and branches of a published release')
    .requiredOption('--percent <n>', 'share of booths, 0-100')
    .option('--branches <ids>', 'only these branches (comma-separated); omit for all')
    .action(async (version: string, o: { server: string; user: string; percent: string; branches?: string }) => {
      const client = await signIn(o);
      const r = await client.byVersion(version);
      show(r.state === 'draft' ? await client.publish(r.releaseId, rolloutOf(o)) : await client.rollout(r.releaseId, rolloutOf(o)));
    });

  for (const [what, text] of [
    ['pause', 'stop offering a release to booths that do not run it yet'],
    ['resume', 'offer a paused release again'],
    ['rollback', 'withdraw a release: booths running it go back to the newest release before it'],
  ] as const) {
    serverOpts(cmd.command(`${what} <version>`))
      .description(text)
      .action(async (version: string, o: { server: string; user: string }) => {
        const client = await signIn(o);
        show(await client.change((await client.byVersion(version)).releaseId, what));
      });
  }

  serverOpts(cmd.command('list'))
    .description('releases on the server, newest first')
    .action(async (o: { server: string; user: string }) => {
      for (const r of await (await signIn(o)).list()) show(r);
    });
  return cmd;
}
