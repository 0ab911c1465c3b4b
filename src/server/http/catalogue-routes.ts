import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Readable } from 'node:stream';
import { z } from 'zod';
import { NotFoundError, ValidationError } from '../../core/errors.js';
import { parseOrThrow } from '../../core/validate.js';
import {
  BOOTH_CATALOGUE_PATH,
  ContentMime,
  CreateProductRequest,
  ProductSlug,
  UpdateProductRequest,
  VersionDefinitionInput,
  VersionParam,
} from '../../protocol/catalogue.js';
import { Sha256Hex } from '../../protocol/ids.js';
import { API_PREFIX } from '../../protocol/server-api.js';
import type { StaffGuard } from '../auth/guard.js';
import { BOOTH_ROUTE, staffRoute } from '../auth/route-config.js';
import type { CatalogueService } from '../catalogue/catalogue-service.js';
import { parseDeclaredMime } from '../catalogue/content-check.js';
import type { ContentService } from '../catalogue/content-service.js';
import { etagMatches, sendImmutableBlob } from '../../platform/blob-reply.js';

const ProductParams = z.strictObject({ productId: ProductSlug });
const VersionParams = z.strictObject({ productId: ProductSlug, version: VersionParam });
const ShaParams = z.strictObject({ sha256: Sha256Hex });

const ADMIN = staffRoute('admin');
const READ = staffRoute('admin', 'reviewer', 'supervisor');

export interface CatalogueRouteDeps {
  catalogue: CatalogueService;
  content: ContentService;
  guard: StaffGuard;
}

/** The `staff:<id>` actor of a verified staff request. */
export function actorOf(guard: StaffGuard, req: FastifyRequest): string {
  return `staff:${guard.principal(req).staffId}`;
}

/** The declared length of a streamed body, if it sent a well-formed one. */
export function declaredLength(req: FastifyRequest): number | undefined {
  const v = req.headers['content-length'];
  if (v === undefined) return undefined;
  if (!/^\d{1,15}$/.test(v)) throw new ValidationError('request.bad_length', 'content-length is not a whole number');
  return Number(v);
}

/**
 * Raw uploads (content blobs, photos) are streamed, not buffered: inside `register`, a body of an
 * accepted media type reaches the handler as the request stream and the service enforces its own
 * size limit. JSON and other types keep the app's parsers (and limits), so the handler refuses
 * them by type with a clear error.
 */
export function streamedBodies(scope: FastifyInstance): void {
  scope.addContentTypeParser([...ContentMime.options], (_req, payload, done) => done(null, payload));
}

/** The streamed body of an upload route (a parsed JSON or buffered body is refused by its content type before this). */
export function bodyStream(req: FastifyRequest): Readable {
  if (!(req.body instanceof Readable)) throw new ValidationError('request.bad_content_type', 'this upload takes the raw bytes of the file with its media type');
  return req.body;
}

/**
 * The catalogue API. Admins manage products, versions and content; reviewers and supervisors read
 * them; booths fetch the published snapshot (ETag, 304) and the content blobs it names.
 */
export async function registerCatalogueRoutes(app: FastifyInstance, deps: CatalogueRouteDeps): Promise<void> {
  const { catalogue, content, guard } = deps;
  const P = `${API_PREFIX}/catalogue`;

  app.get(`${P}/products`, READ, async () => ({ products: await catalogue.listProducts() }));

  app.post(`${P}/products`, ADMIN, async (req, reply) => {
    const body = parseOrThrow(CreateProductRequest, req.body, 'product');
    return reply.code(201).send(await catalogue.createProduct(actorOf(guard, req), body));
  });

  app.get(`${P}/products/:productId`, READ, async (req) => {
    const { productId } = parseOrThrow(ProductParams, req.params, 'product address');
    return catalogue.getProduct(productId);
  });

  app.patch(`${P}/products/:productId`, ADMIN, async (req) => {
    const { productId } = parseOrThrow(ProductParams, req.params, 'product address');
    return catalogue.updateProduct(actorOf(guard, req), productId, parseOrThrow(UpdateProductRequest, req.body, 'product update'));
  });

  app.post(`${P}/products/:productId/versions`, ADMIN, async (req, reply) => {
    const { productId } = parseOrThrow(ProductParams, req.params, 'product address');
    const def = parseOrThrow(VersionDefinitionInput, req.body, 'version definition');
    return reply.code(201).send(await catalogue.createVersion(actorOf(guard, req), productId, def));
  });

  app.get(`${P}/products/:productId/versions/:version`, READ, async (req) => {
    const { productId, version } = parseOrThrow(VersionParams, req.params, 'version address');
    return catalogue.getVersion(productId, version);
  });

  app.put(`${P}/products/:productId/versions/:version`, ADMIN, async (req) => {
    const { productId, version } = parseOrThrow(VersionParams, req.params, 'version address');
    return catalogue.updateDraft(actorOf(guard, req), productId, version, parseOrThrow(VersionDefinitionInput, req.body, 'version definition'));
  });

  app.post(`${P}/products/:productId/versions/:version/publish`, ADMIN, async (req) => {
    const { productId, version } = parseOrThrow(VersionParams, req.params, 'version address');
    return catalogue.publish(actorOf(guard, req), productId, version);
  });

  app.post(`${P}/products/:productId/versions/:version/retire`, ADMIN, async (req) => {
    const { productId, version } = parseOrThrow(VersionParams, req.params, 'version address');
    return catalogue.retire(actorOf(guard, req), productId, version);
  });

  await app.register(async (scope) => {
    streamedBodies(scope);
    scope.put(`${P}/content/:sha256`, ADMIN, async (req, reply) => {
      const { sha256 } = parseOrThrow(ShaParams, req.params, 'content address');
      const declared = parseDeclaredMime(req.headers['content-type']);
      const { info, created } = await content.upload(actorOf(guard, req), sha256, declared, bodyStream(req), declaredLength(req));
      return reply.code(created ? 201 : 200).send(info);
    });
  });

  app.get(`${P}/content/:sha256`, READ, async (req, reply) => {
    const { sha256 } = parseOrThrow(ShaParams, req.params, 'content address');
    const info = await content.info(sha256);
    return sendImmutableBlob(req, reply, info, (range) => content.open(sha256, range));
  });

  // ---- booths ----

  app.get(`${API_PREFIX}${BOOTH_CATALOGUE_PATH}`, BOOTH_ROUTE, async (req, reply) => {
    const snap = await catalogue.snapshot();
    void reply.header('etag', `"${snap.etag}"`).header('cache-control', 'private, no-cache');
    if (etagMatches(req.headers['if-none-match'], snap.etag)) return reply.code(304).send();
    return snap;
  });

  app.get(`${API_PREFIX}${BOOTH_CATALOGUE_PATH}/content/:sha256`, BOOTH_ROUTE, async (req, reply) => {
    const { sha256 } = parseOrThrow(ShaParams, req.params, 'content address');
    // Booths get only what the published catalogue names (not drafts, not withdrawn products).
    if (!(await content.servedToBooths(sha256))) throw new NotFoundError('content.unknown', `content ${sha256} is not in the published catalogue`);
    const info = await content.info(sha256);
    return sendImmutableBlob(req, reply, info, (range) => content.open(sha256, range));
  });
}
