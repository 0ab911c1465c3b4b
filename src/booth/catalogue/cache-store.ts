import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { catalogueEtag } from '../../core/catalogue.js';
import { CatalogueSnapshot, type ContentRef } from '../../protocol/catalogue.js';
import { fsyncDir, writeFileDurable } from '../../platform/fs.js';

/** What reading a cached blob back found. */
export type BlobCheck = 'ok' | 'missing' | 'corrupt';

/** Something that writes a blob's verified bytes to a path that does not exist yet. */
export type BlobFetcher = (ref: ContentRef, dest: string) => Promise<void>;

const SHA_RE = /^[0-9a-f]{64}$/;

/**
 * The booth's catalogue cache on disk: `snapshot.json` (replaced atomically and durably) and
 * `blobs/<sha256>`. A blob arrives as a `.part` file that becomes `<sha256>` by rename only once
 * its hash and size were checked and it was fsynced, so a partial download is never found under
 * its name. Reads back are checked: the snapshot against its ETag, a blob against its SHA-256.
 */
export class CatalogueCacheStore {
  readonly blobsDir: string;
  readonly snapshotPath: string;

  constructor(readonly dir: string) {
    this.blobsDir = join(dir, 'blobs');
    this.snapshotPath = join(dir, 'snapshot.json');
  }

  async init(): Promise<void> {
    await mkdir(this.blobsDir, { recursive: true, mode: 0o700 });
    // Downloads a crash interrupted.
    for (const name of await readdir(this.blobsDir)) if (name.endsWith('.part')) await rm(join(this.blobsDir, name), { force: true });
  }

  /** The stored snapshot, null when there is none, 'corrupt' when it does not parse or match its ETag. */
  async readSnapshot(): Promise<CatalogueSnapshot | null | 'corrupt'> {
    let text: string;
    try {
      text = await readFile(this.snapshotPath, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    try {
      const snap = CatalogueSnapshot.safeParse(JSON.parse(text));
      if (!snap.success || catalogueEtag(snap.data.entries) !== snap.data.etag) return 'corrupt';
      return snap.data;
    } catch {
      return 'corrupt';
    }
  }

  async writeSnapshot(s: CatalogueSnapshot): Promise<void> {
    await writeFileDurable(this.snapshotPath, Buffer.from(JSON.stringify(s)));
  }

  blobPath(sha256: string): string {
    if (!SHA_RE.test(sha256)) throw new Error(`not a SHA-256: ${sha256}`);
    return join(this.blobsDir, sha256);
  }

  /** True when a blob is present with the right size (cheap; `check` hashes it). */
  async present(ref: ContentRef): Promise<boolean> {
    const s = await stat(this.blobPath(ref.sha256)).catch(() => null);
    return s !== null && s.size === ref.bytes;
  }

  /** Hashes a cached blob; a corrupt one is removed so that it is fetched again. */
  async check(ref: ContentRef): Promise<BlobCheck> {
    const path = this.blobPath(ref.sha256);
    const h = createHash('sha256');
    let size = 0;
    try {
      for await (const chunk of createReadStream(path)) {
        size += (chunk as Buffer).length;
        h.update(chunk as Buffer);
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
      throw err;
    }
    if (size === ref.bytes && h.digest('hex') === ref.sha256) return 'ok';
    await rm(path, { force: true });
    return 'corrupt';
  }

  /** Fetches a blob into the cache: to a `.part` file, then renamed into place and the folder fsynced. */
  async fetch(ref: ContentRef, fetcher: BlobFetcher): Promise<void> {
    const part = join(this.blobsDir, `.${ref.sha256}.${randomBytes(6).toString('hex')}.part`);
    try {
      await fetcher(ref, part);
      await rename(part, this.blobPath(ref.sha256));
      await fsyncDir(this.blobsDir);
    } finally {
      await rm(part, { force: true });
    }
  }

  /** Removes cached blobs not in `keep`; returns how many. */
  async prune(keep: ReadonlySet<string>): Promise<number> {
    let n = 0;
    for (const name of await readdir(this.blobsDir)) {
      if (!SHA_RE.test(name) || keep.has(name)) continue;
      await rm(join(this.blobsDir, name), { force: true });
      n++;
    }
    return n;
  }
}
