import type { FastifyInstance } from 'fastify';
import { parseOrThrow } from '../../core/validate.js';
import { sendImmutableBlob } from '../../platform/blob-reply.js';
import { ReviewDecisionRequest, type ReviewItemView, type ReviewSessionDetail } from '../../protocol/review.js';
import { MediaLinkRequest, ReviewListQuery, ReviewSessionParams, ScreenshotParams, type MediaLink, type MonitorList, type ReviewerHeartbeat, type ReviewList } from '../../protocol/review-api.js';
import { API_PREFIX } from '../../protocol/server-api.js';
import { z } from 'zod';
import type { StaffGuard } from '../auth/guard.js';
import { PUBLIC_ROUTE, staffRoute } from '../auth/route-config.js';
import type { ReviewWorkflow } from '../review/workflow/review-workflow.js';
import { staffAuditActor } from '../review/workflow/workflow-deps.js';

const READERS = staffRoute('reviewer', 'supervisor');
const DECIDERS = staffRoute('reviewer', 'supervisor');
const REVIEWER = staffRoute('reviewer');
const RERUN = staffRoute('supervisor', 'admin');
const MediaParams = z.strictObject({ token: z.string().regex(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/, 'the media link is not valid').max(4096) });

/**
 * The review console's API (src/protocol/review-api.ts): the review list and session page,
 * screenshots, decisions, media links and the public media route they point at, the reviewer
 * heartbeat, the live monitor, and a supervisor's or admin's request to run the machine review again.
 */
export function registerReviewRoutes(app: FastifyInstance, deps: { guard: StaffGuard; review: ReviewWorkflow; kickJobs: () => void }): void {
  const { guard, review } = deps;

  app.get(`${API_PREFIX}/review/sessions`, READERS, async (req): Promise<ReviewList> => {
    const q = parseOrThrow(ReviewListQuery, req.query ?? {}, 'review list query');
    return { items: await review.reader.list(guard.principal(req), q) };
  });

  app.get(`${API_PREFIX}/review/sessions/:sessionId`, READERS, async (req): Promise<ReviewSessionDetail> => {
    const { sessionId } = parseOrThrow(ReviewSessionParams, req.params, 'session id');
    return review.reader.detail(guard.principal(req), sessionId);
  });

  app.get(`${API_PREFIX}/review/sessions/:sessionId/screenshots/:screenshotId`, READERS, async (req, reply) => {
    const { sessionId, screenshotId } = parseOrThrow(ScreenshotParams, req.params, 'screenshot address');
    const jpeg = await review.reader.screenshot(guard.principal(req), sessionId, screenshotId);
    return reply.header('content-type', 'image/jpeg').header('cache-control', 'private, max-age=3600').send(jpeg);
  });

  app.post(`${API_PREFIX}/review/sessions/:sessionId/decision`, DECIDERS, async (req): Promise<ReviewItemView> => {
    const { sessionId } = parseOrThrow(ReviewSessionParams, req.params, 'session id');
    const body = parseOrThrow(ReviewDecisionRequest, req.body ?? {}, 'decision');
    return review.decisions.decide(guard.principal(req), sessionId, body);
  });

  app.post(`${API_PREFIX}/review/sessions/:sessionId/media-link`, READERS, async (req): Promise<MediaLink> => {
    const { sessionId } = parseOrThrow(ReviewSessionParams, req.params, 'session id');
    const { name } = parseOrThrow(MediaLinkRequest, req.body ?? {}, 'media link request');
    return review.media.issue(guard.principal(req), sessionId, name);
  });

  // Public: the token is the credential (signed, one staff member, one session, one file, ~1 h).
  app.get(`${API_PREFIX}/media/:token`, PUBLIC_ROUTE, async (req, reply) => {
    const { token } = parseOrThrow(MediaParams, req.params, 'media link');
    const media = await review.media.open(token);
    return sendImmutableBlob(req, reply, media.blob, media.read);
  });

  app.post(`${API_PREFIX}/review/heartbeat`, REVIEWER, async (req): Promise<ReviewerHeartbeat> => review.assigner.heartbeat(guard.principal(req)));

  app.get(`${API_PREFIX}/monitor/sessions`, READERS, async (req): Promise<MonitorList> => review.reader.monitor(guard.principal(req)));

  app.post(`${API_PREFIX}/review/sessions/:sessionId/machine-review`, RERUN, async (req, reply) => {
    const { sessionId } = parseOrThrow(ReviewSessionParams, req.params, 'session id');
    const p = guard.principal(req);
    const item = await review.reader.itemInScope(p, sessionId);
    // 202 either way: a machine review already queued or running is not queued twice (the audit entry says which).
    if (await review.items.requeueMachineReview(sessionId, staffAuditActor(p.staffId), item.branchId)) deps.kickJobs();
    return reply.status(202).send({ queued: true });
  });
}
