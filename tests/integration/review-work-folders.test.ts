// The review jobs' work folders (server/review/work-folders.ts) on the real file system: names
// unique across instances sharing a data folder, and the start-up cleanup of folders a crashed run
// left (decrypted segments among them) that keeps any folder a live instance may be using.
import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/platform/log.js';
import { REVIEW_WORK_FOLDERS, removeStaleWorkFolders, workFolder } from '../../src/server/review/work-folders.js';

const silent = createLogger('test', 'silent');
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dualrec-work-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('review work folders', () => {
  it('names each job folder with a random suffix, never the pid', () => {
    const a = workFolder(dir, 'shots-s1-3');
    const b = workFolder(dir, 'shots-s1-3');
    expect(a).not.toBe(b);
    expect(dirname(a)).toBe(dir);
    expect(basename(a)).toMatch(/^shots-s1-3-[0-9a-f]{12}$/);
    expect(basename(a)).not.toContain(String(process.pid));
  });

  it('removes the stale shots-* and review-* folders at start-up and keeps recent ones and everything else', async () => {
    const now = Date.now();
    const make = async (name: string, ageMs: number, folder = true) => {
      const path = join(dir, name);
      if (folder) {
        await mkdir(path);
        await writeFile(join(path, 'segment.ts'), 'plaintext');
      } else await writeFile(path, 'x');
      const at = new Date(now - ageMs);
      await utimes(path, at, at);
    };
    const hour = 3600_000;
    await make('shots-s1-0-aaaaaaaaaaaa', 2 * hour);
    await make('shots-s2-4-bbbbbbbbbbbb', 10 * 60_000);
    await make('review-s3-cccccccccccc', 25 * hour);
    await make('review-s4-dddddddddddd', 3 * hour);
    await make('s5-eeeeeeee', 48 * hour);
    await make('shots-file', 48 * hour, false);
    const removed = await removeStaleWorkFolders(dir, REVIEW_WORK_FOLDERS, silent, now);
    expect(removed.sort()).toEqual(['review-s3-cccccccccccc', 'shots-s1-0-aaaaaaaaaaaa']);
    expect((await readdir(dir)).sort()).toEqual(['review-s4-dddddddddddd', 's5-eeeeeeee', 'shots-file', 'shots-s2-4-bbbbbbbbbbbb']);
  });

  it('does nothing when the work folder does not exist yet', async () => {
    expect(await removeStaleWorkFolders(join(dir, 'missing'), REVIEW_WORK_FOLDERS, silent)).toEqual([]);
  });
});
