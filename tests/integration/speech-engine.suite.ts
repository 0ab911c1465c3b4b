import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/core/errors.js';
import { pinyinUnits } from '../../src/core/keywords.js';
import type { KeywordSpec, SpeechEngine, Utterance } from '../../src/engines/speech/speech-engine.js';
import { noise, silence, synthesize, type Voice } from '../helpers/speech.js';

export const CONFIRM = '我确认购买';
/** The keywords a session listens for: the confirmation and the refusals. */
const kw = (phraseId: string, text: string): KeywordSpec => ({ phraseId, label: text, tokens: pinyinUnits(text) });
export const KEYWORDS: KeywordSpec[] = [kw('buy', CONFIRM), ...['我不同意', '我不确认', '不确认', '不购买'].map((text) => kw('refusal', text))];
/** espeak-ng renditions the model spots (measured: slow speech, these variants). */
export const GOOD_VOICES: Voice[] = [
  { variant: 'm3', speed: 100 },
  { variant: 'm7', speed: 100 },
  { variant: 'f5', speed: 100 },
];

function run(engine: SpeechEngine, pcm: Buffer, chunkBytes = 3200): Utterance[] {
  const s = engine.createStream(KEYWORDS);
  const out: Utterance[] = [];
  for (let i = 0; i < pcm.length; i += chunkBytes) out.push(...s.push(pcm.subarray(i, i + chunkBytes)));
  out.push(...s.flush());
  return out;
}
const said = (u: Utterance[], id: string) => u.flatMap((x) => x.hits).filter((h) => h.phraseId === id);

/** The contract every SpeechEngine passes, with real models and synthesized Mandarin. */
export function speechEngineSuite(name: string, make: () => Promise<SpeechEngine>): void {
  describe(`SpeechEngine contract: ${name}`, () => {
    let engine: SpeechEngine;
    beforeAll(async () => {
      engine = await make();
    });
    afterAll(async () => {
      await engine.close();
    });

    it.each(GOOD_VOICES)('spots the confirmation spoken by espeak-ng voice $variant at $speed wpm, inside one utterance', (voice) => {
      const pcm = Buffer.concat([silence(1), synthesize(CONFIRM, voice), silence(1.5)]);
      const u = run(engine, pcm);
      expect(u).toHaveLength(1);
      expect(said(u, 'buy').map((h) => h.text)).toEqual([CONFIRM]);
      expect(said(u, 'refusal')).toEqual([]);
      expect(u[0]!.startSec).toBeGreaterThan(0.7);
      expect(u[0]!.startSec).toBeLessThan(1.3);
      expect(u[0]!.endSec).toBeGreaterThan(u[0]!.startSec + 0.8);
      expect(said(u, 'buy')[0]!.atSec).toBeGreaterThanOrEqual(u[0]!.startSec);
      expect(said(u, 'buy')[0]!.atSec).toBeLessThanOrEqual(u[0]!.endSec + 0.1);
    });

    it('does not take refusals for the confirmation', () => {
      for (const voice of GOOD_VOICES) {
        for (const text of ['我不同意这个条款', '我不确认购买']) {
          const u = run(engine, Buffer.concat([silence(0.5), synthesize(text, voice), silence(1.5)]));
          expect(u.length, `${text} by ${voice.variant}`).toBeGreaterThanOrEqual(1);
          const confirmedOnly = said(u, 'buy').length > 0 && said(u, 'refusal').length === 0;
          expect(confirmedOnly, `${text} by ${voice.variant}: ${JSON.stringify(u.map((x) => x.hits))}`).toBe(false);
        }
      }
    });

    it('hears nothing in silence and no keyword in unrelated speech', () => {
      expect(run(engine, silence(6))).toEqual([]);
      const other = run(engine, Buffer.concat([silence(0.5), synthesize('今天天气很好，我们去公园散步吧'), silence(1.5)]));
      expect(other.length).toBeGreaterThanOrEqual(1);
      expect(said(other, 'buy')).toEqual([]);
    });

    it('lets no noise through the voice-activity gate', () => {
      for (const color of ['white', 'pink', 'brown'] as const) expect(run(engine, noise(6, color)), color).toEqual([]);
    });

    it('gives the same result however the PCM is chunked (odd byte counts too)', () => {
      const pcm = Buffer.concat([silence(1), synthesize(CONFIRM), silence(1.5)]);
      const a = run(engine, pcm, 3200);
      const b = run(engine, pcm, 777);
      expect(b).toEqual(a);
    });

    it('counts audio time and processing time', () => {
      const s = engine.createStream(KEYWORDS);
      s.push(silence(2));
      expect(s.seconds).toBe(2);
      expect(s.busyMs).toBeGreaterThan(0);
      expect(s.flush()).toEqual([]);
      expect(() => s.push(silence(1))).toThrow(/flushed/);
    });

    it('refuses keywords spelled in units the model does not have, naming them', () => {
      expect(() => engine.createStream([])).toThrow(ValidationError);
      expect(() => engine.createStream([{ phraseId: 'x', label: '好', tokens: ['h', 'ǎo', 'zz'] }])).toThrow(/keyword "好": the speech model has no unit "zz"/);
    });
  });
}
