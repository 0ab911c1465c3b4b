import { REFUSAL_ID } from '../../core/checks/phrases.js';
import { ValidationError } from '../../core/errors.js';
import { pinyinUnits } from '../../core/keywords.js';
import type { ConfirmationPhrase } from '../../protocol/keywords.js';
import { keywordLine } from '../../protocol/keywords.js';
import type { KeywordSpec } from './speech-engine.js';

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
 * The keywords buffer for sherpa-onnx's KeywordSpotter: one line per keyword (protocol
 * keywordLine: units, optional boost and threshold), labelled with the keyword's index so results
 * map back without any text round trip. Throws ValidationError naming the keyword when the model's
 * tokens.txt lacks one of its units (a spelling made for another model).
 */
export function keywordsBuffer(keywords: readonly KeywordSpec[], tokens: ReadonlySet<string>): string {
  return (
    keywords
      .map((k, i) => {
        const missing = k.tokens.find((t) => !tokens.has(t));
        if (missing !== undefined) throw new ValidationError('keyword.unknown_unit', `keyword "${k.label}": the speech model has no unit "${missing}"`);
        return keywordLine({ tokens: [...k.tokens], label: String(i), role: 'full', boost: k.boost, threshold: k.threshold });
      })
      .join('\n') + '\n'
  );
}

/** The keywords of a session (booth checks and the archive's re-run): every spelling of every phrase (full and parts), and the refusals. */
export function sessionKeywords(phrases: readonly ConfirmationPhrase[], refusals: readonly string[]): KeywordSpec[] {
  const out: KeywordSpec[] = [];
  for (const p of phrases) for (const k of p.keywords) out.push({ phraseId: p.id, label: k.label, tokens: k.tokens, boost: k.boost, threshold: k.threshold });
  for (const text of new Set(refusals)) out.push({ phraseId: REFUSAL_ID, label: text, tokens: pinyinUnits(text.replace(/[，。、！？；：,.!?;: ]/gu, '')) });
  return out;
}
