import { Worker } from 'node:worker_threads';
import { z } from 'zod';
import { DependencyError } from '../../core/errors.js';
import type { FaceAnalysis, FaceDetection, FaceEngine, FaceEngineOptions, ImageFrame } from './face-engine.js';
import { assertFrame, FACE_WORKER_MARK, type FaceWorkerRequest } from './face-runtime.js';

const Box = z.object({ x: z.number(), y: z.number(), width: z.number(), height: z.number(), score: z.number() });
const Detection = z.object({ faces: z.array(Box), ms: z.number() });
const Analysis = z.object({ faces: z.array(z.object({ box: Box, descriptor: z.array(z.number()) })), ms: z.number() });
const Reply = z.union([z.object({ id: z.number(), ok: z.literal(true), result: z.unknown() }), z.object({ id: z.number(), ok: z.literal(false), message: z.string() })]);
const Ready = z.union([z.object({ ready: z.literal(true), name: z.string() }), z.object({ ready: z.literal(false), message: z.string() })]);

/** The worker entry: face-runtime compiled (dist/) or its TypeScript source (tests run src/ under type stripping). */
function workerUrl(): URL {
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  return new URL(`./face-runtime${ext}`, import.meta.url);
}

/**
 * face-api in a worker thread: model time never blocks the caller's event loop. Requests are
 * answered in order; each frame's pixels are copied into the message (a 320x240 gray frame is 77 KB).
 * A worker that dies rejects everything pending and every later call.
 */
export class WorkerFaceEngine implements FaceEngine {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private dead: Error | null = null;
  private closing: Promise<void> | null = null;

  private constructor(
    private readonly worker: Worker,
    readonly name: string,
  ) {
    worker.on('message', (raw: unknown) => {
      const r = Reply.safeParse(raw);
      if (!r.success) return;
      const p = this.pending.get(r.data.id);
      if (!p) return;
      this.pending.delete(r.data.id);
      if (r.data.ok) p.resolve(r.data.result);
      else p.reject(new DependencyError('face.engine_failed', `face engine: ${r.data.message}`));
    });
    worker.on('error', (err) => this.fail(new DependencyError('face.worker_crashed', `face worker crashed: ${err.message}`, undefined, { cause: err })));
    worker.on('exit', (code) => this.fail(this.closing ? new Error('the face engine is closed') : new DependencyError('face.worker_exited', `face worker exited (code ${code})`)));
  }

  /** Starts the worker and waits until its models are loaded (~1-2 s). */
  static async create(opts: FaceEngineOptions = {}): Promise<WorkerFaceEngine> {
    const worker = new Worker(workerUrl(), { workerData: { mark: FACE_WORKER_MARK, opts } });
    const ready = await new Promise<z.infer<typeof Ready>>((resolve, reject) => {
      const onError = (err: Error) => reject(new DependencyError('face.worker_failed', `face worker failed to start: ${err.message}`, undefined, { cause: err }));
      worker.once('error', onError);
      worker.once('message', (m: unknown) => {
        worker.off('error', onError);
        const r = Ready.safeParse(m);
        if (r.success) resolve(r.data);
        else reject(new DependencyError('face.worker_failed', 'face worker sent an unexpected first message'));
      });
    });
    if (!ready.ready) {
      await worker.terminate();
      throw new DependencyError('face.models_unavailable', `face models could not be loaded: ${ready.message}`);
    }
    return new WorkerFaceEngine(worker, ready.name);
  }

  private fail(err: Error): void {
    this.dead ??= err;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }

  private call(op: FaceWorkerRequest['op'], frame: ImageFrame): Promise<unknown> {
    if (this.closing) return Promise.reject(new Error('the face engine is closed'));
    if (this.dead) return Promise.reject(this.dead);
    assertFrame(frame);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, op, frame } satisfies FaceWorkerRequest);
    });
  }

  async detect(frame: ImageFrame): Promise<FaceDetection> {
    return Detection.parse(await this.call('detect', frame));
  }

  async analyze(frame: ImageFrame): Promise<FaceAnalysis> {
    return Analysis.parse(await this.call('analyze', frame));
  }

  /** Requests in flight at this moment. */
  get busy(): number {
    return this.pending.size;
  }

  close(): Promise<void> {
    this.closing ??= this.worker.terminate().then(() => {
      this.fail(new Error('the face engine is closed'));
    });
    return this.closing;
  }
}
