import type { ConfirmationPhrase } from '../../protocol/keywords.js';

/** The id under which refusal keywords are reported. */
export const REFUSAL_ID = 'refusal';

/**
 * What confirms a phrase, by the labels of its keyword spellings (src/protocol/keywords.ts): a
 * `full` spelling heard, or every `part` spelling heard in the same window (keyword spotters find
 * short phrases far more reliably than long ones, so long phrases are also spotted clause by clause).
 */
export interface PhraseRule {
  id: string;
  full: string[];
  parts: string[];
}

export function phraseRules(phrases: readonly ConfirmationPhrase[]): PhraseRule[] {
  return phrases.map((p) => ({
    id: p.id,
    full: p.keywords.filter((k) => k.role === 'full').map((k) => k.label),
    parts: p.keywords.filter((k) => k.role === 'part').map((k) => k.label),
  }));
}

/** Whether the labels heard for a phrase confirm it. */
export function phraseHeard(rule: PhraseRule, heard: ReadonlySet<string> | undefined): boolean {
  if (!heard) return false;
  return rule.full.some((l) => heard.has(l)) || (rule.parts.length > 0 && rule.parts.every((l) => heard.has(l)));
}
