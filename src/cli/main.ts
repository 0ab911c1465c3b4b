import { Command, CommanderError } from 'commander';
import { DualrecError } from '../core/errors.js';
import { adminCommand } from './commands/admin.js';
import { boothCommand } from './commands/booth.js';
import { catalogueCommand } from './commands/catalogue.js';
import { demoCommand } from './commands/demo.js';
import { doctorCommand } from './commands/doctor.js';
import { enrollCodeCommand } from './commands/enroll-code.js';
import { evidenceCommand } from './commands/evidence.js';
import { exportCommand } from './commands/export.js';
import { serverCommand } from './commands/server.js';
import { releaseCommand } from './commands/release.js';
import { startCommand } from './commands/start.js';
import { verifyCommand } from './commands/verify.js';

/** Runs the `dualrec` command line; resolves to the process exit code. */
export async function main(argv: string[]): Promise<number> {
  let exitCode = 0;
  const program = new Command('dualrec')
    .description('Double recording (双录) for bank and insurance sales: booth, archive server, tools.')
    .exitOverride()
    .showHelpAfterError();
  const setExit = (code: number) => {
    exitCode = code;
  };
  for (const make of [serverCommand, boothCommand, demoCommand, verifyCommand, exportCommand, evidenceCommand, startCommand, enrollCodeCommand, adminCommand, doctorCommand, catalogueCommand, releaseCommand]) program.addCommand(make(setExit));
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    if (err instanceof DualrecError) {
      console.error(`dualrec: ${err.message} [${err.code}]`);
      return 1;
    }
    console.error('dualrec: unexpected error:', err);
    return 1;
  }
}
