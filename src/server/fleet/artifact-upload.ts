import { createHash } from 'node:crypto';
import { Transform, type Readable } from 'node:stream';
import { IntegrityError } from '../../core/errors.js';
import { receiveToFile } from '../catalogue/upload.js';

export interface ReceivedArtifact {
  path: string;
  /** base64 SHA-512, the form electron-updater's latest.yml carries. */
  sha512: string;
  size: number;
  /** Removes the temporary file; safe to call twice. */
  discard(): Promise<void>;
}

/**
 * Streams an upload into a temporary file in `dir` (the catalogue's receiver: size limit, nothing
 * left behind on failure), hashing it with SHA-512 on the way. An empty body, or a hash other
 * than `expectedSha512` (when given), fails with the file removed.
 */
export async function receiveArtifact(body: Readable, dir: string, maxBytes: number, expectedSha512: string | null): Promise<ReceivedArtifact> {
  const hash = createHash('sha512');
  const hashing = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      done(null, chunk);
    },
  });
  body.on('error', (err) => hashing.destroy(err));
  const file = await receiveToFile(body.pipe(hashing), dir, maxBytes, 'the release artifact');
  try {
    if (file.bytes === 0) throw new IntegrityError('release.empty_artifact', 'the uploaded artifact is empty');
    const sha512 = hash.digest('base64');
    if (expectedSha512 !== null && sha512 !== expectedSha512) {
      throw new IntegrityError('release.sha512_mismatch', `the uploaded bytes hash to sha512 ${sha512}, not ${expectedSha512} as the uploader declared; the transfer was damaged`);
    }
    return { path: file.path, sha512, size: file.bytes, discard: file.discard };
  } catch (err) {
    await file.discard();
    throw err;
  }
}
