import type { Kysely, Transaction } from 'kysely';

interface Pending<DB> {
  work: (tx: Transaction<DB>) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

/**
 * Group commit: the transaction bodies handed to run() in the same event-loop turn (after that
 * turn's I/O callbacks) share ONE transaction, so a burst of small writes costs one durable commit
 * (one fsync) instead of one each. Each run() settles only after the shared transaction committed.
 * When the shared transaction fails, every body is run again in a transaction of its own, so a
 * body that throws (a conflict, a constraint) fails alone and the others still commit.
 *
 * Bodies must change state only through `tx` (they may run twice: once in the rolled-back group,
 * once alone). With a single body the cost is one setImmediate.
 */
export class GroupCommitter<DB> {
  private pending: Pending<DB>[] = [];
  private scheduled = false;

  constructor(private readonly db: Kysely<DB>) {}

  run<T>(work: (tx: Transaction<DB>) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ work, resolve: resolve as (v: unknown) => void, reject });
      if (this.scheduled) return;
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        const batch = this.pending;
        this.pending = [];
        void this.flush(batch);
      });
    });
  }

  private async flush(batch: Pending<DB>[]): Promise<void> {
    if (batch.length > 1) {
      let results: unknown[] | null = null;
      try {
        results = await this.db.transaction().execute(async (tx) => {
          const out: unknown[] = [];
          for (const p of batch) out.push(await p.work(tx));
          return out;
        });
      } catch {
        // Fall through: each body alone, so only the one(s) that fail report a failure.
      }
      if (results) {
        for (const [i, p] of batch.entries()) p.resolve(results[i]);
        return;
      }
    }
    for (const p of batch) {
      try {
        p.resolve(await this.db.transaction().execute(p.work));
      } catch (err) {
        p.reject(err);
      }
    }
  }
}
