// The crypto worker pool (src/platform/crypto-pool.ts) on real worker threads: the same sealed
// bytes and digests as the in-thread envelope code, and a worker that dies fails only the request
// it was running (what it had queued goes to a new worker).
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { genesisLink, sha256Hex } from '../../src/core/chain.js';
import { newDataKey, openSegment, sealSegment, type SegmentHeaderInput } from '../../src/core/envelope.js';
import { CryptoPool, sealSegmentOnPool } from '../../src/platform/crypto-pool.js';

const SID = '6f1c2b1e-8a4e-4c55-9d36-0c0f5d1b9a01';
const input: SegmentHeaderInput = { sessionId: SID, boothId: '0b8e2a44-3f5e-4a8b-8a9b-7c1d2e3f4a5b', seq: 0, prevLink: genesisLink(SID), startSec: 0, durationSec: 2, container: 'mpegts', recordedAt: '2026-11-21T10:00:00.000Z' };
const crashingWorker = new URL('../helpers/crashing-crypto-worker.ts', import.meta.url);

const pools: CryptoPool[] = [];
const newPool = (size: number, workerUrl?: URL) => {
  const p = new CryptoPool({ size, workerUrl });
  pools.push(p);
  return p;
};
afterAll(async () => {
  await Promise.all(pools.map((p) => p.close()));
});

/** `bytes` on memory shared between threads, as the sealer reads segments. */
function shared(bytes: Uint8Array): Uint8Array {
  const s = new Uint8Array(new SharedArrayBuffer(bytes.length));
  s.set(bytes);
  return s;
}

describe('crypto pool', () => {
  it('seals byte for byte like the in-thread envelope and hashes like sha256Hex, for every buffer kind and size', async () => {
    const pool = newPool(2);
    const key = newDataKey();
    const keyBefore = Buffer.from(key);
    for (const size of [0, 1, 16, 64 * 1024 + 3, 1024 * 1024]) {
      const plain = randomBytes(size);
      // A slice of a bigger buffer, a buffer of its own, and shared memory.
      for (const view of [Buffer.concat([randomBytes(7), plain]).subarray(7), plain, shared(plain)]) {
        const nonce = randomBytes(12);
        const plainSha256 = await pool.sha256(view);
        expect(plainSha256).toBe(sha256Hex(plain));
        const off = await sealSegmentOnPool(pool, key, input, view, plainSha256, { nonce });
        const on = sealSegment(key, input, plain, { nonce });
        const bytes = Buffer.concat(off.parts);
        expect(bytes.equals(on.bytes)).toBe(true);
        expect(off.bytes).toBe(on.bytes.length);
        expect(off.cipherSha256).toBe(on.cipherSha256);
        expect(off.header).toEqual(on.header);
        expect(openSegment(key, bytes).plaintext.equals(plain)).toBe(true);
      }
    }
    // The caller's key is copied, never zeroed or moved.
    expect(Buffer.from(key).equals(keyBefore)).toBe(true);
  });

  it('writes the ciphertext into a shared output buffer, chunk by chunk, with the same bytes and digests', async () => {
    const pool = newPool(2);
    const key = newDataKey();
    // Sizes around the worker's 256 KiB chunk, and a plaintext that is a view into a bigger shared buffer.
    for (const size of [0, 5, 256 * 1024, 256 * 1024 + 1, 1024 * 1024 + 17]) {
      const plain = randomBytes(size);
      const big = new Uint8Array(new SharedArrayBuffer(size + 4096));
      const view = big.subarray(0, size);
      view.set(plain);
      const out = new Uint8Array(new SharedArrayBuffer(size + 4096)).subarray(0, size);
      out.fill(0xee);
      const nonce = randomBytes(12);
      const off = await sealSegmentOnPool(pool, key, input, view, sha256Hex(plain), { nonce, out });
      const on = sealSegment(key, input, plain, { nonce });
      expect(off.parts[1]).toBe(out);
      expect(Buffer.concat(off.parts).equals(on.bytes)).toBe(true);
      expect(off.cipherSha256).toBe(on.cipherSha256);
    }
  });

  it('refuses an output buffer that is not shared memory or not as long as the plaintext', async () => {
    const pool = newPool(1);
    const key = newDataKey();
    const plain = shared(randomBytes(100));
    await expect(pool.seal(key, randomBytes(12), Buffer.from('aad'), plain, new Uint8Array(100))).rejects.toThrow(/shared memory as long as the plaintext/);
    await expect(pool.seal(key, randomBytes(12), Buffer.from('aad'), plain, shared(new Uint8Array(99)))).rejects.toThrow(/shared memory as long as the plaintext/);
    expect(pool.busy).toBe(0);
  });

  it('rejects a key of the wrong size before anything reaches a worker', async () => {
    const pool = newPool(1);
    await expect(pool.seal(randomBytes(16), randomBytes(12), Buffer.from('aad'), randomBytes(10))).rejects.toMatchObject({ code: 'envelope.bad_key' });
    expect(pool.busy).toBe(0);
  });

  it('fails only the request a dying worker was running; its queue goes to a new worker', async () => {
    const pool = newPool(1, crashingWorker);
    const a = randomBytes(4096);
    const b = randomBytes(4096);
    const c = randomBytes(100_000);
    const key = newDataKey();
    const nonce = randomBytes(12);
    const crash = Buffer.concat([Buffer.from('CRASH'), randomBytes(100)]);
    // All four queued on the one worker at once: a, then the crash, then b and a seal of c.
    const results = await Promise.allSettled([pool.sha256(a), pool.sha256(crash), pool.sha256(b), sealSegmentOnPool(pool, key, input, c, sha256Hex(c), { nonce })]);
    expect(results[0]).toEqual({ status: 'fulfilled', value: sha256Hex(a) });
    expect(results[1]).toMatchObject({ status: 'rejected', reason: { code: 'crypto.worker_exited' } });
    expect(results[2]).toEqual({ status: 'fulfilled', value: sha256Hex(b) });
    const sealed = (results[3] as PromiseFulfilledResult<Awaited<ReturnType<typeof sealSegmentOnPool>>>).value;
    expect(Buffer.concat(sealed.parts).equals(sealSegment(key, input, c, { nonce }).bytes)).toBe(true);
    // A crash while sealing fails that seal only, and the pool goes on.
    await expect(sealSegmentOnPool(pool, key, input, crash, sha256Hex(crash))).rejects.toMatchObject({ code: 'crypto.worker_exited' });
    expect(await pool.sha256(a)).toBe(sha256Hex(a));
    expect(pool.busy).toBe(0);
  });

  it('refuses work once closed', async () => {
    const pool = newPool(1);
    expect(await pool.sha256(Buffer.from('x'))).toBe(sha256Hex('x'));
    await pool.close();
    await expect(pool.sha256(Buffer.from('x'))).rejects.toMatchObject({ code: 'crypto.closed' });
  });
});
