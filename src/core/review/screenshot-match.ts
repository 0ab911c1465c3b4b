import type { FaceSample, ScreenshotFlag } from '../../protocol/review.js';

/**
 * The face distance of a screenshot, taken from the face pass (pure): the measured sample nearest
 * in time, if one lies within `withinSec`; and the screenshot's flags with `face_mismatch` added
 * (or removed) by it. The sampler cannot know the customer while the session records (the timeline
 * comes with the manifest), so the machine review fills this in afterwards.
 */
export function screenshotMatch(atSec: number, faces: number | null, flags: readonly ScreenshotFlag[], samples: readonly FaceSample[], threshold: number, withinSec: number): { distance: number | null; flags: ScreenshotFlag[] } {
  let best: FaceSample | null = null;
  for (const s of samples) {
    if (s.distance === null || Math.abs(s.atSec - atSec) > withinSec) continue;
    if (!best || Math.abs(s.atSec - atSec) < Math.abs(best.atSec - atSec)) best = s;
  }
  const distance = faces === 1 && best ? best.distance : null;
  const rest = flags.filter((f) => f !== 'face_mismatch');
  return { distance, flags: distance !== null && distance > threshold ? [...rest, 'face_mismatch'] : rest };
}
