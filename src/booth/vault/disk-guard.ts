import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import { open, readdir, stat, statfs, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { diskLevel, formatBytes, headroom, type DiskFloors, type DiskLevel } from '../../core/disk-policy.js';
import { ConflictError } from '../../core/errors.js';
import type { Logger } from '../../platform/log.js';
import { PeriodicTask } from '../../platform/periodic.js';
import type { FaultSink } from '../faults/fault-reporter.js';
import type { SegmentStore } from './segment-store.js';

export interface SessionGuardEvents {
  /** The recording in progress must stop now (disk full, write error); its sealed part is kept. */
  emergencyStop: [reason: string];
}

/** What the session service asks of the vault before and during a recording. */
export interface SessionGuard extends EventEmitter<SessionGuardEvents> {
  /** Throws ConflictError (`disk.full`, `disk.path_missing`) when a new session may not start. */
  assertCanStart(): Promise<void>;
}

export interface DiskGuardOptions {
  dataDir: string;
  /** Where sealed segments are written; probed with a small durable write on every check. */
  vaultDir: string;
  spoolDir: string;
  quotaBytes: number | null;
  floors: DiskFloors;
  checkEveryMs: number;
}

export interface DiskStatus {
  level: DiskLevel | 'unknown';
  freeBytes: number | null;
  /** Sealed files not purged + plaintext in the spool. */
  vaultBytes: number;
  quotaBytes: number | null;
  checkedAt: string | null;
}

/**
 * Watches the vault's disk every `checkEveryMs` and after each seal (`check()`): raises
 * `disk.nearly_full` (warning, then error when new sessions are refused), `disk.full` with an
 * emergency stop when the headroom falls under the stop floor, `disk.path_missing` when the data
 * folder is gone, and `disk.write_error` with an emergency stop when a small probe write (create,
 * write, fsync, delete) in the vault fails, so a failing disk is found between seals too. Faults
 * clear when the condition ends.
 */
export class DiskGuard extends EventEmitter<SessionGuardEvents> implements SessionGuard {
  private last: DiskStatus;
  private readonly task: PeriodicTask<DiskStatus>;

  constructor(
    private readonly opts: DiskGuardOptions,
    private readonly segments: SegmentStore,
    private readonly faults: FaultSink,
    private readonly log: Logger,
  ) {
    super();
    this.last = { level: 'unknown', freeBytes: null, vaultBytes: 0, quotaBytes: opts.quotaBytes, checkedAt: null };
    this.task = new PeriodicTask(() => this.measure(), opts.checkEveryMs, (err) => this.log.error({ err }, 'disk check failed'));
  }

  start(): void {
    this.task.start();
  }

  /** New floors (remote config); the next check uses them. */
  setFloors(floors: DiskFloors): void {
    this.opts.floors = floors;
  }

  get status(): DiskStatus {
    return { ...this.last };
  }

  /** Measures now and updates faults; concurrent calls share one measurement. */
  check(): Promise<DiskStatus> {
    return this.task.run();
  }

  async assertCanStart(): Promise<void> {
    const s = await this.check();
    if (s.level === 'unknown') throw new ConflictError('disk.path_missing', `the booth data folder ${this.opts.dataDir} cannot be read, so nothing could be recorded safely`);
    if (s.level === 'refuse' || s.level === 'stop') {
      throw new ConflictError('disk.full', `not enough room to record safely: ${formatBytes(this.headroomOf(s))} left, a new session needs more than ${formatBytes(this.opts.floors.refuseBytes)}`);
    }
  }

  /** Stops the periodic check and waits for one in progress. Safe to call twice. */
  close(): Promise<void> {
    return this.task.close();
  }

  private headroomOf(s: DiskStatus): number {
    return headroom({ freeBytes: s.freeBytes ?? 0, usedBytes: s.vaultBytes, quotaBytes: s.quotaBytes });
  }

  private async measure(): Promise<DiskStatus> {
    const checkedAt = new Date().toISOString();
    let freeBytes: number;
    try {
      freeBytes = await freeSpace(this.opts.dataDir);
    } catch (err) {
      this.last = { level: 'unknown', freeBytes: null, vaultBytes: this.last.vaultBytes, quotaBytes: this.opts.quotaBytes, checkedAt };
      this.faults.raise({ kind: 'disk.path_missing', severity: 'critical', message: `The booth data folder ${this.opts.dataDir} cannot be read (${(err as Error).message}).` });
      this.emit('emergencyStop', `the booth data folder is missing: ${(err as Error).message}`);
      return this.status;
    }
    const writeError = await probeWrite(this.opts.vaultDir);
    if (writeError) {
      this.faults.raise({ kind: 'disk.write_error', severity: 'critical', message: `The booth cannot write to its vault ${this.opts.vaultDir} (${writeError}). Recording is stopped; what was sealed is kept.` });
      this.emit('emergencyStop', `the vault cannot be written: ${writeError}`);
    } else {
      this.faults.clear('disk.write_error', null);
    }
    const vaultBytes = (await this.segments.bytesOnDisk()) + (await folderBytes(this.opts.spoolDir));
    const reading = { freeBytes, usedBytes: vaultBytes, quotaBytes: this.opts.quotaBytes };
    const level = diskLevel(reading, this.opts.floors);
    const previous = this.last.level;
    this.last = { level, freeBytes, vaultBytes, quotaBytes: this.opts.quotaBytes, checkedAt };
    this.applyFaults(level, headroom(reading));
    if (level !== previous) this.log.info({ level, previous, freeBytes, vaultBytes, quotaBytes: this.opts.quotaBytes }, 'disk level changed');
    if (level === 'stop') this.emit('emergencyStop', `the booth disk is full (${formatBytes(headroom(reading))} left)`);
    return this.status;
  }

  private applyFaults(level: DiskLevel, room: number): void {
    if (this.last.freeBytes !== null) this.faults.clear('disk.path_missing', null);
    const left = formatBytes(room);
    switch (level) {
      case 'ok':
        this.faults.clear('disk.nearly_full');
        this.faults.clear('disk.full');
        return;
      case 'warn':
        this.faults.clear('disk.full');
        this.faults.raise({ kind: 'disk.nearly_full', severity: 'warning', message: `The booth disk is nearly full: ${left} left for recordings.` });
        return;
      case 'refuse':
        this.faults.clear('disk.full');
        this.faults.raise({ kind: 'disk.nearly_full', severity: 'error', message: `The booth disk is nearly full (${left} left): no new session can start until recordings have been uploaded and purged.` });
        return;
      case 'stop':
        this.faults.clear('disk.nearly_full');
        this.faults.raise({ kind: 'disk.full', severity: 'critical', message: `The booth disk is full (${left} left): recording stopped; what was sealed is kept and will be uploaded.` });
        return;
      default: {
        const unreachable: never = level;
        throw new Error(`unknown disk level ${String(unreachable)}`);
      }
    }
  }
}

/** Creates, writes, fsyncs and deletes a small file in `dir`; returns the error message, or null when it worked. */
export async function probeWrite(dir: string): Promise<string | null> {
  const path = join(dir, `.probe-${process.pid}-${randomBytes(4).toString('hex')}`);
  let fh: FileHandle | null = null;
  try {
    fh = await open(path, 'wx', 0o600);
    await fh.writeFile('dualrec write probe\n');
    await fh.sync();
    await fh.close();
    fh = null;
    await unlink(path);
    return null;
  } catch (err) {
    await fh?.close();
    return `${(err as NodeJS.ErrnoException).code ?? 'error'}: ${(err as Error).message}`;
  }
}

/** Bytes available to this process on the volume holding `dir`. */
export async function freeSpace(dir: string): Promise<number> {
  const fs = await statfs(dir);
  return Number(fs.bavail) * Number(fs.bsize);
}

/** Total size of the files under `dir` (0 when it does not exist). */
export async function folderBytes(dir: string): Promise<number> {
  let names: string[];
  try {
    names = await readdir(dir, { recursive: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
  let total = 0;
  for (const name of names) {
    try {
      const st = await stat(join(dir, name));
      if (st.isFile()) total += st.size;
    } catch (err) {
      // A spool file can be sealed and deleted between readdir and stat.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  return total;
}
