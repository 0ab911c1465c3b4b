import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { z } from 'zod';
import { checkKey, segmentHead, type SegmentHeaderInput } from '../core/envelope.js';
import type { SegmentHeader } from '../protocol/envelope.js';
import { DependencyError } from '../core/errors.js';
import { CRYPTO_WORKER_MARK, type CryptoRequest } from './crypto-worker.js';

const Reply = z.union([
  z.strictObject({ id: z.number(), ok: z.literal(true), sha256: z.string().regex(/^[0-9a-f]{64}$/), body: z.instanceof(Uint8Array).optional(), tag: z.instanceof(Uint8Array).optional() }),
  z.strictObject({ id: z.number(), ok: z.literal(false), message: z.string() }),
]);

/** The worker entry: crypto-worker compiled (dist/) or its TypeScript source (tests run src/ under type stripping). */
function defaultWorkerUrl(): URL {
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  return new URL(`./crypto-worker${ext}`, import.meta.url);
}

export interface CryptoPoolOptions {
  /** Worker threads at most. Default: the cores this process may use, at most 2. */
  size?: number;
  /** The worker's entry (tests pass another). */
  workerUrl?: URL;
}

type Request = DistributiveOmit<CryptoRequest, 'id'>;
type Done = z.infer<typeof Reply> & { ok: true };

interface Pending {
  req: CryptoRequest;
  resolve: (r: Done) => void;
  reject: (e: Error) => void;
}

interface Slot {
  worker: Worker | null;
  /** The request the worker is running (one at a time). */
  running: Pending | null;
}

/**
 * SHA-256 and AES-256-GCM of whole segments on worker threads of their own, so sealing uses a
 * second core and never waits behind file I/O on the libuv pool. Each worker runs one request at a
 * time; seals (the chain's critical path) go before hashes, and hashes never take the last idle
 * worker, so a seal never waits behind a hash. Buffers are copied in (a plaintext on a
 * SharedArrayBuffer is shared; both sides zero their copy of the key after use) and the
 * ciphertext is moved back. A worker that dies fails only the request it was running; the next
 * request starts a new one. Idle workers do not keep the process alive.
 */
export class CryptoPool {
  private readonly slots: Slot[];
  private readonly url: URL;
  private readonly seals: Pending[] = [];
  private readonly hashes: Pending[] = [];
  private nextId = 1;
  private closed = false;

  constructor(opts: CryptoPoolOptions = {}) {
    const size = Math.max(1, opts.size ?? Math.min(2, availableParallelism()));
    this.slots = Array.from({ length: size }, () => ({ worker: null, running: null }));
    this.url = opts.workerUrl ?? defaultWorkerUrl();
  }

  async sha256(data: Uint8Array): Promise<string> {
    return (await this.call({ op: 'sha256', data: own(data) })).sha256;
  }

  /**
   * AES-256-GCM(plaintext) and its tag, and the SHA-256 of aad || ciphertext || tag. The key is
   * copied before this returns. A plaintext on a SharedArrayBuffer is shared, not copied. With
   * `out` (on a SharedArrayBuffer, as long as the plaintext) the worker writes the ciphertext
   * there and `body` is `out`; if this fails, the worker may still be writing into `out`, so it
   * must not be reused (SharedBufferPool.abandon).
   */
  async seal(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array, out?: Uint8Array): Promise<{ body: Uint8Array; tag: Uint8Array; sha256: string }> {
    checkKey(key);
    if (out && (!(out.buffer instanceof SharedArrayBuffer) || out.length !== plaintext.length)) throw new RangeError('the output buffer must be shared memory as long as the plaintext');
    const r = await this.call({ op: 'seal', key: Uint8Array.from(key), nonce: own(nonce), aad: own(aad), plaintext: own(plaintext), ...(out ? { out } : {}) });
    const body = out ?? r.body;
    if (r.tag?.length !== 16 || body?.length !== plaintext.length || (out && r.body)) throw new DependencyError('crypto.bad_reply', 'crypto worker sent no ciphertext or a wrong one');
    return { body, tag: r.tag, sha256: r.sha256 };
  }

  /** Requests queued or running. */
  get busy(): number {
    return this.seals.length + this.hashes.length + this.slots.filter((s) => s.running).length;
  }

  async close(): Promise<void> {
    this.closed = true;
    const err = new DependencyError('crypto.closed', 'the crypto pool is closed');
    for (const p of this.seals.splice(0).concat(this.hashes.splice(0))) p.reject(err);
    await Promise.all(this.slots.map((s) => s.worker?.terminate()));
  }

  private call(request: Request): Promise<Done> {
    if (this.closed) return Promise.reject(new DependencyError('crypto.closed', 'the crypto pool is closed'));
    const req = { ...request, id: this.nextId++ } as CryptoRequest;
    return new Promise<Done>((resolve, reject) => {
      (req.op === 'seal' ? this.seals : this.hashes).push({ req, resolve, reject });
      this.dispatch();
    }).finally(() => {
      if (req.op === 'seal') req.key.fill(0);
    });
  }

  /**
   * Gives idle workers the next requests: seals first. A hash takes an idle worker only when
   * another one stays idle or a seal is running already, so the next seal of a chain finds a
   * worker free (with one worker, everything shares it).
   */
  private dispatch(): void {
    for (const slot of this.slots) {
      if (slot.running) continue;
      const idle = this.slots.filter((s) => !s.running).length;
      const hashMayRun = this.slots.length === 1 || idle > 1 || this.slots.some((s) => s.running?.req.op === 'seal');
      const next = this.seals.shift() ?? (hashMayRun ? this.hashes.shift() : undefined);
      if (!next) return;
      slot.running = next;
      const worker = slot.worker ?? this.start(slot);
      worker.ref();
      worker.postMessage(next.req);
    }
  }

  private start(slot: Slot): Worker {
    const worker = new Worker(this.url, { workerData: { mark: CRYPTO_WORKER_MARK } });
    slot.worker = worker;
    worker.unref();
    const done = (settle: (p: Pending) => void) => {
      const p = slot.running;
      slot.running = null;
      if (p) settle(p);
      if (!slot.running && slot.worker) slot.worker.unref();
      this.dispatch();
    };
    const fail = (err: Error) => {
      if (slot.worker !== worker) return;
      slot.worker = null;
      done((p) => p.reject(err));
    };
    worker.on('message', (raw: unknown) => {
      const r = Reply.safeParse(raw);
      if (!r.success || r.data.id !== slot.running?.req.id) {
        void worker.terminate();
        return fail(new DependencyError('crypto.bad_reply', 'crypto worker sent an unexpected message'));
      }
      const reply = r.data;
      done((p) => (reply.ok ? p.resolve(reply) : p.reject(new DependencyError('crypto.failed', `crypto worker: ${reply.message}`))));
    });
    worker.on('error', (err) => fail(new DependencyError('crypto.worker_crashed', `crypto worker crashed: ${err.message}`, undefined, { cause: err })));
    worker.on('exit', (code) => fail(new DependencyError('crypto.worker_exited', this.closed ? 'the crypto pool is closed' : `crypto worker exited (code ${code})`)));
    return worker;
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/**
 * A view that clones cheaply: one on shared memory as it is (the worker sees the same bytes), any
 * other owning its whole ArrayBuffer (so cloning it copies only these bytes).
 */
function own(data: Uint8Array): Uint8Array {
  if (data.buffer instanceof SharedArrayBuffer) return data;
  return data.byteOffset === 0 && data.byteLength === data.buffer.byteLength ? data : data.slice();
}

let shared: CryptoPool | null = null;

/** The process's pool (started on first use). */
export function sharedCryptoPool(): CryptoPool {
  shared ??= new CryptoPool();
  return shared;
}

/** A sealed segment as the parts of its file, in order (written with one writev). */
export interface SealedParts {
  header: SegmentHeader;
  parts: Uint8Array[];
  bytes: number;
  cipherSha256: string;
}

/**
 * The same sealed segment as sealSegment (the parts concatenated are its bytes, given the same
 * nonce), with AES-256-GCM and the sealed file's SHA-256 on a pool worker. `plainSha256` is the
 * plaintext's hash, computed before (pool.sha256), so the plaintext is hashed once. With `out` the
 * ciphertext part is `out` (see CryptoPool.seal).
 */
export async function sealSegmentOnPool(pool: CryptoPool, key: Uint8Array, input: SegmentHeaderInput, plaintext: Uint8Array, plainSha256: string, opts: { nonce?: Uint8Array; out?: Uint8Array } = {}): Promise<SealedParts> {
  const nonce = opts.nonce ?? randomBytes(12);
  const { header, aad } = segmentHead(input, nonce, plainSha256, plaintext.length);
  const { body, tag, sha256 } = await pool.seal(key, nonce, aad, plaintext, opts.out);
  return { header, parts: [aad, body, tag], bytes: aad.length + body.length + tag.length, cipherSha256: sha256 };
}
