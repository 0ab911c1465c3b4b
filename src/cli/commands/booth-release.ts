import { Command } from 'commander';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadBoothConfig } from '../../booth/config.js';
import { boothMigrations } from '../../booth/db/migrations/index.js';
import type { BoothDb } from '../../booth/db/schema.js';
import { SegmentStore } from '../../booth/vault/segment-store.js';
import { ValidationError } from '../../core/errors.js';
import { parseOrThrow } from '../../core/validate.js';
import { openSqlite } from '../../platform/db.js';
import { SessionId } from '../../protocol/ids.js';

/**
 * `dualrec booth release <session>`: after the cause of a quarantine is fixed (a server that
 * wrongly refused segments, a sealed file restored), lets the session's quarantined segments be
 * uploaded again. Their hashes are checked again before anything is sent; a running booth picks
 * them up on its next sync round.
 */
export function boothReleaseCommand(setExit: (code: number) => void): Command {
  return new Command('release')
    .description("release a session's quarantined segments for another upload (after the cause is fixed)")
    .argument('<session>', 'session id (see dualrec booth status)')
    .option('--config <file>', 'booth config JSON')
    .option('--data <dir>', 'booth data folder')
    .action(async (session: string, _opts: unknown, cmd: Command) => {
      const o = cmd.optsWithGlobals<{ config?: string; data?: string }>();
      const sessionId = parseOrThrow(SessionId, session, 'session id');
      const config = loadBoothConfig(o.config, { dataDir: o.data });
      const dbPath = join(config.dataDir, 'booth.sqlite');
      if (!existsSync(dbPath)) throw new ValidationError('booth.no_data', `no booth database at ${dbPath}; pass --data or --config of an existing booth`);
      const db = await openSqlite<BoothDb>(dbPath, boothMigrations);
      try {
        const released = await new SegmentStore(db).releaseQuarantined(sessionId);
        if (released.length === 0) {
          console.log(`session ${sessionId} has no quarantined segments`);
          setExit(1);
          return;
        }
        console.log(`released segment(s) ${released.join(', ')} of session ${sessionId}; they will be checked and uploaded again`);
      } finally {
        await db.destroy();
      }
    });
}
