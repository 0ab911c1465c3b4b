import {
  DeleteObjectCommand,
  GetObjectCommand,
  GetObjectLegalHoldCommand,
  GetObjectRetentionCommand,
  HeadObjectCommand,
  PutObjectCommand,
  PutObjectLegalHoldCommand,
  PutObjectRetentionCommand,
  S3Client,
  type HeadObjectCommandOutput,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable, Transform } from 'node:stream';
import { ConflictError, DualrecError, IntegrityError, NotFoundError, PayloadTooLargeError } from '../../core/errors.js';
import { parseOrThrow } from '../../core/validate.js';
import { IsoTime } from '../../protocol/ids.js';
import { checkKey, removalRefusal, shortenRefusal, type BlobProtection, type BlobStore } from './blob-store.js';
import { hashFile } from './fs-blob-store.js';
import type { S3StoreConfig } from './s3-config.js';

/** A single PUT carries at most 5 GiB; larger objects would need a multipart upload (not built). */
export const S3_MAX_PUT_BYTES = 5 * 1024 ** 3;

/**
 * BlobStore on S3-compatible object storage with Object Lock (the bucket must have been created
 * with Object Lock enabled, which also turns on versioning).
 * - write-once: every PUT is conditional (`If-None-Match: *`); when the key exists (412) the
 *   stored SHA-256 is compared: the same bytes are a no-op, different bytes a ConflictError;
 * - integrity: every PUT carries `x-amz-checksum-sha256`, so the store rejects a body damaged on
 *   the way, and keeps the checksum; every read asks for it back (`x-amz-checksum-mode: ENABLED`)
 *   and this class re-hashes what it received and compares (IntegrityError on a mismatch);
 * - retention: protect() sets COMPLIANCE-mode retention (nobody, root included, can delete or
 *   shorten it before the date), setLegalHold() the object's legal hold flag; removeExpired()
 *   deletes the object's version only when both allow it, and S3 enforces the same again.
 */
export class S3BlobStore implements BlobStore {
  readonly client: S3Client;

  constructor(
    readonly config: S3StoreConfig,
    opts: { client?: S3Client; credentials?: S3ClientConfig['credentials'] } = {},
  ) {
    this.client =
      opts.client ??
      new S3Client({
        region: config.region,
        endpoint: config.endpoint,
        forcePathStyle: config.forcePathStyle,
        credentials: opts.credentials,
        // Checksums are added where S3 requires them (retention, legal hold) and by us on every
        // PUT; no streaming trailers, which some S3-compatible stores do not accept.
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
      });
  }

  close(): void {
    this.client.destroy();
  }

  private objectKey(key: string): string {
    return `${this.config.prefix}${checkKey(key)}`;
  }

  localPath(): null {
    return null;
  }

  async put(key: string, data: Uint8Array): Promise<void> {
    if (data.length > S3_MAX_PUT_BYTES) throw new PayloadTooLargeError('storage.too_large', `${key} is larger than one S3 PUT (5 GiB)`);
    const sha = createHash('sha256').update(data).digest();
    await this.putOnce(key, sha, () => Buffer.from(data), data.length);
  }

  async putFile(key: string, path: string): Promise<void> {
    const { size } = await stat(path);
    if (size > S3_MAX_PUT_BYTES) throw new PayloadTooLargeError('storage.too_large', `${key} (${size} bytes) is larger than one S3 PUT (5 GiB); multipart upload is not implemented`);
    const sha = Buffer.from(await hashFile(path), 'hex');
    await this.putOnce(key, sha, () => createReadStream(path), size);
  }

  private async putOnce(key: string, sha: Buffer, body: () => Buffer | Readable, length: number): Promise<void> {
    const Key = this.objectKey(key);
    for (let attempt = 0; ; attempt++) {
      try {
        await this.client.send(
          new PutObjectCommand({
            Bucket: this.config.bucket,
            Key,
            Body: body(),
            ContentLength: length,
            ChecksumSHA256: sha.toString('base64'),
            IfNoneMatch: '*',
            Metadata: { sha256: sha.toString('hex') },
          }),
        );
        return;
      } catch (err) {
        const status = httpStatus(err);
        // 409: a concurrent conditional write to the same key is in flight; look again.
        if (status === 409 && attempt < 3) continue;
        if (status !== 412 && status !== 409) throw mapError(err, key);
      }
      const head = await this.head(key, true);
      if (storedSha256(head) === sha.toString('hex')) return;
      throw new ConflictError('storage.exists', `${key} is already stored with different content; evidence is never overwritten`);
    }
  }

  async get(key: string): Promise<Buffer> {
    const res = await this.call(key, () => this.client.send(new GetObjectCommand({ Bucket: this.config.bucket, Key: this.objectKey(key), ChecksumMode: 'ENABLED' })));
    if (!res.Body) throw new IntegrityError('storage.empty_response', `the object store returned no body for ${key}`);
    const body = res.Body;
    // The SDK checks the checksum while reading (its error becomes an IntegrityError); this class checks again.
    const bytes = Buffer.from(await this.call(key, () => body.transformToByteArray()));
    checkSha256(key, createHash('sha256').update(bytes).digest('hex'), storedSha256(res));
    return bytes;
  }

  async stream(key: string): Promise<Readable> {
    const res = await this.call(key, () => this.client.send(new GetObjectCommand({ Bucket: this.config.bucket, Key: this.objectKey(key), ChecksumMode: 'ENABLED' })));
    if (!(res.Body instanceof Readable)) throw new IntegrityError('storage.empty_response', `the object store returned no body stream for ${key}`);
    const expected = storedSha256(res);
    const hash = createHash('sha256');
    const check = new Transform({
      transform(chunk: Buffer, _enc, done) {
        hash.update(chunk);
        done(null, chunk);
      },
      flush(done) {
        try {
          checkSha256(key, hash.digest('hex'), expected);
          done();
        } catch (err) {
          done(err as Error);
        }
      },
    });
    res.Body.on('error', (err) => check.destroy(mapError(err, key)));
    return res.Body.pipe(check);
  }

  async has(key: string): Promise<boolean> {
    try {
      await this.head(key, false);
      return true;
    } catch (err) {
      if (err instanceof NotFoundError) return false;
      throw err;
    }
  }

  async size(key: string): Promise<number> {
    return (await this.head(key, false)).ContentLength ?? 0;
  }

  async protect(key: string, retainUntil: string): Promise<void> {
    const until = parseOrThrow(IsoTime, retainUntil, `retention date of ${key}`);
    const head = await this.head(key, false);
    const current = await this.retention(key, head.VersionId);
    const refusal = shortenRefusal(key, current, until);
    if (refusal) throw refusal;
    if (current !== null && Date.parse(current) >= Date.parse(until)) return;
    await this.call(key, () => this.client.send(new PutObjectRetentionCommand({
        Bucket: this.config.bucket,
        Key: this.objectKey(key),
        VersionId: head.VersionId,
        Retention: { Mode: 'COMPLIANCE', RetainUntilDate: new Date(until) },
      })),
    );
  }

  async setLegalHold(key: string, on: boolean): Promise<void> {
    const head = await this.head(key, false);
    await this.call(key, () => this.client.send(new PutObjectLegalHoldCommand({ Bucket: this.config.bucket, Key: this.objectKey(key), VersionId: head.VersionId, LegalHold: { Status: on ? 'ON' : 'OFF' } })));
  }

  async protection(key: string): Promise<BlobProtection> {
    const head = await this.head(key, false);
    return { retainUntil: await this.retention(key, head.VersionId), legalHold: await this.legalHold(key, head.VersionId) };
  }

  async removeExpired(key: string): Promise<void> {
    let head: HeadObjectCommandOutput;
    try {
      head = await this.head(key, false);
    } catch (err) {
      if (err instanceof NotFoundError) return;
      throw err;
    }
    const p = { retainUntil: await this.retention(key, head.VersionId), legalHold: await this.legalHold(key, head.VersionId) };
    const refusal = removalRefusal(key, p, new Date());
    if (refusal) throw refusal;
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.config.bucket, Key: this.objectKey(key), VersionId: head.VersionId }));
    } catch (err) {
      // The store's own lock (its clock, a bucket default retention) still holds the version.
      if (httpStatus(err) === 403) throw new ConflictError('storage.retained', `the object store refused to delete ${key}: its Object Lock still protects it`, undefined, { cause: err });
      throw mapError(err, key);
    }
  }

  private async head(key: string, checksum: boolean): Promise<HeadObjectCommandOutput> {
    return this.call(key, () => this.client.send(new HeadObjectCommand({ Bucket: this.config.bucket, Key: this.objectKey(key), ChecksumMode: checksum ? 'ENABLED' : undefined })));
  }

  private async retention(key: string, versionId: string | undefined): Promise<string | null> {
    try {
      const r = await this.client.send(new GetObjectRetentionCommand({ Bucket: this.config.bucket, Key: this.objectKey(key), VersionId: versionId }));
      return r.Retention?.RetainUntilDate ? r.Retention.RetainUntilDate.toISOString() : null;
    } catch (err) {
      if (isNoLockConfig(err)) return null;
      throw mapError(err, key);
    }
  }

  private async legalHold(key: string, versionId: string | undefined): Promise<boolean> {
    try {
      const r = await this.client.send(new GetObjectLegalHoldCommand({ Bucket: this.config.bucket, Key: this.objectKey(key), VersionId: versionId }));
      return r.LegalHold?.Status === 'ON';
    } catch (err) {
      if (isNoLockConfig(err)) return false;
      throw mapError(err, key);
    }
  }

  /** Runs one request, mapping S3 errors to ours (404 NotFoundError, checksum IntegrityError). */
  private async call<T>(key: string, request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (err) {
      throw mapError(err, key);
    }
  }
}

function httpStatus(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}

function errorName(err: unknown): string {
  return (err as { name?: string }).name ?? '';
}

/** S3 answers a GET of retention or legal hold on an object that has none with one of these. */
function isNoLockConfig(err: unknown): boolean {
  return ['NoSuchObjectLockConfiguration', 'ObjectLockConfigurationNotFoundError'].includes(errorName(err));
}

function mapError(err: unknown, key: string): Error {
  if (err instanceof DualrecError) return err;
  const status = httpStatus(err);
  const name = errorName(err);
  if (status === 404 || name === 'NoSuchKey' || name === 'NotFound') return new NotFoundError('storage.not_found', `${key} is not stored`);
  if (/checksum/i.test(String((err as Error).message))) return new IntegrityError('storage.checksum_mismatch', `${key}: ${(err as Error).message}`, undefined, { cause: err });
  return new DualrecError('storage.s3_failed', `object store request for ${key} failed: ${name || 'error'}${status ? ` (HTTP ${status})` : ''}: ${(err as Error).message}`, undefined, { cause: err });
}

/** The SHA-256 (hex) the store keeps for an object: its x-amz-checksum-sha256, else our metadata. */
function storedSha256(res: { ChecksumSHA256?: string; Metadata?: Record<string, string> }): string | null {
  if (res.ChecksumSHA256 && /^[A-Za-z0-9+/]{43}=$/.test(res.ChecksumSHA256)) return Buffer.from(res.ChecksumSHA256, 'base64').toString('hex');
  const meta = res.Metadata?.sha256;
  return meta && /^[0-9a-f]{64}$/.test(meta) ? meta : null;
}

function checkSha256(key: string, actual: string, expected: string | null): void {
  if (expected === null) throw new IntegrityError('storage.no_checksum', `the object store returned no SHA-256 for ${key}, so it cannot be checked`);
  if (actual !== expected) throw new IntegrityError('storage.checksum_mismatch', `${key}: received bytes hash to ${actual.slice(0, 16)}…, the store recorded ${expected.slice(0, 16)}…`);
}
