import { createReadStream } from 'node:fs';
import { chmod, copyFile, link, mkdir, open, readFile, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { createHash, randomBytes } from 'node:crypto';
import { ConflictError, NotFoundError } from '../../core/errors.js';
import { writeFileDurable, fsyncDir } from '../../platform/fs.js';
import { checkKey, type BlobStore } from './blob-store.js';

/** BlobStore on a local folder. Files are made read-only (0444) once written. */
export class FsBlobStore implements BlobStore {
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
}

export async function hashFile(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}
