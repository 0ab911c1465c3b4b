import { Command } from 'commander';
import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { SessionId } from '../../protocol/ids.js';
import { DualrecError, ValidationError } from '../../core/errors.js';
import { parseOrThrow } from '../../core/validate.js';
import { resolveFfmpeg } from '../../platform/ffmpeg.js';
import { withArchive } from './util.js';
import { verifyArchivedSession, type VerifyReport } from '../../server/archive/verify.js';
import { verifyPackage, type PackageReport } from '../../server/evidence/package/verify-package.js';

export function printReport(r: VerifyReport): void {
  console.log(`session ${r.sessionId}: ${r.ok ? 'VERIFIED' : 'FAILED'}`);
  for (const c of r.checks) console.log(`  ${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.detail}`);
  if (r.recording.path) console.log(`  recording: ${r.recording.path}`);
}

export function printPackageReport(r: PackageReport): void {
  console.log(`evidence package ${r.file}: ${r.ok ? 'VERIFIED' : 'FAILED'}`);
  if (r.sessionId) console.log(`  session ${r.sessionId}, package ${r.packageId}`);
  for (const c of r.checks) console.log(`  ${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.detail}`);
}

async function readPublicKey(path: string): Promise<KeyObject> {
  let key: KeyObject;
  try {
    key = createPublicKey(await readFile(resolve(path)));
  } catch (cause) {
    throw new ValidationError('verify.bad_key', `--archive-public-key ${path} is not a readable public key (PEM): ${(cause as Error).message}`);
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new ValidationError('verify.bad_key', `--archive-public-key ${path} is an ${key.asymmetricKeyType ?? 'unknown'} key; give the archive's Ed25519 signing key (dualrec evidence public-key)`);
  return key;
}

export function verifyCommand(setExit: (code: number) => void): Command {
  return new Command('verify')
    .description(
      'check evidence; exits 1 on any mismatch, naming it. `verify <package-file> --archive-public-key <pem>` checks an exported evidence package on any machine; `verify <session> --data <dir>` re-checks an archived session in a server data folder (signature, hash chain, decryption, decode)',
    )
    .argument('<target>', 'an evidence package file (with --archive-public-key), or a session id (with --data)')
    .option('--archive-public-key <pem>', "the archive's Ed25519 signing public key (PEM file, from `dualrec evidence public-key`)")
    .option('--data <dir>', 'server data folder', './data')
    .option('--json', 'print the report as JSON')
    .action(async (target: string, o: { archivePublicKey?: string; data: string; json?: boolean }) => {
      if (o.archivePublicKey) {
        const key = await readPublicKey(o.archivePublicKey);
        let report: PackageReport;
        try {
          report = await verifyPackage(resolve(target), key);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new DualrecError('verify.no_file', `package ${target} does not exist`);
          throw err;
        }
        if (o.json) console.log(JSON.stringify(report, null, 2));
        else printPackageReport(report);
        setExit(report.ok ? 0 : 1);
        return;
      }
      const sessionId = parseOrThrow(SessionId, target, 'session id');
      await withArchive(o.data, { create: false }, async (archive) => {
        const report = await verifyArchivedSession(archive, await resolveFfmpeg(null), sessionId);
        if (o.json) console.log(JSON.stringify(report, null, 2));
        else printReport(report);
        setExit(report.ok ? 0 : 1);
      });
    });
}
