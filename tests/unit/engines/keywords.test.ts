import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/core/errors.js';
import { keywordsBuffer, parseTokens, textToUnits } from '../../../src/engines/speech/keywords.js';

const tokens = parseTokens(readFileSync(join(resolve(import.meta.dirname, '../../../../shared/models/sherpa-onnx-kws-zipformer-wenetspeech-3.3M-2024-01-01-int8'), 'tokens.txt'), 'utf8'));

describe('keywords in the KWS model units (pinyin-pro)', () => {
  it('splits syllables into initial + toned final as the model spells them', () => {
    expect(textToUnits('我确认购买', tokens).join(' ')).toBe('w ǒ q uè r èn g òu m ǎi');
    expect(textToUnits('本人已阅读', tokens).join(' ')).toBe('b ěn r én y ǐ y uè d ú');
    expect(textToUnits('理解风险提示', tokens).join(' ')).toBe('l ǐ j iě f ēng x iǎn t í sh ì');
    expect(textToUnits('小安小安', tokens).join(' ')).toBe('x iǎo ān x iǎo ān');
  });

  it('keeps dictionary tones (no tone sandhi: 不 is bù before a fourth tone too)', () => {
    expect(textToUnits('不确认', tokens).join(' ')).toBe('b ù q uè r èn');
  });

  it('matches the units of the model folder keywords.txt generated for the same phrases', () => {
    const file = readFileSync(join(resolve(import.meta.dirname, '../../../../shared/models/sherpa-onnx-kws-zipformer-wenetspeech-3.3M-2024-01-01-int8'), 'keywords.txt'), 'utf8');
    for (const line of file.trim().split('\n')) {
      const [units, text] = line.split(' @');
      expect(textToUnits(text!, tokens).join(' ')).toBe(units);
    }
  });

  it('builds a keywords buffer labelled by index, ignoring punctuation', () => {
    expect(keywordsBuffer(['我确认购买', '风险，提示'], tokens)).toBe('w ǒ q uè r èn g òu m ǎi @0\nf ēng x iǎn t í sh ì @1\n');
  });

  it('refuses text the model cannot spell, naming it', () => {
    expect(() => textToUnits('OK', tokens)).toThrow(ValidationError);
    expect(() => textToUnits('我OK', tokens)).toThrow(/"OK"|no Mandarin/);
    expect(() => textToUnits('，。', tokens)).toThrow(/no characters/);
    expect(() => textToUnits('我', new Set(['w']))).toThrow(/no unit "ǒ"/);
  });
});
