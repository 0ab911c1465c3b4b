import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

export interface CommandResult {
  stdout: string;
  stderr: string;
  /** Exit code; null when killed (timeout). FFmpeg's listing commands exit 1 by design. */
  code: number | null;
}

/**
 * What discovery needs from the machine, so the per-platform logic runs against fixtures in unit
 * tests and against the real machine in integration tests.
 */
export interface DeviceSystem {
  /** Runs a command; resolves null when the program is not installed. Never rejects on exit codes. */
  run(cmd: string, args: string[]): Promise<CommandResult | null>;
  /** Entry names of a folder, [] when it does not exist. */
  listDir(path: string): string[];
  /** A text file, or null when it does not exist or cannot be read. */
  readText(path: string): string | null;
}

const TIMEOUT_MS = 10_000;

export const realSystem: DeviceSystem = {
  run(cmd, args) {
    return new Promise((resolve) => {
      execFile(cmd, args, { timeout: TIMEOUT_MS, maxBuffer: 4 * 1024 * 1024, windowsHide: true }, (err, stdout, stderr) => {
        if (err && (err as NodeJS.ErrnoException).code === 'ENOENT') return resolve(null);
        const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
        resolve({ stdout: String(stdout), stderr: String(stderr), code });
      });
    });
  },
  listDir(path) {
    try {
      return readdirSync(path);
    } catch {
      return [];
    }
  },
  readText(path) {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return null;
    }
  },
};
