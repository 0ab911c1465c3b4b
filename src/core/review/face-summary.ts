import type { FaceSample, FaceSummary } from '../../protocol/review.js';

/**
 * Summarises the archive's face pass (pure). Samples are ordered by time, `everySec` apart where
 * the recording has pictures; a jump of more than 1.5 × `everySec` is a hole in the recording (a
 * gap, reported on its own), so an absence never runs across one. An absence lasts from its first
 * faceless sample to the next sample with a face (or one interval past its last faceless sample).
 */
export function summarizeFaces(samples: readonly FaceSample[], everySec: number, threshold: number): FaceSummary {
  const n = samples.length;
  const present = samples.filter((s) => s.faces === 1).length;
  const measured = samples.filter((s) => s.distance !== null);
  const matched = measured.filter((s) => s.distance! <= threshold).length;
  let longest = 0;
  let longestAt: number | null = null;
  let runStart: number | null = null;
  let prev: FaceSample | null = null;
  const close = (end: number) => {
    if (runStart === null) return;
    const len = end - runStart;
    if (len > longest) {
      longest = len;
      longestAt = runStart;
    }
    runStart = null;
  };
  for (const s of samples) {
    const hole = prev !== null && s.atSec - prev.atSec > 1.5 * everySec;
    if (hole) close(prev!.atSec + everySec);
    if (s.faces === 0) runStart ??= s.atSec;
    else close(s.atSec);
    prev = s;
  }
  if (prev) close(prev.atSec + everySec);
  const round3 = (x: number) => Math.round(x * 1000) / 1000;
  return {
    everySec,
    samples: [...samples],
    presentShare: n === 0 ? 0 : round3(present / n),
    matchedShare: measured.length === 0 ? null : round3(matched / measured.length),
    longestAbsenceSec: round3(longest),
    longestAbsenceAtSec: longestAt,
    extraFaceSamples: samples.filter((s) => s.faces > 1).length,
    threshold,
  };
}
