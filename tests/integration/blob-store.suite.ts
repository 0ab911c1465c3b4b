import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError, ValidationError } from '../../src/core/errors.js';
import type { BlobStore } from '../../src/server/storage/blob-store.js';

/** The contract every BlobStore implementation passes (write-once, idempotent, no traversal). */
export function blobStoreSuite(name: string, make: () => Promise<BlobStore>): void {
  describe(`BlobStore contract: ${name}`, () => {
    it('stores and reads back bytes', async () => {
      const s = await make();
      await s.put('a/b/one.bin', Buffer.from('hello'));
      expect((await s.get('a/b/one.bin')).toString()).toBe('hello');
      expect(await s.has('a/b/one.bin')).toBe(true);
      expect(await s.size('a/b/one.bin')).toBe(5);
      const chunks: Buffer[] = [];
      for await (const c of await s.stream('a/b/one.bin')) chunks.push(c as Buffer);
      expect(Buffer.concat(chunks).toString()).toBe('hello');
    });

    it('is idempotent for the same bytes and never overwrites different ones', async () => {
      const s = await make();
      await s.put('k.bin', Buffer.from('v1'));
      await s.put('k.bin', Buffer.from('v1'));
      await expect(s.put('k.bin', Buffer.from('v2'))).rejects.toThrow(ConflictError);
      expect((await s.get('k.bin')).toString()).toBe('v1');
    });

    it('stores files with the same write-once rule', async () => {
      const s = await make();
      const dir = await mkdtemp(join(tmpdir(), 'dualrec-blob-'));
      await writeFile(join(dir, 'f1'), 'file one');
      await writeFile(join(dir, 'f2'), 'file two');
      await s.putFile('files/f.bin', join(dir, 'f1'));
      await s.putFile('files/f.bin', join(dir, 'f1'));
      await expect(s.putFile('files/f.bin', join(dir, 'f2'))).rejects.toThrow(/never overwritten/);
      expect((await s.get('files/f.bin')).toString()).toBe('file one');
    });

    it('reports missing keys and refuses path-like keys', async () => {
      const s = await make();
      await expect(s.get('missing.bin')).rejects.toThrow(NotFoundError);
      expect(await s.has('missing.bin')).toBe(false);
      await expect(s.put('../escape.bin', Buffer.from('x'))).rejects.toThrow(ValidationError);
    });
  });
}
