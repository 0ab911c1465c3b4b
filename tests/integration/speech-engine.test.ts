import { expect, it } from 'vitest';
import { DependencyError } from '../../src/core/errors.js';
import { SherpaSpeechEngine } from '../../src/engines/speech/sherpa-speech-engine.js';
import { KWS_MODEL_DIR, silence, synthesize } from '../helpers/speech.js';
import { CONFIRM, KEYWORDS, speechEngineSuite } from './speech-engine.suite.js';

speechEngineSuite('sherpa-onnx keyword spotting + silero VAD', async () => SherpaSpeechEngine.create({ kwsModelDir: KWS_MODEL_DIR }));

// The transcript path with a real model: the KWS model run as a plain streaming recognizer (its
// output is pinyin units, not characters). The recommended bilingual model is not available here.
it('transcribes each utterance when an ASR model is configured', () => {
  const engine = SherpaSpeechEngine.create({ kwsModelDir: KWS_MODEL_DIR, asrModelDir: KWS_MODEL_DIR });
  expect(engine.transcribes).toBe(true);
  const s = engine.createStream(KEYWORDS);
  const u = [...s.push(Buffer.concat([silence(1), synthesize(CONFIRM), silence(1.5)])), ...s.flush()];
  expect(u).toHaveLength(1);
  expect(u[0]!.transcript).toMatch(/wǒ/);
});

it('names the missing model folder or file', () => {
  expect(() => SherpaSpeechEngine.create({ kwsModelDir: '/nonexistent/kws' })).toThrow(DependencyError);
  expect(() => SherpaSpeechEngine.create({ kwsModelDir: '/nonexistent/kws' })).toThrow(/\/nonexistent\/kws does not exist.*models:fetch/);
  expect(() => SherpaSpeechEngine.create({ kwsModelDir: KWS_MODEL_DIR, vadModel: '/nonexistent/vad.onnx' })).toThrow(/VAD model/);
  expect(() => SherpaSpeechEngine.create({ kwsModelDir: '/tmp' })).toThrow(/no tokens.txt|no encoder/);
});
