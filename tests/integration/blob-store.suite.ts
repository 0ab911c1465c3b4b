import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError, ValidationError } from '../../src/core/errors.js';
import type { BlobStore } from '../../src/server/storage/blob-store.js';

/** The contract every BlobStore implementation passes (write-once, idempotent, no traversal, retention and legal hold). */
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

    it('keeps an object until its retention has passed, and while it is held', async () => {
      const s = await make();
      const key = 'retained/one.bin';
      await s.put(key, Buffer.from('evidence'));
      expect(await s.protection(key)).toEqual({ retainUntil: null, legalHold: false });
      await expect(s.removeExpired(key)).rejects.toThrow(/has no retention date/);
      const until = new Date(Date.now() + 2000);
      await s.protect(key, until.toISOString());
      await s.protect(key, until.toISOString());
      const p = await s.protection(key);
      expect(Math.abs(Date.parse(p.retainUntil!) - until.getTime())).toBeLessThan(1000);
      await expect(s.protect(key, new Date(until.getTime() - 60_000).toISOString())).rejects.toThrow(/never shortened/);
      await expect(s.removeExpired(key)).rejects.toThrow(ConflictError);
      await expect(s.removeExpired(key)).rejects.toThrow(/retained until/);
      await s.setLegalHold(key, true);
      expect((await s.protection(key)).legalHold).toBe(true);
      await new Promise((r) => setTimeout(r, Math.max(0, Date.parse(p.retainUntil!) - Date.now()) + 1100));
      await expect(s.removeExpired(key)).rejects.toThrow(/under legal hold/);
      expect((await s.get(key)).toString()).toBe('evidence');
      await s.setLegalHold(key, false);
      await s.removeExpired(key);
      expect(await s.has(key)).toBe(false);
      await expect(s.get(key)).rejects.toThrow(NotFoundError);
      await s.removeExpired(key);
    });

    it('extends retention and refuses retention or holds for missing objects', async () => {
      const s = await make();
      await s.put('ext.bin', Buffer.from('x'));
      // Short dates: on a real S3 bucket these objects stay undeletable (COMPLIANCE) until then.
      const first = new Date(Date.now() + 60_000).toISOString();
      const later = new Date(Date.now() + 120_000).toISOString();
      await s.protect('ext.bin', first);
      await s.protect('ext.bin', later);
      expect(Math.abs(Date.parse((await s.protection('ext.bin')).retainUntil!) - Date.parse(later))).toBeLessThan(1000);
      await expect(s.removeExpired('ext.bin')).rejects.toThrow(/retained until/);
      await expect(s.protect('nothing.bin', later)).rejects.toThrow(NotFoundError);
      await expect(s.setLegalHold('nothing.bin', true)).rejects.toThrow(NotFoundError);
      await expect(s.protection('nothing.bin')).rejects.toThrow(NotFoundError);
      await expect(s.protect('ext.bin', 'next year')).rejects.toThrow(ValidationError);
    });

    it('reports missing keys and refuses path-like keys', async () => {
      const s = await make();
      await expect(s.get('missing.bin')).rejects.toThrow(NotFoundError);
      expect(await s.has('missing.bin')).toBe(false);
      await expect(s.put('../escape.bin', Buffer.from('x'))).rejects.toThrow(ValidationError);
    });
  });
}
