import { Command } from 'commander';
import { createPublicKey } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { z } from 'zod';
import { parseOrThrow } from '../../core/validate.js';
import { resolveFfmpeg } from '../../platform/ffmpeg.js';
import { createLogger } from '../../platform/log.js';
import { SessionId } from '../../protocol/ids.js';
import { withArchive } from './util.js';
import { CLI_ACTOR } from '../../server/auth/admin-actor.js';
import { verifyCheckpoints } from '../../server/audit/audit-checkpoint.js';
import { openEvidence } from '../../server/evidence/evidence-services.js';

const SeqOption = z.string().regex(/^[1-9][0-9]{0,15}$/, 'must be a whole number >= 1').transform(Number);

/** `dualrec evidence …`: the archive's signing key, the audit chain check, deletion after retention. */
export function evidenceCommand(setExit: (code: number) => void): Command {
  const cmd = new Command('evidence').description('archive signing key, audit log verification, and deletion of evidence whose retention has ended');

  cmd
    .command('public-key')
    .description("print the archive's Ed25519 signing public key (PEM): give it to whoever verifies evidence packages")
    .option('--data <dir>', 'server data folder', './data')
    .option('--out <file>', 'also write it to this file')
    .action(async (o: { data: string; out?: string }) => {
      await withArchive(o.data, { create: false }, async (archive) => {
        const pem = createPublicKey({ key: archive.keys.signingPublicKeyDer, format: 'der', type: 'spki' }).export({ format: 'pem', type: 'spki' }).toString();
        if (o.out) await writeFile(resolve(o.out), pem, { flag: 'wx' });
        process.stdout.write(pem);
        console.error(`archive signing key ${archive.keys.signingKeyId}`);
      });
    });

  cmd
    .command('audit-verify')
    .description("check the hash chain of the audit log (or a range) and the archive's signed checkpoints of it; exit 1 naming the first broken entry")
    .option('--data <dir>', 'server data folder', './data')
    .option('--from <seq>', 'first entry to check')
    .option('--to <seq>', 'last entry to check')
    .action(async (o: { data: string; from?: string; to?: string }) => {
      const fromSeq = o.from === undefined ? undefined : parseOrThrow(SeqOption, o.from, '--from');
      const toSeq = o.to === undefined ? undefined : parseOrThrow(SeqOption, o.to, '--to');
      await withArchive(o.data, { create: false }, async (archive) => {
        const evidence = openEvidence(archive, await resolveFfmpeg(null), createLogger('audit', 'warn'));
        const r = await evidence.audit.verify({ fromSeq, toSeq });
        const signingKey = createPublicKey({ key: archive.keys.signingPublicKeyDer, format: 'der', type: 'spki' });
        const cps = await verifyCheckpoints(evidence.audit, signingKey);
        await evidence.audit.append({ actor: CLI_ACTOR.audit, action: 'audit.verify', target: 'audit', branchId: null, details: { ok: r.ok, fromSeq: r.fromSeq, toSeq: r.toSeq, firstBroken: r.firstBroken, checkpoints: cps.checked, checkpointBroken: cps.broken } });
        console.log(r.ok ? `audit log VERIFIED: entries ${r.fromSeq ?? '-'}..${r.toSeq ?? '-'} (${r.checked}) chain unbroken` : `audit log FAILED at entry ${r.firstBroken!.seq}: ${r.firstBroken!.reason}`);
        console.log(cps.broken ? `audit checkpoints FAILED: ${cps.broken.reason}` : `audit checkpoints VERIFIED: ${cps.checked} signed by the archive key`);
        setExit(r.ok && !cps.broken ? 0 : 1);
      });
    });

  cmd
    .command('delete-expired')
    .description("delete a session's stored evidence once its retention has ended and no legal hold is active (refused otherwise); audited")
    .argument('<session>', 'session id')
    .option('--data <dir>', 'server data folder', './data')
    .action(async (session: string, o: { data: string }) => {
      const sessionId = parseOrThrow(SessionId, session, 'session id');
      await withArchive(o.data, { create: false }, async (archive) => {
        const evidence = openEvidence(archive, await resolveFfmpeg(null), createLogger('evidence', 'warn'));
        const res = await evidence.deletion.deleteExpired(CLI_ACTOR, sessionId);
        console.log(`deleted ${res.files.length} stored files of session ${sessionId} at ${res.deletedAt}`);
      });
    });

  return cmd;
}
