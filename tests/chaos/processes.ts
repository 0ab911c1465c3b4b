// Real `dualrec` processes for chaos tests: the built CLI (npm run build) as a child process that
// can be killed with SIGKILL, alone or with its whole process group (power loss: FFmpeg dies too).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { createLogger } from '../../src/platform/log.js';
import { parseServerConfig } from '../../src/server/config.js';
import { Server } from '../../src/server/server.js';

export const ROOT = resolve(import.meta.dirname, '../..');
const BIN = resolve(ROOT, 'bin/dualrec.cjs');

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

/**
 * A real server on 127.0.0.1 (in this process) and the config file of a booth enrolled to it, in a
 * fresh temporary folder; `boothProcess()` starts that booth as a child (`dualrec booth`) and
 * resolves with its bridge URL; `close()` kills every booth it started and removes the folder.
 */
export class ChaosRig {
  private readonly groups: number[] = [];
  private constructor(
    readonly dir: string,
    readonly server: Server,
    readonly cfgPath: string,
  ) {}

  static async create(prefix: string, booth: Record<string, unknown> = {}): Promise<ChaosRig> {
    assertBuilt();
    const dir = await mkdtemp(join(tmpdir(), prefix));
    const server = await Server.create(parseServerConfig({ dataDir: join(dir, 'server'), port: 0, jobPollMs: 100 }), { log: createLogger('server', 'silent') });
    const url = await server.listen();
    const { code } = await server.ingest.createEnrollmentCode(1);
    const cfgPath = join(dir, 'booth.json');
    await writeFile(
      cfgPath,
      JSON.stringify({
        name: 'chaos-booth',
        dataDir: join(dir, 'booth'),
        server: { url, enrollmentCode: code },
        bridge: { port: 0, staticDir: join(ROOT, 'out/renderer') },
        capture: { screen: 'none', segmentSeconds: 1 },
        sync: { pollMs: 100, backoffBaseMs: 50, backoffMaxMs: 1000, statusEveryMs: 1000 },
        ...booth,
      }),
    );
    return new ChaosRig(dir, server, cfgPath);
  }

  get boothDb(): string {
    return join(this.dir, 'booth', 'booth.sqlite');
  }

  async boothProcess(): Promise<{ proc: DualrecProcess; base: string }> {
    const proc = DualrecProcess.start(['booth', '--config', this.cfgPath]);
    this.groups.push(proc.pid);
    const m = await proc.waitFor(/kiosk UI: (http:\/\/127\.0\.0\.1:\d+)\//, 30_000);
    return { proc, base: m[1]! };
  }

  /** Kills the process groups of every booth started before the latest (an orphaned FFmpeg). */
  killEarlierBooths(): void {
    for (const g of this.groups.slice(0, -1)) killGroup(g);
  }

  async close(): Promise<void> {
    for (const g of this.groups) killGroup(g);
    await this.server.close();
    await rm(this.dir, { recursive: true, force: true });
  }
}
