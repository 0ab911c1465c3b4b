import { z } from 'zod';
import { isTimeZone } from './render/time-zone.js';

/**
 * How the archive renders the derived files of a session (server config `finalize`). The defaults
 * are measured by `npm run bench:archive` (README): >= 3x real time for 720p on one core.
 */
export const FinalizeConfig = z.strictObject({
  /** IANA zone of the burned-in wall clock; the frame names it (e.g. "UTC+08:00 Asia/Shanghai"). */
  timeZone: z.string().refine(isTimeZone, 'must be an IANA time zone name such as Asia/Shanghai or UTC').default('Asia/Shanghai'),
  /** Larger recordings are scaled down to this height; smaller ones keep their size. */
  maxHeight: z.number().int().min(240).max(2160).multipleOf(2).default(720),
  /**
   * x264 preset and quality of final.mp4, a viewing copy (the original is kept bit-exact):
   * veryfast + CRF 23 keeps screen text readable after the second encode at a fraction of the CPU
   * of the slower presets.
   */
  preset: z.enum(['ultrafast', 'superfast', 'veryfast', 'faster', 'fast', 'medium']).default('veryfast'),
  crf: z.number().int().min(16).max(40).default(23),
  /** One thumbnail every this many seconds (raised for very long sessions, see maxTiles). */
  thumbnailEverySec: z.number().min(1).max(3600).default(10),
  thumbnailWidth: z.number().int().min(64).max(640).multipleOf(2).default(160),
  thumbnailColumns: z.number().int().min(1).max(50).default(10),
  /** At most this many tiles in the strip; longer sessions get a longer interval. */
  maxTiles: z.number().int().min(1).max(5000).default(2000),
  /** Explicit font file for burned-in text (must cover Chinese); default: found via fontconfig. */
  fontFile: z.string().min(1).nullable().default(null),
});
export type FinalizeConfig = z.infer<typeof FinalizeConfig>;
export type FinalizeConfigInput = z.input<typeof FinalizeConfig>;
