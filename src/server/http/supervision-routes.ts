import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import { parseOrThrow } from '../../core/validate.js';
import { SupervisorCheckRequest, type ReviewDecisionView } from '../../protocol/review.js';
import { CreateWebhookRequest, DecisionParams, SupervisionSampleQuery, SupervisionStatsQuery, WebhookParams, type CreatedWebhook, type SupervisionSample, type SupervisionStats, WebhookList } from '../../protocol/review-api.js';
import { API_PREFIX } from '../../protocol/server-api.js';
import { staffActor } from '../auth/admin-actor.js';
import type { StaffGuard } from '../auth/guard.js';
import { staffRoute } from '../auth/route-config.js';
import type { ReviewWorkflow } from '../review/workflow/review-workflow.js';

const SUPERVISOR = staffRoute('supervisor');
const ADMIN = staffRoute('admin');

/** Supervisors' checks of reviewers (sample, check, statistics) and the admin's webhooks (list, create, delete). */
export function registerSupervisionRoutes(app: FastifyInstance, deps: { guard: StaffGuard; review: ReviewWorkflow }): void {
  const { guard, review } = deps;

  app.get(`${API_PREFIX}/supervision/sample`, SUPERVISOR, async (req): Promise<SupervisionSample> => {
    const q = parseOrThrow(SupervisionSampleQuery, req.query ?? {}, 'sample query');
    return review.supervision.sample(guard.principal(req), q);
  });

  app.post(`${API_PREFIX}/supervision/decisions/:decisionId/check`, SUPERVISOR, async (req): Promise<ReviewDecisionView> => {
    const { decisionId } = parseOrThrow(DecisionParams, req.params, 'decision id');
    const body = parseOrThrow(SupervisorCheckRequest, req.body ?? {}, 'supervisor check');
    return review.supervision.check(guard.principal(req), decisionId, body);
  });

  app.get(`${API_PREFIX}/supervision/stats`, SUPERVISOR, async (req): Promise<SupervisionStats> => {
    const q = parseOrThrow(SupervisionStatsQuery, req.query ?? {}, 'statistics query');
    return review.supervision.stats(guard.principal(req), q);
  });

  app.get(`${API_PREFIX}/webhooks`, ADMIN, async (req): Promise<z.infer<typeof WebhookList>> => ({ webhooks: await review.webhooks.list(staffActor(guard.principal(req))) }));

  app.post(`${API_PREFIX}/webhooks`, ADMIN, async (req, reply): Promise<CreatedWebhook> => {
    const body = parseOrThrow(CreateWebhookRequest, req.body ?? {}, 'webhook');
    return reply.status(201).send(await review.webhooks.create(staffActor(guard.principal(req)), body));
  });

  app.delete(`${API_PREFIX}/webhooks/:webhookId`, ADMIN, async (req, reply) => {
    const { webhookId } = parseOrThrow(WebhookParams, req.params, 'webhook id');
    await review.webhooks.delete(staffActor(guard.principal(req)), webhookId);
    return reply.status(204).send();
  });
}
