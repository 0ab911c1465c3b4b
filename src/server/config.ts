import { resolve } from 'node:path';
import { z } from 'zod';
import { describeIssues, ValidationError } from '../core/errors.js';
import { SfuConfig } from './sfu/sfu-config.js';
import { FinalizeConfig } from './archive/finalize-config.js';
import { ReviewConfig } from './review/workflow/review-config.js';
import { ReviewConfig as MachineReviewConfig } from './review/machine/review-config.js';

const isPostgresUrl = (v: string) => {
  try {
    return ['postgres:', 'postgresql:'].includes(new URL(v).protocol);
  } catch {
    return false;
  }
};

/**
 * Where the server keeps its state. SQLite (`<dataDir>/server.sqlite`, the default) serves one
 * server process; PostgreSQL serves any number of instances behind a load balancer.
 */
export const DatabaseConfig = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('sqlite') }),
  z.strictObject({
    kind: z.literal('postgres'),
    /** `postgres://user[:password]@host[:port]/db`; leave the password out and set PGPASSWORD to keep it out of files. Never logged. */
    url: z.string().refine(isPostgresUrl, { message: 'must be a postgres:// or postgresql:// URL' }),
    /** Connections per instance; N instances open up to N × poolSize (mind max_connections). */
    poolSize: z.number().int().min(1).max(1000).default(10),
    connectTimeoutMs: z.number().int().min(100).max(600_000).default(10_000),
  }),
]);
export type DatabaseConfig = z.infer<typeof DatabaseConfig>;

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
  /** A running job's lease: renewed every third of it while the job runs; another instance takes over a job whose lease ran out (its instance died). */
  jobLeaseMs: z.number().int().min(1000).max(3_600_000).default(60_000),
  /** Default SQLite; or from DUALREC_DATABASE_URL (see databaseFromEnv). */
  database: DatabaseConfig.default({ kind: 'sqlite' }),
  /** Remote assistance: mediasoup workers and their network (src/server/sfu/sfu-config.ts). */
  sfu: SfuConfig.prefault({}),
  /** Fleet management (issue 10): alert thresholds and release uploads. */
  fleet: z
    .strictObject({
      /** A booth without a heartbeat for this long is `silent` (booths report every 30 s). */
      silentAfterSec: z.number().int().min(30).max(86_400).default(300),
      /** A booth whose oldest unconfirmed segment is older than this is failing to sync. */
      syncStuckAfterSec: z.number().int().min(60).max(7 * 86_400).default(1800),
      /** Largest release artifact accepted, bytes. */
      maxArtifactBytes: z.number().int().min(1024).max(8 * 1024 ** 3).default(2 * 1024 ** 3),
    })
    .prefault({}),
  /** The built web UI (out/renderer) served at /ui/ (the fleet console page); default: next to the server code. */
  uiDir: z.string().min(1).optional(),
  /** Derived files of archived sessions: time zone, size, encoder, thumbnails, font. */
  finalize: FinalizeConfig.prefault({}),
  /** The review workflow (issue 8): reviewer presence, due times, sweep, media links, webhook delivery. */
  review: ReviewConfig.prefault({}),
  /** Machine review and screenshot sampling (issue 8): speech model, face pass, thresholds, screenshots. */
  machineReview: MachineReviewConfig.prefault({}),
});
export type ServerConfig = z.infer<typeof ServerConfig>;
export type ServerConfigInput = z.input<typeof ServerConfig>;

/**
 * Deployment settings from the environment: DUALREC_DATABASE_URL (a postgres:// URL) selects
 * PostgreSQL, DUALREC_DATABASE_POOL_SIZE sizes the pool. Undefined when the URL is not set.
 */
export function databaseFromEnv(env: NodeJS.ProcessEnv = process.env): DatabaseConfig | undefined {
  const url = env.DUALREC_DATABASE_URL;
  if (!url) return undefined;
  const poolSize = env.DUALREC_DATABASE_POOL_SIZE;
  const r = DatabaseConfig.safeParse({ kind: 'postgres', url, ...(poolSize ? { poolSize: Number(poolSize) } : {}) });
  if (!r.success) throw new ValidationError('config.invalid', `DUALREC_DATABASE_URL / DUALREC_DATABASE_POOL_SIZE are invalid: ${describeIssues(r.error.issues)}`);
  return r.data;
}

/** Validates the config; a config without `database` takes it from the environment (databaseFromEnv), else SQLite. */
export function parseServerConfig(input: unknown, env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const base = input ?? {};
  const fromEnv = typeof base === 'object' && (base as { database?: unknown }).database === undefined ? databaseFromEnv(env) : undefined;
  const r = ServerConfig.safeParse(fromEnv ? { ...base, database: fromEnv } : base);
  if (!r.success) throw new ValidationError('config.invalid', `server config is invalid: ${describeIssues(r.error.issues)}`);
  return { ...r.data, dataDir: resolve(r.data.dataDir) };
}
