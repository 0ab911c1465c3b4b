import type { AuditContent, AuditEntry } from '../protocol/audit.js';
import { canonicalJson } from './canonical-json.js';
import { sha256Hex } from './chain.js';

/**
 * The audit log's hash chain. Each entry's hash commits to the previous entry's hash and to the
 * SHA-256 of its own content (canonical JSON, including its seq), so an edited, removed, inserted
 * or reordered entry breaks the chain from that entry on. Splitting content hash and link lets an
 * excerpt prove the link across entries it does not disclose: for those it carries only
 * `(seq, contentSha256)`.
 */
export const AUDIT_GENESIS = sha256Hex('dualrec-audit-genesis-v1');
const LINK_TAG = 'dualrec-audit-link-v1';

export function auditContentSha256(c: AuditContent): string {
  return sha256Hex(canonicalJson({ v: 1, seq: c.seq, at: c.at, actor: c.actor, action: c.action, target: c.target, branchId: c.branchId, details: c.details }));
}

export function auditLink(prevHash: string, contentSha256: string): string {
  return sha256Hex(`${LINK_TAG}\n${prevHash}\n${contentSha256}`);
}

/** Builds the chain fields of the entry that follows `prevHash`. */
export function chainEntry(c: AuditContent, prevHash: string): AuditEntry {
  const contentSha256 = auditContentSha256(c);
  return { ...c, contentSha256, prevHash, entryHash: auditLink(prevHash, contentSha256) };
}

/** An entry in a chain walk: a full entry, or only its seq and content hash (undisclosed). */
export type AuditChainItem = { kind: 'entry'; entry: AuditEntry } | { kind: 'hash'; seq: number; contentSha256: string };

export interface AuditBreak {
  seq: number;
  reason: string;
}

/**
 * Walks consecutive entries from `start` (the seq expected first and the hash it must link to).
 * Returns the hash of the last item and the first break (null when every item holds).
 */
export function walkAuditChain(start: { seq: number; prevHash: string }, items: Iterable<AuditChainItem>): { lastHash: string; nextSeq: number; broken: AuditBreak | null } {
  let prev = start.prevHash;
  let seq = start.seq;
  for (const item of items) {
    const itemSeq = item.kind === 'entry' ? item.entry.seq : item.seq;
    if (itemSeq !== seq) {
      return { lastHash: prev, nextSeq: seq, broken: { seq: Math.min(seq, itemSeq), reason: itemSeq > seq ? `entries ${seq}..${itemSeq - 1} are missing` : `entry ${itemSeq} is out of order (expected ${seq})` } };
    }
    if (item.kind === 'hash') {
      prev = auditLink(prev, item.contentSha256);
    } else {
      const e = item.entry;
      const content = auditContentSha256(e);
      if (content !== e.contentSha256) return { lastHash: prev, nextSeq: seq, broken: { seq, reason: `entry ${seq} was altered: its content does not hash to its recorded content hash` } };
      if (e.prevHash !== prev) return { lastHash: prev, nextSeq: seq, broken: { seq, reason: `entry ${seq} does not link to entry ${seq - 1} (previous hash differs)` } };
      const link = auditLink(prev, content);
      if (link !== e.entryHash) return { lastHash: prev, nextSeq: seq, broken: { seq, reason: `entry ${seq} has a wrong entry hash` } };
      prev = link;
    }
    seq++;
  }
  return { lastHash: prev, nextSeq: seq, broken: null };
}
