import { Command } from 'commander';
import { resolve } from 'node:path';
import { SessionId } from '../../protocol/ids.js';
import { parseOrThrow } from '../../core/validate.js';
import { resolveFfmpeg } from '../../platform/ffmpeg.js';
import { openArchiveStore } from '../../server/archive-store.js';
import { verifyArchivedSession, type VerifyReport } from '../../server/archive/verify.js';

export function printReport(r: VerifyReport): void {
  console.log(`session ${r.sessionId}: ${r.ok ? 'VERIFIED' : 'FAILED'}`);
  for (const c of r.checks) console.log(`  ${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.detail}`);
  if (r.recording.path) console.log(`  recording: ${r.recording.path}`);
}

export function verifyCommand(setExit: (code: number) => void): Command {
  return new Command('verify')
    .description('re-check an archived session independently (signature, hash chain, decryption, decode); exits 1 on any mismatch')
    .argument('<session>', 'session id')
    .option('--data <dir>', 'server data folder', './data')
    .option('--json', 'print the report as JSON')
    .action(async (session: string, o: { data: string; json?: boolean }) => {
      const sessionId = parseOrThrow(SessionId, session, 'session id');
      const archive = await openArchiveStore(resolve(o.data), { create: false });
      try {
        const report = await verifyArchivedSession(archive, await resolveFfmpeg(null), sessionId);
        if (o.json) console.log(JSON.stringify(report, null, 2));
        else printReport(report);
        setExit(report.ok ? 0 : 1);
      } finally {
        await archive.close();
      }
    });
}
