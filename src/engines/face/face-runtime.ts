// face-api (@vladmandic/face-api, node-wasm build) on the tfjs wasm backend, in the calling thread.
// This file is also the worker's entry (see the end): it imports only Node built-ins and npm
// packages at run time (relative imports are type-only), so the worker runs it directly, from
// dist/ as compiled JS and from src/ under Node's type stripping in the tests.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import type { AnalysedFace, FaceAnalysis, FaceBox, FaceDetection, FaceEngine, FaceEngineOptions, ImageFrame } from './face-engine.js';

const require = createRequire(import.meta.url);

/** The part of face-api's API used here (its own typings pull in all of tfjs). */
interface Tensor3D {
  dispose(): void;
}
interface TfApi {
  setBackend(name: string): Promise<boolean>;
  ready(): Promise<void>;
  getBackend(): string;
  tidy<T>(fn: () => T): T;
  tensor3d(data: Uint8Array, shape: [number, number, number], dtype: 'int32'): Tensor3D;
  tile(x: Tensor3D, reps: number[]): Tensor3D;
}
interface RawBox {
  x: number;
  y: number;
  width: number;
  height: number;
}
interface RawDetection {
  score: number;
  box: RawBox;
}
interface Net {
  loadFromDisk(dir: string): Promise<void>;
  isLoaded: boolean;
}
interface FaceApi {
  tf: TfApi;
  version: string;
  nets: { ssdMobilenetv1: Net; tinyFaceDetector: Net; faceLandmark68Net: Net; faceRecognitionNet: Net };
  SsdMobilenetv1Options: new (o: { minConfidence: number; maxResults: number }) => unknown;
  TinyFaceDetectorOptions: new (o: { inputSize: number; scoreThreshold: number }) => unknown;
  detectAllFaces(
    input: Tensor3D,
    options: unknown,
  ): PromiseLike<RawDetection[]> & { withFaceLandmarks(): { withFaceDescriptors(): PromiseLike<{ detection: RawDetection; descriptor: Float32Array }[]> } };
}

/** The npm package's weights folder (model/ beside dist/). */
export function defaultFaceModelDir(): string {
  return join(dirname(require.resolve('@vladmandic/face-api/package.json')), 'model');
}

/** Checks a frame's shape before it reaches a model. */
export function assertFrame(frame: ImageFrame): void {
  const { width, height, channels, data } = frame;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 16 || height < 16 || width > 4096 || height > 4096) {
    throw new RangeError(`image frame must be 16..4096 pixels wide and high, got ${width}x${height}`);
  }
  if (channels !== 1 && channels !== 3) throw new RangeError(`image frame must have 1 or 3 channels, got ${String(channels)}`);
  if (!(data instanceof Uint8Array) || data.length !== width * height * channels) {
    throw new RangeError(`image frame of ${width}x${height}x${channels} needs ${width * height * channels} bytes, got ${data?.length}`);
  }
}

let loaded: Promise<FaceApi> | null = null;
let loadedDir: string | null = null;

/** Loads tfjs (wasm backend) and the four nets once per thread. */
function loadFaceApi(modelDir: string): Promise<FaceApi> {
  if (loaded) {
    if (loadedDir !== modelDir) return Promise.reject(new Error(`face models already loaded from ${loadedDir} in this thread; cannot load ${modelDir} too`));
    return loaded;
  }
  loadedDir = modelDir;
  loaded = (async () => {
    const faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js') as FaceApi;
    const wasm = require('@tensorflow/tfjs-backend-wasm') as { setWasmPaths(prefix: string, usePlatformFetch?: boolean): void };
    wasm.setWasmPaths(join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + '/');
    await faceapi.tf.setBackend('wasm');
    await faceapi.tf.ready();
    if (faceapi.tf.getBackend() !== 'wasm') throw new Error(`tfjs wasm backend did not start (backend is ${faceapi.tf.getBackend()})`);
    const n = faceapi.nets;
    for (const net of [n.ssdMobilenetv1, n.tinyFaceDetector, n.faceLandmark68Net, n.faceRecognitionNet]) await net.loadFromDisk(modelDir);
    return faceapi;
  })();
  loaded.catch(() => {
    loaded = null;
    loadedDir = null;
  });
  return loaded;
}

function toBox(d: RawDetection): FaceBox {
  const r = (v: number) => Math.round(v * 10) / 10;
  return { x: r(d.box.x), y: r(d.box.y), width: r(d.box.width), height: r(d.box.height), score: Math.round(d.score * 1000) / 1000 };
}

/** face-api in the calling thread. Model calls block this thread for their duration (tens to hundreds of ms). */
export class FaceApiRuntime implements FaceEngine {
  readonly name: string;
  private readonly faceapi: FaceApi;
  private readonly opts: Required<Omit<FaceEngineOptions, 'modelDir'>>;
  private closed = false;

  private constructor(faceapi: FaceApi, opts: FaceEngineOptions, where: string) {
    this.faceapi = faceapi;
    this.opts = { minConfidence: opts.minConfidence ?? 0.5, tinyScore: opts.tinyScore ?? 0.5, tinyInputSize: opts.tinyInputSize ?? 320 };
    this.name = `face-api ${faceapi.version} (tfjs ${faceapi.tf.getBackend()}, ${where})`;
  }

  static async create(opts: FaceEngineOptions = {}, where = 'in-process'): Promise<FaceApiRuntime> {
    if (opts.tinyInputSize !== undefined && opts.tinyInputSize % 32 !== 0) throw new RangeError('tinyInputSize must be a multiple of 32');
    return new FaceApiRuntime(await loadFaceApi(opts.modelDir ?? defaultFaceModelDir()), opts, where);
  }

  private tensor(frame: ImageFrame): Tensor3D {
    assertFrame(frame);
    const tf = this.faceapi.tf;
    return tf.tidy(() => {
      const t = tf.tensor3d(frame.data, [frame.height, frame.width, frame.channels], 'int32');
      return frame.channels === 1 ? tf.tile(t, [1, 1, 3]) : t;
    });
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('the face engine is closed');
  }

  async detect(frame: ImageFrame): Promise<FaceDetection> {
    this.assertOpen();
    const t = this.tensor(frame);
    const t0 = performance.now();
    try {
      const found = await this.faceapi.detectAllFaces(t, new this.faceapi.TinyFaceDetectorOptions({ inputSize: this.opts.tinyInputSize, scoreThreshold: this.opts.tinyScore }));
      return { faces: found.map(toBox), ms: Math.round((performance.now() - t0) * 10) / 10 };
    } finally {
      t.dispose();
    }
  }

  async analyze(frame: ImageFrame): Promise<FaceAnalysis> {
    this.assertOpen();
    const t = this.tensor(frame);
    const t0 = performance.now();
    try {
      const found = await this.faceapi
        .detectAllFaces(t, new this.faceapi.SsdMobilenetv1Options({ minConfidence: this.opts.minConfidence, maxResults: 10 }))
        .withFaceLandmarks()
        .withFaceDescriptors();
      const faces: AnalysedFace[] = found.map((f) => ({ box: toBox(f.detection), descriptor: Array.from(f.descriptor) }));
      faces.sort((a, b) => b.box.width * b.box.height - a.box.width * a.box.height);
      return { faces, ms: Math.round((performance.now() - t0) * 10) / 10 };
    } finally {
      t.dispose();
    }
  }

  async close(): Promise<void> {
    // The nets stay loaded for the thread (face-api keeps them in module state); a closed runtime refuses work.
    this.closed = true;
  }
}

/** Messages between WorkerFaceEngine and this file running as its worker. */
export type FaceWorkerRequest = { id: number; op: 'detect' | 'analyze'; frame: ImageFrame };
export type FaceWorkerReply = { id: number; ok: true; result: FaceDetection | FaceAnalysis } | { id: number; ok: false; message: string };
export type FaceWorkerReady = { ready: true; name: string } | { ready: false; message: string };
export const FACE_WORKER_MARK = 'dualrec-face-worker';

function runWorker(port: NonNullable<typeof parentPort>, opts: FaceEngineOptions): void {
  FaceApiRuntime.create(opts, 'worker thread').then(
    (engine) => {
      port.postMessage({ ready: true, name: engine.name } satisfies FaceWorkerReady);
      port.on('message', (req: FaceWorkerRequest) => {
        const run = req.op === 'detect' ? engine.detect(req.frame) : engine.analyze(req.frame);
        run.then(
          (result) => port.postMessage({ id: req.id, ok: true, result } satisfies FaceWorkerReply),
          (err: unknown) => port.postMessage({ id: req.id, ok: false, message: err instanceof Error ? err.message : String(err) } satisfies FaceWorkerReply),
        );
      });
    },
    (err: unknown) => port.postMessage({ ready: false, message: err instanceof Error ? err.message : String(err) } satisfies FaceWorkerReady),
  );
}

const data = workerData as { mark?: string; opts?: FaceEngineOptions } | null;
if (!isMainThread && parentPort && data?.mark === FACE_WORKER_MARK) runWorker(parentPort, data.opts ?? {});
