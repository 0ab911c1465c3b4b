import type { CheckDecision, ConfirmationPolicy, KeywordHit } from '../../protocol/checks.js';
import { phraseHeard, REFUSAL_ID, type PhraseRule } from './phrases.js';

/** One stretch of speech with what the spotter found in it (refusals under REFUSAL_ID). */
export interface HeardUtterance {
  startSec: number;
  endSec: number;
  hits: KeywordHit[];
}

export type ConfirmationFlowStatus = 'waiting_disclosure' | 'listening' | 'replay' | 'confirmed' | 'failed';
type FailReason = 'refused' | 'not_confirmed' | 'silence';

/**
 * What counts as a spoken confirmation (pure). Listening starts when the disclosure has been
 * played to the end and lasts `windowSec`; speech before that is recorded but never counts. Each
 * utterance in the window is an attempt: it confirms once every phrase has been heard in this
 * window (its full spelling, or all its parts, which may come in separate utterances; see
 * phrases.ts); an utterance with a refusal is
 * refused whatever else it contains. A refusal, `maxAttempts` utterances without confirmation, or
 * the window closing asks for the disclosure to be replayed, up to `maxReplays` times; then the
 * confirmation fails with the reason.
 */
export class ConfirmationFlow {
  status: ConfirmationFlowStatus = 'waiting_disclosure';
  /** Attempts in the current window. */
  attempt = 0;
  replays = 0;
  windowEndsAtSec: number | null = null;
  private played = 0;
  private totalAttempts = 0;
  private heard = new Map<string, Set<string>>();
  private evidence: KeywordHit[] = [];

  constructor(
    private readonly policy: ConfirmationPolicy,
    private readonly phrases: readonly PhraseRule[],
  ) {}

  /** The disclosure (first or replayed) has been played to the end: a window opens. */
  disclosureEnded(atSec: number): CheckDecision[] {
    if (this.status === 'confirmed' || this.status === 'failed' || this.status === 'listening') return [];
    this.played += 1;
    this.status = 'listening';
    this.attempt = 0;
    this.windowEndsAtSec = atSec + this.policy.windowSec;
    this.heard = new Map();
    this.evidence = [];
    return [{ type: 'disclosure.ended', atSec, played: this.played }];
  }

  onUtterance(u: HeardUtterance, atSec: number): CheckDecision[] {
    const out = this.tick(atSec);
    if (this.status !== 'listening' || u.endSec < this.windowEndsAtSec! - this.policy.windowSec) return out;
    this.attempt += 1;
    this.totalAttempts += 1;
    const refusals = u.hits.filter((h) => h.phraseId === REFUSAL_ID).map((h) => h.text);
    for (const h of u.hits) {
      if (h.phraseId === REFUSAL_ID || !this.phrases.some((p) => p.id === h.phraseId)) continue;
      let set = this.heard.get(h.phraseId);
      if (!set) this.heard.set(h.phraseId, (set = new Set()));
      set.add(h.text);
      this.evidence.push(h);
    }
    const complete = this.phrases.every((p) => phraseHeard(p, this.heard.get(p.id)));
    const outcome = refusals.length > 0 ? 'refused' : complete ? 'confirmed' : 'incomplete';
    out.push({ type: 'confirmation.attempt', atSec, attempt: this.attempt, outcome, heard: this.heardRecord(), refusals, startSec: u.startSec, endSec: u.endSec });
    if (outcome === 'confirmed') {
      this.status = 'confirmed';
      this.windowEndsAtSec = null;
      out.push({ type: 'confirmation.confirmed', atSec, attempts: this.totalAttempts, replays: this.replays, evidence: [...this.evidence] });
    } else if (outcome === 'refused') {
      out.push(...this.replayOrFail(atSec, 'refused'));
    } else if (this.attempt >= this.policy.maxAttempts) {
      out.push(...this.replayOrFail(atSec, 'not_confirmed'));
    }
    return out;
  }

  /** Closes a window whose time is up. */
  tick(atSec: number): CheckDecision[] {
    if (this.status !== 'listening' || atSec < this.windowEndsAtSec!) return [];
    return this.replayOrFail(atSec, this.attempt === 0 ? 'silence' : 'not_confirmed');
  }

  private replayOrFail(atSec: number, reason: FailReason): CheckDecision[] {
    this.windowEndsAtSec = null;
    if (this.replays < this.policy.maxReplays) {
      this.replays += 1;
      this.status = 'replay';
      return [{ type: 'disclosure.replay', atSec, replay: this.replays, reason }];
    }
    this.status = 'failed';
    return [{ type: 'confirmation.failed', atSec, attempts: this.totalAttempts, replays: this.replays, reason }];
  }

  private heardRecord(): Record<string, string[]> {
    return Object.fromEntries([...this.heard].map(([k, v]) => [k, [...v]]));
  }
}
