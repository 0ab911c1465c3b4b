import { ValidationError } from '../../core/errors.js';
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
