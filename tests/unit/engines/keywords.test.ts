import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/core/errors.js';
import { pinyinUnits } from '../../../src/core/keywords.js';
import { keywordsBuffer, parseTokens } from '../../../src/engines/speech/keywords.js';

const tokens = parseTokens(readFileSync(join(resolve(import.meta.dirname, '../../../../shared/models/sherpa-onnx-kws-zipformer-wenetspeech-3.3M-2024-01-01-int8'), 'tokens.txt'), 'utf8'));

describe('keywords for the sherpa-onnx spotter', () => {
  it('reads the model tokens', () => {
    expect(tokens.size).toBe(227);
    expect(tokens.has('uè')).toBe(true);
    expect(tokens.has('<blk>')).toBe(true);
  });

  it('keeps dictionary tones, as the model was trained (不 is bù before a fourth tone too)', () => {
    expect(pinyinUnits('不确认').join(' ')).toBe('b ù q uè r èn');
    expect(pinyinUnits('我不同意').join(' ')).toBe('w ǒ b ù t óng y ì');
  });

  it('builds a keywords buffer labelled by index, with per-keyword boost and threshold', () => {
    const buf = keywordsBuffer(
      [
        { phraseId: 'buy', label: '我确认购买', tokens: pinyinUnits('我确认购买') },
        { phraseId: 'refusal', label: '不确认', tokens: pinyinUnits('不确认'), boost: 2, threshold: 0.15 },
      ],
      tokens,
    );
    expect(buf).toBe('w ǒ q uè r èn g òu m ǎi @0\nb ù q uè r èn :2 #0.15 @1\n');
  });

  it('refuses a spelling with a unit the model does not have, naming the keyword', () => {
    expect(() => keywordsBuffer([{ phraseId: 'x', label: '好', tokens: ['h', 'ǎo', 'zz'] }], tokens)).toThrow(ValidationError);
    expect(() => keywordsBuffer([{ phraseId: 'x', label: '好', tokens: ['h', 'ǎo', 'zz'] }], tokens)).toThrow(/keyword "好": the speech model has no unit "zz"/);
  });
});
