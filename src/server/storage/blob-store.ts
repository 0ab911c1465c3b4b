import type { Readable } from 'node:stream';
import { ValidationError } from '../../core/errors.js';

/**
 * Write-once object storage for evidence. Implementations: the filesystem (default); S3-compatible
 * stores later. Every implementation passes tests/integration/blob-store.suite.ts.
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
}

const KEY_RE = /^[A-Za-z0-9][A-Za-z0-9._-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*)*$/;

/** Rejects keys that could escape the store (`..`, absolute paths, backslashes, empty parts). */
export function checkKey(key: string): string {
  if (key.length > 512 || !KEY_RE.test(key) || key.split('/').some((p) => p === '.' || p === '..')) {
    throw new ValidationError('storage.bad_key', `invalid storage key ${JSON.stringify(key)}`);
  }
  return key;
}
