import { createHash } from 'node:crypto';
import { once } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import { Header } from 'tar';
import { canonicalJson } from '../../../core/canonical-json.js';
import { formatTrailer, packageSigningMessage } from '../../../core/evidence-package.js';
import { IntegrityError } from '../../../core/errors.js';
import { MemberName, PACKAGE_FORMAT, type MemberRole, type PackageIndex, type PackageMember } from '../../../protocol/evidence-package.js';

const BLOCK = 512;
export const INDEX_NAME = 'dualrec/index.json';
export const INDEX_SIG_NAME = 'dualrec/index.sig';

/** Signs with the archive key (KeyProvider.sign). */
export type Signer = (data: Uint8Array) => Promise<Buffer>;

/**
 * Writes an evidence package to a stream: plain ustar members with fixed metadata (mode 0444,
 * uid/gid 0, one mtime), each hashed as it is written; then the signed index, the two zero blocks
 * that end a tar, and the signature line over the SHA-256 of every tar byte. The tar headers are
 * encoded by node-tar's Header (npm's own tar implementation); no pax or GNU extensions are used.
 */
export class PackageWriter {
  private readonly members: PackageMember[] = [];
  private readonly names = new Set<string>();
  private readonly tarHash = createHash('sha256');
  private written = 0;

  constructor(
    private readonly out: Writable,
    private readonly mtime: Date,
  ) {}

  /** Adds a member held in memory. */
  async addBuffer(name: string, role: MemberRole, data: Uint8Array, extra: { seq?: number } = {}): Promise<void> {
    await this.header(name, data.length);
    await this.raw(data);
    await this.pad(data.length);
    this.members.push({ name, role, sha256: createHash('sha256').update(data).digest('hex'), bytes: data.length, ...extra });
  }

  /** Adds a member of exactly `size` bytes read from `source` (IntegrityError if it has any other length). */
  async addStream(name: string, role: MemberRole, size: number, source: Readable): Promise<string> {
    await this.header(name, size);
    const h = createHash('sha256');
    let n = 0;
    for await (const chunk of source) {
      const c = chunk as Buffer;
      n += c.length;
      if (n > size) throw new IntegrityError('package.size_changed', `${name} is longer than the ${size} bytes it was stored with`);
      h.update(c);
      await this.raw(c);
    }
    if (n !== size) throw new IntegrityError('package.size_changed', `${name} has ${n} bytes, ${size} were expected`);
    await this.pad(size);
    const sha256 = h.digest('hex');
    this.members.push({ name, role, sha256, bytes: size });
    return sha256;
  }

  /** Writes the index and its signature, ends the tar, appends the signature line. Returns the index. */
  async finish(meta: Omit<PackageIndex, 'format' | 'v' | 'members'>, sign: Signer): Promise<PackageIndex> {
    const index: PackageIndex = { format: PACKAGE_FORMAT, v: 1, ...meta, members: [...this.members] };
    const indexBytes = Buffer.from(`${canonicalJson(index)}\n`, 'utf8');
    await this.addBuffer(INDEX_NAME, 'readme', indexBytes);
    this.members.pop();
    await this.addBuffer(INDEX_SIG_NAME, 'readme', await sign(indexBytes));
    this.members.pop();
    await this.raw(Buffer.alloc(2 * BLOCK));
    const tarSha = this.tarHash.digest('hex');
    const trailer = formatTrailer(meta.archiveSigningKeyId, await sign(packageSigningMessage(tarSha, this.written)));
    await this.write(trailer);
    return index;
  }

  private async header(name: string, size: number): Promise<void> {
    MemberName.parse(name);
    if (this.names.has(name)) throw new Error(`package member ${name} added twice`);
    this.names.add(name);
    const h = new Header({ path: name, mode: 0o444, uid: 0, gid: 0, size, mtime: this.mtime, type: 'File', uname: '', gname: '' });
    if (h.encode()) throw new Error(`package member ${name} needs a pax header`);
    await this.raw(h.block!);
  }

  private async pad(size: number): Promise<void> {
    const rest = size % BLOCK;
    if (rest) await this.raw(Buffer.alloc(BLOCK - rest));
  }

  /** Bytes that are part of the tar (hashed for the signature line). */
  private async raw(data: Uint8Array): Promise<void> {
    this.tarHash.update(data);
    this.written += data.length;
    await this.write(data);
  }

  private async write(data: Uint8Array): Promise<void> {
    if (this.out.destroyed) throw new Error('the package output was closed');
    if (this.out.write(data)) return;
    const ac = new AbortController();
    try {
      await Promise.race([
        once(this.out, 'drain', { signal: ac.signal }),
        once(this.out, 'close', { signal: ac.signal }).then(() => {
          throw new Error('the package output was closed');
        }),
      ]);
    } finally {
      ac.abort();
    }
  }
}
