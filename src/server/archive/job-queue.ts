import type { Kysely, Transaction, Updateable } from 'kysely';
import { backoffDelay } from '../../core/backoff.js';
import { ConflictError } from '../../core/errors.js';
import type { Logger } from '../../platform/log.js';
import { dialectOf } from '../db/portable.js';
import type { ServerDb } from '../db/schema.js';

/** finalize: verify, join and render a finished session (issue 5); machine_review: the machine's review of an archived session (issue 8). */
export type JobKind = 'finalize' | 'machine_review';

/** What a job kind does with a claimed job. Throwing IntegrityError fails it at once; any other error retries with backoff. */
export interface JobHandler {
  run(sessionId: string, ctx: { signal: AbortSignal; onProgress: (fraction: number) => void }): Promise<void>;
  /** Called once when the job has failed for good (after its last attempt), with the last error. */
  gaveUp?(sessionId: string, message: string): Promise<void>;
}

export interface Job {
  jobId: number;
  kind: JobKind;
  sessionId: string;
  /** Counts claims; also the claim's token: only the latest claimant may complete or fail the job. */
  attempts: number;
}

/** Adds a job inside the caller's transaction, so the job exists exactly when its cause does. */
export async function enqueueJob(tx: Transaction<ServerDb> | Kysely<ServerDb>, kind: JobKind, sessionId: string, now: string): Promise<void> {
  await tx.insertInto('jobs').values({ kind, session_id: sessionId, state: 'queued', attempts: 0, run_after: now, last_error: null, created_at: now, updated_at: now }).execute();
}

export interface JobQueueOptions {
  /** How long a claim holds a running job without renewal, ms. Renewed every third of it. */
  leaseMs?: number;
  log?: Logger;
}

/**
 * A durable job queue in the database, safe for several server instances on one database.
 *
 * - Claiming is one statement: `UPDATE jobs … WHERE job_id = (SELECT … LIMIT 1 [FOR UPDATE SKIP
 *   LOCKED]) RETURNING *`. On PostgreSQL the row lock makes concurrent claimers skip each other's
 *   job; on SQLite the statement runs under the database's single write lock. Either way a job is
 *   handed to one claimant.
 * - A claimed job is `running` with a lease: `run_after` holds the lease's end while running (and
 *   the earliest next try while queued). The queue renews the lease while the job runs; a job whose
 *   lease ran out (its instance died or hung) is claimable again, by any instance. So a restart never
 *   re-runs a job another instance is still running.
 * - `complete` and `fail` apply only while the caller's claim is the latest (`attempts` matches); a
 *   claimant that lost its lease gets a ConflictError instead of overwriting the new run.
 * Instances compare ISO times from their own clocks: keep them NTP-synchronised (skew far below
 * the lease).
 */
export class JobQueue {
  private readonly leaseMs: number;
  /** Jobs this queue claimed and has not completed or failed yet, with their lease renewal. */
  private readonly held = new Map<number, { job: Job; renewal: NodeJS.Timeout }>();

  constructor(
    private readonly db: Kysely<ServerDb>,
    private readonly maxAttempts: number,
    private readonly opts: JobQueueOptions = {},
  ) {
    this.leaseMs = opts.leaseMs ?? 60_000;
  }

  /**
   * At start: re-queues jobs a crash interrupted; returns how many. SQLite serves one process, so
   * every running job is this process's previous life and runs again at once. On PostgreSQL other
   * instances may be running jobs: only lapsed leases are re-queued (a crashed instance's job
   * waits at most one lease).
   */
  async recover(): Promise<number> {
    const now = new Date().toISOString();
    const r = await this.db
      .updateTable('jobs')
      .set({ state: 'queued', run_after: now, updated_at: now })
      .where('state', '=', 'running')
      .$if(dialectOf(this.db) !== 'sqlite', (qb) => qb.where('run_after', '<=', now))
      .executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  /** Takes the oldest ready job (queued and due, or running with a lapsed lease), or null. */
  async claim(): Promise<Job | null> {
    const now = new Date().toISOString();
    const postgres = dialectOf(this.db) === 'postgres';
    const row = await this.db
      .updateTable('jobs')
      .set((eb) => ({ state: 'running', attempts: eb('attempts', '+', 1), run_after: this.leaseEnd(), updated_at: now }))
      .where('job_id', '=', (eb) =>
        eb
          .selectFrom('jobs')
          .select('job_id')
          .where('state', 'in', ['queued', 'running'])
          .where('run_after', '<=', now)
          .orderBy('job_id')
          .limit(1)
          .$if(postgres, (qb) => qb.forUpdate().skipLocked()),
      )
      .where('state', 'in', ['queued', 'running'])
      .where('run_after', '<=', now)
      .returningAll()
      .executeTakeFirst();
    if (!row) return null;
    const job: Job = { jobId: row.job_id, kind: row.kind as JobKind, sessionId: row.session_id, attempts: row.attempts };
    this.keepLease(job);
    return job;
  }

  /** Marks a job this queue claimed as done. */
  async complete(jobId: number): Promise<void> {
    const job = this.held.get(jobId)?.job;
    if (!job) throw new ConflictError('job.not_claimed', `job ${jobId} is not claimed by this queue`);
    this.stopLease(job);
    const r = await this.updateMine(job, { state: 'done', last_error: null });
    if (r === 0) throw lostLease(job);
  }

  /**
   * Records a failure; retries later with backoff, or gives up after maxAttempts. Returns true when
   * given up. A claim that lost its lease changes nothing and returns false (the new claimant decides).
   */
  async fail(job: Job, error: string, permanent: boolean): Promise<boolean> {
    this.stopLease(job);
    const giveUp = permanent || job.attempts >= this.maxAttempts;
    const runAfter = new Date(Date.now() + backoffDelay(job.attempts, { baseMs: 2000, maxMs: 300_000 })).toISOString();
    const r = await this.updateMine(job, { state: giveUp ? 'failed' : 'queued', last_error: error, run_after: runAfter });
    if (r === 0) {
      this.opts.log?.warn({ jobId: job.jobId, attempt: job.attempts }, 'job failure not recorded: another claim took the job over after its lease ran out');
      return false;
    }
    return giveUp;
  }

  /** Stops renewing every lease (the process is shutting down; unfinished jobs lapse and are taken over). */
  close(): void {
    for (const h of this.held.values()) clearInterval(h.renewal);
    this.held.clear();
  }

  /** Updates the job only while `job` is its latest claim; returns the rows changed (0 or 1). */
  private async updateMine(job: Job, values: Updateable<ServerDb['jobs']>): Promise<number> {
    const r = await this.db
      .updateTable('jobs')
      .set({ ...values, updated_at: new Date().toISOString() })
      .where('job_id', '=', job.jobId)
      .where('state', '=', 'running')
      .where('attempts', '=', job.attempts)
      .executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  private leaseEnd(): string {
    return new Date(Date.now() + this.leaseMs).toISOString();
  }

  private keepLease(job: Job): void {
    const stale = this.held.get(job.jobId);
    if (stale) clearInterval(stale.renewal);
    const renewal = setInterval(() => {
      this.updateMine(job, { run_after: this.leaseEnd() })
        .then((n) => {
          if (n > 0) return;
          this.stopLease(job);
          this.opts.log?.warn({ jobId: job.jobId, attempt: job.attempts }, 'job lease lost: another claim took the job over');
        })
        .catch((err: unknown) => this.opts.log?.warn({ err, jobId: job.jobId }, 'job lease renewal failed; retrying at the next renewal'));
    }, Math.max(100, Math.floor(this.leaseMs / 3)));
    renewal.unref();
    this.held.set(job.jobId, { job, renewal });
  }

  private stopLease(job: Job): void {
    const h = this.held.get(job.jobId);
    if (h?.job.attempts !== job.attempts) return;
    clearInterval(h.renewal);
    this.held.delete(job.jobId);
  }
}

function lostLease(job: Job): ConflictError {
  return new ConflictError('job.lease_lost', `job ${job.jobId} (session ${job.sessionId}) was taken over by another claim after its lease ran out; this run's result is not recorded`);
}
