import { pinyin } from 'pinyin-pro';
import { ValidationError } from '../../core/errors.js';

/** Initials as the WenetSpeech KWS model's lexicon splits syllables (y and w count as initials). */
const INITIALS = ['zh', 'ch', 'sh', 'b', 'p', 'm', 'f', 'd', 't', 'n', 'l', 'g', 'k', 'h', 'j', 'q', 'x', 'r', 'z', 'c', 's', 'y', 'w'];

/**
 * Mandarin text -> the model's units: per syllable the initial and the toned final as written
 * (`确认` -> `q uè r èn`, `我` -> `w ǒ`). Tones as in the dictionary, without tone sandhi (不 stays
 * bù): the model was trained on dictionary pinyin. Throws ValidationError naming the unit when
 * the model's tokens.txt lacks it, or when a character has no pinyin.
 */
export function textToUnits(text: string, tokens: ReadonlySet<string>): string[] {
  const chars = [...text.replace(/[，。、；！？,.;!?\s]/gu, '')];
  if (chars.length === 0) throw new ValidationError('keyword.empty', `keyword "${text}" has no characters to spot`);
  const syllables = pinyin(chars.join(''), { type: 'array', toneType: 'symbol', toneSandhi: false });
  const units: string[] = [];
  syllables.forEach((syl, i) => {
    if (!/^[a-zü\u0101-\u01dc\u00e0-\u00fa\u0144\u0148\u01f9]+$/u.test(syl)) {
      throw new ValidationError('keyword.no_pinyin', `keyword "${text}": "${chars[i] ?? syl}" has no Mandarin pronunciation`);
    }
    const initial = INITIALS.find((p) => syl.startsWith(p) && syl.length > p.length);
    for (const u of initial ? [initial, syl.slice(initial.length)] : [syl]) {
      if (!tokens.has(u)) throw new ValidationError('keyword.unknown_unit', `keyword "${text}": the speech model has no unit "${u}" (from "${syl}")`);
      units.push(u);
    }
  });
  return units;
}

/** Reads a sherpa-onnx tokens.txt (`<token> <id>` per line). */
export function parseTokens(text: string): Set<string> {
  const out = new Set<string>();
  for (const line of text.split('\n')) {
    const tok = line.trim().split(/\s+/)[0];
    if (tok) out.add(tok);
  }
  return out;
}

/**
 * The keywords buffer for sherpa-onnx's KeywordSpotter: one `units @label` line per keyword; the
 * label is the keyword's index, so results map back without any text round trip.
 */
export function keywordsBuffer(texts: readonly string[], tokens: ReadonlySet<string>): string {
  return texts.map((t, i) => `${textToUnits(t, tokens).join(' ')} @${i}`).join('\n') + '\n';
}
