import { z } from 'zod';
import { DEFAULT_FACE_THRESHOLD } from '../../../protocol/checks.js';

/**
 * Machine review and screenshots (issue 8), server config `machineReview`. Without `kwsModelDir` the
 * speech pass is skipped (an info finding says so); it is never guessed.
 */
export const ReviewConfig = z.strictObject({
  /** The keyword-spotting model folder (the booth's checks.speech.kwsModelDir model); omitted: no speech pass. */
  kwsModelDir: z.string().min(1).optional(),
  /** Seconds between the face pass's samples (tiny detector on each). */
  faceEverySec: z.number().min(0.2).max(30).default(1),
  /** Seconds between descriptor measurements (SSD + descriptor, ~5x the detector's cost) against the customer. */
  matchEverySec: z.number().min(0.2).max(600).default(5),
  /** Descriptor distance at or below which a face is the customer's (issue 7's measured 0.42). */
  faceThreshold: z.number().min(0.1).max(1).default(DEFAULT_FACE_THRESHOLD),
  /**
   * Where the camera is in the recording: `inset` (the booth's picture-in-picture, lower right),
   * `full` (camera only), or `auto`: inset when the picture is wider than twice the inset, else full.
   */
  camera: z
    .strictObject({
      layout: z.enum(['auto', 'inset', 'full']).default('auto'),
      /** The booth's capture.pipWidth and its 16 px margin. */
      insetWidth: z.number().int().min(64).max(1920).default(400),
      insetMargin: z.number().int().min(0).max(200).default(16),
    })
    .prefault({}),
  policy: z
    .strictObject({
      absenceReviewSec: z.number().min(1).max(3600).default(10),
      absenceFailSec: z.number().min(1).max(3600).default(30),
      minPresentShare: z.number().min(0).max(1).default(0.5),
      minMatchedShare: z.number().min(0).max(1).default(0.7),
      extraFaceSamples: z.number().int().min(1).max(10_000).default(2),
      minWatchedRatio: z.number().min(0.1).max(1).default(0.9),
      maxDurationSec: z.number().min(60).max(10 * 86_400).default(4 * 3600),
      durationToleranceSec: z.number().min(0.1).max(600).default(2),
      /** Timeline (wall clock) vs media time: speech is taken from this long before the disclosure's end. */
      timelineSlackSec: z.number().min(0).max(10).default(1),
    })
    .prefault({}),
  screenshots: z
    .strictObject({
      /** Run the sampler (on by default). */
      enabled: z.boolean().default(true),
      /** How often the sampler looks for new segments besides the kick after each upload, ms. */
      sweepMs: z.number().int().min(50).max(600_000).default(5000),
      /** Segments of one session sampled per sweep, so one long backlog does not hold up the sessions recording now. */
      segmentsPerSweep: z.number().int().min(1).max(10_000).default(30),
      /**
       * Pause before grabbing from a segment while segments arrive faster than
       * `yieldAboveArrivalsPerSec` (a backlog draining into the server), so sampling does not slow
       * the ingest down, ms; 0: no pause.
       */
      yieldMs: z.number().int().min(0).max(10_000).default(250),
      /** Segments stored in the last second from which the sampler pauses (32 booths recording live at 4 s segments make 8). */
      yieldAboveArrivalsPerSec: z.number().int().min(1).max(100_000).default(10),
      /** JPEG width (height keeps the aspect). */
      width: z.number().int().min(64).max(3840).multipleOf(2).default(640),
    })
    .prefault({}),
});
export type ReviewConfig = z.infer<typeof ReviewConfig>;
