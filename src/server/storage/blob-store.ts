import type { Readable } from 'node:stream';
import { ConflictError, ValidationError } from '../../core/errors.js';

/**
 * Write-once object storage for evidence. Implementations: the filesystem (default) and
 * S3-compatible object storage with Object Lock (s3-blob-store.ts). Every implementation passes
 * tests/integration/blob-store.suite.ts. There is no overwrite and no unconditional delete.
 */
export interface BlobStore {
  /**
   * Stores bytes under a new key. Storing the same bytes again is a no-op (idempotent); storing
   * different bytes under an existing key throws ConflictError: nothing is ever overwritten.
   */
  put(key: string, data: Uint8Array): Promise<void>;
  /** Stores a local file under a new key, with the same write-once rule. */
  putFile(key: string, path: string): Promise<void>;
  get(key: string): Promise<Buffer>;
  stream(key: string): Promise<Readable>;
  has(key: string): Promise<boolean>;
  size(key: string): Promise<number>;
  /** A local path for tools that need one (FFmpeg), or null if the store is remote. */
  localPath(key: string): string | null;

  // Retention, in the shape of S3 Object Lock (COMPLIANCE mode): nothing stored can be removed
  // unless it was protected, its retention date has passed and it has no legal hold.

  /**
   * Keeps the object until `retainUntil` (ISO time). Setting the same date again is a no-op; a
   * later date extends; an earlier one throws ConflictError (retention is never shortened).
   */
  protect(key: string, retainUntil: string): Promise<void>;
  /** Sets or clears the object's legal hold flag; a held object cannot be removed whatever its date. */
  setLegalHold(key: string, on: boolean): Promise<void>;
  /** The object's retention date (null if never protected) and legal hold flag. NotFoundError if absent. */
  protection(key: string): Promise<BlobProtection>;
  /**
   * Removes an object whose retention has passed (by the store's clock) and which has no legal
   * hold. Throws ConflictError for an unprotected, still retained or held object. Removing an
   * object that is already gone is a no-op.
   */
  removeExpired(key: string): Promise<void>;
  /** Releases connections (remote stores); safe to call twice. */
  close?(): void;
}

export interface BlobProtection {
  retainUntil: string | null;
  legalHold: boolean;
}

/** The ConflictError removeExpired throws for an object it must keep, or null when it may go. */
export function removalRefusal(key: string, p: BlobProtection, now: Date): ConflictError | null {
  if (p.legalHold) return new ConflictError('storage.legal_hold', `${key} is under legal hold; it cannot be removed`);
  if (p.retainUntil === null) return new ConflictError('storage.unprotected', `${key} has no retention date; only evidence whose retention has passed can be removed`);
  if (Date.parse(p.retainUntil) > now.getTime()) return new ConflictError('storage.retained', `${key} is retained until ${p.retainUntil}; it cannot be removed before then`);
  return null;
}

/** The ConflictError protect throws when asked to shorten a retention, or null. */
export function shortenRefusal(key: string, current: string | null, wanted: string): ConflictError | null {
  if (current !== null && Date.parse(wanted) < Date.parse(current)) {
    return new ConflictError('storage.retention_shortened', `${key} is retained until ${current}; retention can be extended but never shortened (asked for ${wanted})`);
  }
  return null;
}

const KEY_RE = /^[A-Za-z0-9][A-Za-z0-9._-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*)*$/;

/** Rejects keys that could escape the store (`..`, absolute paths, backslashes, empty parts). */
export function checkKey(key: string): string {
  if (key.length > 512 || !KEY_RE.test(key) || key.split('/').some((p) => p === '.' || p === '..')) {
    throw new ValidationError('storage.bad_key', `invalid storage key ${JSON.stringify(key)}`);
  }
  return key;
}
