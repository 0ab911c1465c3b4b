import type { ConfirmationPhrase } from '../../protocol/keywords.js';
import type { HeardPhrase, SpeechSummary } from '../../protocol/review.js';
import { phraseHeard, phraseRules, REFUSAL_ID } from '../checks/phrases.js';

/** One keyword the archive's spotter found (refusals under REFUSAL_ID), seconds since the recording began. */
export interface ArchiveHit {
  phraseId: string;
  text: string;
  atSec: number;
}

/**
 * What was heard after the disclosure ended (pure): `heard` lists every hit from `fromSec` on
 * (refusals with phraseId `refusal`); the confirmation is complete when every phrase has been heard
 * (its full spelling, or all its parts: core/checks/phrases.ts) from `fromSec` on, at the time of
 * the hit that completed it. KWS gives no score: `score` is null.
 */
export function summarizeSpeech(hits: readonly ArchiveHit[], utterances: number, phrases: readonly ConfirmationPhrase[], fromSec: number): SpeechSummary {
  const after = [...hits].filter((h) => h.atSec >= fromSec).sort((a, b) => a.atSec - b.atSec);
  const rules = phraseRules(phrases);
  const seen = new Map<string, Set<string>>();
  let confirmedAtSec: number | null = null;
  for (const h of after) {
    if (h.phraseId === REFUSAL_ID) continue;
    let set = seen.get(h.phraseId);
    if (!set) seen.set(h.phraseId, (set = new Set()));
    set.add(h.text);
    if (confirmedAtSec === null && rules.length > 0 && rules.every((r) => phraseHeard(r, seen.get(r.id)))) confirmedAtSec = h.atSec;
  }
  const heard: HeardPhrase[] = after.slice(0, 1000).map((h) => ({ phraseId: h.phraseId.slice(0, 64), text: h.text.slice(0, 200), atSec: h.atSec }));
  return { heard, confirmed: confirmedAtSec !== null, confirmedAtSec, utterances, score: null };
}

/** Refusals among the hits from `fromSec` on. */
export function refusalsAfter(hits: readonly HeardPhrase[], fromSec: number): HeardPhrase[] {
  return hits.filter((h) => h.phraseId === REFUSAL_ID && h.atSec >= fromSec);
}
