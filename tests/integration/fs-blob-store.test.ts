import { mkdtemp, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { FsBlobStore } from '../../src/server/storage/fs-blob-store.js';
import { blobStoreSuite } from './blob-store.suite.js';

blobStoreSuite('filesystem', async () => new FsBlobStore(await mkdtemp(join(tmpdir(), 'dualrec-fsstore-'))));

it('makes stored evidence read-only', async () => {
  const s = new FsBlobStore(await mkdtemp(join(tmpdir(), 'dualrec-fsstore-')));
  await s.put('x/y.bin', Buffer.from('evidence'));
  expect((await stat(s.localPath('x/y.bin'))).mode & 0o777).toBe(0o444);
});

it('refuses to remove an object whose retention record is damaged', async () => {
  const root = await mkdtemp(join(tmpdir(), 'dualrec-fsstore-'));
  const s = new FsBlobStore(root);
  await s.put('d.bin', Buffer.from('evidence'));
  await s.protect('d.bin', new Date(Date.now() - 1).toISOString());
  await writeFile(join(root, '.protection', 'd.bin.json'), '{"retainUntil":null');
  await expect(s.removeExpired('d.bin')).rejects.toThrow(/retention record of d.bin is damaged/);
  expect(await s.has('d.bin')).toBe(true);
});
