import { z } from 'zod';
import { BoothId, IntParam, IsoTime, ProductId, SessionFileName, SessionId } from './ids.js';
import { BranchId } from './staff.js';
import { ReviewDecisionView, ReviewerStats, ReviewItemView, ReviewStatus, ScreenshotView, WebhookEvent } from './review.js';

// The review console's HTTP API (issue 8), prefix /api/v1. Roles in brackets; branch scope applies
// to every session (a session's branch is its booth's).
//
// GET  /review/sessions                          [reviewer, supervisor]  ReviewListQuery → ReviewList
// GET  /review/sessions/:sessionId               [reviewer, supervisor]  → ReviewSessionDetail (audited: review.read)
// GET  /review/sessions/:sessionId/screenshots/:screenshotId  [reviewer, supervisor]  → image/jpeg
// POST /review/sessions/:sessionId/decision      [reviewer (assignee), supervisor (escalated)]  ReviewDecisionRequest → ReviewItemView
// POST /review/sessions/:sessionId/media-link    [reviewer, supervisor]  MediaLinkRequest → MediaLink
// GET  /media/:token                             [public: the token is the credential]  the file, with Range
// POST /review/sessions/:sessionId/machine-review [supervisor, admin]  → 202 (queues the machine review again)
// POST /review/heartbeat                         [reviewer]  → ReviewerHeartbeat (marks the caller online)
// GET  /monitor/sessions                         [supervisor, reviewer]  → MonitorList (recording now, latest screenshot)
// GET  /supervision/sample                       [supervisor]  SupervisionSampleQuery → SupervisionSample
// POST /supervision/decisions/:decisionId/check  [supervisor]  SupervisorCheckRequest → ReviewDecisionView
// GET  /supervision/stats                        [supervisor]  SupervisionStatsQuery → SupervisionStats
// GET  /webhooks, POST /webhooks, DELETE /webhooks/:webhookId  [admin]

export const ReviewSessionParams = z.strictObject({ sessionId: SessionId });
export const ScreenshotParams = z.strictObject({ sessionId: SessionId, screenshotId: z.string().regex(/^[0-9]{1,12}$/, 'screenshot id must be a number') });
export const DecisionParams = z.strictObject({ decisionId: z.string().regex(/^[0-9]{1,12}$/, 'decision id must be a number') });

/** GET /review/sessions: newest first; `assignee=me` is the caller's own queue. */
export const ReviewListQuery = z.strictObject({
  status: z.union([ReviewStatus, z.literal('open')]).optional(),
  branchId: BranchId.optional(),
  productId: ProductId.optional(),
  /** Sessions started at or after / before these times. */
  from: IsoTime.optional(),
  to: IsoTime.optional(),
  assignee: z.enum(['me', 'any']).default('any'),
  limit: IntParam('limit', 1, 200).default(50),
  /** Paging: only sessions started before this time (the last startedAt of the previous page). */
  before: IsoTime.optional(),
});
export type ReviewListQuery = z.infer<typeof ReviewListQuery>;

export const ReviewList = z.strictObject({ items: z.array(ReviewItemView) });
export type ReviewList = z.infer<typeof ReviewList>;

/** A link a <video> element can load without an Authorization header: short-lived, one file. */
export const MediaLinkRequest = z.strictObject({ name: SessionFileName });
export const MediaLink = z.strictObject({ url: z.string(), expiresAt: IsoTime });
export type MediaLink = z.infer<typeof MediaLink>;

export const ReviewerHeartbeat = z.strictObject({ online: z.literal(true), open: z.number().int().min(0) });
export type ReviewerHeartbeat = z.infer<typeof ReviewerHeartbeat>;

export const MonitorList = z.strictObject({
  sessions: z.array(
    z.strictObject({
      sessionId: SessionId,
      boothId: BoothId,
      branchId: BranchId.nullable(),
      startedAt: IsoTime,
      segments: z.number().int().min(0),
      latest: ScreenshotView.nullable(),
    }),
  ),
});
export type MonitorList = z.infer<typeof MonitorList>;

/** GET /supervision/sample: `rate` (0-1) of each reviewer's decisions in the period, plus every one that contradicts the machine. Deterministic per decision id (the same sample on every call). */
export const SupervisionSampleQuery = z.strictObject({
  from: IsoTime,
  to: IsoTime,
  reviewerId: z.uuid().optional(),
  rate: z
    .string()
    .regex(/^(0(\.[0-9]{1,4})?|1(\.0{1,4})?)$/, 'rate must be a decimal between 0 and 1')
    .transform(Number)
    .default(0.1),
  unchecked: z.enum(['true', 'false']).transform((v) => v === 'true').default(false),
});
export type SupervisionSampleQuery = z.infer<typeof SupervisionSampleQuery>;

export const SupervisionSample = z.strictObject({ decisions: z.array(ReviewDecisionView.extend({ why: z.enum(['sampled', 'contradicts_machine']) })) });
export type SupervisionSample = z.infer<typeof SupervisionSample>;

export const SupervisionStatsQuery = z.strictObject({ from: IsoTime, to: IsoTime });
export const SupervisionStats = z.strictObject({
  reviewers: z.array(ReviewerStats),
  /** Decisions per day in the period (the throughput chart). */
  throughput: z.array(z.strictObject({ day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/), decisions: z.number().int().min(0), overturned: z.number().int().min(0) })),
});
export type SupervisionStats = z.infer<typeof SupervisionStats>;

export const WebhookParams = z.strictObject({ webhookId: z.uuid({ message: 'webhook id must be a UUID' }) });
export const CreateWebhookRequest = z.strictObject({
  url: z.url({ protocol: /^https?$/, message: 'url must be an http(s) URL' }).max(2000),
  events: z.array(WebhookEvent).min(1).max(WebhookEvent.options.length),
  /** Only sessions of these branches; omitted: every branch in the admin's scope. */
  branches: z.array(BranchId).max(1000).optional(),
});
export type CreateWebhookRequest = z.infer<typeof CreateWebhookRequest>;
export const WebhookView = z.strictObject({
  webhookId: z.uuid(),
  url: z.string(),
  events: z.array(WebhookEvent),
  branches: z.array(BranchId).nullable(),
  createdAt: IsoTime,
  /** Delivery health: the last attempt's outcome. */
  lastDelivery: z.strictObject({ at: IsoTime, ok: z.boolean(), status: z.number().int().nullable(), error: z.string().nullable() }).nullable(),
  pending: z.number().int().min(0),
});
export type WebhookView = z.infer<typeof WebhookView>;
/** POST /webhooks answers the secret once; it is never shown again. */
export const CreatedWebhook = WebhookView.extend({ secret: z.string() });
export type CreatedWebhook = z.infer<typeof CreatedWebhook>;
export const WebhookList = z.strictObject({ webhooks: z.array(WebhookView) });
