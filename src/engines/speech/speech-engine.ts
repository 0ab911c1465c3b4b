/**
 * The speech engine seam: 16 kHz mono PCM in, utterances out. A voice-activity gate cuts the audio
 * into utterances (silence and noise produce none); each utterance is searched for the keywords
 * (the confirmation clauses and refusals) and, where a full ASR model is configured, transcribed.
 * Implementation: SherpaSpeechEngine (sherpa-onnx). Shared suite: tests/integration/speech-engine.suite.ts.
 */

/**
 * A keyword to spot: the id it is reported under, its label (the words, e.g. 我确认购买) and its
 * spelling in the model's units (a catalogue KeywordSpelling; core/keywords.ts makes them).
 */
export interface KeywordSpec {
  phraseId: string;
  label: string;
  tokens: readonly string[];
  boost?: number | undefined;
  threshold?: number | undefined;
}

export interface SpottedKeyword {
  phraseId: string;
  /** The keyword's label. */
  text: string;
  /** Seconds from the start of the stream. */
  atSec: number;
}

export interface Utterance {
  /** Seconds from the start of the stream. */
  startSec: number;
  endSec: number;
  hits: SpottedKeyword[];
  /** Full transcript when an ASR model is configured, else null. */
  transcript: string | null;
}

export interface SpeechStream {
  /** s16le mono PCM at 16 kHz, any chunk size; returns the utterances that ended in it. */
  push(pcm: Buffer): Utterance[];
  /** End of input: returns the utterance still open, if any. The stream accepts nothing after. */
  flush(): Utterance[];
  /** Seconds of audio pushed so far. */
  readonly seconds: number;
  /** Milliseconds spent processing (busyMs / 1000 / seconds is the real-time factor). */
  readonly busyMs: number;
  /** True while the gate hears speech. */
  readonly speaking: boolean;
}

export interface SpeechEngine {
  /** What runs, for the timeline. */
  readonly name: string;
  /** Whether utterances come with a transcript. */
  readonly transcribes: boolean;
  /** A stream listening for these keywords. Throws ValidationError for units the model does not have. */
  createStream(keywords: readonly KeywordSpec[]): SpeechStream;
  close(): Promise<void>;
}

/** Sample rate of the capture's speech tap and of the models. */
export const SPEECH_RATE = 16_000;
