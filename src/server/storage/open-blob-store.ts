import { join } from 'node:path';
import type { BlobStore } from './blob-store.js';
import { FsBlobStore } from './fs-blob-store.js';
import { S3BlobStore } from './s3-blob-store.js';
import { s3ConfigFromEnv } from './s3-config.js';

/**
 * The evidence store of a data folder: S3-compatible object storage when DUALREC_S3_BUCKET is set
 * (see s3-config.ts; credentials from the AWS SDK's default chain, never from a file), else the
 * write-once filesystem store in `<dataDir>/store`.
 */
export function openBlobStore(dataDir: string, env: NodeJS.ProcessEnv = process.env): BlobStore {
  const s3 = s3ConfigFromEnv(env);
  return s3 ? new S3BlobStore(s3) : new FsBlobStore(join(dataDir, 'store'));
}
