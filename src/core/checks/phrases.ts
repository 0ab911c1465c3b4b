import type { ConfirmationPhrase } from '../../protocol/checks.js';

/** The id under which refusal keywords are reported. */
export const REFUSAL_ID = 'refusal';

/**
 * The clauses of a phrase: its text split at punctuation. Keyword spotters find short phrases far
 * more reliably than long ones, so each clause is spotted on its own and a phrase counts as said
 * when all its clauses were heard in one listening window.
 */
export function phraseClauses(text: string): string[] {
  return text
    .split(/[，。、；！？,.;!?\s]+/u)
    .map((c) => c.trim())
    .filter((c) => c.length > 0);
}

/** A phrase as the confirmation rules and the speech engine use it. */
export interface PhraseClauses {
  id: string;
  clauses: string[];
}

export function toPhraseClauses(phrases: readonly ConfirmationPhrase[]): PhraseClauses[] {
  return phrases.map((p) => ({ id: p.id, clauses: phraseClauses(p.text) }));
}
