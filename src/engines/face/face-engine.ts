/**
 * The face engine seam: presence (a fast detector) and verification/enrollment (detector +
 * landmarks + 128-d descriptor). Implementations: FaceApiRuntime in the calling thread
 * (face-runtime.ts) and WorkerFaceEngine, the same in a worker thread so the booth's event loop
 * never waits for a model. One shared test suite (tests/integration/face-engine.suite.ts).
 */

/** Raw pixels, row-major: gray (the capture's face tap) or RGB (decoded photos). */
export interface ImageFrame {
  width: number;
  height: number;
  channels: 1 | 3;
  data: Uint8Array;
}

export interface FaceBox {
  x: number;
  y: number;
  width: number;
  height: number;
  score: number;
}

export interface FaceDetection {
  faces: FaceBox[];
  /** Time the model took, milliseconds. */
  ms: number;
}

export interface AnalysedFace {
  box: FaceBox;
  descriptor: number[];
}

export interface FaceAnalysis {
  faces: AnalysedFace[];
  ms: number;
}

export interface FaceEngine {
  /** What runs, for the timeline (e.g. `face-api 1.7.15 wasm, worker`). */
  readonly name: string;
  /** Faces found by the fast detector (presence). */
  detect(frame: ImageFrame): Promise<FaceDetection>;
  /** Every face with its descriptor (verification, enrollment), largest first. */
  analyze(frame: ImageFrame): Promise<FaceAnalysis>;
  /** Frees the models (and the worker); safe to call twice. Calls after close reject. */
  close(): Promise<void>;
}

export interface FaceEngineOptions {
  /** Folder with face-api's weights; default: the npm package's model/ folder. */
  modelDir?: string;
  /** SSD detector confidence for analyze(). */
  minConfidence?: number;
  /** Tiny detector score for detect(). */
  tinyScore?: number;
  /** Tiny detector input size (multiple of 32). */
  tinyInputSize?: number;
}
