import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { ValidationError } from '../../core/errors.js';
import { createHttpApp } from '../../platform/http.js';
import type { Logger } from '../../platform/log.js';
import type { AuthServices } from '../auth/auth-services.js';
import { PUBLIC_ROUTE } from '../auth/route-config.js';
import { installRouteAuth } from '../auth/route-auth.js';
import { boothOf } from '../auth/request-auth.js';
import type { CatalogueServices } from '../catalogue/catalogue-services.js';
import type { ServerDb } from '../db/schema.js';
import { authenticateBooth } from '../ingest/auth.js';
import { BoothReports } from '../ingest/booth-reports.js';
import type { IngestService } from '../ingest/ingest-service.js';
import type { KeyProvider } from '../keys/key-provider.js';
import { registerFleetBoothRoutes } from '../fleet/fleet-booth-routes.js';
import { registerFleetRoutes } from '../fleet/fleet-routes.js';
import type { FleetServices } from '../fleet/fleet-services.js';
import { defaultUiDir, registerUiStatic } from './ui-static.js';
import { registerBoothRoutes } from './booth-routes.js';
import { registerCatalogueRoutes } from './catalogue-routes.js';
import { registerCustomerRoutes } from './customer-routes.js';
import { registerStaffRoutes } from './staff-routes.js';
import type { EvidenceServices } from '../evidence/evidence-services.js';
import { registerEvidenceRoutes } from './evidence-routes.js';
import { registerSfuRoutes } from './sfu-routes.js';
import type { SfuService } from '../sfu/sfu-service.js';
import type { ReviewWorkflow } from '../review/workflow/review-workflow.js';
import { registerReviewRoutes } from './review-routes.js';
import { registerSupervisionRoutes } from './supervision-routes.js';
import { API_PREFIX, type HealthResponse } from '../../protocol/server-api.js';

const JSON_BODY_LIMIT = 4 * 1024 * 1024;
/** Longest path parameter: a media link token (GET /media/:token) is a JWT of ~400 characters. */
const MAX_PARAM_LENGTH = 2048;

export interface AppDeps {
  db: Kysely<ServerDb>;
  ingest: IngestService;
  keys: KeyProvider;
  auth: AuthServices;
  catalogue: CatalogueServices;
  evidence: EvidenceServices;
  sfu: SfuService;
  fleet: FleetServices;
  /** The review workflow (issue 8): review, supervision, media and webhook routes. */
  review: ReviewWorkflow;
  /** The built web UI served at /ui/ (default: out/renderer next to the server code). */
  uiDir?: string;
  maxSegmentBytes: number;
  loginMaxPerIpPerMinute: number;
  onFinished: () => void;
  /** A segment was acknowledged (the screenshot sampler's kick); never awaited. */
  onSegmentStored?: () => void;
  log: Logger;
}

/**
 * Builds the Fastify app (ready, not listening). Every route declares `config.auth`; the auth hook
 * enforces it before body parsing and the handler, and a route without one fails start-up.
 */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = createHttpApp(deps.log, { bodyLimit: JSON_BODY_LIMIT, maxParamLength: MAX_PARAM_LENGTH });
  app.addContentTypeParser('application/octet-stream', { parseAs: 'buffer', bodyLimit: deps.maxSegmentBytes }, (_req, body, done) => done(null, body));
  app.addHook('onRequest', async (req) => {
    // Ids travel in path segments; an encoded slash or dot-dot never names anything we store.
    if (/%2f|%5c|\.\.\//i.test(req.url)) throw new ValidationError('request.bad_path', 'path-like ids are not allowed');
  });
  await app.register(rateLimit, { global: false });
  installRouteAuth(app, { guard: deps.auth.guard, booth: (authorization) => authenticateBooth(deps.db, authorization) });
  app.addHook('onResponse', async (req, reply) => {
    req.log.debug({ method: req.method, url: req.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request');
  });
  const health = async (): Promise<HealthResponse> => ({ ok: true, archiveKeyId: deps.keys.keyId });
  app.get('/healthz', PUBLIC_ROUTE, health);
  app.get(`${API_PREFIX}/health`, PUBLIC_ROUTE, health);
  registerBoothRoutes(app, { ...deps, reports: new BoothReports(deps.db, deps.log.child({ part: 'booth-reports' })) });
  registerStaffRoutes(app, { ...deps.auth, loginMaxPerIpPerMinute: deps.loginMaxPerIpPerMinute });
  await registerCatalogueRoutes(app, { ...deps.catalogue, guard: deps.auth.guard });
  await registerCustomerRoutes(app, { customers: deps.catalogue.customers, guard: deps.auth.guard, boothOf });
  registerEvidenceRoutes(app, { guard: deps.auth.guard, evidence: deps.evidence });
  await registerSfuRoutes(app, { sfu: deps.sfu, guard: deps.auth.guard });
  registerFleetBoothRoutes(app, deps.fleet);
  await registerFleetRoutes(app, { ...deps.fleet, guard: deps.auth.guard });
  registerReviewRoutes(app, { guard: deps.auth.guard, review: deps.review, kickJobs: deps.onFinished });
  registerSupervisionRoutes(app, { guard: deps.auth.guard, review: deps.review });
  await registerUiStatic(app, deps.uiDir ?? defaultUiDir(), deps.log);
  await app.ready();
  return app;
}
