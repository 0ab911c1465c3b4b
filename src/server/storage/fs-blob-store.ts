import { createReadStream } from 'node:fs';
import { chmod, copyFile, link, mkdir, open, readFile, rm, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { ConflictError, IntegrityError, NotFoundError } from '../../core/errors.js';
import { writeFileDurable, fsyncDir } from '../../platform/fs.js';
import { parseOrThrow } from '../../core/validate.js';
import { IsoTime } from '../../protocol/ids.js';
import { checkKey, removalRefusal, shortenRefusal, type BlobProtection, type BlobStore } from './blob-store.js';

/** Retention and legal hold of one object, kept in `<root>/.protection/<key>.json` (no key starts with a dot). */
const ProtectionFile = z.strictObject({ retainUntil: IsoTime.nullable(), legalHold: z.boolean() });

/**
 * BlobStore on a local folder. Files are made read-only (0444) once written. Retention and legal
 * holds are enforced by this class (anyone with shell access to the folder can of course still
 * delete files: for storage that enforces retention itself use S3 Object Lock in COMPLIANCE mode).
 */
export class FsBlobStore implements BlobStore {
  private readonly protectionLocks = new Map<string, Promise<unknown>>();

  constructor(readonly root: string) {}

  localPath(key: string): string {
    return join(this.root, checkKey(key));
  }

  async put(key: string, data: Uint8Array): Promise<void> {
    const path = this.localPath(key);
    try {
      await writeFileDurable(path, data, { exclusive: true, mode: 0o444 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const existing = await readFile(path);
      if (!existing.equals(Buffer.from(data))) throw new ConflictError('storage.exists', `${key} is already stored with different content; evidence is never overwritten`);
    }
  }

  /** Copies to a temporary name, fsyncs, then links into place: a crash never leaves a partial file under the key. */
  async putFile(key: string, src: string): Promise<void> {
    const path = this.localPath(key);
    const dir = dirname(path);
    await mkdir(dir, { recursive: true });
    const tmp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      await copyFile(src, tmp, 1 /* COPYFILE_EXCL */);
      const fh = await open(tmp, 'r');
      try {
        await fh.sync();
      } finally {
        await fh.close();
      }
      await chmod(tmp, 0o444);
      try {
        await link(tmp, path);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        if ((await hashFile(path)) !== (await hashFile(src))) throw new ConflictError('storage.exists', `${key} is already stored with different content; evidence is never overwritten`);
        return;
      }
      await fsyncDir(dir);
    } finally {
      await rm(tmp, { force: true });
    }
  }

  async get(key: string): Promise<Buffer> {
    try {
      return await readFile(this.localPath(key));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError('storage.not_found', `${key} is not stored`);
      throw err;
    }
  }

  async stream(key: string): Promise<Readable> {
    await this.size(key);
    return createReadStream(this.localPath(key));
  }

  async has(key: string): Promise<boolean> {
    try {
      await stat(this.localPath(key));
      return true;
    } catch {
      return false;
    }
  }

  async size(key: string): Promise<number> {
    try {
      return (await stat(this.localPath(key))).size;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError('storage.not_found', `${key} is not stored`);
      throw err;
    }
  }

  async protect(key: string, retainUntil: string): Promise<void> {
    const until = parseOrThrow(IsoTime, retainUntil, `retention date of ${key}`);
    await this.updateProtection(key, (p) => {
      const refusal = shortenRefusal(key, p.retainUntil, until);
      if (refusal) throw refusal;
      return { ...p, retainUntil: p.retainUntil !== null && Date.parse(p.retainUntil) >= Date.parse(until) ? p.retainUntil : until };
    });
  }

  async setLegalHold(key: string, on: boolean): Promise<void> {
    await this.updateProtection(key, (p) => ({ ...p, legalHold: on }));
  }

  async protection(key: string): Promise<BlobProtection> {
    await this.size(key);
    return this.readProtection(key);
  }

  async removeExpired(key: string): Promise<void> {
    const path = this.localPath(key);
    await this.serialized(key, async () => {
      if (!(await this.has(key))) {
        await rm(this.protectionPath(key), { force: true });
        return;
      }
      const refusal = removalRefusal(key, await this.readProtection(key), new Date());
      if (refusal) throw refusal;
      await unlink(path);
      await fsyncDir(dirname(path));
      await rm(this.protectionPath(key), { force: true });
    });
  }

  private protectionPath(key: string): string {
    return join(this.root, '.protection', `${checkKey(key)}.json`);
  }

  private async readProtection(key: string): Promise<BlobProtection> {
    let text: string;
    try {
      text = await readFile(this.protectionPath(key), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { retainUntil: null, legalHold: false };
      throw err;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = null;
    }
    const r = ProtectionFile.safeParse(parsed);
    // A damaged record never makes an object removable: it is reported instead.
    if (!r.success) throw new IntegrityError('storage.bad_protection', `the retention record of ${key} is damaged; fix ${this.protectionPath(key)} by hand`);
    return r.data;
  }

  private async updateProtection(key: string, change: (p: BlobProtection) => BlobProtection): Promise<void> {
    await this.serialized(key, async () => {
      await this.size(key);
      const before = await this.readProtection(key);
      const after = change(before);
      if (after.retainUntil === before.retainUntil && after.legalHold === before.legalHold) return;
      await writeFileDurable(this.protectionPath(key), Buffer.from(JSON.stringify(after)), { mode: 0o600 });
    });
  }

  /** Runs protection changes of one key one at a time (in this process). */
  private async serialized<T>(key: string, work: () => Promise<T>): Promise<T> {
    const before = this.protectionLocks.get(key) ?? Promise.resolve();
    const run = before.then(work, work);
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    this.protectionLocks.set(key, settled);
    try {
      return await run;
    } finally {
      if (this.protectionLocks.get(key) === settled) this.protectionLocks.delete(key);
    }
  }
}

export async function hashFile(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}
