// Real `dualrec` processes for chaos tests: the built CLI (npm run build) as a child process that
// can be killed with SIGKILL, alone or with its whole process group (power loss: FFmpeg dies too).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import Database from 'better-sqlite3';

export const ROOT = resolve(import.meta.dirname, '../..');
const BIN = resolve(ROOT, 'bin/dualrec.js');

export function assertBuilt(): void {
  if (!existsSync(resolve(ROOT, 'dist/cli/main.js'))) throw new Error('dist/cli/main.js is missing: run npm run build first');
}

export class DualrecProcess {
  private stdout = '';
  private stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  private constructor(readonly child: ChildProcess) {
    child.stdout!.setEncoding('utf8').on('data', (c: string) => (this.stdout += c));
    child.stderr!.setEncoding('utf8').on('data', (c: string) => (this.stderr = (this.stderr + c).slice(-20_000)));
    this.exited = new Promise((r) => child.once('exit', (code, signal) => r({ code, signal })));
  }

  /** Starts `dualrec <args>` in its own process group. */
  static start(args: string[], env: Record<string, string> = {}): DualrecProcess {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, DUALREC_LOG_LEVEL: process.env.DUALREC_LOG_LEVEL ?? 'warn', ...env } });
    return new DualrecProcess(child);
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Resolves with the first stdout match of `re`. */
  async waitFor(re: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = re.exec(this.stdout);
      if (m) return m;
      if (this.child.exitCode !== null || this.child.signalCode !== null) throw new Error(`dualrec ${this.child.spawnargs.slice(2).join(' ')} exited before printing ${re}: ${this.stderr.slice(-2000)}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${re}; stdout: ${this.stdout.slice(-1000)} stderr: ${this.stderr.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** SIGKILL of this process only (its FFmpeg, if any, is orphaned as after a crash of Node). */
  async kill9(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    await this.exited;
  }

  /** SIGKILL of the whole process group: the booth and its FFmpeg, as on power loss. */
  async killGroup(): Promise<void> {
    killGroup(this.pid);
    await this.exited;
  }

  /** SIGTERM and wait for a clean exit. */
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    await this.exited;
  }

  get logTail(): string {
    return this.stderr.slice(-4000);
  }
}

/** SIGKILL to a process group this test started; a group that is already gone is fine. */
export function killGroup(pgid: number): void {
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

/** Runs one query on a booth or server SQLite file, read-only, while its owner may be running. */
export function query<T>(dbPath: string, sql: string, ...params: unknown[]): T[] {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `fn` until truthy or `timeoutMs` passes. */
export async function until<T>(fn: () => T | null | undefined | false | Promise<T | null | undefined | false>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}
