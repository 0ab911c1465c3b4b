import { z } from 'zod';
import { describeIssues, ValidationError } from '../../core/errors.js';

/**
 * Where the S3-compatible evidence store lives. Credentials are NOT part of it: the AWS SDK's
 * default chain reads them from the environment (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY,
 * AWS_PROFILE, an instance or pod role), so no secret is ever written into a config file.
 */
export const S3StoreConfig = z.strictObject({
  bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'an S3 bucket name is 3-63 lowercase letters, digits, dots or dashes'),
  region: z.string().regex(/^[a-z0-9-]{1,40}$/, 'a region is lowercase letters, digits and dashes').default('us-east-1'),
  /** An S3-compatible endpoint (MinIO, Ceph RGW, ...); unset for AWS S3. */
  endpoint: z.url({ protocol: /^https?$/, message: 'endpoint must be an http(s) URL' }).optional(),
  /** Path-style addressing (`endpoint/bucket/key`), which most self-hosted stores need. */
  forcePathStyle: z.boolean().default(false),
  /** Folder inside the bucket, `''` or ending in `/`. */
  prefix: z.string().regex(/^([A-Za-z0-9][A-Za-z0-9._-]*\/)*$/, 'prefix is empty or folder names each ending in /').max(200).default(''),
});
export type S3StoreConfig = z.infer<typeof S3StoreConfig>;

/**
 * Reads the S3 store settings from DUALREC_S3_BUCKET, DUALREC_S3_REGION, DUALREC_S3_ENDPOINT,
 * DUALREC_S3_FORCE_PATH_STYLE (1/true) and DUALREC_S3_PREFIX; null when DUALREC_S3_BUCKET is unset.
 */
export function s3ConfigFromEnv(env: NodeJS.ProcessEnv, prefix = 'DUALREC_S3_'): S3StoreConfig | null {
  const bucket = env[`${prefix}BUCKET`];
  if (!bucket) return null;
  const flag = env[`${prefix}FORCE_PATH_STYLE`];
  const r = S3StoreConfig.safeParse({
    bucket,
    region: env[`${prefix}REGION`] || undefined,
    endpoint: env[`${prefix}ENDPOINT`] || undefined,
    forcePathStyle: flag === undefined || flag === '' ? undefined : flag === '1' || flag.toLowerCase() === 'true',
    prefix: env[`${prefix}PREFIX`] || undefined,
  });
  if (!r.success) throw new ValidationError('config.invalid', `S3 store settings (${prefix}*) are invalid: ${describeIssues(r.error.issues)}`);
  return r.data;
}
