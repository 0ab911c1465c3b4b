import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { IntegrityError, PayloadTooLargeError } from '../../core/errors.js';

export interface ReceivedArtifact {
  path: string;
  /** base64 SHA-512, the form electron-updater's latest.yml carries. */
  sha512: string;
  size: number;
  /** Removes the temporary file; safe to call twice. */
  discard(): Promise<void>;
}

/**
 * Streams an upload into a temporary file in `dir`, hashing (SHA-512) and counting as it goes.
 * More than `maxBytes`, an empty body, or a hash other than `expectedSha512` (when given) fails
 * with nothing left behind.
 */
export async function receiveArtifact(body: Readable, dir: string, maxBytes: number, expectedSha512: string | null): Promise<ReceivedArtifact> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, `artifact-${randomBytes(8).toString('hex')}.tmp`);
  const hash = createHash('sha512');
  let size = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      size += chunk.length;
      if (size > maxBytes) {
        done(new PayloadTooLargeError('release.too_large', `the artifact is larger than the ${maxBytes} bytes a release artifact may have`));
        return;
      }
      hash.update(chunk);
      done(null, chunk);
    },
  });
  const discard = () => rm(path, { force: true });
  try {
    await pipeline(body, meter, createWriteStream(path, { flags: 'wx', mode: 0o600 }));
    if (size === 0) throw new IntegrityError('release.empty_artifact', 'the uploaded artifact is empty');
    const sha512 = hash.digest('base64');
    if (expectedSha512 !== null && sha512 !== expectedSha512) {
      throw new IntegrityError('release.sha512_mismatch', `the uploaded bytes hash to sha512 ${sha512}, not ${expectedSha512} as the uploader declared; the transfer was damaged`);
    }
    return { path, sha512, size, discard };
  } catch (err) {
    await discard();
    throw err;
  }
}
