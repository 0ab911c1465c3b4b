// The review console's calls (src/protocol/review-api.ts), on the consoles' shared client: the
// bearer token stays in memory and every answer is validated against src/protocol.
import type { z } from 'zod';
import { MediaLink, MonitorList, ReviewerHeartbeat, ReviewList, SupervisionSample, SupervisionStats, type ReviewListQuery } from '../../../src/protocol/review-api.js';
import { ReviewDecisionView, ReviewItemView, ReviewSessionDetail, type ReviewDecisionRequest, type SupervisorCheckRequest } from '../../../src/protocol/review.js';
import { BranchList } from '../../../src/protocol/staff-api.js';
import { queryString, StaffApiClient } from '../shared/api-client.js';

/** The list query as the form holds it: every field a string ('' = not set). */
export type ListFilters = { [K in keyof ReviewListQuery]?: string };

const sessionPath = (id: string) => `/review/sessions/${encodeURIComponent(id)}`;

export class ReviewApi extends StaffApiClient {
  sessions(q: ListFilters): Promise<ReviewList> {
    return this.request('GET', `/review/sessions${queryString(q)}`, ReviewList);
  }

  session(sessionId: string): Promise<ReviewSessionDetail> {
    return this.request('GET', sessionPath(sessionId), ReviewSessionDetail);
  }

  /** A short-lived URL the <video> element can load without the Authorization header. */
  mediaLink(sessionId: string, name: string): Promise<MediaLink> {
    return this.request('POST', `${sessionPath(sessionId)}/media-link`, MediaLink, { name });
  }

  screenshot(sessionId: string, screenshotId: string): Promise<Blob> {
    return this.blob(`${sessionPath(sessionId)}/screenshots/${encodeURIComponent(screenshotId)}`, /^image\/jpeg\b/);
  }

  decide(sessionId: string, req: ReviewDecisionRequest): Promise<ReviewItemView> {
    return this.request('POST', `${sessionPath(sessionId)}/decision`, ReviewItemView, req);
  }

  /** Sessions recording now in the caller's scope, with their latest screenshot. */
  monitor(): Promise<MonitorList> {
    return this.request('GET', '/monitor/sessions', MonitorList);
  }

  heartbeat(): Promise<ReviewerHeartbeat> {
    return this.request('POST', '/review/heartbeat', ReviewerHeartbeat, {});
  }

  sample(q: { from: string; to: string; rate?: string; unchecked?: string; reviewerId?: string }): Promise<SupervisionSample> {
    return this.request('GET', `/supervision/sample${queryString(q)}`, SupervisionSample);
  }

  check(decisionId: string, req: SupervisorCheckRequest): Promise<ReviewDecisionView> {
    return this.request('POST', `/supervision/decisions/${encodeURIComponent(decisionId)}/check`, ReviewDecisionView, req);
  }

  stats(q: { from: string; to: string }): Promise<SupervisionStats> {
    return this.request('GET', `/supervision/stats${queryString(q)}`, SupervisionStats);
  }

  branches(): Promise<z.infer<typeof BranchList>> {
    return this.request('GET', '/branches', BranchList);
  }
}

/** The one client of the page (the stores share its token). */
export const api = new ReviewApi();
