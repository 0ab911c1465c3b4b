// The speech clock of SessionChecks: PCM that arrives late is never padded with silence (which
// would cut a phrase in two); only a recorder restart's hole is filled. The speech stream and face
// engine are recording fakes: this is about what SessionChecks pushes into them, not the models.
import { afterEach, describe, expect, it } from 'vitest';
import { generateKeywords } from '../../../src/core/keywords.js';
import { ChecksPolicy, type CheckDecision } from '../../../src/protocol/checks.js';
import { SessionChecks } from '../../../src/booth/checks/session-checks.js';
import { SPEECH_RATE, type SpeechStream, type Utterance } from '../../../src/engines/speech/speech-engine.js';
import type { FaceEngine } from '../../../src/engines/face/face-engine.js';

class RecordingStream implements SpeechStream {
  pushes: { bytes: number; silent: boolean }[] = [];
  private samples = 0;
  busyMs = 0;
  speaking = false;
  get seconds(): number {
    return this.samples / SPEECH_RATE;
  }
  push(pcm: Buffer): Utterance[] {
    this.samples += pcm.length / 2;
    this.pushes.push({ bytes: pcm.length, silent: pcm.every((b) => b === 0) });
    return [];
  }
  flush(): Utterance[] {
    return [];
  }
}

const face: FaceEngine = {
  name: 'no-face',
  detect: () => Promise.reject(new Error('no frames in this test')),
  analyze: () => Promise.reject(new Error('no frames in this test')),
  close: () => Promise.resolve(),
};

/** One second of non-silent PCM. */
const second = () => Buffer.alloc(SPEECH_RATE * 2, 1);

describe('SessionChecks speech clock', () => {
  let checks: SessionChecks | null = null;
  afterEach(async () => {
    await checks?.stop();
    checks = null;
  });

  function start(stream: RecordingStream, clock: { ms: number }): SessionChecks {
    const decisions: CheckDecision[] = [];
    checks = new SessionChecks({
      face,
      speech: { stream, name: 'recording' },
      policy: ChecksPolicy.parse({}),
      phrases: [{ id: 'buy', text: '我确认购买', keywords: generateKeywords('我确认购买') }],
      enrolled: [],
      startedAtMs: 0,
      frameSize: { width: 64, height: 48 },
      record: (d) => decisions.push(d),
      now: () => clock.ms,
    });
    checks.start();
    return checks;
  }

  it('never pads PCM that arrives slower than real time', () => {
    const stream = new RecordingStream();
    const clock = { ms: 1000 };
    const c = start(stream, clock);
    // Ten seconds of audio delivered over twenty seconds of wall time (an encoder at 0.5x).
    for (let i = 0; i < 10; i++) {
      clock.ms += 2000;
      c.onPcm(second());
    }
    expect(stream.pushes.every((p) => !p.silent)).toBe(true);
    expect(stream.seconds).toBe(10);
  });

  it('fills the hole across a recorder restart with silence, once', () => {
    const stream = new RecordingStream();
    const clock = { ms: 1000 };
    const c = start(stream, clock);
    for (let i = 0; i < 3; i++) {
      clock.ms += 1000;
      c.onPcm(second());
    }
    // The recorder dies; its replacement's first PCM arrives 5 s later.
    c.onRecorderRestart();
    clock.ms += 5000;
    c.onPcm(second());
    clock.ms += 1000;
    c.onPcm(second());
    expect(stream.pushes.map((p) => p.silent)).toEqual([false, false, false, true, false, false]);
    // The audio after the hole is back on the session's clock: 4 s of silence (5 s minus the chunk).
    expect(stream.pushes[3]!.bytes).toBe(4 * SPEECH_RATE * 2);
    expect(stream.seconds).toBe(9);
  });

  it('does not fill a restart whose PCM is already on time', () => {
    const stream = new RecordingStream();
    const clock = { ms: 1000 };
    const c = start(stream, clock);
    clock.ms += 1000;
    c.onPcm(second());
    c.onRecorderRestart();
    clock.ms += 1050;
    c.onPcm(second());
    expect(stream.pushes.every((p) => !p.silent)).toBe(true);
  });
});
