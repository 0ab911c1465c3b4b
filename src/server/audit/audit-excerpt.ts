import type { Kysely } from 'kysely';
import { IntegrityError } from '../../core/errors.js';
import { AuditEntry } from '../../protocol/audit.js';
import type { AuditExcerpt } from '../../protocol/evidence-package.js';
import type { ServerDb } from '../db/schema.js';
import { rowToEntry } from './db-audit-log.js';

/** Largest run of undisclosed entries carried (as content hashes) between two disclosed ones. */
export const DEFAULT_EXCERPT_MAX_GAP = 10_000;

type Item = AuditExcerpt['runs'][number][number];

/**
 * The audit entries about `target`, as runs that each re-hash into one unbroken piece of the
 * chain: between two disclosed entries at most `maxGap` others, carried as `(seq, contentSha256)`
 * only (their content stays private); a longer gap starts a new run. The last run is carried on to
 * the current head when the gap allows, so the package commits to the chain as of the export.
 */
export async function buildAuditExcerpt(db: Kysely<ServerDb>, target: string, maxGap = DEFAULT_EXCERPT_MAX_GAP): Promise<AuditExcerpt> {
  const rows = await db.selectFrom('audit_log').selectAll().where('target', '=', target).orderBy('seq').execute();
  const head = await db.selectFrom('audit_log').select(['seq', 'entry_hash']).orderBy('seq', 'desc').limit(1).executeTakeFirst();
  if (rows.length === 0 || !head) throw new IntegrityError('audit.no_entries', `the audit log has no entries about ${target}`);
  const between = async (from: number, to: number): Promise<Item[]> => {
    if (to < from) return [];
    const hashes = await db.selectFrom('audit_log').select(['seq', 'content_sha256']).where('seq', '>=', from).where('seq', '<=', to).orderBy('seq').execute();
    return hashes.map((h) => ({ seq: Number(h.seq), contentSha256: h.content_sha256 }));
  };
  const runs: Item[][] = [];
  let last = 0;
  for (const r of rows) {
    const entry = AuditEntry.parse(rowToEntry(r));
    const run = runs.at(-1);
    if (run && entry.seq - last - 1 <= maxGap) run.push(...(await between(last + 1, entry.seq - 1)), { entry });
    else runs.push([{ entry }]);
    last = entry.seq;
  }
  const headSeq = Number(head.seq);
  if (headSeq - last <= maxGap) runs.at(-1)!.push(...(await between(last + 1, headSeq)));
  return { v: 1, target, maxGap, head: { seq: headSeq, entryHash: head.entry_hash }, runs };
}
