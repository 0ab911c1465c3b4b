import { Command } from 'commander';
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { link, open, rm, stat } from 'node:fs/promises';
import { dirname, basename, join, resolve } from 'node:path';
import { finished } from 'node:stream/promises';
import { ConflictError } from '../../core/errors.js';
import { parseOrThrow } from '../../core/validate.js';
import { resolveFfmpeg } from '../../platform/ffmpeg.js';
import { fsyncDir } from '../../platform/fs.js';
import { createLogger } from '../../platform/log.js';
import { SessionId } from '../../protocol/ids.js';
import { openArchiveStore } from '../../server/archive-store.js';
import { CLI_ACTOR } from '../../server/auth/admin-actor.js';
import { openEvidence } from '../../server/evidence/evidence-services.js';

/** `dualrec export <session> --out <file>`: the evidence package, from the server's data folder. */
export function exportCommand(): Command {
  return new Command('export')
    .description('write the evidence package of an archived session: one signed file that `dualrec verify <file> --archive-public-key <pem>` checks on any machine')
    .argument('<session>', 'session id')
    .requiredOption('--out <file>', 'package file to create (never overwritten)')
    .option('--data <dir>', 'server data folder', './data')
    .option('--no-segments', 'leave out the decrypted segments (the recording and everything else stay)')
    .action(async (session: string, o: { out: string; data: string; segments: boolean }) => {
      const sessionId = parseOrThrow(SessionId, session, 'session id');
      const out = resolve(o.out);
      if (await stat(out).then(() => true, () => false)) throw new ConflictError('export.exists', `${out} already exists; choose another --out`);
      const archive = await openArchiveStore(resolve(o.data), { create: false });
      const tmp = join(dirname(out), `.${basename(out)}.${randomBytes(6).toString('hex')}.partial`);
      try {
        const evidence = openEvidence(archive, await resolveFfmpeg(null), createLogger('export', process.env.DUALREC_LOG_LEVEL ?? 'warn'));
        const prepared = await evidence.prepareExport(CLI_ACTOR, sessionId, { segments: o.segments });
        const file = createWriteStream(tmp, { flags: 'wx', mode: 0o444 });
        const index = await prepared.write(file);
        file.end();
        await finished(file);
        const fh = await open(tmp, 'r');
        try {
          await fh.sync();
        } finally {
          await fh.close();
        }
        // link() refuses an existing name: a package is never written over another file.
        await link(tmp, out);
        await fsyncDir(dirname(out));
        const bytes = (await stat(out)).size;
        console.log(out);
        console.error(`evidence package ${index.packageId} of session ${sessionId}: ${index.members.length} files, ${bytes} bytes, signed by archive key ${index.archiveSigningKeyId.slice(0, 16)}…`);
      } finally {
        await rm(tmp, { force: true });
        await archive.close();
      }
    });
}
