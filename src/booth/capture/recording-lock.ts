import { readFileSync } from 'node:fs';
import { open, readFile, rm, writeFile } from 'node:fs/promises';
import { z } from 'zod';
import { ConflictError } from '../../core/errors.js';
import type { Logger } from '../../platform/log.js';

const LockBody = z.object({ pid: z.number().int(), sessionId: z.string(), ffmpegPid: z.number().int().nullable(), since: z.string() });
type LockBody = z.infer<typeof LockBody>;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function isFfmpeg(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0]?.includes('ffmpeg') ?? false;
  } catch {
    return false;
  }
}

/**
 * One recording per booth, across processes: a lock file naming the holder's pid, session and
 * FFmpeg pid. A lock whose holder died is taken over, and an FFmpeg it left running is killed
 * first, so a crash never blocks the booth nor leaves two recorders on one camera.
 */
export class RecordingLock {
  private held: LockBody | null = null;

  constructor(
    private readonly path: string,
    private readonly log: Logger,
  ) {}

  async acquire(sessionId: string): Promise<void> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const body: LockBody = { pid: process.pid, sessionId, ffmpegPid: null, since: new Date().toISOString() };
      try {
        const fh = await open(this.path, 'wx', 0o600);
        try {
          await fh.writeFile(JSON.stringify(body));
          await fh.sync();
        } finally {
          await fh.close();
        }
        this.held = body;
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const current = await this.read();
      if (current && current.pid !== process.pid && alive(current.pid)) {
        throw new ConflictError('capture.locked', `another booth process (pid ${current.pid}) is recording session ${current.sessionId}; only one recording can run at a time`);
      }
      if (current?.ffmpegPid && alive(current.ffmpegPid) && isFfmpeg(current.ffmpegPid)) {
        this.log.warn({ pid: current.ffmpegPid, sessionId: current.sessionId }, 'killing an ffmpeg left running by a crashed recording');
        process.kill(current.ffmpegPid, 'SIGKILL');
      }
      this.log.warn({ holder: current }, 'taking over a stale recording lock');
      await rm(this.path, { force: true });
    }
    throw new ConflictError('capture.locked', `cannot take the recording lock ${this.path}`);
  }

  /** Records the current FFmpeg pid so that a successor can kill it after a crash. */
  async setFfmpegPid(pid: number | undefined): Promise<void> {
    if (!this.held) return;
    this.held = { ...this.held, ffmpegPid: pid ?? null };
    await writeFile(this.path, JSON.stringify(this.held), { mode: 0o600 });
  }

  /** Releases the lock if this process holds it; safe to call twice. */
  async release(): Promise<void> {
    if (!this.held) return;
    this.held = null;
    await rm(this.path, { force: true });
  }

  private async read(): Promise<LockBody | null> {
    try {
      const r = LockBody.safeParse(JSON.parse(await readFile(this.path, 'utf8')));
      return r.success ? r.data : null;
    } catch {
      return null;
    }
  }
}
