import type { KeywordSpotter, OnlineRecognizer, Vad } from './sherpa.js';
import { SPEECH_RATE, type KeywordSpec, type SpeechStream, type SpottedKeyword, type Utterance } from './speech-engine.js';

/** Silence around an utterance before it goes to the spotter/recognizer (the models need context). */
const LEAD_SEC = 0.3;
const TAIL_SEC = 0.6;

function padded(samples: Float32Array): Float32Array {
  const out = new Float32Array(Math.round((LEAD_SEC + TAIL_SEC) * SPEECH_RATE) + samples.length);
  out.set(samples, Math.round(LEAD_SEC * SPEECH_RATE));
  return out;
}

/**
 * The VAD decides speech/silence once per acceptWaveform call (over all windows in it), so it is
 * fed exactly one 512-sample window per call: results then do not depend on how the PCM arrives.
 */
const WINDOW = 512;

/** One session's audio: VAD windows in, utterances (spotted, optionally transcribed) out. */
export class SherpaStream implements SpeechStream {
  private samplesIn = 0;
  private odd: number | null = null;
  private carry = new Float32Array(0);
  private done = false;
  busyMs = 0;

  constructor(
    private readonly spotter: KeywordSpotter,
    private readonly recognizer: OnlineRecognizer | null,
    private readonly vad: Vad,
    private readonly keywords: KeywordSpec[],
  ) {}

  get seconds(): number {
    return this.samplesIn / SPEECH_RATE;
  }

  get speaking(): boolean {
    return !this.done && this.vad.isDetected();
  }

  push(pcm: Buffer): Utterance[] {
    if (this.done) throw new Error('the speech stream has been flushed');
    const t0 = performance.now();
    const fresh = this.toFloat(pcm);
    this.samplesIn += fresh.length;
    const samples = new Float32Array(this.carry.length + fresh.length);
    samples.set(this.carry);
    samples.set(fresh, this.carry.length);
    const out: Utterance[] = [];
    let at = 0;
    for (; at + WINDOW <= samples.length; at += WINDOW) {
      this.vad.acceptWaveform(samples.slice(at, at + WINDOW));
      if (!this.vad.isEmpty()) out.push(...this.drain());
    }
    this.carry = samples.slice(at);
    this.busyMs += performance.now() - t0;
    return out;
  }

  flush(): Utterance[] {
    if (this.done) return [];
    const t0 = performance.now();
    if (this.carry.length > 0) this.vad.acceptWaveform(this.carry);
    this.carry = new Float32Array(0);
    this.vad.flush();
    const out = this.drain();
    this.done = true;
    this.busyMs += performance.now() - t0;
    return out;
  }

  /** s16le -> float in [-1, 1); an odd trailing byte waits for the next chunk. */
  private toFloat(pcm: Buffer): Float32Array {
    let bytes = pcm;
    if (this.odd !== null) {
      bytes = Buffer.concat([Buffer.from([this.odd]), pcm]);
      this.odd = null;
    }
    if (bytes.length % 2 === 1) {
      this.odd = bytes[bytes.length - 1]!;
      bytes = bytes.subarray(0, bytes.length - 1);
    }
    const out = new Float32Array(bytes.length / 2);
    for (let i = 0; i < out.length; i++) out[i] = bytes.readInt16LE(i * 2) / 32768;
    return out;
  }

  private drain(): Utterance[] {
    const out: Utterance[] = [];
    while (!this.vad.isEmpty()) {
      const seg = this.vad.front(false);
      this.vad.pop();
      const startSec = seg.start / SPEECH_RATE;
      out.push({ startSec: r3(startSec), endSec: r3(startSec + seg.samples.length / SPEECH_RATE), hits: this.spot(seg.samples, startSec), transcript: this.transcribe(seg.samples) });
    }
    return out;
  }

  private spot(samples: Float32Array, startSec: number): SpottedKeyword[] {
    const s = this.spotter.createStream();
    s.acceptWaveform({ samples: padded(samples), sampleRate: SPEECH_RATE });
    s.inputFinished();
    const hits: SpottedKeyword[] = [];
    while (this.spotter.isReady(s)) {
      this.spotter.decode(s);
      const r = this.spotter.getResult(s);
      if (!r.keyword) continue;
      const k = this.keywords[Number(r.keyword)];
      if (k) hits.push({ phraseId: k.phraseId, text: k.label, atSec: r3(startSec + Math.max(0, r.start_time + (r.timestamps.at(-1) ?? 0) - LEAD_SEC)) });
      this.spotter.reset(s);
    }
    return hits;
  }

  private transcribe(samples: Float32Array): string | null {
    if (!this.recognizer) return null;
    const s = this.recognizer.createStream();
    s.acceptWaveform({ samples: padded(samples), sampleRate: SPEECH_RATE });
    s.inputFinished();
    while (this.recognizer.isReady(s)) this.recognizer.decode(s);
    const r = this.recognizer.getResult(s);
    // Character models fill `text`; unit models (pinyin) leave it empty and give the tokens.
    return (r.text.trim() || r.tokens.join(' ')).trim();
  }
}

function r3(n: number): number {
  return Math.round(n * 1000) / 1000;
}
