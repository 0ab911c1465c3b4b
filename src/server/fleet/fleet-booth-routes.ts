import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { parseOrThrow } from '../../core/validate.js';
import { Semver } from '../../protocol/fleet.js';
import { APP_VERSION_HEADER, ArtifactFileName, ArtifactPlatform, FEED_FILES, ReleaseId, UPDATE_FEED_PATH, UpdateEventsRequest } from '../../protocol/fleet-releases.js';
import { API_PREFIX } from '../../protocol/server-api.js';
import { BOOTH_ROUTE } from '../auth/route-config.js';
import { boothOf } from '../auth/request-auth.js';
import type { FleetServices } from './fleet-services.js';
import type { FeedBooth } from './update-feed.js';

const FEED_FILE_NAMES = Object.values(FEED_FILES) as [string, ...string[]];
const FeedFileParams = z.strictObject({ file: z.enum(FEED_FILE_NAMES, { message: `must be one of ${FEED_FILE_NAMES.join(', ')}` }) });
const ArtifactFileParams = z.strictObject({ releaseId: ReleaseId, fileName: ArtifactFileName });
const PLATFORM_OF = Object.fromEntries(Object.entries(FEED_FILES).map(([p, f]) => [f, ArtifactPlatform.parse(p)]));

/** The booth that is asking, with the app version its updater sent (validated; absent: null). */
function feedBooth(req: FastifyRequest): FeedBooth {
  const b = boothOf(req);
  const v = req.headers[APP_VERSION_HEADER];
  return { boothId: b.boothId, branchId: b.branchId, appVersion: v === undefined ? null : parseOrThrow(Semver, v, `${APP_VERSION_HEADER} header`) };
}

/**
 * What booths ask of the fleet: their effective remote config (ETag; 304 when unchanged), the
 * update feed as electron-updater's generic provider reads it, the artifacts it names, and the
 * outcome of each update step.
 */
export function registerFleetBoothRoutes(app: FastifyInstance, deps: FleetServices): void {
  app.get(`${API_PREFIX}/booth/config`, BOOTH_ROUTE, async (req, reply) => {
    const cfg = await deps.config.effectiveFor(boothOf(req));
    const etag = `"cfg-${cfg.version}"`;
    void reply.header('etag', etag).header('cache-control', 'no-cache');
    if (req.headers['if-none-match'] === etag) return reply.status(304).send();
    return cfg;
  });

  app.get(`${UPDATE_FEED_PATH}/:file`, BOOTH_ROUTE, async (req, reply) => {
    const { file } = parseOrThrow(FeedFileParams, req.params, 'feed file');
    const yml = await deps.feed.feedFile(feedBooth(req), PLATFORM_OF[file]!);
    return reply.header('content-type', 'text/yaml; charset=utf-8').header('cache-control', 'no-store').send(yml);
  });

  app.get(`${UPDATE_FEED_PATH}/releases/:releaseId/:fileName`, BOOTH_ROUTE, async (req, reply) => {
    const { releaseId, fileName } = parseOrThrow(ArtifactFileParams, req.params, 'artifact');
    const a = await deps.feed.artifact(feedBooth(req), releaseId, fileName);
    return reply.header('content-type', 'application/octet-stream').header('content-length', String(a.size)).header('cache-control', 'no-store').send(a.stream);
  });

  app.post(`${API_PREFIX}/booth/update-events`, BOOTH_ROUTE, async (req) => {
    const body = parseOrThrow(UpdateEventsRequest, req.body, 'update events');
    return { accepted: await deps.feed.recordEvents(boothOf(req), body) };
  });
}
