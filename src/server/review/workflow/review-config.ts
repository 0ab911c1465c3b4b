import { z } from 'zod';

/** The review workflow's settings (`review` in the server config). */
export const ReviewConfig = z.strictObject({
  /** A reviewer is online while their last heartbeat (POST /review/heartbeat) is this recent. The console beats every 30 s. */
  onlineWindowSec: z.number().int().min(10).max(86_400).default(120),
  /** Open (assigned) items one reviewer holds at most; the rest stay queued until a reviewer decides one (or someone else comes online). */
  maxOpenPerReviewer: z.number().int().min(1).max(1000).default(10),
  /** A person's decision is due this long after the item was queued; past it, `review.overdue` fires once. */
  dueAfterMinutes: z.number().int().min(1).max(60 * 24 * 90).default(24 * 60),
  /** How often the sweep makes missing items, reassigns offline reviewers' items, assigns queued ones and finds overdue ones, ms. */
  sweepMs: z.number().int().min(100).max(3_600_000).default(15_000),
  /** Lifetime of a media link (GET /media/:token), seconds. */
  mediaLinkTtlSec: z.number().int().min(30).max(6 * 3600).default(3600),
  webhooks: z
    .strictObject({
      /** How often the delivery worker looks for due deliveries, ms. */
      pollMs: z.number().int().min(50).max(600_000).default(2000),
      /** One POST's time limit, ms (a dead receiver costs at most this). */
      timeoutMs: z.number().int().min(100).max(120_000).default(10_000),
      /** Attempts before a delivery is given up (`dead`). */
      maxAttempts: z.number().int().min(1).max(100).default(12),
      /** Exponential backoff with full jitter between attempts (src/core/backoff.ts). */
      backoffBaseMs: z.number().int().min(10).max(3_600_000).default(5000),
      backoffMaxMs: z.number().int().min(10).max(86_400_000).default(3_600_000),
      /** Deliver to loopback, private (10/8, 172.16/12, 192.168/16, fc00::/7), link-local, CGNAT and unspecified addresses too (checked after DNS at each delivery). Off: an admin cannot make the server probe its own network. */
      allowPrivateAddresses: z.boolean().default(false),
    })
    .prefault({}),
});
export type ReviewConfig = z.infer<typeof ReviewConfig>;
