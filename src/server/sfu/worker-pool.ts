import { EventEmitter } from 'node:events';
import type { types } from 'mediasoup';
import { DependencyError } from '../../core/errors.js';
import type { Logger } from '../../platform/log.js';
import { ROOM_MEDIA_CODECS } from './codecs.js';
import { loadMediasoup, type WorkerBinary } from './mediasoup-loader.js';

export interface WorkerPoolOptions {
  workers: number;
  rtcMinPort: number;
  rtcMaxPort: number;
  logLevel: types.WorkerLogLevel;
}

interface Slot {
  index: number;
  worker: types.Worker;
  routers: number;
}

export interface WorkerPoolEvents {
  /** A worker process died; its routers (and so its rooms) are gone. A replacement is started. */
  workerDied: [{ index: number; pid: number; error: Error }];
}

/**
 * One mediasoup worker (a process, one core's worth of forwarding) per slot, each with its own
 * slice of the RTC port range. New routers go to the worker holding the fewest, so rooms spread
 * evenly. A worker that dies is replaced; the rooms it held are told through `workerDied`.
 */
export class WorkerPool extends EventEmitter<WorkerPoolEvents> {
  private closed = false;

  private constructor(
    private readonly slots: Slot[],
    private readonly opts: WorkerPoolOptions,
    readonly binary: WorkerBinary,
    readonly version: string,
    private readonly log: Logger,
  ) {
    super();
  }

  static async create(opts: WorkerPoolOptions, log: Logger): Promise<WorkerPool> {
    const span = opts.rtcMaxPort - opts.rtcMinPort + 1;
    if (span < opts.workers * 2) throw new DependencyError('sfu.ports', `the RTC port range ${opts.rtcMinPort}-${opts.rtcMaxPort} is too small for ${opts.workers} workers`);
    const { mediasoup, worker: binary } = await loadMediasoup();
    const pool = new WorkerPool([], opts, binary, mediasoup.version, log);
    try {
      for (let i = 0; i < opts.workers; i++) pool.slots.push({ index: i, worker: await pool.spawn(i), routers: 0 });
    } catch (err) {
      await pool.close();
      throw new DependencyError('sfu.worker_failed', `mediasoup-worker ${binary.path} did not start: ${(err as Error).message}`, undefined, { cause: err });
    }
    log.info({ workers: opts.workers, binary: binary.path, source: binary.source, version: mediasoup.version }, 'sfu workers ready');
    return pool;
  }

  private portsOf(index: number): { rtcMinPort: number; rtcMaxPort: number } {
    const per = Math.floor((this.opts.rtcMaxPort - this.opts.rtcMinPort + 1) / this.opts.workers);
    const rtcMinPort = this.opts.rtcMinPort + index * per;
    return { rtcMinPort, rtcMaxPort: rtcMinPort + per - 1 };
  }

  private async spawn(index: number): Promise<types.Worker> {
    const { mediasoup } = await loadMediasoup();
    const worker = await mediasoup.createWorker({ logLevel: this.opts.logLevel, ...this.portsOf(index), appData: { index } });
    worker.on('died', (error) => {
      const slot = this.slots[index];
      this.log.error({ index, pid: worker.pid, err: error }, 'mediasoup worker died');
      if (slot) slot.routers = 0;
      this.emit('workerDied', { index, pid: worker.pid, error });
      if (this.closed) return;
      this.spawn(index).then(
        (w) => {
          if (this.closed) return w.close();
          if (slot) slot.worker = w;
          this.log.info({ index, pid: w.pid }, 'mediasoup worker replaced');
        },
        (err: unknown) => this.log.error({ index, err }, 'mediasoup worker could not be replaced'),
      );
    });
    return worker;
  }

  /** A new router with the room codecs on the least loaded worker; `release` when the room closes. */
  async createRouter(appData: Record<string, unknown>): Promise<{ router: types.Router; workerIndex: number; workerPid: number; release: () => void }> {
    if (this.closed) throw new DependencyError('sfu.closed', 'the SFU is shutting down');
    const slot = this.slots.reduce((a, b) => (b.routers < a.routers ? b : a));
    const worker = slot.worker;
    slot.routers++;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      if (slot.worker === worker) slot.routers = Math.max(0, slot.routers - 1);
    };
    try {
      const router = await worker.createRouter({ mediaCodecs: ROOM_MEDIA_CODECS, appData });
      router.observer.once('close', release);
      return { router, workerIndex: slot.index, workerPid: worker.pid, release };
    } catch (err) {
      release();
      throw err;
    }
  }

  /** Routers per worker, in worker order (tests and the bench check the spread). */
  load(): { index: number; pid: number; routers: number }[] {
    return this.slots.map((s) => ({ index: s.index, pid: s.worker.pid, routers: s.routers }));
  }

  /** Resource usage of each worker process (CPU time in ms: ru_utime + ru_stime). */
  async usage(): Promise<{ index: number; cpuMs: number }[]> {
    return Promise.all(this.slots.map(async (s) => {
      const u = await s.worker.getResourceUsage();
      return { index: s.index, cpuMs: u.ru_utime + u.ru_stime };
    }));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.slots) s.worker.close();
  }
}
