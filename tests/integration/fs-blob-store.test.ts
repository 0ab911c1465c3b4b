import { mkdtemp, stat } from 'node:fs/promises';
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
