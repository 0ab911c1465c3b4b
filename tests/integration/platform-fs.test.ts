// writeFileDurable with parts (writev) and a missing folder, and readFileShared, on real files.
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileShared, writeFileDurable, writeNewFileSynced } from '../../src/platform/fs.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dualrec-fs-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('durable files', () => {
  it('writes parts in order (empty ones too) into a folder it makes, and leaves no temporary file', async () => {
    const parts = [Buffer.from('head'), new Uint8Array(0), randomBytes(3 * 1024 * 1024 + 5), Buffer.from('tail')];
    const path = join(dir, 'a', 'b', 'seg.bin');
    await writeFileDurable(path, parts, { exclusive: true, syncDir: false });
    expect((await readFile(path)).equals(Buffer.concat(parts))).toBe(true);
    expect(await readdir(join(dir, 'a', 'b'))).toEqual(['seg.bin']);
  });

  it('never replaces an existing file when exclusive, and removes its temporary file', async () => {
    const path = join(dir, 'once.bin');
    await writeFileDurable(path, Buffer.from('first'), { exclusive: true });
    await expect(writeFileDurable(path, [Buffer.from('second')], { exclusive: true })).rejects.toMatchObject({ code: 'EEXIST' });
    expect(await readFile(path, 'utf8')).toBe('first');
    expect((await readdir(dir)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('creates a new file from parts (making its folder), refuses an existing one, and removes what a failed write made', async () => {
    const path = join(dir, 'new', 'seg.bin');
    const parts = [Buffer.from('head'), randomBytes(70_000), new Uint8Array(0)];
    await writeNewFileSynced(path, parts);
    expect((await readFile(path)).equals(Buffer.concat(parts))).toBe(true);
    await expect(writeNewFileSynced(path, [Buffer.from('other')])).rejects.toMatchObject({ code: 'EEXIST' });
    expect((await readFile(path)).equals(Buffer.concat(parts))).toBe(true);
    // A part that is not bytes fails the write after the file was created.
    const broken = join(dir, 'new', 'broken.bin');
    await expect(writeNewFileSynced(broken, [Buffer.from('x'), 'not bytes' as unknown as Uint8Array])).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' });
    expect(await readdir(join(dir, 'new'))).toEqual(['seg.bin']);
  });

  it('reads a whole file into shared memory, and fails like readFile when it is missing', async () => {
    const data = randomBytes(2 * 1024 * 1024 + 3);
    const path = join(dir, 'shared.bin');
    await writeFile(path, data);
    const read = await readFileShared(path);
    expect(read.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(Buffer.from(read).equals(data)).toBe(true);
    await writeFile(join(dir, 'empty.bin'), '');
    expect((await readFileShared(join(dir, 'empty.bin'))).length).toBe(0);
    await expect(readFileShared(join(dir, 'missing.bin'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
