import type { BoothChecksSummary } from '../../protocol/review.js';
import type { ConfirmationPhraseView, CustomerSummary, Timeline, TimelineEvent } from '../../protocol/kiosk-flow.js';

/** What the signed timeline says about the disclosure: rounds played and the last round's times. */
export interface DisclosureFacts {
  rounds: number;
  /** The last round was played to the end (`disclosureEnded` with at least minWatchedRatio watched). */
  completed: boolean;
  startedAtSec: number | null;
  endedAtSec: number | null;
  /** The product's disclosure duration (productChosen), seconds; null without one. */
  durationSec: number | null;
}

/** Everything the machine review needs from a session's timeline (pure). */
export interface TimelineFacts {
  disclosure: DisclosureFacts;
  booth: BoothChecksSummary;
  /** The product's confirmation phrases as chosen (productChosen). */
  phrases: ConfirmationPhraseView[];
  customer: CustomerSummary | null;
  /** Seconds of the booth's face check that passed (the customer verified there), or null. */
  faceVerifiedAtSec: number | null;
}

type Ev<T extends TimelineEvent['event']['type']> = TimelineEvent & { event: Extract<TimelineEvent['event'], { type: T }> };

function all<T extends TimelineEvent['event']['type']>(tl: Timeline, type: T): Ev<T>[] {
  return tl.filter((e): e is Ev<T> => e.event.type === type);
}

/**
 * Reads the timeline. A disclosure round counts as completed when its `disclosureEnded` has
 * `watchedSec` ≥ `minWatchedRatio` × the product's duration (the booth refuses an earlier end;
 * this re-checks it). Booth checks are the last decision of each kind.
 */
export function timelineFacts(tl: Timeline, minWatchedRatio: number): TimelineFacts {
  const product = all(tl, 'productChosen').at(-1)?.event.product ?? null;
  const durationSec = product?.disclosure.durationSec ?? null;
  const starts = all(tl, 'disclosureStarted');
  const ends = all(tl, 'disclosureEnded');
  const lastStart = starts.at(-1) ?? null;
  const lastEnd = ends.at(-1) ?? null;
  const endOfLast = lastStart && lastEnd && lastEnd.event.round === lastStart.event.round ? lastEnd : null;
  const watchedEnough = endOfLast !== null && (durationSec === null || endOfLast.event.watchedSec >= minWatchedRatio * durationSec - 1e-6);
  const face = all(tl, 'faceChecked').at(-1) ?? null;
  const speech = all(tl, 'speechChecked').at(-1) ?? null;
  const verified = all(tl, 'faceChecked').find((e) => e.event.result.passed && e.event.result.source === 'engine');
  return {
    disclosure: {
      rounds: starts.length,
      completed: watchedEnough,
      startedAtSec: lastStart?.sessionSec ?? null,
      endedAtSec: endOfLast?.sessionSec ?? null,
      durationSec,
    },
    booth: {
      face: face ? { passed: face.event.result.passed, source: face.event.result.source, distance: face.event.result.score, atSec: face.sessionSec } : null,
      speech: speech ? { passed: speech.event.result.passed, source: speech.event.result.source, phraseIds: speech.event.result.phraseIds, atSec: speech.sessionSec } : null,
    },
    phrases: product?.phrases ?? [],
    customer: all(tl, 'customerIdentified').at(-1)?.event.customer ?? null,
    faceVerifiedAtSec: verified?.sessionSec ?? null,
  };
}
