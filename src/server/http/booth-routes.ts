import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { parseOrThrow } from '../../core/validate.js';
import { API_PREFIX, BoothStatusReport, CreateSessionRequest, EnrollRequest, FaultReportRequest, FinishSessionRequest, SEGMENT_SHA256_HEADER, SegmentParams } from '../../protocol/server-api.js';
import { SessionId } from '../../protocol/ids.js';
import { BOOTH_ROUTE as BOOTH, PUBLIC_ROUTE as PUBLIC } from '../auth/route-config.js';
import { boothOf } from '../auth/request-auth.js';
import type { BoothReports } from '../ingest/booth-reports.js';
import type { IngestService } from '../ingest/ingest-service.js';

const SessionParams = z.strictObject({ sessionId: SessionId });

/**
 * The booth API: enrollment (public: the one-time code is the credential), then sessions, segment
 * upload, finish, fault and status reports, each for the booth whose token the auth hook verified.
 */
export function registerBoothRoutes(app: FastifyInstance, deps: { ingest: IngestService; reports: BoothReports; maxSegmentBytes: number; onFinished: () => void; onSegmentStored?: (() => void) | undefined }): void {
  const { ingest, reports } = deps;

  app.post(`${API_PREFIX}/booths/enroll`, PUBLIC, async (req, reply) => {
    const body = parseOrThrow(EnrollRequest, req.body, 'enrollment request');
    return reply.status(201).send(await ingest.enroll(body));
  });

  app.post(`${API_PREFIX}/sessions`, BOOTH, async (req, reply) => {
    const b = boothOf(req);
    const body = parseOrThrow(CreateSessionRequest, req.body, 'session registration');
    return reply.status(201).send(await ingest.createSession(b, body));
  });

  app.get(`${API_PREFIX}/sessions/:sessionId`, BOOTH, async (req) => {
    const b = boothOf(req);
    const { sessionId } = parseOrThrow(SessionParams, req.params, 'session id');
    return ingest.getSession(b, sessionId);
  });

  app.put(`${API_PREFIX}/sessions/:sessionId/segments/:seq`, { ...BOOTH, bodyLimit: deps.maxSegmentBytes }, async (req) => {
    const b = boothOf(req);
    const { sessionId, seq } = parseOrThrow(SegmentParams, req.params, 'segment address');
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const sha = req.headers[SEGMENT_SHA256_HEADER];
    const ack = await ingest.putSegment(b, sessionId, seq, body, Array.isArray(sha) ? sha[0] : sha);
    // Background work on the new segment (screenshots) is only kicked off, never awaited here.
    deps.onSegmentStored?.();
    return ack;
  });

  app.post(`${API_PREFIX}/sessions/:sessionId/finish`, BOOTH, async (req) => {
    const b = boothOf(req);
    const { sessionId } = parseOrThrow(SessionParams, req.params, 'session id');
    const body = parseOrThrow(FinishSessionRequest, req.body, 'finish request');
    const res = await ingest.finish(b, sessionId, body);
    deps.onFinished();
    return res;
  });

  app.post(`${API_PREFIX}/booth/faults`, BOOTH, async (req) => {
    const b = boothOf(req);
    const body = parseOrThrow(FaultReportRequest, req.body, 'fault report');
    return reports.recordFaults(b, body);
  });

  app.post(`${API_PREFIX}/booth/status`, BOOTH, async (req) => {
    const b = boothOf(req);
    const body = parseOrThrow(BoothStatusReport, req.body, 'status report');
    return reports.recordStatus(b, body);
  });
}
