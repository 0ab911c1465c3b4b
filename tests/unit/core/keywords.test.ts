// Keyword spellings for sherpa-onnx keyword spotting, checked against the real Mandarin KWS model's
// files (../shared/models): the generated lines equal the model folder's keywords.txt, and every
// unit generated for typical confirmation phrases is a token the model knows.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/core/errors.js';
import { generateKeywords, pinyinUnits, syllableUnits } from '../../../src/core/keywords.js';
import { KeywordSpelling, keywordLine } from '../../../src/protocol/keywords.js';

const MODEL_DIR = resolve(import.meta.dirname, '../../../../shared/models/sherpa-onnx-kws-zipformer-wenetspeech-3.3M-2024-01-01-int8');
const tokens = new Set(
  readFileSync(resolve(MODEL_DIR, 'tokens.txt'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split(' ')[0]!),
);

const PHRASES = ['我已知晓产品风险并自愿购买', '本人已阅读并理解风险提示', '我确认购买', '我了解该产品不保本', '我同意签署风险揭示书', '本人承诺所提供的信息真实有效', '我愿意承担投资损失', '银行理财产品，风险自担'];

describe('keyword spellings', () => {
  it("match the model folder's keywords.txt for the same phrases", () => {
    const lines = readFileSync(resolve(MODEL_DIR, 'keywords.txt'), 'utf8').split('\n').filter(Boolean);
    for (const line of lines) {
      const label = line.split('@')[1]!;
      expect(keywordLine(generateKeywords(label)[0]!)).toBe(line);
    }
  });

  it('use only tokens the Mandarin KWS model knows', () => {
    for (const p of PHRASES) {
      for (const k of generateKeywords(p)) {
        expect(KeywordSpelling.safeParse(k).success).toBe(true);
        for (const t of k.tokens) expect(tokens.has(t), `${t} of ${p}`).toBe(true);
      }
    }
  });

  it('split a phrase into full and part spellings at punctuation, reading characters in context', () => {
    const ks = generateKeywords('银行理财产品，风险自担');
    expect(ks.map((k) => `${k.role}:${k.label}`)).toEqual(['full:银行理财产品风险自担', 'part:银行理财产品', 'part:风险自担']);
    expect(ks[0]!.tokens.slice(0, 4)).toEqual(['y', 'ín', 'h', 'áng']);
    expect(syllableUnits('zhuāng')).toEqual(['zh', 'uāng']);
    expect(syllableUnits('ān')).toEqual(['ān']);
    expect(keywordLine({ tokens: ['w', 'ǒ'], label: '我', role: 'full', boost: 2, threshold: 0.25 })).toBe('w ǒ :2 #0.25 @我');
  });

  it('refuse what cannot be spelled, naming it', () => {
    expect(() => pinyinUnits('我A')).toThrow(ValidationError);
    expect(() => pinyinUnits('我A')).toThrow(/cannot spell A/);
  });

  it('either spell any run of Chinese characters validly or refuse it with a ValidationError', () => {
    const han = fc.integer({ min: 0x4e00, max: 0x9fa5 }).map((c) => String.fromCodePoint(c));
    fc.assert(
      fc.property(fc.array(han, { minLength: 2, maxLength: 30 }), (chars) => {
        const text = chars.join('');
        try {
          for (const k of generateKeywords(text)) expect(KeywordSpelling.safeParse(k).success).toBe(true);
        } catch (err) {
          expect(err).toBeInstanceOf(ValidationError);
        }
      }),
      { numRuns: 300 },
    );
  });
});
