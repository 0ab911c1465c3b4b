import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { IntegrityError, PayloadTooLargeError } from '../../core/errors.js';
import type { ContentMime } from '../../protocol/catalogue.js';
import type { FfmpegInfo } from '../../platform/ffmpeg.js';
import { checkContent, type CheckedContent } from './content-check.js';

export interface ReceivedFile {
  path: string;
  sha256: string;
  bytes: number;
  /** Removes the temporary file (safe to call twice). */
  discard(): Promise<void>;
}

/**
 * Streams an upload into a temporary file in `dir` while hashing and counting it. More than
 * `maxBytes` aborts with PayloadTooLargeError and leaves nothing behind.
 */
export async function receiveToFile(body: Readable, dir: string, maxBytes: number, what: string): Promise<ReceivedFile> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, `upload-${randomBytes(8).toString('hex')}.tmp`);
  const hash = createHash('sha256');
  let bytes = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      bytes += chunk.length;
      if (bytes > maxBytes) {
        done(new PayloadTooLargeError('content.too_large', `${what} is larger than ${maxBytes} bytes`));
        return;
      }
      hash.update(chunk);
      done(null, chunk);
    },
  });
  const discard = () => rm(path, { force: true });
  try {
    await pipeline(body, meter, createWriteStream(path, { flags: 'wx', mode: 0o600 }));
  } catch (err) {
    await discard();
    throw err;
  }
  return { path, sha256: hash.digest('hex'), bytes, discard };
}

/**
 * Receives an upload that must hash to `sha256` and be `declared` media (sniffed, and probed for
 * video and audio). On any failure the temporary file is gone; on success the caller stores it
 * and then calls `file.discard()`.
 */
export async function receiveVerified(o: { body: Readable; dir: string; maxBytes: number; what: string; sha256: string; declared: ContentMime; ff: FfmpegInfo }): Promise<{ file: ReceivedFile; checked: CheckedContent }> {
  const file = await receiveToFile(o.body, o.dir, o.maxBytes, o.what);
  try {
    if (file.bytes === 0) throw new IntegrityError('content.empty', `the uploaded ${o.what} is empty`);
    if (file.sha256 !== o.sha256) throw new IntegrityError('content.hash_mismatch', `the uploaded bytes hash to ${file.sha256}, not ${o.sha256} named in the address`);
    return { file, checked: await checkContent(o.ff, file.path, o.declared) };
  } catch (err) {
    await file.discard();
    throw err;
  }
}
