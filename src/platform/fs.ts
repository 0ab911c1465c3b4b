import { accessSync, closeSync, constants, fsyncSync, linkSync, mkdirSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { link, mkdir, open, readFile, rename, unlink, type FileHandle } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { z } from 'zod';
import { describeIssues } from '../core/errors.js';
import type { SharedBufferPool } from './buffer-pool.js';

/** True when `path` exists and this process may execute it. */
export function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** fsyncs a directory so that a rename or create inside it survives power loss. */
export async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Writes a file so that after a crash or power loss it is either absent or complete:
 * write to a temporary name in the same folder, fsync, rename, fsync the folder.
 * With `exclusive`, fails (EEXIST) instead of replacing an existing file. With `syncDir: false`
 * the folder is not fsync'd: the file's name is durable only once the caller has fsync'd the
 * folder (fsyncDir), which lets one folder fsync cover several files.
 */
export async function writeFileDurable(path: string, data: Uint8Array | readonly Uint8Array[], opts: { exclusive?: boolean; mode?: number; syncDir?: boolean } = {}): Promise<void> {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  // The folder usually exists: it is made only when the first open says it is missing.
  const fh = await open(tmp, 'wx', opts.mode ?? 0o600).catch(async (err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
    await mkdir(dir, { recursive: true });
    return open(tmp, 'wx', opts.mode ?? 0o600);
  });
  try {
    if (data instanceof Uint8Array) await fh.writeFile(data);
    else await writeAllParts(fh, data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  const syncDir = () => (opts.syncDir === false ? Promise.resolve() : fsyncDir(dir));
  if (!opts.exclusive) {
    await rename(tmp, path);
    return syncDir();
  }
  // link() fails if the target exists, which makes the final step write-once. The temporary name
  // goes while the folder is fsync'd (the target's entry is durable either way).
  try {
    await link(tmp, path);
  } catch (err) {
    await unlink(tmp);
    throw err;
  }
  await Promise.all([unlink(tmp), syncDir()]);
}

/**
 * Creates `path` (failing with EEXIST if it exists; making its folder if missing) holding `parts`
 * in order, and fsyncs it. Neither atomic nor fsyncs the folder: after a crash the file may be
 * missing or partial. Only for files that count once a durable record names them (the vault's
 * segment rows): the caller fsyncs the folder before that record commits, and removes files no
 * record names. A failed write removes what it created.
 */
export async function writeNewFileSynced(path: string, parts: readonly Uint8Array[], mode = 0o600): Promise<void> {
  const fh = await open(path, 'wx', mode).catch(async (err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
    await mkdir(dirname(path), { recursive: true });
    return open(path, 'wx', mode);
  });
  try {
    try {
      await writeAllParts(fh, parts);
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch (err) {
    await unlink(path).catch(() => undefined);
    throw err;
  }
}

/** Writes `parts` in order from the start of `fh` (writev, continuing after short writes). */
async function writeAllParts(fh: FileHandle, parts: readonly Uint8Array[]): Promise<void> {
  const rest = parts.filter((p) => p.length > 0);
  while (rest.length > 0) {
    let { bytesWritten } = await fh.writev(rest);
    while (rest.length > 0 && bytesWritten >= rest[0]!.length) bytesWritten -= rest.shift()!.length;
    if (bytesWritten > 0) rest[0] = rest[0]!.subarray(bytesWritten);
  }
}

/**
 * Reads a whole file (one that no longer changes: a closed segment, a sealed file) into memory
 * shared between threads (a SharedArrayBuffer), so worker threads can hash or encrypt it without a
 * copy. With `pool`, into a buffer lent by it (the caller gives it back; a failed read gives it
 * back here). Fails if the file turns out shorter than its size said.
 */
export async function readFileShared(path: string, pool?: SharedBufferPool): Promise<Uint8Array> {
  const fh = await open(path, 'r');
  try {
    const { size } = await fh.stat();
    const data = pool ? pool.acquire(size) : new Uint8Array(new SharedArrayBuffer(size));
    try {
      let at = 0;
      while (at < size) {
        const { bytesRead } = await fh.read(data, at, size - at, at);
        if (bytesRead === 0) break;
        at += bytesRead;
      }
      if (at !== size) throw new Error(`${path} is shorter than its size said (${at} of ${size} bytes read)`);
    } catch (err) {
      pool?.release(data);
      throw err;
    }
    return data;
  } finally {
    await fh.close();
  }
}

/** Synchronous variant of writeFileDurable (replace semantics), for small key files at start-up. */
export function writeFileDurableSync(path: string, data: Uint8Array, mode = 0o600): void {
  writeSyncVia(path, data, mode, (tmp) => renameSync(tmp, path));
}

/**
 * Like writeFileDurableSync but never replaces: when `path` already exists (another process made
 * it first) the existing file is kept and this returns false.
 */
export function writeFileOnceSync(path: string, data: Uint8Array, mode = 0o600): boolean {
  let created = true;
  writeSyncVia(path, data, mode, (tmp) => {
    try {
      linkSync(tmp, path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      created = false;
    } finally {
      unlinkSync(tmp);
    }
  });
  return created;
}

function writeSyncVia(path: string, data: Uint8Array, mode: number, place: (tmp: string) => void): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(tmp, 'wx', mode);
  try {
    writeSync(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  place(tmp);
  const dfd = openSync(dir, 'r');
  try {
    fsyncSync(dfd);
  } finally {
    closeSync(dfd);
  }
}

export type JsonFileRead<T> = { kind: 'absent' } | { kind: 'invalid'; reason: string } | { kind: 'ok'; value: T };

/** Reads a small JSON state file and validates it: absent (ENOENT), invalid (not JSON, or the schema says why), or its value. */
export async function readJsonFile<S extends z.ZodType>(path: string, schema: S): Promise<JsonFileRead<z.infer<S>>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'absent' };
    throw err;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { kind: 'invalid', reason: 'not JSON' };
  }
  const r = schema.safeParse(json);
  return r.success ? { kind: 'ok', value: r.data } : { kind: 'invalid', reason: describeIssues(r.error.issues) };
}
