import { DualrecError } from '../../core/errors.js';
import type { Logger } from '../../platform/log.js';

/**
 * The stages of a chained, durable pipeline. `I` is what is handed in, `P` what `prepare` made of
 * it, `S` an item after `seal`, `R` what the caller gets back.
 */
export interface PipelineStages<I, P, S, R> {
  /** Runs ahead of the others, several at once (reading, measuring). A failure fails this item alone. */
  prepare(input: I): Promise<P>;
  /**
   * Strictly one at a time, in input order: seals the item after the current chain head without
   * moving it (may run off the event loop). Failing fails this item alone (nothing after it has
   * been sealed). A result is dropped, and the item sealed again, when a failure rolled the chain
   * head back while it ran.
   */
  seal(prepared: P, input: I): Promise<S>;
  /**
   * A prepared value is no longer needed: its item was sealed (and the seal holds) or failed.
   * Called once per value `prepare` made (buffers lent for it can go back).
   */
  releasePrepared(prepared: P): void;
  /** A seal result is dropped (a rollback happened while it ran) and will never be written. */
  dropSealed(sealed: S): void;
  /** Synchronously moves the chain head past `sealed` (the seal just resolved and still holds). */
  advance(sealed: S): void;
  /** Several at once: makes the sealed item durable (its file). */
  write(sealed: S): Promise<void>;
  /** In order, one at a time: commits consecutive written items in one transaction. */
  commit(group: S[]): Promise<void>;
  /** After the commit, per item (deleting the plaintext); resolves to the caller's result. Must not throw. */
  finish(sealed: S, input: I): Promise<R>;
  /** Moves the chain head back to where it was before `sealed` (which failed). */
  rollback(sealed: S): void;
  /** Removes what `write` made for an item that will not be committed. */
  discard(sealed: S): Promise<void>;
  /** Why nothing more may be sealed (the key is gone), or null. */
  closedReason(input: I): Error | null;
  /** Names an item in messages. */
  describe(sealed: S): string;
}

type State = 'waiting' | 'preparing' | 'prepared' | 'sealing' | 'writing' | 'written' | 'committing' | 'failed';

interface Job<I, P, S, R> {
  input: I;
  state: State;
  resolve: (r: R) => void;
  reject: (err: unknown) => void;
  prepared?: P;
  prepareError?: unknown;
  sealed?: S;
  /** Settles when the write has ended either way; `written` says whether the file is there. */
  writeSettled?: Promise<void>;
  written?: boolean;
}

/**
 * Runs items through prepare -> seal -> write -> commit -> finish with at most `depth` items
 * between prepare and commit. Seal and commit keep input order; prepares and writes overlap; each
 * commit takes every written item at the front of the line at once (group commit), and a lone item
 * goes straight through without waiting.
 *
 * When a sealed item fails (its write or its commit), it and every later sealed item fail, the
 * chain head is rolled back to before it, and what their writes made is discarded before anything
 * else is sealed; items not sealed yet go on after that. A failed group commit is retried one item
 * at a time, so only the item that fails, and those after it, fail.
 */
export class SealPipeline<I, P, S, R> {
  private readonly jobs: Job<I, P, S, R>[] = [];
  private committing = false;
  private commitScheduled = false;
  private commitOneNext = false;
  /** Failures whose files are still being discarded: nothing is sealed until they are done. */
  private recovering = 0;
  /** Counts rollbacks: a seal that ran across one was based on a head that is gone. */
  private epoch = 0;
  private sealing = false;

  constructor(
    private readonly stages: PipelineStages<I, P, S, R>,
    private readonly depth: number,
    private readonly log: Logger,
  ) {}

  push(input: I): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.jobs.push({ input, state: 'waiting', resolve, reject });
      this.pump();
    });
  }

  /** Moves every item as far as it can go now. Called on every change. */
  pump(): void {
    this.startPrepares();
    this.sealNext();
    this.commitFront();
  }

  private startPrepares(): void {
    let busy = this.jobs.filter((j) => j.state !== 'waiting').length;
    for (const job of this.jobs) {
      if (busy >= this.depth) return;
      if (job.state !== 'waiting') continue;
      job.state = 'preparing';
      busy++;
      this.stages
        .prepare(job.input)
        .then(
          (p) => void (job.prepared = p),
          (err: unknown) => void (job.prepareError = err),
        )
        .finally(() => {
          job.state = 'prepared';
          this.pump();
        });
    }
  }

  private sealNext(): void {
    while (this.recovering === 0 && !this.sealing) {
      // The first item not sealed yet: nothing after it is sealed before it.
      const job = this.jobs.find((j) => j.state === 'waiting' || j.state === 'preparing' || j.state === 'prepared');
      if (job?.state !== 'prepared') return;
      const refused = job.prepareError ?? this.stages.closedReason(job.input);
      if (refused) {
        this.settleFailed([job], refused);
        continue;
      }
      job.state = 'sealing';
      this.sealing = true;
      const epoch = this.epoch;
      const sealing = (async () => this.stages.seal(job.prepared!, job.input))();
      sealing.then(
        (sealed) => {
          this.sealing = false;
          if (epoch !== this.epoch || this.recovering > 0) {
            job.state = 'prepared';
            this.stages.dropSealed(sealed);
          } else this.sealed(job, sealed);
          this.pump();
        },
        (err: unknown) => {
          this.sealing = false;
          if (epoch !== this.epoch || this.recovering > 0) job.state = 'prepared';
          else this.settleFailed([job], err);
          this.pump();
        },
      );
    }
  }

  /** `job`'s seal holds: the chain head moves past it and its write starts. */
  private sealed(job: Job<I, P, S, R>, sealed: S): void {
    this.stages.advance(sealed);
    job.sealed = sealed;
    this.stages.releasePrepared(job.prepared!);
    job.prepared = undefined;
    job.state = 'writing';
    job.writeSettled = this.stages.write(sealed).then(
      () => {
        job.written = true;
        if (job.state !== 'writing') return;
        job.state = 'written';
        this.pump();
      },
      (err: unknown) => {
        job.written = false;
        if (job.state === 'writing') this.fail(job, err);
      },
    );
  }

  /**
   * Commits after the I/O callbacks of this loop turn (setImmediate): a transaction runs within one
   * microtask drain, so only writes that finished in the same turn can join it.
   */
  private commitFront(): void {
    if (this.committing || this.commitScheduled || this.jobs[0]?.state !== 'written') return;
    this.commitScheduled = true;
    setImmediate(() => {
      this.commitScheduled = false;
      this.commitNow();
    });
  }

  private commitNow(): void {
    if (this.committing) return;
    const group: Job<I, P, S, R>[] = [];
    for (const job of this.jobs) {
      if (job.state !== 'written') break;
      group.push(job);
      if (this.commitOneNext) break;
    }
    if (group.length === 0) return;
    this.committing = true;
    this.commitOneNext = false;
    for (const job of group) job.state = 'committing';
    this.stages.commit(group.map((j) => j.sealed!)).then(
      () => {
        this.committing = false;
        this.jobs.splice(0, group.length);
        void this.finish(group);
        this.pump();
      },
      (err: unknown) => {
        this.committing = false;
        if (group.length === 1) return this.fail(group[0]!, err);
        for (const job of group) job.state = 'written';
        this.commitOneNext = true;
        this.log.warn({ err, items: group.map((j) => this.stages.describe(j.sealed!)) }, 'group commit failed; committing one at a time');
        this.pump();
      },
    );
  }

  private async finish(group: Job<I, P, S, R>[]): Promise<void> {
    const results = await Promise.all(group.map((j) => this.stages.finish(j.sealed!, j.input)));
    for (const [i, job] of group.entries()) job.resolve(results[i]!);
  }

  /** `job` (sealed, not committed) failed: see the class comment. */
  private fail(job: Job<I, P, S, R>, err: unknown): void {
    const failed = this.jobs.slice(this.jobs.indexOf(job)).filter((j) => j.sealed !== undefined && j.state !== 'failed');
    for (const j of failed) j.state = 'failed';
    this.stages.rollback(job.sealed!);
    this.recovering++;
    this.epoch++;
    const what = this.stages.describe(job.sealed!);
    this.log.error({ err, item: what, alsoFailed: failed.length - 1 }, 'sealing failed; rolled back');
    void (async () => {
      for (const j of failed) {
        await j.writeSettled;
        if (!j.written) continue;
        try {
          await this.stages.discard(j.sealed!);
        } catch (e) {
          this.log.error({ err: e, item: this.stages.describe(j.sealed!) }, 'cannot discard an item that was not committed; left as an orphan');
        }
      }
    })().finally(() => {
      this.recovering--;
      const cascade = new DualrecError('vault.seal_aborted', `${what} failed, so what was sealed after it was dropped: ${(err as Error).message}`, undefined, { cause: err });
      this.settleFailed(failed, err, cascade);
      this.pump();
    });
  }

  /** Takes failed jobs out of the line and rejects them (the first with `err`, the others with `rest`). */
  private settleFailed(jobs: Job<I, P, S, R>[], err: unknown, rest: unknown = err): void {
    for (const [i, job] of jobs.entries()) {
      job.state = 'failed';
      if (job.prepared !== undefined) this.stages.releasePrepared(job.prepared);
      job.prepared = undefined;
      const at = this.jobs.indexOf(job);
      if (at >= 0) this.jobs.splice(at, 1);
      job.reject(i === 0 ? err : rest);
    }
  }
}
