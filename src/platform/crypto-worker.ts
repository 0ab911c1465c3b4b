// The entry of a CryptoPool worker thread (crypto-pool.ts): SHA-256 and AES-256-GCM of whole
// buffers, off the caller's event loop. It imports only Node built-ins at run time (relative
// imports are type-only), so the worker runs it directly: from dist/ as compiled JS, and from src/
// under Node's type stripping in the tests.
import { createCipheriv, createHash } from 'node:crypto';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';

export const CRYPTO_WORKER_MARK = 'dualrec-crypto-worker';

export type CryptoRequest =
  | { id: number; op: 'sha256'; data: Uint8Array }
  /**
   * AES-256-GCM(plaintext) and its tag, and the SHA-256 of aad || ciphertext || tag. With `out`
   * (shared memory, as long as the plaintext) the ciphertext is written there and not sent back.
   */
  | { id: number; op: 'seal'; key: Uint8Array; nonce: Uint8Array; aad: Uint8Array; plaintext: Uint8Array; out?: Uint8Array };

export type CryptoReply = { id: number; ok: true; sha256: string; body?: Uint8Array; tag?: Uint8Array } | { id: number; ok: false; message: string };

const TAG_BYTES = 16;
/** Encrypted and hashed this much at a time into `out` (the chunk is still in the cache when hashed). */
const CHUNK_BYTES = 256 * 1024;

/**
 * Runs one request; throws on bad input (the caller turns that into a reply). `seal` returns the
 * ciphertext (unless it went into `out`) and the tag, and the SHA-256 of aad || ciphertext || tag
 * (the sealed file), hashed part by part so the file is never assembled in memory.
 */
export function runCryptoRequest(req: CryptoRequest): { sha256: string; body?: Uint8Array; tag?: Uint8Array } {
  if (req.op === 'sha256') return { sha256: createHash('sha256').update(req.data).digest('hex') };
  if (req.op !== 'seal') throw new Error(`unknown crypto op ${String((req as { op: unknown }).op)}`);
  try {
    const cipher = createCipheriv('aes-256-gcm', req.key, req.nonce, { authTagLength: TAG_BYTES });
    cipher.setAAD(req.aad);
    if (req.out) {
      if (req.out.length !== req.plaintext.length) throw new Error(`output buffer holds ${req.out.length} bytes, the plaintext ${req.plaintext.length}`);
      const hash = createHash('sha256').update(req.aad);
      for (let at = 0; at < req.plaintext.length; at += CHUNK_BYTES) {
        const chunk = cipher.update(req.plaintext.subarray(at, at + CHUNK_BYTES));
        req.out.set(chunk, at);
        hash.update(chunk);
      }
      // GCM is a stream mode: final() adds nothing, every byte came out of update().
      if (cipher.final().length !== 0) throw new Error('AES-GCM produced bytes at final()');
      const tag = cipher.getAuthTag();
      return { sha256: hash.update(tag).digest('hex'), tag };
    }
    const update = cipher.update(req.plaintext);
    const final = cipher.final();
    const body = final.length === 0 ? update : Buffer.concat([update, final]);
    const tag = cipher.getAuthTag();
    const sha256 = createHash('sha256').update(req.aad).update(body).update(tag).digest('hex');
    return { sha256, body, tag };
  } finally {
    req.key.fill(0);
  }
}

function serve(): void {
  const port = parentPort!;
  port.on('message', (req: CryptoRequest) => {
    let reply: CryptoReply;
    try {
      reply = { id: req.id, ok: true, ...runCryptoRequest(req) };
    } catch (err) {
      port.postMessage({ id: req.id, ok: false, message: (err as Error).message } satisfies CryptoReply);
      return;
    }
    // The ciphertext is moved, not copied, back to the caller when it owns its whole buffer.
    const body = reply.ok ? reply.body : undefined;
    port.postMessage(reply, body && body.byteOffset === 0 && body.byteLength === body.buffer.byteLength && !(body.buffer instanceof SharedArrayBuffer) ? [body.buffer as ArrayBuffer] : []);
  });
}

const data = workerData as { mark?: string } | null;
if (!isMainThread && parentPort && data?.mark === CRYPTO_WORKER_MARK) serve();
