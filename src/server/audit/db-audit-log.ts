import type { Kysely, Transaction } from 'kysely';
import { AUDIT_GENESIS, chainEntry, walkAuditChain, type AuditChainItem } from '../../core/audit-chain.js';
import { backoffDelay } from '../../core/backoff.js';
import { canonicalJson } from '../../core/canonical-json.js';
import { IntegrityError, ValidationError } from '../../core/errors.js';
import { parseOrThrow } from '../../core/validate.js';
import type { Logger } from '../../platform/log.js';
import { AUDIT_DETAILS_MAX_BYTES, AuditContent, AuditEntry, type AuditVerifyResult } from '../../protocol/audit.js';
import type { ServerDb } from '../db/schema.js';
import type { AuditEvent, AuditLog } from './audit-log.js';
import { isAuditWriteConflict } from './write-conflict.js';

type Db = Kysely<ServerDb> | Transaction<ServerDb>;
type Row = ServerDb['audit_log'];

/** Appends an event inside the caller's transaction (see DbAuditLog.transact). */
export type AuditInTx = (event: AuditEvent) => Promise<AuditEntry>;

export interface AuditQuery {
  /** Entries with seq >= fromSeq (default 1). */
  fromSeq?: number;
  limit: number;
  /** Only entries on this target. */
  target?: string;
  /** Only entries of these branches; null: every entry, including those without a branch. */
  branches?: readonly string[] | null;
}

export interface AuditLogOptions {
  now?: () => Date;
  log?: Logger;
  /** Attempts of one append before giving up under contention (default 50). */
  maxAttempts?: number;
}

const PAGE = 1000;

export function rowToEntry(r: Row): AuditEntry {
  return {
    seq: Number(r.seq),
    at: r.at,
    actor: r.actor,
    action: r.action,
    target: r.target,
    branchId: r.branch_id,
    details: JSON.parse(r.details_json) as Record<string, unknown>,
    contentSha256: r.content_sha256,
    prevHash: r.prev_hash,
    entryHash: r.entry_hash,
  };
}

/**
 * The audit log in the server database, hash-chained (src/core/audit-chain.ts). Appends are
 * serialised by the database: a transaction reads the head and inserts seq = head + 1 whose
 * prev_hash must be unique; when another instance won the race the insert (or the SQLite write
 * upgrade) fails and the transaction runs again on the new head, so the chain never forks, with
 * any number of server instances on one SQLite file or PostgreSQL. There is no update or delete.
 */
export class DbAuditLog implements AuditLog {
  private readonly now: () => Date;
  private readonly maxAttempts: number;
  /** Transactions run again because another writer appended first (a measure of contention). */
  retries = 0;

  constructor(
    private readonly db: Kysely<ServerDb>,
    private readonly opts: AuditLogOptions = {},
  ) {
    this.now = opts.now ?? (() => new Date());
    this.maxAttempts = opts.maxAttempts ?? 50;
  }

  async append(event: AuditEvent): Promise<void> {
    await this.appendEntry(event);
  }

  async appendEntry(event: AuditEvent): Promise<AuditEntry> {
    return this.transact((_tx, audit) => audit(event));
  }

  /**
   * Runs `work` and its audit entries in ONE transaction: the change and its record commit
   * together or not at all. On a write conflict the whole transaction runs again, so `work` must
   * only touch the database through `tx`.
   */
  async transact<T>(work: (tx: Transaction<ServerDb>, audit: AuditInTx) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.db.transaction().execute(async (tx) => {
          let head: { seq: number; hash: string } | null = null;
          const audit: AuditInTx = async (event) => {
            head ??= await readHead(tx);
            const entry = this.build(event, head.seq + 1, head.hash);
            await tx.insertInto('audit_log').values(entryToRow(entry)).execute();
            head = { seq: entry.seq, hash: entry.entryHash };
            return entry;
          };
          return work(tx, audit);
        });
      } catch (err) {
        if (!isAuditWriteConflict(err) || attempt + 1 >= this.maxAttempts) throw err;
        this.retries++;
        this.opts.log?.debug({ attempt, code: (err as { code?: string }).code }, 'audit append raced another writer; retrying');
        await new Promise((r) => setTimeout(r, backoffDelay(attempt, { baseMs: 2, maxMs: 100 })));
      }
    }
  }

  private build(event: AuditEvent, seq: number, prevHash: string): AuditEntry {
    const content = parseOrThrow(
      AuditContent,
      { seq, at: this.now().toISOString(), actor: event.actor, action: event.action, target: event.target, branchId: event.branchId ?? null, details: event.details ?? {} },
      'audit event',
    );
    let details: string;
    try {
      details = canonicalJson(content.details);
    } catch (cause) {
      throw new ValidationError('audit.bad_details', `audit details of ${event.action} are not JSON-safe: ${(cause as Error).message}`);
    }
    if (Buffer.byteLength(details) > AUDIT_DETAILS_MAX_BYTES) throw new ValidationError('audit.details_too_large', `audit details of ${event.action} exceed ${AUDIT_DETAILS_MAX_BYTES} bytes`);
    // Hash what will be read back (details through JSON), so a round trip verifies.
    return chainEntry({ ...content, details: JSON.parse(details) as Record<string, unknown> }, prevHash);
  }

  async head(): Promise<{ seq: number; entryHash: string } | null> {
    const h = await readHead(this.db);
    return h.seq === 0 ? null : { seq: h.seq, entryHash: h.hash };
  }

  /** Entries in seq order, filtered; each is validated as read back. */
  async list(q: AuditQuery): Promise<AuditEntry[]> {
    let query = this.db
      .selectFrom('audit_log')
      .selectAll()
      .where('seq', '>=', q.fromSeq ?? 1)
      .orderBy('seq')
      .limit(q.limit);
    if (q.target) query = query.where('target', '=', q.target);
    if (q.branches) {
      if (q.branches.length === 0) return [];
      query = query.where('branch_id', 'in', [...q.branches]);
    }
    const rows = await query.execute();
    return rows.map((r) => {
      const parsed = AuditEntry.safeParse(rowToEntry(r));
      if (!parsed.success) throw new IntegrityError('audit.malformed', `audit entry ${Number(r.seq)} is malformed as stored`);
      return parsed.data;
    });
  }

  /**
   * Checks the chain from `fromSeq` (default 1) to `toSeq` (default the head): every entry's
   * content hash, its link to the entry before, and that no seq is missing. Names the first
   * entry that does not hold.
   */
  async verify(range: { fromSeq?: number; toSeq?: number } = {}): Promise<AuditVerifyResult> {
    const head = await this.head();
    const from = Math.max(1, range.fromSeq ?? 1);
    const to = Math.min(range.toSeq ?? Number.MAX_SAFE_INTEGER, head?.seq ?? 0);
    const result = (checked: number, firstBroken: AuditVerifyResult['firstBroken']): AuditVerifyResult => ({
      ok: firstBroken === null,
      fromSeq: to >= from ? from : null,
      toSeq: to >= from ? to : null,
      checked,
      head,
      firstBroken,
    });
    if (to < from) return result(0, null);
    let prevHash = AUDIT_GENESIS;
    if (from > 1) {
      const before = await this.db.selectFrom('audit_log').select('entry_hash').where('seq', '=', from - 1).executeTakeFirst();
      if (!before) return result(0, { seq: from - 1, reason: `entry ${from - 1}, which entry ${from} links to, is missing` });
      prevHash = before.entry_hash;
    }
    let next = from;
    let checked = 0;
    while (next <= to) {
      const rows = await this.db.selectFrom('audit_log').selectAll().where('seq', '>=', next).where('seq', '<=', to).orderBy('seq').limit(PAGE).execute();
      if (rows.length === 0) return result(checked, { seq: next, reason: `entries ${next}..${to} are missing` });
      const items: AuditChainItem[] = [];
      for (const r of rows) {
        const parsed = AuditEntry.safeParse(safeRowToEntry(r));
        if (!parsed.success) {
          const walked = walkAuditChain({ seq: next, prevHash }, items);
          if (walked.broken) return result(checked + walked.nextSeq - next, walked.broken);
          return result(checked + items.length, { seq: Number(r.seq), reason: `entry ${Number(r.seq)} is malformed as stored` });
        }
        items.push({ kind: 'entry', entry: parsed.data });
      }
      const walked = walkAuditChain({ seq: next, prevHash }, items);
      if (walked.broken) return result(checked + (walked.broken.seq - next), walked.broken);
      checked += items.length;
      prevHash = walked.lastHash;
      next = walked.nextSeq;
    }
    return result(checked, null);
  }
}

function safeRowToEntry(r: Row): unknown {
  try {
    return rowToEntry(r);
  } catch {
    return null;
  }
}

function entryToRow(e: AuditEntry): Row {
  return {
    seq: e.seq,
    at: e.at,
    actor: e.actor,
    action: e.action,
    target: e.target,
    branch_id: e.branchId,
    details_json: canonicalJson(e.details),
    content_sha256: e.contentSha256,
    prev_hash: e.prevHash,
    entry_hash: e.entryHash,
  };
}

async function readHead(db: Db): Promise<{ seq: number; hash: string }> {
  const row = await db.selectFrom('audit_log').select(['seq', 'entry_hash']).orderBy('seq', 'desc').limit(1).executeTakeFirst();
  return row ? { seq: Number(row.seq), hash: row.entry_hash } : { seq: 0, hash: AUDIT_GENESIS };
}
