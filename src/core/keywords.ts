import { pinyin } from 'pinyin-pro';
import { PINYIN_INITIALS, syllableError, type KeywordSpelling } from '../protocol/keywords.js';
import { ValidationError } from './errors.js';

// Two-letter initials first, so zh is not read as z + h...
const INITIALS = [...PINYIN_INITIALS].sort((a, b) => b.length - a.length);
const PUNCTUATION = /[，。、！？；：,.!?;: ]+/u;

/** Splits one toned pinyin syllable into ppinyin units: `què` -> `q uè`, `ān` -> `ān`. */
export function syllableUnits(syllable: string): string[] {
  const initial = INITIALS.find((i) => syllable.startsWith(i) && syllable.length > i.length);
  return initial ? [initial, syllable.slice(initial.length)] : [syllable];
}

/**
 * The ppinyin units of a run of Chinese characters, read in context by pinyin-pro (so 银行 is
 * yín háng), with dictionary tones: no tone sandhi (不确认 is b ù q uè r èn, not b ú), as the KWS
 * model's training labels were written (measured in issue 7: refusals with 不 were spotted only
 * with dictionary tones). Throws ValidationError naming a character it cannot spell.
 */
export function pinyinUnits(chars: string): string[] {
  const syllables = pinyin(chars, { toneType: 'symbol', type: 'array', toneSandhi: false });
  const units: string[] = [];
  [...chars].forEach((ch, i) => {
    const s = syllables[i] ?? '';
    const u = syllableUnits(s);
    if (s === ch || syllableError(u) !== null) throw new ValidationError('catalogue.keyword_spelling', `cannot spell ${ch} (read as ${JSON.stringify(s)}) as pinyin units for keyword spotting; give the phrase's keywords explicitly`);
    units.push(...u);
  });
  return units;
}

/**
 * Keyword spellings for a confirmation phrase: the whole phrase without punctuation (`full`) and,
 * when punctuation splits it into clauses of two or more characters, each clause (`part`).
 */
export function generateKeywords(text: string): KeywordSpelling[] {
  const clauses = text.split(PUNCTUATION).filter((c) => c.length > 0);
  const whole = clauses.join('');
  const out: KeywordSpelling[] = [{ tokens: pinyinUnits(whole), label: whole, role: 'full' }];
  const parts = clauses.filter((c) => [...c].length >= 2);
  if (parts.length > 1) for (const c of parts) out.push({ tokens: pinyinUnits(c), label: c, role: 'part' });
  return out;
}
