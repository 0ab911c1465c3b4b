import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import type { Logger } from '../../platform/log.js';
import type { BoothDb } from '../db/schema.js';
import { CAPTURING_PHASES } from '../session-rows.js';

/** A sealed segment file, or the temporary file one is written to. */
const VAULT_FILE = /^(\d{6}\.seg|\.\d{6}\.seg\.[0-9a-f]+\.tmp)$/;

/**
 * Deletes vault files that no segment row names, in the folders of sessions that are no longer
 * capturing (so no sealer can be between writing a file and committing its row): sealed files a
 * crash or a failed seal left before their commit, and temporary files of interrupted writes.
 * They hold nothing the booth will ever upload: only rows go into the manifest. Folders of unknown
 * sessions and files of any other name are left alone. Returns the number of files deleted.
 */
export async function removeOrphanFiles(db: Kysely<BoothDb>, vaultDir: string, log: Logger): Promise<number> {
  const folders = await listIfPresent(vaultDir);
  if (folders.length === 0) return 0;
  const sessions = await db.selectFrom('sessions').select(['session_id', 'phase']).execute();
  const phases = new Map(sessions.map((s) => [s.session_id, s.phase]));
  let removed = 0;
  for (const sessionId of folders) {
    const phase = phases.get(sessionId);
    if (phase === undefined || CAPTURING_PHASES.includes(phase)) continue;
    const names = (await listIfPresent(join(vaultDir, sessionId))).filter((n) => VAULT_FILE.test(n));
    if (names.length === 0) continue;
    const rows = await db.selectFrom('segments').select('file').where('session_id', '=', sessionId).execute();
    const indexed = new Set(rows.map((r) => r.file));
    const orphans = names.filter((n) => !indexed.has(`${sessionId}/${n}`));
    for (const name of orphans) await rm(join(vaultDir, sessionId, name), { force: true });
    if (orphans.length > 0) log.warn({ sessionId, files: orphans }, 'removed vault files without a segment row (left by a crash or a failed seal)');
    removed += orphans.length;
  }
  return removed;
}

/** The names in `dir` (with `recursive`, relative paths of everything below it); [] when it does not exist. */
export async function listIfPresent(dir: string, recursive = false): Promise<string[]> {
  try {
    return await readdir(dir, { recursive });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return [];
    throw err;
  }
}
