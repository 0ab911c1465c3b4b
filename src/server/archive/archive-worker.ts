import type { Kysely } from 'kysely';
import { IntegrityError } from '../../core/errors.js';
import type { Logger } from '../../platform/log.js';
import type { ServerDb } from '../db/schema.js';
import type { Archiver } from './archiver.js';
import type { JobHandler, JobKind, JobQueue } from './job-queue.js';

/** Least time between two progress writes of a running job, ms. */
const PROGRESS_EVERY_MS = 1000;

/**
 * Runs queued archive jobs one at a time, each by its kind's handler (finalize: the archiver). A job whose evidence does not verify fails at once and
 * marks the session failed with the reason; other failures (a missing ffmpeg, a full disk) retry
 * with backoff up to the configured attempts. A running job writes its progress (0..1) into
 * `jobs.progress` about once a second. `close()` kills a job in progress; it stays `running` and
 * `recover()` re-queues it at the next start without counting a failure.
 */
export class ArchiveWorker {
  private timer: NodeJS.Timeout | null = null;
  private busy: Promise<void> | null = null;
  private closed = false;
  private readonly abort = new AbortController();
  private progressWrite: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly db: Kysely<ServerDb>,
    private readonly queue: JobQueue,
    archiver: Archiver,
    private readonly pollMs: number,
    private readonly log: Logger,
    /** Handlers of the other job kinds (finalize is the archiver's). */
    handlers: Partial<Record<Exclude<JobKind, 'finalize'>, JobHandler>> = {},
  ) {
    this.handlers = { ...handlers, finalize: this.finalizeHandler(archiver) };
  }

  private readonly handlers: Partial<Record<JobKind, JobHandler>>;

  private finalizeHandler(archiver: Archiver): JobHandler {
    return {
      run: async (sessionId, ctx) => {
        await archiver.finalize(sessionId, ctx);
      },
      gaveUp: async (sessionId, message) => {
        // Never turn an archived session into a failed one (a rerun after a crash may fail late).
        const archived = await this.db.selectFrom('archives').select('session_id').where('session_id', '=', sessionId).executeTakeFirst();
        if (!archived) await this.db.updateTable('sessions').set({ status: 'failed', failure: message }).where('session_id', '=', sessionId).execute();
      },
    };
  }

  async start(): Promise<void> {
    const n = await this.queue.recover();
    if (n > 0) this.log.warn({ jobs: n }, 're-queued jobs interrupted by a restart');
    this.schedule(0);
  }

  /** Looks for work now (a job was just queued). */
  kick(): void {
    if (!this.busy) this.schedule(0);
  }

  private schedule(ms: number): void {
    if (this.closed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.busy = this.drain()
        .catch((err: unknown) => this.log.error({ err }, 'archive worker error; retrying at the next poll'))
        .finally(() => {
        this.busy = null;
        this.schedule(this.pollMs);
      });
    }, ms);
  }

  private async drain(): Promise<void> {
    while (!this.closed) {
      const job = await this.queue.claim();
      if (!job) return;
      const log = this.log.child({ jobId: job.jobId, sessionId: job.sessionId, attempt: job.attempts });
      const handler = this.handlers[job.kind];
      try {
        if (!handler) throw new Error(`no handler for job kind ${job.kind} in this server`);
        await handler.run(job.sessionId, { signal: this.abort.signal, onProgress: this.progressWriter(job.jobId) });
        await this.queue.complete(job.jobId);
      } catch (err) {
        if (this.closed) {
          log.info('archive job interrupted by shutdown; it resumes at the next start');
          return;
        }
        const message = (err as Error).message;
        const gaveUp = await this.queue.fail(job, message, err instanceof IntegrityError);
        log.error({ err: message, gaveUp, kind: job.kind }, 'archive job failed');
        if (gaveUp) await handler?.gaveUp?.(job.sessionId, message);
      }
    }
  }

  /** Writes a job's progress at most once a second (and always the end); a failed write is logged, not fatal. */
  private progressWriter(jobId: number): (fraction: number) => void {
    let last = 0;
    return (fraction) => {
      const now = Date.now();
      if (fraction < 1 && now - last < PROGRESS_EVERY_MS) return;
      last = now;
      const value = Math.round(fraction * 1000) / 1000;
      this.progressWrite = this.progressWrite.then(() =>
        this.db
          .updateTable('jobs')
          .set({ progress: value })
          .where('job_id', '=', jobId)
          .execute()
          .catch((err: unknown) => this.log.warn({ err, jobId }, 'could not record job progress')),
      );
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.abort.abort();
    await this.busy;
    // Stop renewing the lease of an interrupted job, so another instance can take it over.
    this.queue.close();
    await this.progressWrite;
  }
}
