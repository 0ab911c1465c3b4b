import { randomBytes } from 'node:crypto';
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../../platform/log.js';

/**
 * A job's own folder under the shared work folder: `name` and a random suffix, so instances sharing
 * one data folder (containers all run as pid 1) never share, or remove, each other's folders.
 */
export function workFolder(workDir: string, name: string): string {
  return join(workDir, `${name}-${randomBytes(6).toString('hex')}`);
}

/**
 * The review jobs' folders and how long one can be in use. The sampler's hold a decrypted segment
 * for at most a segment's FFmpeg runs (minutes); the machine review's a copy of the recording for
 * its face and speech passes (each bounded at 6 h).
 */
export const REVIEW_WORK_FOLDERS: readonly { prefix: string; maxAgeMs: number }[] = [
  { prefix: 'shots-', maxAgeMs: 3600_000 },
  { prefix: 'review-', maxAgeMs: 24 * 3600_000 },
];

/**
 * Removes the folders a crashed run left in `workDir` (decrypted plaintext among them): those
 * starting with one of the prefixes and not changed for longer than its age, so a folder another
 * live instance is using now is kept. Returns the names removed.
 */
export async function removeStaleWorkFolders(workDir: string, rules: readonly { prefix: string; maxAgeMs: number }[], log: Logger, now = Date.now()): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(workDir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const removed: string[] = [];
  for (const e of entries) {
    const rule = rules.find((r) => e.name.startsWith(r.prefix));
    if (!rule || !e.isDirectory()) continue;
    const path = join(workDir, e.name);
    const changed = await stat(path).then((s) => s.mtimeMs, () => null);
    if (changed === null || now - changed <= rule.maxAgeMs) continue;
    await rm(path, { recursive: true, force: true });
    removed.push(e.name);
  }
  if (removed.length > 0) log.warn({ workDir, removed }, 'removed work folders left by a stopped run');
  return removed;
}
