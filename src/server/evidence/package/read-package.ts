import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { Parser, type ReadEntry } from 'tar';
import { PACKAGE_TRAILER_BYTES } from '../../../protocol/evidence-package.js';

/** Members kept in memory for the checks (JSON, signatures, keys); media are only hashed. */
const KEEP_MAX_BYTES = 64 * 1024 * 1024;

export interface ReadMember {
  name: string;
  type: string;
  size: number;
  sha256: string;
  /** The bytes, for members outside recording/ up to 64 MiB; null otherwise. */
  data: Buffer | null;
}

export interface ReadPackage {
  /** Bytes of the tar (everything before the signature line) and their SHA-256. */
  tarBytes: number;
  tarSha256: string;
  trailer: Buffer;
  members: ReadMember[];
  /** Problems reading the tar itself (bad header checksum, unexpected entry types, truncation). */
  containerProblems: string[];
}

/**
 * Reads a package in one pass: hashes every tar byte (for the signature line) while node-tar's
 * parser walks the members, hashing each. Never extracts anything to disk.
 */
export async function readPackage(path: string): Promise<ReadPackage> {
  const fh = await open(path, 'r');
  let size: number;
  const trailer = Buffer.alloc(PACKAGE_TRAILER_BYTES);
  try {
    size = (await fh.stat()).size;
    if (size >= PACKAGE_TRAILER_BYTES) await fh.read(trailer, 0, PACKAGE_TRAILER_BYTES, size - PACKAGE_TRAILER_BYTES);
  } finally {
    await fh.close();
  }
  const tarBytes = Math.max(0, size - PACKAGE_TRAILER_BYTES);
  const members: ReadMember[] = [];
  const containerProblems: string[] = [];
  const tarHash = createHash('sha256');
  const parser = new Parser({ strict: false, onwarn: (code: string, message: string) => void containerProblems.push(`${code}: ${message}`) });
  parser.on('entry', (e: ReadEntry) => {
    const h = createHash('sha256');
    const keep = !e.path.startsWith('recording/') && (e.size ?? 0) <= KEEP_MAX_BYTES;
    const chunks: Buffer[] = [];
    let n = 0;
    e.on('data', (c: Buffer) => {
      h.update(c);
      n += c.length;
      if (keep) chunks.push(c);
    });
    e.on('end', () => {
      members.push({ name: e.path, type: e.type, size: n, sha256: h.digest('hex'), data: keep ? Buffer.concat(chunks) : null });
    });
  });
  const done = new Promise<void>((resolve) => {
    parser.on('end', () => resolve());
    parser.on('close', () => resolve());
    parser.on('error', (err: Error) => {
      containerProblems.push(err.message);
      resolve();
    });
  });
  if (tarBytes > 0) {
    for await (const chunk of createReadStream(path, { start: 0, end: tarBytes - 1 })) {
      const c = chunk as Buffer;
      tarHash.update(c);
      try {
        if (!parser.write(c)) await new Promise((r) => parser.once('drain', r));
      } catch (err) {
        containerProblems.push((err as Error).message);
        break;
      }
    }
  }
  parser.end();
  await done;
  return { tarBytes, tarSha256: tarHash.digest('hex'), trailer: size >= PACKAGE_TRAILER_BYTES ? trailer : Buffer.alloc(0), members, containerProblems };
}
