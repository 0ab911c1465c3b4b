import type { KeyObject } from 'node:crypto';
import { verifyEd25519 } from '../../core/evidence-package.js';
import type { AuditEntry } from '../../protocol/audit.js';
import type { KeyProvider } from '../keys/key-provider.js';
import type { DbAuditLog } from './db-audit-log.js';

export const CHECKPOINT_ACTION = 'audit.checkpoint';

/** What a checkpoint signs: the seq and entry hash of the head it vouches for. */
export function checkpointMessage(seq: number, entryHash: string): Buffer {
  return Buffer.from(`dualrec-audit-head-v1\n${seq}\n${entryHash}\n`, 'utf8');
}

/**
 * Signs the audit log's head with the archive signing key and appends it as an `audit.checkpoint`
 * entry. Someone who can rewrite the database but not sign (the key in an HSM, or kept off the
 * database host) can then no longer rebuild the chain up to a checkpoint unnoticed. Does nothing
 * when the head is already a checkpoint. Returns the new entry, or null.
 */
export async function signAuditHead(audit: DbAuditLog, keys: KeyProvider): Promise<AuditEntry | null> {
  const head = await audit.head();
  if (!head) return null;
  const [last] = await audit.list({ fromSeq: head.seq, limit: 1 });
  if (last?.action === CHECKPOINT_ACTION) return null;
  const signature = (await keys.sign(checkpointMessage(head.seq, head.entryHash))).toString('base64');
  return audit.appendEntry({ actor: 'system', action: CHECKPOINT_ACTION, target: 'audit', branchId: null, details: { seq: head.seq, entryHash: head.entryHash, keyId: keys.signingKeyId, signature } });
}

export interface CheckpointResult {
  checked: number;
  /** The first checkpoint that does not hold, and why. */
  broken: { seq: number; reason: string } | null;
}

/** Checks every checkpoint's signature with the archive public key, and that the entry it names still has that hash. */
export async function verifyCheckpoints(audit: DbAuditLog, publicKey: KeyObject): Promise<CheckpointResult> {
  let checked = 0;
  for (let from = 1; ; ) {
    const all = await audit.list({ fromSeq: from, limit: 1000, target: 'audit' });
    for (const cp of all.filter((e) => e.action === CHECKPOINT_ACTION)) {
      const d = cp.details as { seq?: unknown; entryHash?: unknown; signature?: unknown };
      if (typeof d.seq !== 'number' || typeof d.entryHash !== 'string' || typeof d.signature !== 'string') return { checked, broken: { seq: cp.seq, reason: `checkpoint ${cp.seq} is malformed` } };
      if (!verifyEd25519(checkpointMessage(d.seq, d.entryHash), Buffer.from(d.signature, 'base64'), publicKey)) return { checked, broken: { seq: cp.seq, reason: `checkpoint ${cp.seq}: the archive signature does not verify` } };
      const [named] = await audit.list({ fromSeq: d.seq, limit: 1 });
      if (named?.seq !== d.seq || named.entryHash !== d.entryHash) return { checked, broken: { seq: d.seq, reason: `entry ${d.seq} no longer has the hash checkpoint ${cp.seq} signed` } };
      checked++;
    }
    if (all.length < 1000) return { checked, broken: null };
    from = all.at(-1)!.seq + 1;
  }
}
