import { resolve } from 'node:path';
import { z } from 'zod';
import { describeIssues, ValidationError } from '../core/errors.js';

export const ServerConfig = z.strictObject({
  /** Folder for the database, keys and the archive. */
  dataDir: z.string().min(1).default('./data'),
  host: z.string().default('127.0.0.1'),
  port: z.number().int().min(0).max(65535).default(8080),
  /** Largest sealed segment accepted, bytes. A 4 s 720p segment is ~0.5 MB. */
  maxSegmentBytes: z.number().int().min(1024).max(1024 * 1024 * 1024).default(64 * 1024 * 1024),
  /** Explicit ffmpeg binary; default: system ffmpeg, else @ffmpeg-installer/ffmpeg. */
  ffmpegPath: z.string().nullable().default(null),
  /** How often the archive worker looks for queued jobs, ms. */
  jobPollMs: z.number().int().min(10).max(60_000).default(500),
  jobMaxAttempts: z.number().int().min(1).max(100).default(5),
  /** Lifetime of a staff access token, seconds (refresh before it ends). */
  accessTokenTtlSec: z.number().int().min(30).max(3600).default(900),
  /** Lifetime of a staff login, hours: tokens are refreshed only until then. */
  loginSessionHours: z.number().min(0.1).max(72).default(12),
  /** Login attempts one client address may make per minute (on each instance). */
  loginMaxPerIpPerMinute: z.number().int().min(1).max(10_000).default(20),
  /** Failed logins one username may have in `loginFailureWindowSec` (on all instances together). */
  loginMaxFailuresPerUser: z.number().int().min(1).max(1000).default(5),
  loginFailureWindowSec: z.number().int().min(1).max(86_400).default(900),
});
export type ServerConfig = z.infer<typeof ServerConfig>;
export type ServerConfigInput = z.input<typeof ServerConfig>;

export function parseServerConfig(input: unknown): ServerConfig {
  const r = ServerConfig.safeParse(input ?? {});
  if (!r.success) throw new ValidationError('config.invalid', `server config is invalid: ${describeIssues(r.error.issues)}`);
  return { ...r.data, dataDir: resolve(r.data.dataDir) };
}
